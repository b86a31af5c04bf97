"""The Gherkin phrases of time in conditions: a statement's deadline (``"ID" lapses in N
days``) and a lapse in the timeline (``the timeline on DATE says "lapsed ..."``), in the
analysts' words, through ``ripeness scenarios`` on a rules folder of its own."""

from __future__ import annotations

import textwrap

from typer.testing import CliRunner

from ripeness.cli import app
from tests.unit.test_lapses import RULES

STORY = """\
Feature: An interim understanding lapses
  Scenario: Alpha's three-month offer runs out unless the understanding is renewed
    Given the scenario "interim"
    And on 2024-01-10 understanding is signed according to "joint statement"
    And on 2024-01-10 A access is none
    And on 2024-01-10 B relief is no
    Then the status as of 2024-02-01 is opening
    And "a_interim" lapses in 68 days as of 2024-02-01
    And "b_access_first" lapses in 334 days as of 2024-02-01
    And the status as of 2024-04-09 is deadlock
    And the timeline on 2024-04-09 says "offer a_interim lapsed 90 days after understanding = signed"
    Given a what-if "renewed" forked from baseline as of 2024-03-01
    When in "renewed" on 2024-04-01 understanding is signed
    Then in "renewed" "a_interim" lapses in 71 days as of 2024-04-20
    And in "renewed" the status as of 2024-04-20 is opening
"""
WRONG = """\
Feature: A wrong deadline
  Scenario: The analyst miscounts
    Given the scenario "interim"
    And on 2024-01-10 understanding is signed
    Then "a_interim" lapses in 90 days as of 2024-02-01
"""


def test_deadline_and_lapse_phrases_pass_and_a_wrong_count_says_what_the_verdict_has(tmp_path, monkeypatch):
    monkeypatch.delenv("RIPENESS_URL", raising=False)
    rules = tmp_path / "rules" / "interim"
    rules.mkdir(parents=True)
    (rules / "rules.yaml").write_text(RULES, encoding="utf-8")
    features = tmp_path / "features"
    features.mkdir()
    (features / "interim.feature").write_text(textwrap.dedent(STORY), encoding="utf-8")
    result = CliRunner().invoke(app, ["scenarios", str(features), "--rules", str(tmp_path / "rules")])
    assert result.exit_code == 0, result.output
    (features / "wrong.feature").write_text(WRONG, encoding="utf-8")
    failed = CliRunner().invoke(app, ["scenarios", str(features / "wrong.feature"), "--rules", str(tmp_path / "rules")])
    assert failed.exit_code == 1
    assert "expected 'a_interim' to lapse in 90 days" in failed.output and "a_interim on 2024-04-09 (68 days)" in failed.output
