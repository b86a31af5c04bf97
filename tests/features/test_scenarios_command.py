"""``ripeness scenarios``: feature files run with the shipped step library, reported per
scenario, from any folder, without touching the folder of the feature files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ripeness.cli import app

ROOT = Path(__file__).resolve().parents[2]
STRIKE_FEATURES = ROOT / "features" / "strike"
RIPENESS = Path(sys.executable).parent / "ripeness"

FAILING = """\
Feature: A strike story with a wrong expectation
  Scenario: The analyst expects an opening
    Given the scenario "strike"
    And the recorded facts of the scenario
    Then the status as of 2024-03-16 is opening

  Scenario: The analyst uses a phrase nobody defined
    Given the scenario "strike"
    When the union sings on the picket line
    Then the status is deadlock

  Scenario: The pickets hold
    Given the scenario "strike"
    And the recorded facts of the scenario
    Then the status as of 2024-03-16 is deadlock
"""


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    """The command itself is under test here: never on a live server (see test_live_server)."""
    monkeypatch.delenv("RIPENESS_URL", raising=False)
    monkeypatch.delenv("RIPENESS_TOKEN", raising=False)


def run(*args: str):
    return CliRunner().invoke(app, ["scenarios", *args])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.skipif(not RIPENESS.exists(), reason="the ripeness script is not installed next to this Python")
def test_a_passing_folder_exits_0_and_lists_each_scenario_from_any_folder(tmp_path):
    shipped = sorted(p.name for p in STRIKE_FEATURES.iterdir())
    result = subprocess.run([str(RIPENESS), "scenarios", str(STRIKE_FEATURES)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTEST_ADDOPTS": "--this-option-does-not-exist"})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    feature = STRIKE_FEATURES / "strike.feature"
    assert f"PASSED  {feature}:11  Each side waits for the other" in lines
    assert f"PASSED  {feature}:62  Pickets and lockouts answering one another" in lines
    assert f"PASSED  {STRIKE_FEATURES / 'imported_events.feature'}:10  The imported picket, lockout and blockade are an escalation" in lines
    assert lines[-1] == "11 scenario(s): 11 passed, 0 failed"  # strike.feature 6, counted_events.feature 3, imported_events.feature 2
    assert list(tmp_path.iterdir()) == []  # nothing written where it ran
    assert sorted(p.name for p in STRIKE_FEATURES.iterdir()) == shipped == ["counted_events.feature", "data", "imported_events.feature",
                                                                             "strike.feature"]


def test_a_failing_scenario_exits_1_naming_the_step_what_was_expected_and_the_summary(tmp_path):
    feature = write(tmp_path, "wrong.feature", FAILING)
    result = run(str(feature))
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert f"FAILED  {feature}:2  The analyst expects an opening" in text
    assert "step:  Then the status as of 2024-03-16 is opening (line 5)" in text
    assert "expected opening as of 2024-03-16, the verdict is deadlock" in text
    assert "As of 2024-03-16, The Westmere dock strike (a fictional dispute): deadlock" in text  # the summary
    assert "Traceback" not in text and "def the_status_is" not in text  # no pytest noise
    assert f"PASSED  {feature}:12  The pickets hold" in text
    assert text.splitlines()[-1] == "3 scenario(s): 1 passed, 2 failed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wrong.feature"]


def test_an_unknown_phrase_is_a_failure_never_a_skip(tmp_path):
    feature = write(tmp_path, "wrong.feature", FAILING)
    text = run(str(tmp_path)).stdout
    assert f"FAILED  {feature}:7  The analyst uses a phrase nobody defined" in text
    assert "step:  When the union sings on the picket line (line 9)" in text
    assert "StepDefinitionNotFoundError: no step matches 'the union sings on the picket line'" in text
    assert "SKIPPED" not in text and "skipped" not in text


def test_the_summary_of_the_last_verdict_is_shown_when_the_error_does_not_quote_it(tmp_path):
    write(tmp_path, "escalation.feature", """\
        Feature: escalation
          Scenario: Calm before the pickets
            Given the scenario "strike"
            And the recorded facts of the scenario
            Then escalation as of 2024-03-16 is off
    """)
    text = run(str(tmp_path)).stdout
    assert "expected escalation off as of 2024-03-16, it is on" in text
    assert "summary of the verdict as of 2024-03-16 (deadlock):" in text
    assert "Escalation: 3 hostile events alternating between sides" in text


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "nowhere", "no such file or folder"),
    (lambda tmp: tmp, "no .feature files in this folder"),
    (lambda tmp: write(tmp, "notes.txt", "Feature: x\n"), "not a .feature file"),
])
def test_nothing_to_run_is_a_usage_error(tmp_path, make, message):
    path = make(tmp_path)
    result = run(str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path}: {message}" in result.stderr


def test_a_feature_file_that_does_not_parse_is_reported_and_the_others_still_run(tmp_path):
    write(tmp_path, "broken.feature", "Feature: broken\n  Scenario: x\n    Given the scenario \"strike\"\n  nonsense here\n")
    shutil.copy(STRIKE_FEATURES / "strike.feature", tmp_path)
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert f"ERROR   {tmp_path / 'broken.feature'}: cannot be read" in result.stdout
    assert "Line number: 4" in result.stdout
    assert "6 scenario(s): 6 passed, 0 failed, 1 feature file(s) unreadable" in result.stdout


def test_cucumber_json_lists_features_scenarios_and_failed_steps(tmp_path):
    write(tmp_path, "wrong.feature", FAILING)
    report = tmp_path / "out" / "cucumber.json"
    report.parent.mkdir()
    result = run(str(tmp_path), "--cucumber-json", str(report))
    assert result.exit_code == 1, result.output
    features = json.loads(report.read_text(encoding="utf-8"))
    assert [f["name"] for f in features] == ["A strike story with a wrong expectation"]
    scenarios = {s["name"]: [(step["keyword"], step["name"], step["result"]["status"]) for step in s["steps"]]
                 for s in features[0]["elements"]}
    assert set(scenarios) == {"The analyst expects an opening", "The analyst uses a phrase nobody defined", "The pickets hold"}
    assert scenarios["The analyst expects an opening"][-1] == ("Then", "the status as of 2024-03-16 is opening", "failed")
    # pytest-bdd alone leaves an undefined step out of the report; the plugin adds it, failed
    assert ("When", "the union sings on the picket line", "failed") in scenarios["The analyst uses a phrase nobody defined"]
    assert all(status == "passed" for *_, status in scenarios["The pickets hold"])


def test_cucumber_json_into_a_missing_folder_is_a_usage_error(tmp_path):
    result = run(str(STRIKE_FEATURES), "--cucumber-json", str(tmp_path / "nowhere" / "out.json"))
    assert result.exit_code == 2
    assert "--cucumber-json" in result.stderr and "does not exist" in result.stderr


def test_rules_looks_up_scenario_names_in_another_folder(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules" / "strike", rules / "docks")
    features = tmp_path / "features"
    features.mkdir()
    feature = write(features, "docks.feature", """\
        Feature: the strike, under another folder name
          Scenario: Each side waits for the other
            Given the scenario "docks"
            And the recorded facts of the scenario
            Then the status as of 2024-03-16 is deadlock
    """)
    result = run(str(features), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    assert f"PASSED  {feature}:2  Each side waits for the other" in result.stdout

    bundled = run(str(features))
    assert bundled.exit_code == 1
    assert "unknown scenario 'docks'" in bundled.stdout and "Known: jcpoa, strike" in bundled.stdout

    missing = run(str(features), "--rules", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "--rules" in missing.stderr


def test_outline_rows_are_reported_with_their_values_and_a_skipped_scenario_is_listed(tmp_path):
    feature = write(tmp_path, "rows.feature", """\
        Feature: rows
          @skip
          Scenario: Not yet written
            Given the scenario "strike"

          Scenario Outline: The status is <status>
            Given the scenario "strike"
            And the recorded facts of the scenario
            Then the status as of 2024-03-16 is <status>

            Examples:
              | status   |
              | deadlock |
              | opening  |
    """)
    result = run(str(feature))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"SKIPPED {feature}:3  Not yet written" in lines
    assert f"PASSED  {feature}:6  The status is deadlock [deadlock]" in lines
    assert f"FAILED  {feature}:6  The status is opening [opening]" in lines
    assert lines[-1] == "3 scenario(s): 1 passed, 1 failed, 1 skipped"
