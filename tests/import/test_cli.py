"""``ripeness import`` through typer's CliRunner: into a session of a real SQLite log, into
a fact file; re-imports, corrections, deletions, GDELT duplicates and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ripeness.bootstrap import Scenario, open_sessions
from ripeness.cli import app
from tests.conftest import NOW, ROOT

DATA = Path(__file__).resolve().parent / "data"
runner = CliRunner()


def run(*args: str, ok: bool = True) -> dict | str:
    result = runner.invoke(app, ["import", *args])
    if ok:
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout) if "--json" in args else result.stdout
    assert result.exit_code == 1, result.output
    return result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'log.db'}"


def into(db: str, folder: Path, mapping: str, source: str, *more: str, ok: bool = True):
    return run(mapping, str(DATA / source), "--rules", str(folder), "--db", db, "--json", *more, ok=ok)


def live(docks: Scenario, db: str) -> dict[str, object]:
    """The session's live facts by their source key, as (subject, actor, value, at)."""
    sessions = open_sessions(docks, db, NOW)
    try:
        page = sessions.facts("baseline", limit=10_000)
    finally:
        sessions.close()
    return {f.source.split("]")[0][1:]: (f.subject, f.actor, f.value, f.at.date().isoformat())
            for f in page.facts if f.kind in ("state", "event") and f.id not in page.withdrawn_by}


def test_acled_rows_become_events_states_and_monthly_sums(docks: Scenario, docks_folder: Path, db: str) -> None:
    report = into(db, docks_folder, "acled", "acled.csv")
    assert (report["rows"], report["stored"], report["outside_range"], report["unmatched"], report["bad_rows"]) == (8, 6, 1, 1, 0)
    facts = live(docks, db)
    assert facts == {
        "acled_docks:record:WST1": ("walkout", "UNI", "Peaceful protest", "2024-03-04"),
        "acled_docks:record:WST2": ("lockout", "EMP", "lockout of the gates", "2024-03-06"),
        "acled_docks:record:WST4": ("walkout", "UNI", "Protest with intervention", "2024-03-20"),
        "acled_docks:record:WST6": ("MED.arbitration", None, "proposed", "2024-04-02"),
        # a month's sum is dated when the month is over
        "acled_docks:monthly:fatalities:2024-03": ("fatalities", None, 1, "2024-04-01"),
        "acled_docks:monthly:fatalities:2024-04": ("fatalities", None, 2, "2024-05-01"),
    }


def test_a_re_import_stores_nothing_twice(docks: Scenario, docks_folder: Path, db: str) -> None:
    first = into(db, docks_folder, "acled", "acled.csv")
    again = into(db, docks_folder, "acled", "acled.csv")
    assert (again["stored"], again["already_there"], again["corrected"], again["withdrawn"], again["ids"]) == (0, 6, 0, 0, [])
    assert len(live(docks, db)) == first["stored"]


def test_updated_rows_are_corrections_and_deleted_rows_withdrawals(docks: Scenario, docks_folder: Path, db: str) -> None:
    into(db, docks_folder, "acled", "acled.csv")
    report = into(db, docks_folder, "acled", "acled_updated.csv", "--deletions", str(DATA / "acled_deletions.csv"))
    # WST1's notes and WST3's fatalities were revised; WST4 was deleted at the source
    assert (report["stored"], report["corrected"], report["withdrawn"], report["already_there"]) == (0, 2, 1, 3)
    facts = live(docks, db)
    assert "acled_docks:record:WST4" not in facts
    assert facts["acled_docks:monthly:fatalities:2024-03"][2] == 2
    sessions = open_sessions(docks, db, NOW)
    try:
        page = sessions.facts("baseline", limit=10_000)
        corrected = [f for f in page.facts if f.source.startswith("[acled_docks:record:WST1]") and f.id not in page.withdrawn_by]
        assert corrected[0].withdraws is not None and "600 dockworkers" in corrected[0].note
    finally:
        sessions.close()
    same = into(db, docks_folder, "acled", "acled_updated.csv", "--deletions", str(DATA / "acled_deletions.csv"))
    assert (same["stored"], same["corrected"], same["withdrawn"], same["already_there"]) == (0, 0, 0, 5)


def test_a_fact_file_written_twice_is_the_same_and_reads_as_facts(docks_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "facts.jsonl"
    text = run("acled", str(DATA / "acled.csv"), "--rules", str(docks_folder), "--out", str(out))
    assert "6 fact(s) written to" in text
    first = out.read_bytes()
    run("acled", str(DATA / "acled.csv"), "--rules", str(docks_folder), "--out", str(out))
    assert out.read_bytes() == first
    verdict = runner.invoke(app, ["verdict", str(docks_folder), str(out), "--as-of", "2024-05-02", "--json"])
    assert verdict.exit_code == 0, verdict.output


def test_plover_jsonl_and_tsv_make_the_same_facts(docks_folder: Path, tmp_path: Path) -> None:
    outs = []
    for name in ("plover.jsonl", "plover.tsv"):
        out = tmp_path / f"{name}.jsonl"
        report = run(str(docks_folder / "imports" / "plover.yaml"), str(DATA / name), "--out", str(out), "--json")
        assert (report["rows"], report["unmatched"]) == (5, 1)
        outs.append([json.loads(line) for line in out.read_text().splitlines()])
    assert outs[0] == outs[1]
    facts = {f["source"].split("]")[0][1:]: f for f in outs[0]}
    assert facts["plover_docks:record:PLV-002"]["value"] == "lockout"
    assert facts["plover_docks:record:PLV-001"]["target"] == "EMP"
    # two protests in the week of 4 March, one (the students', whose actor is not mapped) in the week of 11 March
    assert facts["plover_docks:weekly:protests_per_week:2024-W10"]["value"] == 2
    assert facts["plover_docks:weekly:protests_per_week:2024-W11"]["value"] == 1
    assert facts["plover_docks:weekly:protests_per_week:2024-W10"]["at"] == "2024-03-11"


def test_gdelt_duplicates_of_one_event_are_merged(docks: Scenario, docks_folder: Path, db: str) -> None:
    report = into(db, docks_folder, "gdelt", "gdelt.tsv")
    assert (report["rows"], report["merged"], report["stored"], report["outside_range"], report["unmatched"]) == (8, 2, 4, 1, 1)
    facts = live(docks, db)
    # the same day, actors, root code and article: one event, the smallest id kept
    assert set(facts) == {"gdelt_docks:record:900001", "gdelt_docks:record:900005",
                          "gdelt_docks:record:900008", "gdelt_docks:record:900009"}
    assert facts["gdelt_docks:record:900008"][2] == "https://radio.example/blockade"
    again = into(db, docks_folder, "gdelt", "gdelt.tsv")
    assert (again["stored"], again["already_there"]) == (0, 4)


@pytest.mark.parametrize(("source", "fmt", "expected"), [
    ("acled_bad.csv", "acled", ["acled_bad.csv:3: event_date: expected a date", "acled_bad.csv:4: event_id_cnty: required field",
                                "acled_bad.csv:5: fatalities: expected a number", "acled_bad.csv:6: event_id_cnty: the id 'WST1' was already used at",
                                "acled_bad.csv:7: 4 columns; the header line has 11"]),
    ("plover_bad.jsonl", "plover", ["plover_bad.jsonl:2: not valid JSON", "plover_bad.jsonl:3: expected a JSON object",
                                    "plover_bad.jsonl:4: date: expected a date", "plover_bad.jsonl:5: event: required field",
                                    "plover_bad.jsonl:6: id: an id is 1 to 200 characters", "plover_bad.jsonl:7: quad_code: expected a number"]),
    ("gdelt_bad.tsv", "gdelt", ["gdelt_bad.tsv:2: 3 tab-separated columns; a GDELT event row has 57 or 58 or 61",
                                "gdelt_bad.tsv:3: SQLDATE: expected a date", "gdelt_bad.tsv:4: GoldsteinScale: expected a number"]),
])
def test_bad_rows_reject_the_whole_file_with_each_line(docks: Scenario, docks_folder: Path, db: str, source: str, fmt: str,
                                                       expected: list[str]) -> None:
    err = into(db, docks_folder, fmt, source, ok=False)
    for line in expected:
        assert line in err, err
    assert live(docks, db) == {}
    report = into(db, docks_folder, fmt, source, "--skip-bad")
    assert report["bad_rows"] == len(expected) and report["stored"] >= 1
    assert all(any(e in p for p in report["problems"]) for e in expected)


MAPPING_ERRORS = [
    ("import: {id: m, format: acled}\nactors: {X: NOPE}\nrules:\n  - {subject: walkout}\n",
     "m.yaml:2: actors.X: unknown actor 'NOPE'"),
    ("import: {id: m, format: acled}\nrules:\n  - subject: walkotu\n", "m.yaml:3: rules.0.subject: unknown subject 'walkotu'; did you mean 'walkout'?"),
    ("import: {id: m, format: acled}\nrules:\n  - when: {event_typ: Protests}\n    subject: walkout\n",
     "m.yaml:3: rules.0.when.event_typ: acled data has no field 'event_typ'; did you mean 'event_type'?"),
    ("import: {id: m, format: gdelt}\nrules:\n  - when: {EventCode: 042}\n    subject: walkout\n",
     "m.yaml:3: rules.0.when: when.EventCode: write codes as quoted text (\"042\", not 042)"),
    ("import: {id: m, format: acled}\nrules:\n  - {subject: MED.arbitration, aggregate: monthly}\n",
     "m.yaml:3: rules.0.subject: an aggregating rule counts or sums into a number state subject, or into counted events "
     "of an event subject; MED.arbitration is a enum state"),
    ("import: {id: m, format: acled}\nrules:\n  - {subject: MED.arbitration, value: maybe}\n",
     "m.yaml:3: rules.0.value: 'maybe' is not an allowed value of MED.arbitration"),
    ("import: {id: m, format: acled}\nrules:\n  - {subject: MED.arbitration}\n",
     "m.yaml:3: rules.0: MED.arbitration is a state: give the 'value'"),
    ("import: {id: m, format: acled, from: 2024-05-01, until: 2024-01-01}\nrules:\n  - {subject: walkout}\n",
     "m.yaml:1: import: 'until' (2024-01-01) must be after 'from'"),
    ("import: {id: m, format: acled}\nrules: []\nextra: 1\n", "m.yaml:3: extra: unknown field 'extra'"),
    ("import: {id: m, format: acled}\nrules: [\n", "m.yaml:3: YAML syntax"),
    ("import: {id: m, format: plover}\nrules:\n  - {subject: walkout}\n", "m.yaml:1: import.format: this mapping is for plover data; the data given is acled"),
    ("import: {id: m}\nrules:\n  - {subject: fatalities, aggregate: daily, sum: fatalities}\n  - {subject: fatalities, aggregate: weekly}\n",
     "m.yaml:4: rules.1.subject: fatalities is already aggregated by rule 0"),
]


@pytest.mark.parametrize(("text", "expected"), MAPPING_ERRORS)
def test_a_bad_mapping_file_says_where_and_what(docks: Scenario, docks_folder: Path, db: str, tmp_path: Path,
                                                text: str, expected: str) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(text)
    err = run(str(mapping), str(DATA / "acled.csv"), "--rules", str(docks_folder), "--db", db, "--format", "acled", ok=False)
    assert expected.replace("m.yaml", str(mapping)) in err, err
    assert live(docks, db) == {}


def test_the_scenario_is_the_one_whose_imports_folder_holds_the_mapping(docks: Scenario, docks_folder: Path, db: str) -> None:
    report = run(str(docks_folder / "imports" / "acled.yaml"), str(DATA / "acled.csv"), "--db", db, "--json")
    assert report["stored"] == 6
    err = run(str(DATA / "acled.yaml"), str(DATA / "acled.csv"), "--db", db, ok=False)
    assert "give --rules DIR" in err


def test_the_bundled_strike_scenario_ships_a_mapping_that_reads_acled(tmp_path: Path) -> None:
    out = tmp_path / "facts.jsonl"
    report = run(str(ROOT / "rules" / "strike" / "imports" / "acled.yaml"), str(DATA / "acled.csv"), "--out", str(out), "--json")
    # the riot, the attack (no rule here counts deaths) and the students' march match no rule
    assert (report["stored"], report["unmatched"]) == (5, 3)
    assert runner.invoke(app, ["check", str(ROOT / "rules" / "strike")]).exit_code == 0  # imports/ is not read as rules


def test_rows_of_unknown_actors_match_no_event_rule_and_bad_values_are_bad_rows(docks_folder: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("import: {id: m, format: gdelt}\nactors: {WSTLAB: UNI}\nrules:\n"
                       "  - when: {EventRootCode: \"14\"}\n    subject: walkout\n")
    report = run(str(mapping), str(DATA / "gdelt.tsv"), "--rules", str(docks_folder), "--out", str(tmp_path / "f.jsonl"), "--json")
    assert (report["stored"], report["unmatched"], report["bad_rows"]) == (4, 2, 0)  # the students' protest and the company's lockout
    mapping.write_text("import: {id: m, format: plover}\nrules:\n  - {subject: fatalities, value_from: mode}\n")
    err = run(str(mapping), str(DATA / "plover.jsonl"), "--rules", str(docks_folder), "--out", str(tmp_path / "f.jsonl"), ok=False)
    assert f"{DATA / 'plover.jsonl'}:1: mode: expected a number for fatalities; got 'demo'" in err


def test_a_line_that_is_not_utf8_is_a_bad_row_and_an_unknown_format_is_refused(docks_folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "latin1.csv"
    lines = (DATA / "acled.csv").read_bytes().splitlines(keepends=True)
    source.write_bytes(b"".join(lines[:2]) + lines[2].replace(b"Harbour", b"H\xe4rbour") + b"".join(lines[3:]))
    err = run("acled", str(source), "--rules", str(docks_folder), "--out", str(tmp_path / "f.jsonl"), ok=False)
    assert f"{source}:3: not UTF-8 text (a bad byte at column" in err
    wrong = runner.invoke(app, ["import", "acled", str(DATA / "acled.csv"), "--rules", str(docks_folder), "--format", "csv"])
    assert wrong.exit_code == 2 and "expected one of plover, acled, gdelt" in wrong.output


def test_a_mapping_rule_sets_how_sure_its_facts_are_and_a_bad_level_is_refused(docks_folder: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "imports" / "m.yaml"
    mapping.parent.mkdir()
    mapping.write_text((DATA / "acled.yaml").read_text().replace(
        "    subject: walkout\n", "    subject: walkout\n    confidence: reported\n"))
    out = tmp_path / "facts.jsonl"
    run(str(mapping), str(DATA / "acled.csv"), "--rules", str(docks_folder), "--out", str(out))
    facts = [json.loads(line) for line in out.read_text().splitlines()]
    assert {f["subject"]: f.get("confidence", "confirmed") for f in facts}["walkout"] == "reported"
    assert {f.get("confidence", "confirmed") for f in facts if f["subject"] != "walkout"} == {"confirmed"}
    mapping.write_text(mapping.read_text().replace("confidence: reported", "confidence: likely"))
    err = run(str(mapping), str(DATA / "acled.csv"), "--rules", str(docks_folder), "--out", str(out), ok=False)
    assert "rules.0.confidence" in err and "'confirmed', 'reported' or 'disputed'" in err, err


def test_changing_a_rules_confidence_corrects_the_facts_it_made(docks_folder: Path, db: str, tmp_path: Path) -> None:
    mapping = tmp_path / "imports" / "sure.yaml"
    mapping.parent.mkdir()
    mapping.write_text((DATA / "acled.yaml").read_text())
    first = run(str(mapping), str(DATA / "acled.csv"), "--rules", str(docks_folder), "--db", db, "--json")
    mapping.write_text(mapping.read_text().replace("    subject: walkout\n", "    subject: walkout\n    confidence: reported\n"))
    again = run(str(mapping), str(DATA / "acled.csv"), "--rules", str(docks_folder), "--db", db, "--json")
    assert again["stored"] == 0 and again["corrected"] > 0, again
    assert again["corrected"] + again["already_there"] == first["stored"]
