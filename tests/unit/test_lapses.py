"""Statements that lapse by themselves (``lapses``): an interim offer 90 days after the
understanding was signed, a position on a fixed date.  Their effect on a verdict now, as of
a past date, on the timeline (an entry at the lapse itself, no fact dated then) and in a
what-if, the deadlines a verdict names, and each malformed form refused with file, line
and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.facts import parse_inputs
from engine.sessions import BASELINE
from ripeness.bootstrap import load_scenario
from tests.unit.small import at, rule_file_problems, sessions_fixture

RULES = """\
scenario: {id: interim, title: An interim understanding that lapses}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: access, actor: A, type: enum, values: [none, interim, full]}
  - {id: relief, actor: B, type: enum, values: ["no", "yes"]}
  - {id: understanding, type: enum, values: [none, signed]}
moves:
  - id: allow
    actor: A
    done_when: {subject: A.access, in: [interim, full]}
  - id: relieve
    actor: B
    done_when: {subject: B.relief, eq: "yes"}
positions:
  - id: b_access_first
    actor: B
    withholds: B.relieve
    until: {subject: A.access, in: [interim, full]}
    quote: "Relief once inspectors are back."
    source: Beta statement
    lapses: {date: 2024-12-31}
offers:
  - id: a_interim
    actor: A
    offers: A.allow
    quote: "Inspectors may return for three months."
    source: Alpha statement
    said_on: 2024-01-10
    lapses: {days: 90, after: {subject: understanding, eq: signed}}
goals:
  - id: deal
    done_when:
      all:
        - {subject: A.access, in: [interim, full]}
        - {subject: B.relief, eq: "yes"}
    needs: [A.allow, B.relieve]
"""
FACTS = [
    {"at": "2024-01-10", "subject": "understanding", "value": "signed", "source": "joint statement"},
    {"at": "2024-01-10", "actor": "A", "subject": "access", "value": "none", "source": "inspectors"},
    {"at": "2024-01-10", "actor": "B", "subject": "relief", "value": "no", "source": "Beta"},
]
LAPSE = dt.date(2024, 4, 9)  # 90 days after 2024-01-10



sessions = sessions_fixture("interim", RULES, FACTS)


def test_a_verdict_names_each_deadline_how_far_away_and_what_happens(sessions):
    verdict = sessions.verdict(BASELINE, at("2024-02-01"))
    assert verdict.status == "opening"
    offer, position = verdict.deadlines
    assert (offer.kind, offer.id, offer.on, offer.days_left) == ("offer", "a_interim", LAPSE, 68)
    assert offer.what.startswith("offer a_interim lapses 90 days after understanding = signed (2024-01-10")
    assert offer.then == "A no longer offers A.allow"
    assert (position.kind, position.id, position.on, position.days_left) == ("position", "b_access_first", dt.date(2024, 12, 31), 334)
    assert position.then == "B no longer withholds B.relieve"


def test_as_of_the_lapse_day_the_offer_is_out_of_force(sessions):
    assert sessions.verdict(BASELINE, at("2024-04-08")).status == "opening"
    after = sessions.verdict(BASELINE, at("2024-04-09"))
    assert after.status == "deadlock" and "A.allow" in after.goals[0].untested
    assert [d.id for d in after.deadlines] == ["b_access_first"]
    later = sessions.verdict(BASELINE, at("2025-01-01"))  # the position lapsed too: nothing withholds B.relieve
    assert not later.positions_in_force and not later.deadlines


def test_the_timeline_has_an_entry_at_the_lapse_itself(sessions):
    entries = {e.at.date(): e for e in sessions.timeline(BASELINE)}
    lapse = entries[LAPSE]  # no fact is dated then
    assert not lapse.causes
    assert [(x.kind, x.id, x.actor) for x in lapse.lapsed] == [("offer", "a_interim", "A")]
    assert lapse.lapsed[0].lapsed.startswith("offer a_interim lapsed 90 days after understanding = signed (2024-01-10")
    assert "status: opening → deadlock" in lapse.changes
    assert any(c.startswith("lapsed: offer a_interim lapses 90 days after") for c in lapse.changes)
    position = entries[dt.date(2024, 12, 31)]
    assert [x.id for x in position.lapsed] == ["b_access_first"] and "no longer in force: b_access_first" in position.changes


def test_a_whatif_renewing_the_understanding_moves_the_deadline(sessions):
    sessions.fork("renewed", as_of=at("2024-03-01"))
    sessions.record("renewed", [("body", {"at": "2024-04-01", "subject": "understanding", "value": "signed",
                                           "source": "renewal, hypothetical"})])
    renewed = sessions.verdict("renewed", at("2024-04-20"))
    assert renewed.status == "opening"
    assert (renewed.deadlines[0].id, renewed.deadlines[0].on) == ("a_interim", dt.date(2024, 6, 30))
    assert sessions.verdict(BASELINE, at("2024-04-20")).status == "deadlock"
    entries = {e.at.date(): e for e in sessions.timeline("renewed")}
    assert LAPSE not in entries and [x.id for x in entries[dt.date(2024, 6, 30)].lapsed] == ["a_interim"]


def test_a_fact_that_no_longer_meets_after_stops_the_clock(sessions):
    sessions.record(BASELINE, [("body", {"at": "2024-02-01", "subject": "understanding", "value": "none", "source": "suspended"})])
    verdict = sessions.verdict(BASELINE, at("2024-05-01"))
    assert "a_interim" not in [d.id for d in verdict.deadlines] and verdict.status == "opening"


def test_a_lapse_clock_stopped_or_restarted_is_seen_by_the_next_status_of_the_same_day(tmp_path):
    # the statements in force are kept on the day and the facts a lapse counts from: a
    # session asked again as of the same day (engine ingest: a fact, then the status) sees
    # the offer back in force once the clock stopped, and out of it once it restarted
    (tmp_path / "rules.yaml").write_text(RULES)
    session = load_scenario(tmp_path).new_session("t", FixedClock(at("2024-05-01")))

    def record(fact: dict) -> str:
        session.record(parse_inputs([("fact", fact)], session.rulebook))
        return session.status()[0]

    try:
        assert [record(f) for f in FACTS][-1] == "deadlock"  # lapsed on 2024-04-09
        assert record({"at": "2024-02-01", "subject": "understanding", "value": "none", "source": "suspended"}) == "opening"
        assert record({"at": "2024-01-20", "subject": "understanding", "value": "signed", "source": "earlier"}) == "opening"
        assert record({"at": "2024-02-02", "subject": "understanding", "value": "signed", "source": "renewed"}) == "opening"  # until 2024-05-02
        assert record({"at": "2024-04-30", "actor": "B", "subject": "relief", "value": "no", "source": "Beta"}) == "opening"
        session.clock = FixedClock(at("2024-05-02"))
        assert session.status()[0] == "deadlock"
    finally:
        session.close()


def problems(tmp_path: Path, lapses: str, said_on: str = "said_on: 2024-01-10") -> list:
    return rule_file_problems(tmp_path / "bad", f"""\
        actors:
          - {{id: A, name: Alpha}}
        subjects:
          - {{id: access, actor: A, type: enum, values: [none, full]}}
          - {{id: level, actor: A, type: number}}
        moves:
          - {{id: allow, actor: A, done_when: {{subject: A.access, eq: full}}}}
        offers:
          - id: o
            actor: A
            offers: A.allow
            quote: q
            source: s
            {said_on}
            lapses: {lapses}
        """)


@pytest.mark.parametrize(("lapses", "said_on", "field", "message"), [
    ("{}", "", "offers.0.lapses", "a lapse needs either 'date: DATE' or 'days: N'"),
    ("{date: 2024-05-01, days: 3}", "", "offers.0.lapses", "got both"),
    ("{after: {subject: A.access, eq: full}}", "", "offers.0.lapses", "'after' counts 'days' from a fact"),
    ("{days: 0}", "", "offers.0.lapses.days", "greater than 0"),
    ("{date: 1st of May}", "", "offers.0.lapses.date", "date"),
    ("{on: 2024-05-01}", "", "offers.0.lapses.True", "unknown field"),
    ("{dyas: 3}", "", "offers.0.lapses.dyas", "did you mean 'days'?"),
    ("{days: 90}", "description: ''", "offers.0.lapses.days", "counts from the statement's date: give it 'said_on'"),
    ("{days: 90, after: {subject: A.acess, eq: full}}", "", "offers.0.lapses.after.subject", "did you mean 'A.access'?"),
    ("{days: 90, after: {subject: A.access, eq: half}}", "", "offers.0.lapses.after.eq", "'half' is not an allowed value"),
    ("{days: 90, after: {subject: A.level, eq: {subject: A.level}}}", "", "offers.0.lapses.after.eq",
     "compare 'after' with a value, not another subject"),
])
def test_a_malformed_lapse_is_located(tmp_path, lapses, said_on, field, message):
    found = problems(tmp_path, lapses, said_on or "said_on: 2024-01-10")
    [problem] = [p for p in found if p.field == field]
    assert problem.where.endswith("rules.yaml:15"), problem
    assert message in problem.message, problem.message
