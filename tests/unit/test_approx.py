"""Approximate dates (``approx: true`` on a fact or a statement fact): the engine uses the date
as given, and every citation of it says "about" it: verdict evidence now and as of a past
date, the summary, a timeline's causes and text, a lapse counted from it, and a what-if."""

from __future__ import annotations

import pytest

from engine.errors import FactError
from engine.sessions import BASELINE
from ripeness.render import timeline_text, verdict_text
from tests.unit.small import at, sessions_fixture
from tests.unit.test_lapses import FACTS as LAPSE_FACTS
from tests.unit.test_lapses import RULES as LAPSE_RULES
from tests.unit.test_quote_kind import FACTS, RULES

APPROX = {"at": "2024-01-20", "actor": "B", "subject": "y", "value": "no", "source": "a later memoir", "approx": True}

sessions = sessions_fixture("approx", RULES, [*FACTS, APPROX])
lapsing = sessions_fixture("interim", LAPSE_RULES, [{**LAPSE_FACTS[0], "approx": True}, *LAPSE_FACTS[1:]])


def _facts(verdict) -> dict:
    return {u.fact.id: u.fact for c in verdict.cycles for s in c.steps for u in s.unmet if u.fact}


def test_a_verdict_cites_the_date_as_about_it_and_uses_it_as_given(sessions):
    assert "f3" not in _facts(sessions.verdict(BASELINE, at("2024-01-19")))  # not before its date
    verdict = sessions.verdict(BASELINE, at("2024-03-01"))
    cited = _facts(verdict)
    assert cited["f3"].approx and not cited["f1"].approx
    assert cited["f3"].at.date().isoformat() == "2024-01-20"
    assert "Fact: B.y is no since about 2024-01-20 (a later memoir)." in verdict.summary
    assert "Fact: A.x is no since 2024-01-01 (s)." in verdict.summary
    assert "since about 2024-01-20 (a later memoir)" in verdict_text(verdict)
    dumped = verdict.model_dump_json()
    assert '"approx":true' in dumped and '"approx":false' not in dumped  # left out where the date is as given


def test_the_timeline_cites_its_cause_as_approximate(sessions):
    sessions.record(BASELINE, [("body", {**APPROX, "at": "2024-04-01", "value": "yes"})])  # B moves: an entry of its own
    entries = sessions.timeline(BASELINE)
    [entry] = [e for e in entries if e.at.date().isoformat() == "2024-04-01"]
    assert [(c.id, c.approx) for c in entry.causes] == [("f4", True)]
    assert "(date approximate: about 2024-04-01)" in timeline_text(entries)


def test_a_lapse_counted_from_an_approximate_date_says_so(lapsing):
    verdict = lapsing.verdict(BASELINE, at("2024-02-01"))
    assert verdict.deadlines[0].what.startswith("offer a_interim lapses 90 days after understanding = signed (about 2024-01-10, f1)")


def test_a_whatif_and_a_statement_fact_can_say_their_date_is_approximate(sessions):
    sessions.fork("later", as_of=at("2024-03-01"))
    sessions.record("later", [("body", {"at": "2024-03-05", "ends": "b_first", "approx": True, "source": "rumour"})])
    [entry] = [e for e in sessions.timeline("later") if any(c.source == "rumour" for c in e.causes)]
    assert [c.approx for c in entry.causes] == [True]
    assert all(c.source != "rumour" for e in sessions.timeline(BASELINE) for c in e.causes)


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_a_malformed_approx_is_refused_at_its_field(sessions, bad):
    with pytest.raises(FactError) as caught:
        sessions.record(BASELINE, [("body", {**APPROX, "approx": bad})])
    assert any(p.field == "approx" for p in caught.value.problems), caught.value.problems


def test_a_position_can_say_when_it_was_said_only_roughly(tmp_path):
    from tests.unit.small import verdict_of
    rules = RULES.replace("    in_force: {from: 2024-02-01}\n", "    in_force: {from: 2024-02-01}\n    said_on: 2024-02-01\n    approx: true\n")
    verdict = verdict_of(tmp_path, rules, FACTS, at("2024-03-01").date())
    cited = {s.position.id: s.position for c in verdict.cycles for s in c.steps}
    assert cited["a_first"].approx and not cited["b_first"].approx
    cycle = next(line for line in verdict.summary if line.startswith("Cycle:"))
    assert "Beta does.\" — mediator's briefing, about 2024-02-01);" in cycle
    assert "about 2024-02-01" in verdict_text(verdict)


def test_a_statement_fact_of_an_approximate_date_states_a_statement_cited_so(sessions):
    sessions.record(BASELINE, [("body", {"at": "2024-03-05", "approx": True, "source": "rumour", "ends": "b_first", "states": {"offer": {
        "id": "b_offer", "actor": "B", "offers": "B.y", "quote": "Beta would move.", "source": "rumour", "said_on": "2024-03-05"}}})])
    verdict = sessions.verdict(BASELINE, at("2024-03-06"))
    [offer] = [e for s in verdict.stances for e in s.evidence if e.id == "b_offer"]
    assert offer.approx and '"approx":true' in offer.model_dump_json()


def test_a_malformed_approx_in_a_rule_file_is_located(tmp_path):
    from tests.unit.small import rule_file_problems
    found = rule_file_problems(tmp_path / "bad", RULES.replace("    source: press account\n", "    source: press account\n    approx: roughly\n"))
    [problem] = [p for p in found if p.field == "positions.1.approx"]
    assert "valid boolean" in problem.message and problem.where.endswith("rules.yaml:27"), problem
