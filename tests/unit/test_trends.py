"""Trends (``{subject: A.stock60, change: {le: 0}}``: the stockpile has not grown since the
previous report): their effect on a verdict now, as of a past date, on the timeline and in
a what-if, a fact recorded later between two others, how an unmet trend explains itself,
and each malformed form refused with file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.sessions import BASELINE
from tests.unit.small import at, condition_problems, sessions_fixture

RULES = """\
scenario: {id: growth, title: Talks once the stockpile stops growing}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: stock60, actor: A, type: number, unit: kg, min: 0}
  - {id: talks, type: enum, values: ["no", "yes"]}
moves:
  - id: talk
    actor: B
    done_when: {subject: talks, eq: "yes"}
positions:
  - id: b_no_growth
    actor: B
    withholds: B.talk
    until: {subject: A.stock60, change: {le: 0}}
    quote: "Talks once the 60 % stockpile has stopped growing."
    source: Beta statement
goals:
  - id: talks_held
    done_when: {subject: talks, eq: "yes"}
    needs: [B.talk]
"""


def stock(day: str, kg: float, source: str = "IAEA report") -> dict:
    return {"at": day, "actor": "A", "subject": "stock60", "value": kg, "source": source}


FACTS = [stock("2024-01-01", 10), {"at": "2024-01-01", "subject": "talks", "value": "no", "source": "s"},
         stock("2024-02-01", 20), stock("2024-03-01", 20), stock("2024-04-01", 25)]



sessions = sessions_fixture("growth", RULES, FACTS)


def test_a_trend_reads_the_fact_in_force_and_the_one_before_it(sessions):
    assert sessions.verdict(BASELINE, at("2024-01-15")).status == "deadlock"  # one report: no trend yet, unmet
    grown = sessions.verdict(BASELINE, at("2024-02-15"))
    assert grown.status == "deadlock"
    [refusal] = grown.refusals  # no move can make a stockpile stop growing: a dead end
    [unmet] = refusal.unmet
    assert unmet.test == "A.stock60 ≤ its previous value + 0 kg"
    assert (unmet.fact.value, unmet.fact.at.date()) == (20, dt.date(2024, 2, 1))
    assert (unmet.previous.value, unmet.previous.at.date()) == (10, dt.date(2024, 1, 1))
    assert unmet.gap is None
    assert sessions.verdict(BASELINE, at("2024-03-15")).status == "opening"  # 20 after 20: not grown
    assert sessions.verdict(BASELINE).status == "deadlock"  # now: 25 after 20


def test_the_timeline_follows_the_trend(sessions):
    entries = [(e.at.date().isoformat(), e.status) for e in sessions.timeline(BASELINE)]
    assert entries == [("2024-01-01", "deadlock"), ("2024-03-01", "opening"), ("2024-04-01", "deadlock")]


def test_a_whatif_where_the_stockpile_shrinks_keeps_the_opening(sessions):
    sessions.fork("shrinks", as_of=at("2024-03-15"))
    sessions.record("shrinks", [("body", stock("2024-04-01", 18, "what if"))])
    assert sessions.verdict("shrinks").status == "opening"
    assert sessions.verdict(BASELINE).status == "deadlock"


def test_a_report_recorded_later_between_two_others_changes_the_previous_value(sessions):
    assert sessions.verdict(BASELINE, at("2024-03-15")).status == "opening"
    sessions.record(BASELINE, [("body", stock("2024-02-15", 15, "late report"))])
    again = sessions.verdict(BASELINE, at("2024-03-15"))  # 20 after 15 now: grown
    assert again.status == "deadlock" and again.refusals[0].unmet[0].previous.value == 15


def problems(tmp_path: Path, condition: str) -> list:
    return condition_problems(tmp_path, condition)


@pytest.mark.parametrize(("condition", "field", "message"), [
    ("{subject: mood, change: {le: 0}}", "conditions.0.holds_when.change", "a change compares numbers, but mood is enum"),
    ("{subject: stock, change: {le: 0, ge: 1}}", "conditions.0.holds_when.change", "exactly one operator of eq, ne, lt, le, gt, ge; got le, ge"),
    ("{subject: stock, change: {}}", "conditions.0.holds_when.change", "got none"),
    ("{subject: stock, change: {les: 0}}", "conditions.0.holds_when.change.les", "did you mean 'le'?"),
    ("{subject: stock, change: {le: grown}}", "conditions.0.holds_when.change.le", "valid number"),
    ("{subject: stock, change: {le: {subject: cap}}}", "conditions.0.holds_when.change.le", "valid number"),
    ("{subject: stock, le: 3, change: {le: 0}}", "conditions.0.holds_when", "got le, change"),
    ("{subject: stok, change: {le: 0}}", "conditions.0.holds_when.subject", "did you mean 'stock'?"),
])
def test_a_malformed_trend_is_located(tmp_path, condition, field, message):
    found = problems(tmp_path, condition)
    [problem] = [p for p in found if p.field == field]
    assert problem.where.endswith("rules.yaml:7"), problem
    assert message in problem.message, problem.message
