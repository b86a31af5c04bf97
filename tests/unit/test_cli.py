"""The ``ripeness`` command end to end on the bundled JCPOA scenario."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ripeness.cli import app

JCPOA = Path(__file__).resolve().parents[2] / "rules" / "jcpoa"
FACTS = str(JCPOA / "facts.yaml")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_check_bundled_scenario_by_name_and_by_path():
    for rules in ("jcpoa", str(JCPOA)):
        result = run("check", rules)
        assert result.exit_code == 0, result.output
        assert f"{JCPOA}: ok" in result.stdout
        # every kind of statement is counted, offers too (a modeller missed them in the line)
        assert re.search(r"\d+ positions, \d+ offers, \d+ goals", result.stdout), result.stdout


def test_check_with_a_fact_file_records_it_against_the_scenario(tmp_path):
    result = run("check", "jcpoa", FACTS)
    assert result.exit_code == 0, result.output
    assert re.search(r"facts\.yaml: ok — \d+ facts recorded against the scenario", result.stdout), result.stdout
    # a fact the scenario does not know: refused, with its file and line, the rule files still said ok
    bad = tmp_path / "facts.yaml"
    bad.write_text(Path(FACTS).read_text(encoding="utf-8").replace(
        "facts:\n", "facts:\n  - {at: 2021-01-20, actor: NOBODY, subject: nothing, value: 1, source: s}\n", 1), encoding="utf-8")
    result = run("check", "jcpoa", str(bad))
    assert result.exit_code == 1
    assert f"{JCPOA}: ok" in result.stdout  # the rule files are fine; the facts are not
    assert f"{bad}:" in result.stderr and "NOBODY" in result.stderr, result.stderr


def test_check_missing_folder_fails(tmp_path):
    result = run("check", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "not a folder" in result.stderr


def test_verdict_text_on_2021_03_07():
    result = run("verdict", "jcpoa", FACTS, "--as-of", "2021-03-07")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "DEADLOCK" in text
    assert "All these steps are reversible" in text  # Zarif, irn_reversible_steps
    assert "Asked whether the United States would lift sanctions first" in text  # Biden
    # the stalemate's failed escalation names its acts by id: the text shows each, looked up in the verdict's events
    assert [line.split()[2] for line in text.splitlines() if line.strip().startswith("hostile act:")] == [
        "2021-02-15", "2021-02-25", "2021-03-03"]


def test_verdict_json_on_2021_03_07():
    result = run("verdict", "jcpoa", FACTS, "--as-of", "2021-03-07", "--json")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    assert verdict["status"] == "deadlock"
    assert verdict["escalation"] is True
    assert verdict["cycles"]
    moves = [set(c["moves"]) for c in verdict["cycles"]]
    assert {"USA.grant_relief", "IRN.return_to_limits"} in moves


def test_verdict_as_of_a_datetime_with_offset():
    result = run("verdict", "jcpoa", FACTS, "--as-of", "2021-03-07T12:00:00+02:00", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "deadlock"


@pytest.mark.parametrize("bad", ["yesterday", "2021-02-30", "07/03/2021"])
def test_bad_as_of_is_a_clear_usage_error(bad):
    result = run("verdict", "jcpoa", FACTS, "--as-of", bad)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--as-of" in result.stderr
    assert "expected an ISO 8601 date or datetime" in result.stderr
    assert repr(bad) in result.stderr


def test_verdict_with_broken_rules_fails_with_the_rule_errors(tmp_path):
    (tmp_path / "a.yaml").write_text("actors:\n  - {id: A}\n", encoding="utf-8")
    result = run("verdict", str(tmp_path), FACTS)
    assert result.exit_code == 1
    assert f"{tmp_path / 'a.yaml'}:2: actors.0.name: required field 'name' is missing" in result.stderr


def test_timeline_text():
    result = run("timeline", "jcpoa", FACTS)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2016-01-16") and "progress" in lines[0]
    deadlock = next(line for line in lines if line[21:29] == "deadlock")
    assert deadlock.startswith("2018-11-05") and "deal_restored: progress → deadlock" in deadlock
    assert any("because: USA.oil_sanctions = in_force" in line for line in lines)  # the fact behind the change
    cycle = next(line for line in lines if "cycle formed" in line)
    assert cycle.startswith("2021-01-20") and "irn_reversible_steps ⇄ usa_no_relief_until_compliance" in cycle
    assert any(line.startswith("2021-03-03") and "escalation" in line for line in lines)


def test_timeline_json():
    result = run("timeline", "jcpoa", FACTS, "--json")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert isinstance(entries, list) and entries
    assert all(set(e) >= {"at", "status", "escalation", "changes", "causes", "goals"} and "verdict" not in e for e in entries)
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    march = next(e for e in entries if e["at"].startswith("2021-03-03"))
    assert (march["status"], march["escalation"]) == ("deadlock", True)
    assert {g["id"]: g["status"] for g in march["goals"]}["deal_restored"] == "deadlock"


def test_timeline_with_verdicts_gives_each_entry_the_verdict_as_of_its_time():
    result = run("timeline", "jcpoa", FACTS, "--json", "--verdicts")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert entries and all(e["verdict"]["as_of"] == e["at"] and e["verdict"]["status"] == e["status"] for e in entries)
    march = next(e for e in entries if e["at"].startswith("2021-03-03"))
    as_of = run("verdict", "jcpoa", FACTS, "--as-of", march["at"], "--json")
    assert json.loads(as_of.stdout) == march["verdict"]
    text = run("timeline", "jcpoa", FACTS, "--verdicts")
    assert text.exit_code == 0 and any("verdict: " in line for line in text.stdout.splitlines())


def test_schema_is_json_schema_of_rule_files():
    result = run("schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert "positions" in schema["properties"]
    assert set(schema["properties"]) >= {"scenario", "actors", "subjects", "conditions", "moves", "goals"}
    assert schema.get("additionalProperties") is False


def test_serve_never_prints_the_database_password():
    secret = "s3cret-Pa55word"
    result = run("serve", "--db", f"postgresql://ripeness:{secret}@127.0.0.1:1/facts", "--no-load-facts")
    assert result.exit_code == 1
    assert "cannot open the fact log at postgresql://ripeness:***@127.0.0.1:1/facts" in result.output
    assert secret not in result.output
