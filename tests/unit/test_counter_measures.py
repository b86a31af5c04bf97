"""Escalation across domains (each side its own kind of hostile act) and exchanges on one
day, through a session as an analyst uses them: the verdict now, as of a past date, the
timeline, and a what-if (rules/README.md §5.6, "Counter-measures across domains" and
"Same-day exchanges"; malformed patterns are in test_rulebook_errors.py)."""

from __future__ import annotations

from engine.sessions import BASELINE, Sessions
from tests.unit.small import SWAP, at, sessions_fixture

RULES = SWAP.replace("""  - {id: b_y, actor: B, type: enum, values: ["no", "yes"]}
""", """  - {id: b_y, actor: B, type: enum, values: ["no", "yes"]}
  - {id: censure, kind: event, type: text}
  - {id: sanctions_step, kind: event, type: text}
  - {id: nuclear_step, kind: event, type: text}
""") + """
escalation:
  - id: censure_and_counter_step
    description: A's censures and sanctions, answered by B's nuclear steps.
    sides: [[A], [B]]
    events: [[censure, sanctions_step], [nuclear_step]]
    window_days: 30
    exchanges: 3
"""
START = [{"at": "2022-06-01", "actor": "A", "subject": "a_x", "value": "no", "source": "s"},
         {"at": "2022-06-01", "actor": "B", "subject": "b_y", "value": "no", "source": "s"}]
CENSURE = {"at": "2022-06-08", "actor": "A", "subject": "censure", "value": "Board resolution", "source": "s"}
STEP = {"at": "2022-06-09", "actor": "B", "subject": "nuclear_step", "value": "cameras removed", "source": "s"}
SANCTIONS = {"at": "2022-06-16", "actor": "A", "subject": "sanctions_step", "value": "new designations", "source": "s"}


sessions = sessions_fixture("counter", RULES, START)


def test_a_censure_a_nuclear_step_and_sanctions_escalate_now_and_only_from_the_third(sessions: Sessions):
    sessions.record(BASELINE, [("f", CENSURE), ("f", STEP), ("f", SANCTIONS)])
    now = sessions.verdict(BASELINE, at("2022-06-20"))
    assert now.escalation and [len(c.events) for c in now.escalation_chains] == [3]
    cited = {e.id: e for e in now.escalation_events}
    assert [cited[i].subject for i in now.escalation_chains[0].events] == ["censure", "nuclear_step", "sanctions_step"]
    assert not sessions.verdict(BASELINE, at("2022-06-15")).escalation  # as of then: two acts only
    assert not sessions.verdict(BASELINE, at("2022-07-17")).escalation  # 30 days after the last answer


def test_an_act_of_the_wrong_domain_for_its_side_is_no_answer(sessions: Sessions):
    wrong = {**STEP, "actor": "A", "at": "2022-06-09"}  # A's nuclear step is not one of A's hostile acts
    sessions.record(BASELINE, [("f", CENSURE), ("f", wrong), ("f", SANCTIONS)])
    assert not sessions.verdict(BASELINE, at("2022-06-20")).escalation


def test_the_timeline_has_the_escalation_from_the_third_act_caused_by_it(sessions: Sessions):
    sessions.record(BASELINE, [("f", CENSURE), ("f", STEP), ("f", SANCTIONS)])
    entries = [e for e in sessions.timeline(BASELINE) if e.escalation]
    assert entries and entries[0].at == at("2022-06-16")
    assert [c.subject for c in entries[0].causes] == ["sanctions_step"]


def test_a_what_if_without_the_answer_is_not_escalating_where_its_parent_is(sessions: Sessions):
    sessions.record(BASELINE, [("f", CENSURE)])
    sessions.fork("calm", BASELINE)
    sessions.record(BASELINE, [("f", STEP), ("f", SANCTIONS)])
    sessions.record("calm", [("f", SANCTIONS)])  # sanctions, but no nuclear step between
    assert sessions.verdict(BASELINE, at("2022-06-20")).escalation
    assert not sessions.verdict("calm", at("2022-06-20")).escalation


def test_three_acts_on_one_day_chain_in_recording_order_in_the_timeline_and_a_what_if(sessions: Sessions):
    day = "2022-06-08"
    sessions.record(BASELINE, [("f", {**CENSURE, "at": day}), ("f", {**STEP, "at": day})])
    sessions.fork("third", BASELINE)
    sessions.record("third", [("f", {**SANCTIONS, "at": day})])  # the third act, same day, recorded last
    assert not sessions.verdict(BASELINE, at("2022-06-09")).escalation
    assert sessions.verdict("third", at("2022-06-09")).escalation
    assert [e.at for e in sessions.timeline("third") if e.escalation][:1] == [at(day)]
    # recorded in another order (sanctions before the step), only two of the three alternate
    sessions.fork("reordered", BASELINE, as_of=at("2022-06-07"))
    sessions.record("reordered", [("f", {**CENSURE, "at": day}), ("f", {**SANCTIONS, "at": day}), ("f", {**STEP, "at": day})])
    assert not sessions.verdict("reordered", at("2022-06-09")).escalation
