"""Verdicts read with or without the facts that are less than confirmed, and what a status,
a goal or escalation rests on among them (``engine.analysis.unsure``), now, as of a past
date and in the timeline; on the fictional dock strike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.facts import parse_inputs
from engine.live_session import Session
from ripeness.bootstrap import Scenario, load_scenario
from tests.conftest import NOW

STRIKE = Path(__file__).resolve().parents[2] / "rules" / "strike"
UTC = dt.timezone.utc
AWARD = {"at": "2024-03-20", "actor": "MED", "subject": "arbitration", "value": "interim_award",
         "confidence": "disputed", "claimed_by": ["MED"], "denied_by": ["UNI"], "source": "a rumour"}


@pytest.fixture(scope="module")
def strike() -> Scenario:
    return load_scenario(STRIKE)


def line(strike: Scenario, *facts: dict) -> Session:
    session = strike.replay(STRIKE / "facts.yaml", name="line", clock=NOW)
    if facts:
        session.record(parse_inputs([(f"fact[{i}]", f) for i, f in enumerate(facts)], strike.rulebook))
    return session


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_status_that_rests_on_a_disputed_fact_names_it_and_leaving_it_out_changes_it(strike):
    session = line(strike, AWARD)
    verdict = session.verdict()
    assert verdict.status == "opening" and verdict.admits == "disputed"
    [fact] = verdict.rests_on_unconfirmed
    assert (fact.subject, fact.value, fact.confidence, fact.claimed_by, fact.denied_by) == (
        "MED.arbitration", "interim_award", "disputed", ["MED"], ["UNI"])
    assert [g.rests_on_unconfirmed[0].id for g in verdict.goals] == [fact.id]
    assert any("rests on facts not confirmed" in line and fact.id in line for line in verdict.summary)
    sure = session.verdict(admit="confirmed")
    assert (sure.status, sure.admits, sure.rests_on_unconfirmed) == ("deadlock", "confirmed", [])
    assert session.verdict(admit="reported").status == "deadlock"  # a disputed fact is below reported
    assert session.verdict().status == "opening"  # asked again with every fact


def test_as_of_a_past_date_only_the_facts_read_then_count(strike):
    session = line(strike, AWARD, {**AWARD, "at": "2024-03-25", "value": "proposed", "confidence": "confirmed",
                                   "claimed_by": [], "denied_by": []})
    assert session.verdict(day("2024-03-19")).rests_on_unconfirmed == []
    assert [f.value for f in session.verdict(day("2024-03-21")).rests_on_unconfirmed] == ["interim_award"]
    assert session.verdict(day("2024-03-26")).rests_on_unconfirmed == []  # a confirmed fact took its place
    assert session.verdict(day("2024-03-21"), admit="confirmed").status == "deadlock"


def test_a_reported_fact_that_does_not_change_the_status_is_not_named(strike):
    session = line(strike, {"at": "2024-03-10", "actor": "EMP", "subject": "pay_offer_pct", "value": 0, "confidence": "reported"})
    verdict = session.verdict(day("2024-03-11"))
    assert verdict.status == "deadlock" and verdict.rests_on_unconfirmed == []


def test_escalation_rests_on_a_reported_act_and_two_reports_each_enough_are_named_together(strike):
    reported = {"at": "2024-03-06", "actor": "EMP", "target": "UNI", "subject": "lockout", "value": "night shift", "confidence": "reported"}
    session = line(strike)
    session.record(parse_inputs([("x", {"withdraws": f.id}) for f in session.history.events() if f.subject == "lockout"], strike.rulebook))
    session.record(parse_inputs([("a", reported)], strike.rulebook))
    verdict = session.verdict(day("2024-03-10"))
    assert verdict.escalation and [f.value for f in verdict.escalation_rests_on_unconfirmed] == ["night shift"]
    assert not session.verdict(day("2024-03-10"), admit="confirmed").escalation
    session.record(parse_inputs([("b", {**reported, "at": "2024-03-07", "value": "day shift"})], strike.rulebook))
    both = session.verdict(day("2024-03-10"))
    assert both.escalation and sorted(f.value for f in both.escalation_rests_on_unconfirmed) == ["day shift", "night shift"]
    assert both.rests_on_unconfirmed == []  # the status is a deadlock either way


def test_the_timeline_marks_the_changes_that_rest_on_unconfirmed_facts(strike):
    session = line(strike, AWARD)
    entries = {e.at.date().isoformat(): e for e in session.timeline()}
    marked = entries["2024-03-20"]
    assert marked.status == "opening" and [f.value for f in marked.rests_on_unconfirmed] == ["interim_award"]
    assert any(c.startswith("rests on facts not confirmed:") for c in marked.changes)
    assert all(not e.rests_on_unconfirmed for at, e in entries.items() if at < "2024-03-20")
    sure = session.timeline(admit="confirmed", verdicts=True)
    assert all(e.status == "deadlock" and e.verdict.admits == "confirmed" and not e.rests_on_unconfirmed for e in sure)
    assert all(e.verdict == session.verdict(e.at, admit="confirmed") for e in sure)


def test_the_timeline_marks_what_rests_on_an_unconfirmed_fact_whatever_was_withdrawn_before_or_after(strike):
    """The timeline looks for unconfirmed facts only in a history that holds some: it keeps
    that count through withdrawals of confirmed and unconfirmed facts, and in its copies."""
    session = line(strike)
    [walkout] = [f for f in session.history.events() if f.subject == "walkout" and f.at == day("2024-03-09")]
    [award] = session.record(parse_inputs([("fact[0]", AWARD), ("fact[1]", {"withdraws": walkout.id})], strike.rulebook))[:1]
    assert not session.history.all_confirmed() and not session.history.copy().all_confirmed()
    marked = {e.at.date().isoformat(): e for e in session.timeline()}["2024-03-20"]
    assert [f.value for f in marked.rests_on_unconfirmed] == ["interim_award"]
    session.record(parse_inputs([("fact[0]", {"withdraws": award.id})], strike.rulebook))
    assert session.history.all_confirmed() and all(not e.rests_on_unconfirmed for e in session.timeline())
