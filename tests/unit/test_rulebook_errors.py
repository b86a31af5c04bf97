"""Rule-file errors: each is reported with file, line, field and what was expected, and
``ripeness check`` lists every one of them."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.errors import Problem, RuleFileError
from engine.rulebook import check_folder, load_rulebook
from ripeness.cli import app

JCPOA = Path(__file__).resolve().parents[2] / "rules" / "jcpoa"

BASE = """\
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: level, actor: A, type: number, min: 0}
  - {id: mood, type: enum, values: [calm, angry]}
  - {id: strike, kind: event, type: text}
moves:
  - id: act
    actor: A
    done_when: {subject: A.level, ge: 1}
  - id: reply
    actor: B
    done_when: {subject: mood, eq: calm}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def scenario(tmp_path: Path, extra: str, base: str = BASE) -> Path:
    """A two-file scenario: the valid ``base.yaml`` and ``extra.yaml`` under test."""
    folder = tmp_path / "scn"
    write(folder, "base.yaml", base)
    write(folder, "extra.yaml", extra)
    return folder


def problems_of(folder: Path) -> list[Problem]:
    rulebook, problems = check_folder(folder)
    assert problems, "expected the folder to be rejected"
    assert rulebook is None
    return problems


def only(folder: Path) -> Problem:
    problems = problems_of(folder)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def jcpoa_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "jcpoa"
    shutil.copytree(JCPOA, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [i for i, line in enumerate(lines, start=1) if needle in line]
    assert len(found) == 1, f"{needle!r} must occur on one line of {path.name}"
    return found[0]


# --- the bundled scenario -------------------------------------------------------------------


def test_bundled_scenario_is_valid():
    rulebook, problems = check_folder(JCPOA)
    assert problems == []
    assert rulebook is not None and "usa_no_relief_until_compliance" in rulebook.positions


def test_an_untouched_copy_is_valid(tmp_path):
    assert load_rulebook(jcpoa_copy(tmp_path)).id == "jcpoa"


# --- one error at a time --------------------------------------------------------------------


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: calm
            holds_when: {subject: mood, in: [calm, angry}
        """)
    problem = only(folder)
    assert problem.where == f"{folder / 'extra.yaml'}:3"
    assert "YAML syntax" in problem.message
    assert "flow sequence" in problem.message


def test_yaml_syntax_error_says_where_the_broken_construct_began(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: calm
            holds_when: {subject: mood, in: [calm,
        moves: []
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:5")  # where the file ends, still unclosed
    assert "started on line 3" in problem.message


def test_duplicate_yaml_key_is_a_syntax_error(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: calm
            id: angry
            holds_when: {subject: mood, eq: calm}
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:3")
    assert "duplicate key 'id'" in problem.message


def test_text_cut_by_a_comma_in_a_one_line_mapping_says_to_quote_it(tmp_path):
    """A comma inside ``{...}`` ends the value, and the rest reads as a field: the error says
    so (the ``trieste_1954`` modeller read "unknown field 'not a blow).'" with no hint)."""
    folder = jcpoa_copy(tmp_path)
    moves = folder / "moves.yaml"
    text = moves.read_text(encoding="utf-8")
    moves.write_text(text + "  - {id: pause, actor: USA, description: a pause, not a blow, done_when: {subject: talks, eq: direct}}\n",
                     encoding="utf-8")
    unknown = [p for p in problems_of(folder) if "unknown field 'not a blow'" in p.message]
    assert len(unknown) == 1, problems_of(folder)
    assert "a comma or a colon inside a one-line {...} mapping: quote the text it belongs to" in unknown[0].message
    assert unknown[0].where == f"{moves}:{len(text.splitlines()) + 1}"


def test_an_unquoted_on_read_as_a_boolean_says_to_quote_it(tmp_path):
    """YAML 1.1 reads ``on`` as true: a subject's value ``on`` was refused as "Input should be
    a valid string (got True)" with no word of why (the ``nigeria_minimum_wage_2024``
    modeller renamed it by guesswork)."""
    folder = jcpoa_copy(tmp_path)
    subjects = folder / "subjects.yaml"
    text = subjects.read_text(encoding="utf-8")
    subjects.write_text(text.replace("values: [none, indirect, direct]", "values: [none, on, direct]"), encoding="utf-8")
    problems = problems_of(folder)
    quoted = [p for p in problems if "put it in quotes ('on')" in p.message]
    assert quoted and "(got True)" in quoted[0].message, problems
    assert quoted[0].where.startswith(f"{subjects}:")


def test_unknown_field_quotes_instead_of_quote(tmp_path):
    folder = jcpoa_copy(tmp_path)
    positions = folder / "positions.yaml"
    edit(positions, '    quote: "There will be no war', '    quotes: "There will be no war')
    problems = problems_of(folder)
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"positions.1.quotes", "positions.1.quote"}
    unknown = by_field["positions.1.quotes"]
    assert unknown.where == f"{positions}:{line_of(positions, 'quotes:')}" == f"{positions}:18"
    assert "unknown field 'quotes'" in unknown.message
    assert "did you mean 'quote'?" in unknown.message
    assert "expected one of" in unknown.message and "withholds" in unknown.message
    missing = by_field["positions.1.quote"]
    assert missing.where == f"{positions}:15"  # the position's first line
    assert missing.message == "required field 'quote' is missing"


def test_unknown_top_level_section(tmp_path):
    folder = scenario(tmp_path, "conditionz: []\n")
    problem = only(folder)
    assert (problem.where, problem.field) == (f"{folder / 'extra.yaml'}:1", "conditionz")
    assert "expected one of the sections" in problem.message and "conditions" in problem.message


def test_unknown_field_inside_a_condition(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: calm
            holds_when:
              all:
                - {subject: mood, eq: calm, unit: x}
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:5")
    assert problem.field == "conditions.0.holds_when.all.0.unit"
    assert "unknown field 'unit'" in problem.message
    assert "subject" in problem.message and "not_in" in problem.message


def test_missing_required_field(tmp_path):
    folder = scenario(tmp_path, """\
        positions:
          - id: p
            actor: A
            withholds: A.act
            source: somewhere
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:2")
    assert problem.field == "positions.0.quote"
    assert problem.message == "required field 'quote' is missing"


def test_unknown_actor(tmp_path):
    folder = scenario(tmp_path, """\
        moves:
          - id: wait
            actor: C
            done_when: {subject: mood, eq: calm}
        """)
    problem = only(folder)
    assert problem.where == f"{folder / 'extra.yaml'}:3"
    assert problem.field == "moves.0.actor"
    assert "unknown actor 'C'" in problem.message and "known: A, B" in problem.message


def test_unknown_subject_with_suggestion(tmp_path):
    folder = jcpoa_copy(tmp_path)
    moves = folder / "moves.yaml"
    edit(moves, "{subject: IRN.enrichment_pct, le: 3.67}", "{subject: IRN.enrichment_pc, le: 3.67}")
    problem = only(folder)
    assert problem.where == f"{moves}:9"
    assert problem.field == "conditions.1.holds_when.all.0.subject"
    assert "unknown subject 'IRN.enrichment_pc'" in problem.message
    assert "did you mean 'IRN.enrichment_pct'?" in problem.message


def test_wrong_type_window_days_thirty(tmp_path):
    folder = jcpoa_copy(tmp_path)
    moves = folder / "moves.yaml"
    edit(moves, "window_days: 30", 'window_days: "thirty"')
    problem = only(folder)
    assert problem.where == f"{moves}:{line_of(moves, 'window_days')}" == f"{moves}:53"
    assert problem.field == "escalation.0.window_days"
    assert "valid integer" in problem.message and "'thirty'" in problem.message


def test_wrong_type_text_where_a_number_is_compared(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: high
            holds_when: {subject: A.level, ge: high}
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:3")
    assert problem.field == "conditions.0.holds_when.ge"
    assert "expected a number or another subject as {subject: ...}" in problem.message and "'high'" in problem.message


def test_a_value_fitting_no_kind_is_one_problem_not_four(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: odd
            holds_when: {subject: mood, eq: [calm]}
        """)
    problem = only(folder)
    assert problem.field == "conditions.0.holds_when.eq"
    assert problem.message == "expected true or false, a number, text or another subject as {subject: ...} (got ['calm'])"


def test_value_outside_enum(tmp_path):
    folder = jcpoa_copy(tmp_path)
    moves = folder / "moves.yaml"
    edit(moves, "in: [eased, lifted]", "in: [eased, lifed]")
    problem = only(folder)
    assert problem.where == f"{moves}:4"
    assert problem.field == "conditions.0.holds_when.in"
    assert "'lifed' is not an allowed value of USA.oil_sanctions" in problem.message
    assert "expected one of in_force, eased, lifted" in problem.message


def test_ordering_comparison_on_enum_subject(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: calmish
            holds_when:
              any:
                - {subject: A.level, le: 3}
                - {subject: mood, le: 1}
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:6")
    assert problem.field == "conditions.0.holds_when.any.1.le"
    assert "le compares numbers, but mood is enum" in problem.message


def test_number_outside_min(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: negative
            holds_when:
              subject: A.level
              lt: -1
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:5")  # the operand's own line
    assert "A.level must be at least 0" in problem.message


def test_condition_referring_to_itself(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: loop
            holds_when:
              any:
                - {condition: loop}
                - {subject: mood, eq: calm}
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:3")
    assert problem.field == "conditions.0.holds_when"
    assert "condition 'loop' refers to itself: loop -> loop" in problem.message


def test_condition_referring_to_itself_through_another(tmp_path):
    folder = scenario(tmp_path, """\
        conditions:
          - id: second
            holds_when: {not: {condition: first}}
          - id: first
            holds_when: {all: [{condition: second}, {subject: mood, eq: calm}]}
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:5")  # reported at 'first', the cycle's smallest id
    assert problem.field == "conditions.1.holds_when"
    assert "refers to itself through other conditions: first -> second -> first" in problem.message


def test_duplicate_actor_id_across_files(tmp_path):
    folder = scenario(tmp_path, """\
        actors:
          - id: B
            name: Beta again
        """)
    problem = only(folder)
    assert problem.where == f"{folder / 'extra.yaml'}:2"
    assert problem.field == "actors.0.id"
    assert f"duplicate actor id 'B' (first at {folder / 'base.yaml'}:3)" in problem.message


def test_duplicate_position_id(tmp_path):
    folder = scenario(tmp_path, """\
        positions:
          - {id: p, actor: A, withholds: A.act, quote: q, source: s}
          - {id: p, actor: B, withholds: B.reply, quote: q, source: s}
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:3")
    assert problem.field == "positions.1.id"
    assert "duplicate position id 'p'" in problem.message and "extra.yaml:2" in problem.message


def test_variant_id_equal_to_a_position_id(tmp_path):
    folder = jcpoa_copy(tmp_path)
    positions = folder / "positions.yaml"
    edit(positions, "- id: compliance_for_compliance", "- id: irn_no_negotiation")
    problem = only(folder)
    assert problem.where == f"{positions}:53"
    assert problem.field == "positions.3.variants.0.id"
    assert "duplicate variant id 'irn_no_negotiation'" in problem.message
    assert f"first at {positions}:15" in problem.message


def test_position_withholding_another_actors_move(tmp_path):
    folder = scenario(tmp_path, """\
        positions:
          - id: p
            actor: B
            withholds: A.act
            quote: q
            source: s
        """)
    problem = only(folder)
    assert problem.where.endswith("extra.yaml:4")
    assert problem.field == "positions.0.withholds"
    assert "an actor can only withhold its own moves: 'A.act' is A's, the position is B's" in problem.message


@pytest.mark.parametrize(("line", "message"), [
    ("{id: r, restates: nope, actor: A, withholds: A.act, quote: q, source: s}", "restates an unknown position 'nope'"),
    ("{id: r, restates: r, actor: A, withholds: A.act, quote: q, source: s}", "a position cannot restate itself"),
    ("{id: r, restates: p2, actor: A, withholds: A.act, quote: q, source: s}",
     "'p2' restates 'p1' itself: name the first statement of the stance, restates: p1"),
    ("{id: r, restates: p1, actor: B, withholds: B.reply, quote: q, source: s}",
     "a restatement speaks for the same actor: 'p1' is A's on A.act, this position is B's on B.reply"),
])
def test_a_restatement_names_the_first_statement_of_the_same_stance(tmp_path, line, message):
    folder = scenario(tmp_path, f"""\
        positions:
          - {{id: p1, actor: A, withholds: A.act, quote: q, source: s}}
          - {{id: p2, restates: p1, actor: A, withholds: A.act, quote: q, source: s}}
          - {line}
        """)
    problem = only(folder)
    assert problem.field == "positions.2.restates"
    assert message in problem.message


def test_an_offer_restates_an_offer(tmp_path):
    folder = scenario(tmp_path, """\
        positions:
          - {id: p1, actor: A, withholds: A.act, quote: q, source: s}
        offers:
          - {id: o1, restates: p1, actor: A, offers: A.act, quote: q, source: s}
        """)
    problem = only(folder)
    assert problem.field == "offers.0.restates"
    assert "restates an unknown offer 'p1'" in problem.message and "an offer can only restate an offer" in problem.message


def test_load_rulebook_raises_with_every_problem(tmp_path):
    folder = scenario(tmp_path, """\
        moves:
          - {id: wait, actor: C, done_when: {subject: mod, eq: calm}}
        """)
    with pytest.raises(RuleFileError) as info:
        load_rulebook(folder)
    assert [p.field for p in info.value.problems] == ["moves.0.actor", "moves.0.done_when.subject"]
    assert "2 rule-file error(s)" in str(info.value)
    assert "did you mean 'mood'?" in str(info.value)


def test_not_a_folder_and_empty_folder(tmp_path):
    assert "not a folder" in only(tmp_path / "missing").message
    (tmp_path / "empty").mkdir()
    assert "no rule files" in only(tmp_path / "empty").message


# --- every error at once ---------------------------------------------------------------------


def broken_folder(tmp_path: Path) -> Path:
    """Errors of several kinds in several files."""
    folder = tmp_path / "broken"
    write(folder, "actors.yaml", """\
        actors:
          - {id: A, name: Alpha}
          - {id: B, name: Beta}
          - {id: A, name: Alpha again}
        """)
    write(folder, "subjects.yaml", """\
        subjects:
          - {id: level, actor: A, type: number}
          - {id: mood, type: enum, values: [calm, angry]}
          - {id: fury, actor: Z, type: number}
        """)
    write(folder, "moves.yaml", """\
        moves:
          - id: act
            actor: A
            done_when: {subject: A.levle, ge: 1}
          - id: reply
            actor: B
            done_when: {subject: mood, eq: furious}
        escalation:
          - {id: tft, events: [mood], sides: [[A], [B]], window_days: thirty}
        """)
    write(folder, "positions.yaml", """\
        positions:
          - id: p1
            actor: A
            withholds: A.act
            quotes: "no"
            source: s
          - id: p2
            actor: B
            withholds: A.act
            quote: "never"
            source: s
        """)
    write(folder, "broken_yaml.yaml", "goals: [\n")
    return folder


EXPECTED = [
    ("actors.yaml:4", "actors.2.id", "duplicate actor id 'A'"),
    ("broken_yaml.yaml:2", "", "YAML syntax"),
    ("moves.yaml:9", "escalation.0.window_days", "valid integer"),
    ("positions.yaml:2", "positions.0.quote", "required field 'quote' is missing"),
    ("positions.yaml:5", "positions.0.quotes", "unknown field 'quotes'"),
]


def test_check_folder_lists_every_shape_error_in_every_file(tmp_path):
    folder = broken_folder(tmp_path)
    problems = problems_of(folder)
    found = [(p.where.removeprefix(f"{folder}/"), p.field) for p in problems]
    assert found == [(where, fld) for where, fld, _ in EXPECTED if fld != "actors.2.id"]


def test_reference_errors_are_listed_with_shape_errors(tmp_path):
    """With every file readable, a bad item is left out and the rest still cross-checked."""
    folder = broken_folder(tmp_path)
    (folder / "broken_yaml.yaml").unlink()
    problems = problems_of(folder)
    found = {(p.where.removeprefix(f"{folder}/"), p.field): p.message for p in problems}
    assert set(found) == {
        ("actors.yaml:4", "actors.2.id"),
        ("subjects.yaml:4", "subjects.2.actor"),
        ("moves.yaml:4", "moves.0.done_when.subject"),
        ("moves.yaml:7", "moves.1.done_when.eq"),
        ("moves.yaml:9", "escalation.0.window_days"),
        ("positions.yaml:2", "positions.0.quote"),
        ("positions.yaml:5", "positions.0.quotes"),
        ("positions.yaml:9", "positions.1.withholds"),
    }
    assert "did you mean 'A.level'?" in found[("moves.yaml:4", "moves.0.done_when.subject")]
    assert "'furious' is not an allowed value of mood" in found[("moves.yaml:7", "moves.1.done_when.eq")]
    assert "unknown actor 'Z'" in found[("subjects.yaml:4", "subjects.2.actor")]
    # problems come in file and line order
    assert [p.where for p in problems] == sorted(
        (p.where for p in problems), key=lambda w: (w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])))


def test_references_to_a_broken_item_are_not_reported_twice(tmp_path):
    folder = scenario(tmp_path, """\
        moves:
          - id: wait
            actor: A
            done_when: {subject: mood, eq: calm}
            substitute: A.act
        positions:
          - {id: p, actor: A, withholds: A.wait, quote: q, source: s}
        """)
    problem = only(folder)
    assert problem.field == "moves.0.substitute"


def test_cli_check_lists_every_error_and_exits_non_zero(tmp_path):
    folder = broken_folder(tmp_path)
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code == 1
    output = result.output
    for where, fld, message in EXPECTED:
        if fld == "actors.2.id":
            continue  # cross-references wait until every file parses
        assert f"{folder}/{where}" in output
        assert fld in output and message in output
    assert f"4 error(s) in {folder}" in output


def test_cli_check_after_fixing_syntax_lists_reference_errors_too(tmp_path):
    folder = broken_folder(tmp_path)
    (folder / "broken_yaml.yaml").write_text("goals: []\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code == 1
    assert f"{folder}/actors.yaml:4: actors.2.id: duplicate actor id 'A'" in result.output
    assert f"{folder}/positions.yaml:9: positions.1.withholds: an actor can only withhold its own moves" in result.output
    assert f"8 error(s) in {folder}" in result.output


def test_cli_check_bundled_scenario_is_ok():
    result = CliRunner().invoke(app, ["check", "jcpoa"])
    assert result.exit_code == 0, result.output
    assert "jcpoa: ok" in result.output
    assert "6 actors" in result.output and "6 positions" in result.output


def test_prose_loses_a_folded_blocks_closing_newline_and_a_blank_quote_is_refused(tmp_path):
    folder = scenario(tmp_path, """\
        goals:
          - id: g
            description: >
              Alpha acts.
            done_when: {subject: A.level, ge: 1}
            needs: [A.act]
        """)
    assert load_rulebook(folder).goals["g"].description == "Alpha acts."
    blank = scenario(tmp_path / "blank", """\
        positions:
          - {id: p, actor: A, withholds: A.act, quote: "   ", source: s}
        """)
    problem = only(blank)
    assert problem.field == "positions.0.quote" and "at least 1 character" in problem.message


PER_SIDE = """\
    subjects:
      - {id: censure, kind: event, type: text}
    escalation:
      - id: tft
        sides: [[A], [B]]
        events: EVENTS
    """


def test_a_pattern_gives_each_side_its_own_hostile_acts(tmp_path):
    folder = scenario(tmp_path, PER_SIDE.replace("EVENTS", "[[censure], [strike]]"))
    rulebook, problems = check_folder(folder)
    assert problems == []
    pattern = rulebook.escalations["tft"]
    assert (pattern.events_of(0), pattern.events_of(1)) == (["censure"], ["strike"])
    both = check_folder(scenario(tmp_path / "both", PER_SIDE.replace("EVENTS", "[censure, strike]")))[0].escalations["tft"]
    assert (both.events_of(0), both.events_of(1)) == (["censure", "strike"], ["censure", "strike"])


@pytest.mark.parametrize(("events", "field", "message"), [
    ("[[censure]]", "escalation.0.events", "expected two lists of event subjects, one for each of the two sides, not 1"),
    ("[[censure], [strike], [strike]]", "escalation.0.events", "one for each of the two sides, not 3"),
    ("[[censure], strike]", "escalation.0.events", "not a mix of the two (got [['censure'], 'strike'])"),
    ("[[censure], []]", "escalation.0.events.1", "at least 1 item"),
    ("[]", "escalation.0.events", "at least 1 item"),
    ("[[censure], [strike-2]]", "escalation.0.events.1.0", "expected a name of letters"),
    ("[[censure], [nope]]", "escalation.0.events.1.0", "unknown subject 'nope'"),
    ("[[censure], [mood]]", "escalation.0.events.1.0", "'mood' is a state subject"),
])
def test_per_side_events_errors_name_the_field(tmp_path, events, field, message):
    folder = scenario(tmp_path, PER_SIDE.replace("EVENTS", events))
    problem = only(folder)
    assert problem.where == f"{folder / 'extra.yaml'}:6"
    assert problem.field == field
    assert message in problem.message, problem.message


@pytest.mark.parametrize(("intensity", "message"), [("1", "greater than or equal to 2"), ("many", "valid integer")])
def test_a_bad_intensity_names_the_field(tmp_path, intensity, message):
    folder = scenario(tmp_path, PER_SIDE.replace("EVENTS", "[censure, strike]") + f"    intensity: {intensity}\n")
    problem = only(folder)
    assert problem.where == f"{folder / 'extra.yaml'}:7"
    assert problem.field == "escalation.0.intensity"
    assert message in problem.message, problem.message


def test_condition_too_complex_to_write_out_is_refused_where_it_is_written(tmp_path):
    # nine 'any's of two under one 'all' are 512 alternatives once written out: the engine
    # could not analyse a verdict that reads it, so the file is refused, not the verdict
    pairs = "\n".join(f"                - any: [{{subject: A.level, ge: {2 * i}}}, {{subject: mood, eq: calm}}]" for i in range(9))
    folder = scenario(tmp_path, f"""\
        conditions:
          - id: big
            holds_when:
              all:
{pairs}
          - id: uses_it
            holds_when: {{all: [{{condition: big}}, {{subject: mood, eq: calm}}]}}
          - id: negates_it
            holds_when: {{not: {{condition: big}}}}
        """)
    problems = sorted(problems_of(folder), key=lambda p: p.field)
    assert [(p.where.rsplit("/", 1)[-1], p.field) for p in problems] == [("extra.yaml:3", "conditions.0.holds_when"),
                                                                         ("extra.yaml:15", "conditions.1.holds_when")]
    assert all("more than 256 alternatives" in p.message for p in problems)  # not 'negates_it': written out, nine alternatives


def test_a_long_disjunction_is_no_complexity_problem(tmp_path):
    # alternatives of an 'any' add up: 300 of them are analysed as they are (only an 'all' multiplies)
    wide = ", ".join(f"{{subject: A.level, eq: {i}}}" for i in range(300))
    folder = scenario(tmp_path, f"""\
        conditions:
          - id: wide
            holds_when:
              any: [{wide}]
        """)
    rulebook, problems = check_folder(folder)
    assert (problems, rulebook is not None) == ([], True)
