"""Talks held but stuck, as docs/modelling.md (step 3) has an analyst write them: a level of
the talks subject of its own (``stalled``), with each offer to talk lapsing while the talks
are at it, so that stuck talks read as deadlock, talks offered as an opening and talks
under way as progress."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.unit.small import verdict_of

STUCK = """
scenario: {id: stuck, title: Stuck talks}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: talks, type: enum, values: [none, negotiating, stalled]}
  - {id: deal, type: enum, values: ["no", "yes"]}
moves:
  - {id: hold_talks, actor: A, consent: [B], done_when: {subject: talks, eq: negotiating}}
  - {id: sign, actor: A, consent: [B], done_when: {subject: deal, eq: "yes"}}
goals:
  - {id: deal_done, rank: main, done_when: {subject: deal, eq: "yes"}, needs: [A.sign]}
  - {id: talks_held, rank: interim, done_when: {subject: talks, eq: negotiating}, needs: [A.hold_talks]}
offers:
  - {id: a_talk, actor: A, offers: A.hold_talks, quote: "We will talk.", source: s, lapses: {when: {subject: talks, eq: stalled}}}
  - {id: b_talk, actor: B, offers: A.hold_talks, quote: "We will talk.", source: s, lapses: {when: {subject: talks, eq: stalled}}}
"""


@pytest.mark.parametrize(("talks", "status", "talks_goal"), [
    ("none", "opening", "opening"),  # both offer to talk: the talks are within reach
    ("negotiating", "progress", "progress"),  # under way, the deal waiting only on moves nobody has spoken of
    ("stalled", "deadlock", "deadlock"),  # meeting but stuck: the offers to talk are no evidence of movement
])
def test_stuck_talks_read_as_deadlock(tmp_path, talks, status, talks_goal):
    facts = [{"at": "2024-01-01", "subject": "deal", "value": "no", "source": "s"},
             {"at": "2024-01-01", "subject": "talks", "value": talks, "source": "s"}]
    verdict = verdict_of(tmp_path, STUCK, facts, dt.date(2024, 2, 1))
    assert verdict.status == status
    assert {g.id: g.status for g in verdict.goals}["talks_held"] == talks_goal


def test_offers_to_talk_that_lapsed_are_named_not_called_silence(tmp_path):
    """A move whose offers lapsed while the talks are stuck reads as untested, as silence
    does, but its summary says whose word lapsed and why: the parties did speak, and the
    modeller of ``sino_soviet_1969`` read "nobody has said" of a delegation that
    sat at every session."""
    facts = [{"at": "2024-01-01", "subject": "deal", "value": "no", "source": "s"},
             {"at": "2024-01-10", "subject": "talks", "value": "stalled", "source": "the round's communiqué"}]
    verdict = verdict_of(tmp_path, STUCK, facts, dt.date(2024, 2, 1))
    lines = [line for line in verdict.summary if "A.hold_talks" in line]
    assert not [line for line in lines if line.startswith("Nobody has said")], lines
    assert any(line.startswith("No word in force from A or B on A.hold_talks: the offers (A's a_talk lapsed when talks = stalled (2024-01-10")
               and "B's b_talk lapsed when talks = stalled" in line for line in lines), lines
    # before the talks stalled, the same offers stand: nothing said of them
    verdict = verdict_of(tmp_path, STUCK, facts[:1], dt.date(2024, 2, 1))
    assert not [line for line in verdict.summary if "lapsed" in line]


def test_an_offer_ended_before_it_lapsed_is_named_as_ended_on_its_day(tmp_path):
    """An offer a statement fact ended is out of force from that day: the summary says so
    with the day it ended, not the later day its lapse would have come (the modeller of
    ``rhodesia_tiger_1966`` read "lapsed on 1967-01-01" of terms withdrawn on 20 December),
    and a move whose only offers were ended is not called silence either."""
    facts = [{"at": "2024-01-01", "subject": "deal", "value": "no", "source": "s"},
             {"at": "2024-01-05", "ends": ["a_talk"], "quote": "Our offer to talk is withdrawn.", "source": "A's statement"},
             {"at": "2024-01-10", "subject": "talks", "value": "stalled", "source": "the round's communiqué"}]
    verdict = verdict_of(tmp_path, STUCK, facts, dt.date(2024, 2, 1))
    lines = [line for line in verdict.summary if "A.hold_talks" in line]
    assert any(line.startswith("No word in force from A or B on A.hold_talks: the offers (A's a_talk ended on 2024-01-05; "
                               "B's b_talk lapsed when talks = stalled (2024-01-10") for line in lines), lines
    ended = [*facts[:1], {"at": "2024-01-05", "ends": ["a_talk", "b_talk"], "source": "A's statement"}]
    lines = verdict_of(tmp_path, STUCK, ended, dt.date(2024, 2, 1)).summary
    assert not [line for line in lines if line.startswith("Nobody has said") and "A.hold_talks" in line], lines
    assert "No word in force from A or B on A.hold_talks: the offers (A's a_talk ended on 2024-01-05; B's b_talk ended on 2024-01-05) " \
           "no longer stand, and they have said nothing since: untested, so no opening rests on it." in lines, lines


def test_only_the_silent_party_and_its_own_ended_offers_are_named(tmp_path):
    """With one party's word in force on the move (a restatement of its ended first
    statement, here) and the other's ended, the summary names only the party that is
    silent and only its offers: the modeller of ``nepal_madhesh_2015`` read "its offer
    (the first invitation) ended, and nobody has said anything since" of a move whose actor
    had restated the invitation, where the party untested was the other one."""
    restated = STUCK + """  - {id: a_again, actor: A, offers: A.hold_talks, restates: a_talk, quote: "We will talk, still.", source: s}
"""
    facts = [{"at": "2024-01-01", "subject": "deal", "value": "no", "source": "s"},
             {"at": "2024-01-05", "ends": ["a_talk", "b_talk"], "source": "the parties' statements"},
             {"at": "2024-01-06", "states": {"offer": {"id": "a_again2", "actor": "A", "offers": "A.hold_talks", "restates": "a_talk",
                                                       "quote": "We will talk, still.", "source": "A's statement"}},
              "source": "A's statement"}]
    lines = [line for line in verdict_of(tmp_path, restated, facts, dt.date(2024, 2, 1)).summary if "A.hold_talks" in line]
    assert "No word in force from B on A.hold_talks: the offer (B's b_talk ended on 2024-01-05) no longer stands, " \
           "and it has said nothing since: untested, so no opening rests on it." in lines, lines
    assert not [line for line in lines if "a_talk" in line], lines
