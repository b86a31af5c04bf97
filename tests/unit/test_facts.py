"""Fact files: a bad line rejects the whole file, with each bad line's number and what was
wrong; times are UTC."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.errors import FactError
from engine.facts import FactInput, read_fact_file, to_utc
from engine.rulebook import load_rulebook
from ripeness.cli import app

JCPOA = Path(__file__).resolve().parents[2] / "rules" / "jcpoa"
UTC = dt.timezone.utc

GOOD = {"at": "2021-01-04", "actor": "IRN", "subject": "enrichment_pct", "value": 20, "source": "IAEA"}
EVENT = {"at": "2021-02-15", "actor": "MIL", "target": "USA", "subject": "strike", "value": "rockets"}


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(JCPOA)


def jsonl(tmp_path: Path, *lines: dict | str) -> Path:
    path = tmp_path / "facts.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
                    encoding="utf-8")
    return path


def yaml_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "facts.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def rejected(path: Path, rulebook) -> list[tuple[str, str, str]]:
    with pytest.raises(FactError) as info:
        read_fact_file(path, rulebook)
    return [(p.where.removeprefix(f"{path}:"), p.field, p.message) for p in info.value.problems]


# --- .jsonl --------------------------------------------------------------------------------


def test_good_jsonl_is_read(tmp_path, rulebook):
    facts = read_fact_file(jsonl(tmp_path, GOOD, "", EVENT), rulebook)
    assert [(f.subject, f.kind) for f in facts] == [("IRN.enrichment_pct", "state"), ("strike", "event")]
    assert facts[0].input.at == dt.datetime(2021, 1, 4, tzinfo=UTC)


def test_jsonl_invalid_json(tmp_path, rulebook):
    path = jsonl(tmp_path, GOOD, '{"at": "2021-01-05", "subject": "talks" "value": "none"}')
    [(line, fld, message)] = rejected(path, rulebook)
    assert (line, fld) == ("2", "")
    assert message.startswith("not valid JSON: Expecting ',' delimiter at column")


def test_jsonl_invalid_json_does_not_hide_other_bad_lines(tmp_path, rulebook):
    path = jsonl(tmp_path, "{nope", GOOD, {**GOOD, "subject": "enrichmnt_pct"})
    problems = rejected(path, rulebook)
    assert [(line, fld) for line, fld, _ in problems] == [("1", ""), ("3", "subject")]


def test_jsonl_unknown_subject_with_suggestion(tmp_path, rulebook):
    [(line, fld, message)] = rejected(jsonl(tmp_path, GOOD, {**GOOD, "subject": "enrichmnt_pct"}), rulebook)
    assert (line, fld) == ("2", "subject")
    assert "unknown subject 'IRN.enrichmnt_pct'; did you mean 'IRN.enrichment_pct'?" in message


def test_jsonl_value_outside_enum(tmp_path, rulebook):
    bad = {"at": "2021-01-04", "actor": "USA", "subject": "oil_sanctions", "value": "gone"}
    [(line, fld, message)] = rejected(jsonl(tmp_path, bad), rulebook)
    assert (line, fld) == ("1", "value")
    assert message == "'gone' is not an allowed value of USA.oil_sanctions; expected one of in_force, eased, lifted"


def test_jsonl_event_without_actor(tmp_path, rulebook):
    bad = {k: v for k, v in EVENT.items() if k != "actor"}
    [(line, fld, message)] = rejected(jsonl(tmp_path, GOOD, GOOD, bad), rulebook)
    assert (line, fld) == ("3", "actor")
    assert "an event needs the actor who did it" in message


def test_jsonl_unknown_field(tmp_path, rulebook):
    bad = {**GOOD, "sorce": "IAEA"}
    [(line, fld, message)] = rejected(jsonl(tmp_path, bad), rulebook)
    assert (line, fld) == ("1", "sorce")
    assert "unknown field 'sorce'; did you mean 'source'?" in message
    assert "expected one of at, actor, subject, value, target, source, note" in message


def test_jsonl_wrong_types_and_missing_fields(tmp_path, rulebook):
    path = jsonl(tmp_path,
                 {k: v for k, v in GOOD.items() if k != "at"},
                 {**GOOD, "value": [20]},
                 {**GOOD, "at": "tomorrow"},
                 {**GOOD, "value": "20"},
                 [1, 2],
                 {**GOOD, "actor": "USA", "subject": "IRN.enrichment_pct"})
    assert rejected(path, rulebook) == [
        ("1", "at", "required field 'at' is missing"),
        ("2", "value", "expected true or false, a number or text (got [20])"),
        ("3", "at", "expected an ISO 8601 date or datetime from the year 1000 to 8999, such as 2021-03-07 or 2021-03-07T14:30:00Z (got 'tomorrow')"),
        ("4", "value", "IRN.enrichment_pct is a number (% U-235); got '20'"),
        ("5", "", "expected a fact: a mapping with at, subject, value, ...; got [1, 2]"),
        ("6", "actor", "IRN.enrichment_pct is IRN's subject, but the fact's actor is 'USA'; "
                       "leave 'actor' out or set it to 'IRN'"),
    ]


def test_blank_lines_keep_line_numbers(tmp_path, rulebook):
    path = jsonl(tmp_path, GOOD, "", "   ", {**GOOD, "value": 101})
    [(line, fld, message)] = rejected(path, rulebook)
    assert (line, fld) == ("4", "value")
    assert "must be at most 100" in message


# --- .yaml ---------------------------------------------------------------------------------


def test_yaml_bad_items_name_their_lines(tmp_path, rulebook):
    path = yaml_file(tmp_path, """\
        facts:
          - {at: 2021-01-04, actor: IRN, subject: enrichment_pct, value: 20}
          - at: 2021-01-05
            actor: IRN
            subject: enrichmnt_pct
            value: 20
          - {at: 2021-01-06, actor: USA, subject: oil_sanctions, value: gone}
          - {at: 2021-02-15, subject: strike, value: rockets}
          - {at: 2021-01-06, actor: USA, subject: in_jcpoa, value: true, sourc: x}
          - just a string
        """)
    problems = rejected(path, rulebook)
    assert [(line, fld) for line, fld, _ in problems] == [
        ("3", "subject"), ("7", "value"), ("8", "actor"), ("9", "sourc"), ("10", "")]


def test_yaml_plain_list_and_syntax_error(tmp_path, rulebook):
    path = yaml_file(tmp_path, """\
        - {at: 2021-01-04, actor: IRN, subject: enrichment_pct, value: 20}
        - {at: 2021-01-05, actor: IRN, subject: enrichment_pct, value: [}
        """)
    [(line, fld, message)] = rejected(path, rulebook)
    assert (line, fld) == ("2", "")
    assert message.startswith("YAML syntax:")


def test_yaml_must_be_a_list(tmp_path, rulebook):
    [(line, _, message)] = rejected(yaml_file(tmp_path, "at: 2021-01-04\n"), rulebook)
    assert line == "1" and "expected a list of facts" in message


def test_other_suffix_and_missing_file(tmp_path, rulebook):
    other = tmp_path / "facts.csv"
    other.write_text("x\n", encoding="utf-8")
    assert "expected a .jsonl, .yaml or .yml fact file" in rejected(other, rulebook)[0][2]
    with pytest.raises(FactError, match="cannot read the fact file"):
        read_fact_file(tmp_path / "absent.jsonl", rulebook)


def test_bundled_facts_are_valid(rulebook):
    assert len(read_fact_file(JCPOA / "facts.yaml", rulebook)) > 40


# --- time ----------------------------------------------------------------------------------


@pytest.mark.parametrize("written, expected", [
    ("2021-03-07", dt.datetime(2021, 3, 7, tzinfo=UTC)),
    ("2021-03-07T10:30:00", dt.datetime(2021, 3, 7, 10, 30, tzinfo=UTC)),
    ("2021-03-07T10:30:00+02:00", dt.datetime(2021, 3, 7, 8, 30, tzinfo=UTC)),
    ("2021-03-07T01:00:00+03:00", dt.datetime(2021, 3, 6, 22, 0, tzinfo=UTC)),
    ("2021-03-07T10:30:00Z", dt.datetime(2021, 3, 7, 10, 30, tzinfo=UTC)),
])
def test_times_are_utc(written, expected):
    at = FactInput.model_validate({"at": written, "subject": "talks", "value": "none"}).at
    assert at == expected and at.utcoffset() == dt.timedelta(0)


def test_to_utc():
    assert to_utc(dt.date(2021, 3, 7)) == dt.datetime(2021, 3, 7, tzinfo=UTC)
    assert to_utc(dt.datetime(2021, 3, 7, 12)).tzinfo == UTC
    east = dt.timezone(dt.timedelta(hours=5))
    assert to_utc(dt.datetime(2021, 3, 7, 3, tzinfo=east)) == dt.datetime(2021, 3, 6, 22, tzinfo=UTC)


def test_yaml_dates_and_offsets(tmp_path, rulebook):
    path = yaml_file(tmp_path, """\
        - {at: 2021-03-07, subject: talks, value: none}
        - {at: "2021-03-07 10:00:00", subject: talks, value: indirect}
        - {at: "2021-03-07T10:00:00-05:00", subject: talks, value: direct}
        """)
    ats = [f.input.at for f in read_fact_file(path, rulebook)]
    assert ats == [dt.datetime(2021, 3, 7, tzinfo=UTC), dt.datetime(2021, 3, 7, 10, tzinfo=UTC),
                   dt.datetime(2021, 3, 7, 15, tzinfo=UTC)]


# --- the CLI uses nothing from a bad file ----------------------------------------------------


@pytest.mark.parametrize("command", ["verdict", "timeline"])
def test_cli_rejects_a_bad_fact_file_whole(tmp_path, command):
    path = jsonl(tmp_path, GOOD, {**GOOD, "subject": "enrichmnt_pct"}, "{nope")
    result = CliRunner().invoke(app, [command, str(JCPOA), str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""  # no verdict, no timeline
    assert "2 fact error(s)" in result.stderr
    assert f"{path}:2: subject: unknown subject 'IRN.enrichmnt_pct'" in result.stderr
    assert f"{path}:3: not valid JSON" in result.stderr


# --- counted events ------------------------------------------------------------------------


def test_a_counted_event_is_read_from_yaml_and_jsonl_with_its_period(tmp_path, rulebook):
    path = yaml_file(tmp_path, """\
        facts:
          - {at: 2021-07-01, since: 2021-04-01, count: 150, actor: MIL, target: USA, subject: strike,
             value: rocket and drone attacks, source: CENTCOM}
          - {at: 2021-07-02, count: 3, actor: MIL, subject: strike, value: three rockets}
        """)
    quarter, day = read_fact_file(path, rulebook)
    assert (quarter.input.count, quarter.input.since) == (150, dt.datetime(2021, 4, 1, tzinfo=UTC))
    assert (day.input.count, day.input.since) == (3, None)
    [again] = read_fact_file(jsonl(tmp_path, {**EVENT, "count": 150, "since": "2021-01-01"}), rulebook)
    assert again.input.count == 150


def test_a_bad_count_or_period_in_a_fact_file_names_its_line_and_field(tmp_path, rulebook):
    path = jsonl(tmp_path, {**EVENT, "count": 0}, {**EVENT, "since": "2021-03-01", "count": 2}, {**EVENT, "since": "2021-01-01"},
                 {**GOOD, "count": 2}, {**EVENT, "count": "150"})
    problems = rejected(path, rulebook)
    assert [(where, field) for where, field, _ in problems] == [("1", "count"), ("2", "since"), ("3", "since"), ("4", "count"), ("5", "count")]
    assert "greater than or equal to 1" in problems[0][2] and "not before 'at'" in problems[1][2]
    assert "give its 'count' too" in problems[2][2] and "IRN.enrichment_pct is a state subject" in problems[3][2]


def test_a_recorded_fact_is_checked_again_as_if_it_arrived_now(tmp_path):
    """``recheck``: what changed rule files no longer accept of a recorded fact (the start-up
    check of ``Sessions``), with the same messages as a fact arriving now."""
    import datetime as dt

    from engine.facts import Fact, recheck
    from engine.rulebook import load_rulebook

    (tmp_path / "rules.yaml").write_text(textwrap.dedent("""\
        actors: [{id: A, name: Alpha}]
        subjects:
          - {id: level, actor: A, type: number, max: 50}
          - {id: strike, actor: A, kind: event, type: text}
        """), encoding="utf-8")
    rulebook = load_rulebook(tmp_path)
    at = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)

    def fact(subject: str, kind: str, value) -> Fact:
        return Fact(id="f7", seq=7, at=at, subject=subject, kind=kind, value=value, actor="A")

    assert recheck(fact("A.level", "state", 40), rulebook) == []
    [too_high] = recheck(fact("A.level", "state", 60), rulebook)
    assert (too_high.where, too_high.field) == ("f7", "value") and "50" in too_high.message
    [gone] = recheck(fact("A.levels", "state", 40), rulebook)
    assert gone.field == "subject" and "did you mean 'A.level'?" in gone.message
    [kind] = recheck(fact("A.strike", "state", "x"), rulebook)
    assert kind.message == "A.strike is now an event subject; the fact is a state"


def test_a_fact_is_built_as_a_frozen_dataclass_of_its_fields():
    """``Fact``'s own ``__init__`` (slots set through their descriptors) takes what the
    dataclass's took: each field by position or name, in order, with its default; it
    refuses what that refused, and the fact stays frozen."""
    import dataclasses

    from engine.facts import Fact

    at = dt.datetime(2021, 1, 4, tzinfo=UTC)
    values = ["f1", 1, at, "IRN.enrichment_pct", "state", 20, "IRN", None, "IAEA", "a note", at, None, 3, None, None,
              "reported", ("IRN",), ("USA",), True]
    names = [f.name for f in dataclasses.fields(Fact)]
    by_name = Fact(**dict(zip(names, values)))
    assert Fact(*values) == by_name and [getattr(by_name, n) for n in names] == values
    short = Fact("f2", 2, at, "strike", "event", None)
    assert [getattr(short, n) for n in names[6:]] == [f.default for f in dataclasses.fields(Fact)[6:]]
    assert dataclasses.replace(short, value="rockets").value == "rockets" and short.value is None
    with pytest.raises(TypeError):
        Fact("f3", 3, at, "strike", "event")  # no value
    with pytest.raises(TypeError):
        Fact("f3", 3, at, "strike", "event", None, colour="red")
    with pytest.raises(dataclasses.FrozenInstanceError):
        short.value = "rockets"  # type: ignore[misc]



def test_an_actor_on_a_shared_state_subject_is_kept_and_cited_but_changes_no_verdict(tmp_path):
    """rules/README §6: on a shared state subject (``talks``) ``actor`` says whom the fact
    concerns; it is stored with the fact, and every status is the one without it."""
    import yaml

    from ripeness.bootstrap import load_scenario

    facts = yaml.safe_load((JCPOA / "facts.yaml").read_text(encoding="utf-8"))["facts"]
    plain = {"at": "2021-05-10", "subject": "talks", "value": "direct", "source": "a what-if"}
    seen = []
    for i, extra in enumerate((plain, {**plain, "actor": "USA"})):
        path = tmp_path / f"facts{i}.jsonl"
        path.write_text("\n".join(json.dumps(f, default=str) for f in [*facts, extra]) + "\n", encoding="utf-8")
        scenario = load_scenario(JCPOA)
        session = scenario.new_session("baseline")
        recorded = session.record(read_fact_file(path, scenario.rulebook))
        verdict = session.verdict(dt.datetime(2021, 6, 1, tzinfo=UTC))
        seen.append((recorded[-1].actor, verdict.status, [g.status for g in verdict.goals]))
    (none, *without), (usa, *with_actor) = seen
    assert (none, usa) == (None, "USA")
    assert with_actor == without
