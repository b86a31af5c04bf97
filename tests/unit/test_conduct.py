"""A refusal ended by conduct (``lapses: {when: ...}``): a party that refused to negotiate
takes part in staff talks, and its refusal is out of force from that day, while it does."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.sessions import BASELINE
from tests.unit.small import at, rule_file_problems, sessions_fixture

RULES = """\
scenario: {id: conduct, title: A refusal ended by conduct}
actors:
  - {id: WH, name: White House}
  - {id: HOUSE, name: House}
subjects:
  - {id: talks, type: enum, values: [none, staff, formal]}
  - {id: deal, type: enum, values: [none, agreed]}
moves:
  - {id: negotiate, actor: WH, done_when: {subject: deal, eq: agreed}}
goals:
  - {id: agreement, done_when: {subject: deal, eq: agreed}, needs: [WH.negotiate]}
positions:
  - id: wh_no_negotiation
    actor: WH
    withholds: WH.negotiate
    quote: "We will not negotiate over the debt limit."
    source: press briefing
    said_on: 2023-02-01
    lapses: {when: {subject: talks, in: [staff, formal]}}
offers:
  - {id: wh_terms, actor: WH, offers: WH.negotiate, quote: "We can work out a budget.", source: s}
"""
FACTS = [
    {"at": "2023-02-01", "subject": "talks", "value": "none", "source": "no meetings"},
    {"at": "2023-02-01", "subject": "deal", "value": "none", "source": "no deal"},
    {"at": "2023-05-09", "subject": "talks", "value": "staff", "source": "staff talks begin"},
]
sessions = sessions_fixture("conduct", RULES, FACTS)


def test_the_refusal_holds_until_the_conduct_that_ends_it(sessions):
    before = sessions.verdict(BASELINE, at("2023-05-08"))
    assert before.status == "deadlock" and [r.move for r in before.refusals] == ["WH.negotiate"]
    after = sessions.verdict(BASELINE, at("2023-05-09"))
    assert "wh_no_negotiation" not in [p.id for p in after.positions_in_force]
    assert after.status == "opening" and after.stances[0].stance == "willing"  # the offer now speaks for the move


def test_the_timeline_says_it_lapsed_by_that_conduct(sessions):
    entries = {e.at.date(): e for e in sessions.timeline(BASELINE)}
    entry = entries[dt.date(2023, 5, 9)]
    assert [(x.kind, x.id) for x in entry.lapsed] == [("position", "wh_no_negotiation")]
    assert entry.lapsed[0].lapsed.startswith("position wh_no_negotiation lapsed when talks in [staff, formal] (2023-05-09")
    assert "status: deadlock → opening" in entry.changes


def test_while_the_conduct_lasts_only(sessions):
    sessions.record(BASELINE, [("body", {"at": "2023-05-19", "subject": "talks", "value": "none", "source": "talks paused"})])
    paused = sessions.verdict(BASELINE, at("2023-05-20"))
    assert "wh_no_negotiation" in [p.id for p in paused.positions_in_force] and paused.status == "deadlock"


@pytest.mark.parametrize(("lapses", "field", "message"), [
    ("{when: {subject: talks, eq: staff}, days: 3}", "positions.0.lapses", "'when' ends the statement from the day of the fact"),
    ("{when: {subject: talk, eq: staff}}", "positions.0.lapses.when.subject", "did you mean 'talks'?"),
    ("{when: {subject: talks, eq: meeting}}", "positions.0.lapses.when.eq", "'meeting' is not an allowed value"),
])
def test_a_wrong_when_is_located(tmp_path, lapses, field, message):
    found = rule_file_problems(tmp_path / "bad", f"""\
        actors:
          - {{id: A, name: Alpha}}
        subjects:
          - {{id: talks, type: enum, values: [none, staff]}}
        moves:
          - {{id: m, actor: A, done_when: {{subject: talks, eq: staff}}}}
        positions:
          - {{id: p, actor: A, withholds: A.m, quote: q, source: s, lapses: {lapses}}}
        """)
    [problem] = [p for p in found if p.field == field]
    assert message in problem.message, problem.message
