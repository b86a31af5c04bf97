"""Conditions comparing two subjects (``{subject: A.stockpile, le: {subject: B.cap}}``):
their effect on a verdict now, as of a past date, on the timeline and in a what-if, how an
unmet one explains itself, and each malformed form refused with file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.sessions import BASELINE
from tests.unit.small import rule_file_problems, sessions_fixture

RULES = """\
scenario: {id: capped, title: A stockpile under a declared cap}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: stockpile, actor: A, type: number, unit: kg, min: 0}
  - {id: cap, actor: B, type: number, unit: kg, min: 0}
  - {id: relief, actor: B, type: enum, values: ["no", "yes"]}
moves:
  - id: comply
    actor: A
    done_when: {subject: A.stockpile, le: {subject: B.cap}}
  - id: relieve
    actor: B
    done_when: {subject: B.relief, eq: "yes"}
positions:
  - id: b_cap_first
    actor: B
    withholds: B.relieve
    until: {subject: A.stockpile, le: {subject: B.cap}}
    quote: "Relief once the stockpile is under the cap we declared."
    source: Beta statement
offers:
  - id: a_after_relief
    actor: A
    offers: A.comply
    if: {subject: B.relief, eq: "yes"}
    quote: "We will comply once relief comes."
    source: Alpha statement
goals:
  - id: deal
    done_when:
      all:
        - {subject: A.stockpile, le: {subject: B.cap}}
        - {subject: B.relief, eq: "yes"}
    needs: [A.comply, B.relieve]
"""
FACTS = [
    {"at": "2024-01-01", "actor": "A", "subject": "stockpile", "value": 300, "source": "inspectors"},
    {"at": "2024-01-01", "actor": "B", "subject": "cap", "value": 200, "source": "Beta decree"},
    {"at": "2024-01-01", "actor": "B", "subject": "relief", "value": "no", "source": "Beta"},
    {"at": "2024-03-01", "actor": "B", "subject": "cap", "value": 400, "source": "Beta second decree"},
]
UTC = dt.timezone.utc


sessions = sessions_fixture("capped", RULES, FACTS)


def test_an_unmet_comparison_of_two_subjects_cites_both_facts(sessions):
    before = sessions.verdict(BASELINE, dt.datetime(2024, 2, 1, tzinfo=UTC))
    assert before.status == "deadlock"
    [cycle] = before.cycles
    [unmet] = next(step for step in cycle.steps if step.move == "B.relieve").unmet
    assert unmet.test == "A.stockpile ≤ B.cap"
    assert (unmet.fact.subject, unmet.fact.value) == ("A.stockpile", 300)
    assert (unmet.other.subject, unmet.other.value, unmet.other.source) == ("B.cap", 200, "Beta decree")
    assert any("Fact: B.cap is 200 kg since 2024-01-01" in line for line in before.summary)


def test_raising_the_other_subject_meets_the_comparison_now_and_not_before(sessions):
    now = sessions.verdict(BASELINE)
    assert now.status != "deadlock" and not now.cycles
    assert "A.comply" in now.moves_done  # 300 kg under a 400 kg cap
    assert sessions.verdict(BASELINE, dt.datetime(2024, 2, 29, tzinfo=UTC)).status == "deadlock"


def test_the_timeline_changes_when_the_other_subject_does(sessions):
    entries = sessions.timeline(BASELINE)
    at_cap = [e for e in entries if e.at == dt.datetime(2024, 3, 1, tzinfo=UTC)]
    assert entries[0].status == "deadlock"
    assert at_cap and at_cap[0].status != "deadlock"
    assert [c.subject for c in at_cap[0].causes] == ["B.cap"]


def test_a_whatif_lowering_the_stockpile_instead_meets_it(sessions):
    sessions.fork("lower", as_of=dt.datetime(2024, 2, 1, tzinfo=UTC))
    sessions.record("lower", [("body", {"at": "2024-02-02", "actor": "A", "subject": "stockpile", "value": 150, "source": "what if"})])
    verdict = sessions.verdict("lower", dt.datetime(2024, 2, 2, tzinfo=UTC))
    assert "A.comply" in verdict.moves_done and not verdict.cycles
    assert sessions.verdict(BASELINE, dt.datetime(2024, 2, 2, tzinfo=UTC)).status == "deadlock"


def test_a_move_done_when_the_same_comparison_holds_is_what_lifts_it(sessions):
    """Value-aware lifting is conservative against a bound that is another subject: only a
    move done when that very comparison holds meets it (here A.comply), so B waits for A."""
    before = sessions.verdict(BASELINE, dt.datetime(2024, 2, 1, tzinfo=UTC))
    assert sorted(before.cycles[0].moves) == ["A.comply", "B.relieve"]


def problems(tmp_path: Path, condition: str, extra_subjects: str = "") -> list:
    return rule_file_problems(tmp_path / "bad", f"""\
        actors:
          - {{id: A, name: Alpha}}
        subjects:
          - {{id: stockpile, actor: A, type: number, unit: kg}}
          - {{id: cap, actor: A, type: number, unit: kg}}
          - {{id: tonnes, actor: A, type: number, unit: t}}
          - {{id: mood, type: enum, values: [calm, angry]}}
          - {{id: temper, type: enum, values: [calm, cross]}}
          - {{id: open, type: bool}}
          - {{id: strike, kind: event, type: text}}
        {extra_subjects}conditions:
          - id: c
            holds_when: {condition}
        """)


@pytest.mark.parametrize(("condition", "field", "message"), [
    ("{subject: A.stockpile, le: {subject: A.cpa}}", "conditions.0.holds_when.le.subject",
     "unknown subject 'A.cpa'; did you mean 'A.cap'?"),
    ("{subject: A.stockpile, le: {subjet: A.cap}}", "conditions.0.holds_when.le.subjet",
     "unknown field 'subjet'; did you mean 'subject'?"),
    ("{subject: A.stockpile, le: {subject: A.tonnes}}", "conditions.0.holds_when.le.subject",
     "A.stockpile is in kg but A.tonnes is in t: only subjects of one unit compare"),
    ("{subject: A.stockpile, eq: {subject: open}}", "conditions.0.holds_when.eq.subject",
     "A.stockpile is number but open is bool: only subjects of one type compare"),
    ("{subject: mood, lt: {subject: temper}}", "conditions.0.holds_when.lt.subject",
     "lt compares numbers, but mood and temper are enum"),
    ("{subject: mood, eq: {subject: temper}}", "conditions.0.holds_when.eq.subject",
     "mood and temper take different values"),
    ("{subject: A.stockpile, ge: {subject: A.stockpile}}", "conditions.0.holds_when.ge.subject",
     "A.stockpile is compared with itself"),
    ("{subject: A.stockpile, eq: {subject: strike}}", "conditions.0.holds_when.eq.subject",
     "strike is an event subject; conditions read state subjects only"),
    ("{subject: mood, in: [{subject: temper}]}", "conditions.0.holds_when.in.0",
     "expected true or false, a number or text"),
])
def test_a_malformed_comparison_of_two_subjects_is_located(tmp_path, condition, field, message):
    found = problems(tmp_path, condition)
    [problem] = [p for p in found if p.field == field]  # a misspelt key also leaves 'subject' missing
    assert problem.where.endswith("rules.yaml:13")
    assert message in problem.message
