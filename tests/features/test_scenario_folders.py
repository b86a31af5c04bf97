"""Which folders a feature file may load, and what a report may say about their files.

``Given the scenario "NAME"`` stays inside the rules folder (``--rules DIR``, or the bundled
``rules/``) unless ``--allow-outside-rules`` says otherwise; a rule or fact file linked from
outside the scenario folder is refused; and a report (text or Cucumber JSON) never quotes
what a rule or fact file holds: only its file, line and the kind of problem."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ripeness.cli import app

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
STRIKE = ROOT / "rules" / "strike"
SECRET = "FAKE-SECRET-7f3a9c"
LEAKY = f"""\
scenario:
  id: leaky
  title: A folder that is not a scenario
actors:
  - {{id: {SECRET}, name: db password}}
"""


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    monkeypatch.delenv("RIPENESS_URL", raising=False)
    monkeypatch.delenv("RIPENESS_TOKEN", raising=False)


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """``rules/docks`` (the strike scenario), ``secrets/`` beside it, a ``features`` folder."""
    shutil.copytree(STRIKE, tmp_path / "rules" / "docks")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "config.yaml").write_text(LEAKY, encoding="utf-8")
    (tmp_path / "features").mkdir()
    return tmp_path


def feature(place: Path, name: str, *, facts: bool = False) -> Path:
    path = place / "features" / "case.feature"
    path.write_text(textwrap.dedent(f"""\
        Feature: a case
          Scenario: the case
            Given the scenario "{name}"
            {"And the recorded facts of the scenario" if facts else ""}
            Then the status as of 2024-03-16 is deadlock
    """), encoding="utf-8")
    return path


def run(place: Path, *args: str):
    report = place / "cucumber.json"
    result = CliRunner().invoke(app, ["scenarios", str(place / "features"), "--rules", str(place / "rules"),
                                      "--cucumber-json", str(report), *args])
    return result, report.read_text(encoding="utf-8") if report.exists() else ""


@pytest.mark.parametrize("name", ["../secrets", "docks/../../secrets", "{place}/secrets"])
def test_a_scenario_outside_the_rules_folder_is_refused(place, name):
    feature(place, name.format(place=place))
    result, cucumber = run(place)
    assert result.exit_code == 1
    assert "outside the rules folder" in result.stdout and "--allow-outside-rules" in result.stdout
    assert SECRET not in result.output and SECRET not in cucumber


def test_a_scenario_name_cannot_climb_out_of_the_bundled_rules_either(place, monkeypatch):
    monkeypatch.chdir(place)
    feature(place, "../../../../../../../../../../.." + str(place / "secrets"))
    result = CliRunner().invoke(app, ["scenarios", str(place / "features")])
    assert result.exit_code == 1
    assert "outside the rules folder" in result.stdout
    assert SECRET not in result.output


def test_the_rules_folder_and_paths_into_it_still_load(place):
    feature(place, "docks", facts=True)
    assert run(place)[0].exit_code == 0
    feature(place, str(place / "rules" / "docks"), facts=True)
    assert run(place)[0].exit_code == 0


def test_allowed_outside_a_folder_loads_but_its_contents_are_never_quoted(place):
    feature(place, str(place / "secrets"))
    result, cucumber = run(place, "--allow-outside-rules")
    assert result.exit_code == 1
    config = place / "secrets" / "config.yaml"
    assert f"{config}:5: invalid value" in result.stdout
    assert f"ripeness check {place / 'secrets'}" in result.stdout
    assert SECRET not in result.output and SECRET not in cucumber
    assert json.loads(cucumber)  # the report is still written


def test_a_stray_file_in_the_rules_folder_is_not_quoted_either(place):
    (place / "rules" / "docks" / "notes.yaml").write_text(f"password: {SECRET}\nactors: [{SECRET}]\n", encoding="utf-8")
    feature(place, "docks")
    result, cucumber = run(place)
    assert result.exit_code == 1
    notes = place / "rules" / "docks" / "notes.yaml"
    assert f"{notes}:1: unknown field" in result.stdout
    assert f"{notes}:2: invalid value" in result.stdout
    assert SECRET not in result.output and SECRET not in cucumber


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_rule_file_linked_from_outside_the_folder_is_refused(place):
    link = place / "rules" / "docks" / "extra.yaml"
    link.symlink_to(place / "secrets" / "config.yaml")
    feature(place, "docks")
    result, cucumber = run(place)
    assert result.exit_code == 1
    assert f"{link}: a link to a file outside the scenario folder" in result.stdout
    assert SECRET not in result.output and SECRET not in cucumber
    check = CliRunner().invoke(app, ["check", str(place / "rules" / "docks")])
    assert check.exit_code == 1
    assert f"{link}: a link to a file outside the scenario folder; rule files must be in the folder itself" in check.output
    assert SECRET not in check.output


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_fact_file_linked_from_outside_the_folder_is_refused(place):
    facts = place / "rules" / "docks" / "facts.yaml"
    facts.unlink()
    facts.symlink_to(place / "secrets" / "config.yaml")
    feature(place, "docks", facts=True)
    result, cucumber = run(place)
    assert result.exit_code == 1
    assert f"{facts}: a link to a file outside the scenario folder" in result.stdout
    assert SECRET not in result.output and SECRET not in cucumber
    serve = CliRunner().invoke(app, ["serve", "--rules", str(place / "rules" / "docks"), "--db", f"sqlite:///{place / 'log.db'}"])
    assert serve.exit_code == 1
    assert f"{facts}: a link to a file outside the scenario folder" in serve.output
    assert SECRET not in serve.output


def test_a_link_inside_the_folder_is_fine(place):
    folder = place / "rules" / "docks"
    (folder / "moves.yaml").rename(folder / "moves.txt")
    (folder / "moves.yaml").symlink_to(folder / "moves.txt")
    assert CliRunner().invoke(app, ["check", str(folder)]).exit_code == 0


def test_the_pytest_plugin_confines_scenarios_too_unless_told(pytester, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.copytree(STRIKE, outside)
    pytester.makeconftest("from ripeness.gherkin.plugin import *  # noqa: F403\n")
    pytester.makepyfile(test_case='from pytest_bdd import scenarios\nscenarios("case.feature")\n')
    pytester.makefile(".feature", case=f'Feature: a case\n  Scenario: the case\n    Given the scenario "{outside}"\n'
                                        "    And the recorded facts of the scenario\n"
                                        "    Then the status as of 2024-03-16 is deadlock\n")
    refused = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    refused.assert_outcomes(failed=1)
    assert "OutsideFolderError" in refused.stdout.str() and "--ripeness-allow-outside-rules" in refused.stdout.str()
    allowed = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                                           "--ripeness-allow-outside-rules")
    allowed.assert_outcomes(passed=1)
