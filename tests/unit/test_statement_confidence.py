"""How sure a statement is (``confidence``, ``claimed_by``, ``denied_by`` on a statement fact):
a reported offer that ends a precondition.  A verdict of the confirmed facts leaves it out, a
verdict of every fact says its status rests on it; as of a past date, on the timeline and in
a what-if; malformed attributions refused at their field."""

from __future__ import annotations

import pytest

from engine.errors import FactError
from engine.sessions import BASELINE
from tests.unit.small import at, sessions_fixture
from tests.unit.test_quote_kind import FACTS, RULES

REPORTED = {"at": "2024-03-05", "source": "one outlet", "confidence": "reported", "claimed_by": ["A"], "ends": "b_first",
            "states": {"offer": {"id": "b_offer", "actor": "B", "offers": "B.y", "quote": "Beta will move.", "source": "one outlet"}}}

sessions = sessions_fixture("unsure", RULES, FACTS)


def test_a_verdict_of_every_fact_rests_on_the_reported_statement(sessions):
    sessions.record(BASELINE, [("body", REPORTED)])
    verdict = sessions.verdict(BASELINE, at("2024-03-06"))
    assert verdict.status == "opening"
    [resting] = verdict.rests_on_unconfirmed
    assert (resting.id, resting.confidence, resting.claimed_by) == ("f3", "reported", ["A"])
    assert resting.value.startswith("states offer b_offer; ends b_first")
    assert verdict.summary[-1].startswith("The status (opening) rests on statements not confirmed: f3 (reported: ")
    assert sessions.verdict(BASELINE, at("2024-03-01")).rests_on_unconfirmed == []  # not yet said


def test_a_verdict_of_the_confirmed_facts_leaves_it_out(sessions):
    sessions.record(BASELINE, [("body", REPORTED)])
    sure = sessions.verdict(BASELINE, at("2024-03-06"), admit="confirmed")
    assert (sure.status, sure.admits, sure.rests_on_unconfirmed) == ("deadlock", "confirmed", [])
    assert "b_first" in [p.id for p in sure.positions_in_force]
    assert sessions.verdict(BASELINE, at("2024-03-06"), admit="reported").status == "opening"
    assert sessions.compare(BASELINE, BASELINE, at("2024-03-06"), admit="confirmed").a.status == "deadlock"


def test_the_timeline_of_the_confirmed_facts_has_no_entry_for_it(sessions):
    sessions.record(BASELINE, [("body", REPORTED)])
    every = {e.at.date().isoformat(): e for e in sessions.timeline(BASELINE)}
    assert every["2024-03-05"].status == "opening"
    assert [(c.id, c.confidence) for c in every["2024-03-05"].causes] == [("f3", "reported")]
    assert [f.id for f in every["2024-03-05"].rests_on_unconfirmed] == ["f3"]
    assert every["2024-03-05"].changes[-1].startswith("rests on statements not confirmed: f3 (reported: ")
    # the entry's verdict (as of its time, or inline on request) says so too
    assert sessions.verdict(BASELINE, every["2024-03-05"].at).summary[-1].startswith("The status (opening) rests on statements not confirmed: f3")
    inline = {e.at.date().isoformat(): e for e in sessions.timeline(BASELINE, verdicts=True)}["2024-03-05"]
    assert inline.verdict == sessions.verdict(BASELINE, every["2024-03-05"].at)
    assert all(not e.rests_on_unconfirmed for day, e in every.items() if day < "2024-03-05")
    sure = {e.at.date().isoformat(): e for e in sessions.timeline(BASELINE, admit="confirmed")}
    assert "2024-03-05" not in sure and all(e.status == "deadlock" for e in sure.values())


def test_a_whatif_can_try_a_disputed_statement_and_its_parent_keeps_none(sessions):
    sessions.fork("rumour", as_of=at("2024-03-01"))
    sessions.record("rumour", [("body", {**REPORTED, "confidence": "disputed", "claimed_by": ["A"], "denied_by": ["B"]})])
    verdict = sessions.verdict("rumour", at("2024-03-06"))
    assert verdict.status == "opening" and [f.confidence for f in verdict.rests_on_unconfirmed] == ["disputed"]
    assert sessions.verdict("rumour", at("2024-03-06"), admit="reported").status == "deadlock"
    assert sessions.verdict(BASELINE, at("2024-03-06")).status == "deadlock"


def test_a_confirmed_end_of_a_reported_statement_is_read_without_it(sessions):
    sessions.record(BASELINE, [("body", REPORTED)])
    sessions.record(BASELINE, [("body", {"at": "2024-04-01", "ends": "b_offer", "source": "Beta denies it"})])
    assert sessions.verdict(BASELINE, at("2024-04-02"), admit="confirmed").status == "deadlock"
    assert sessions.verdict(BASELINE, at("2024-03-06"), admit="confirmed").status == "deadlock"


@pytest.mark.parametrize(("more", "field", "message"), [
    ({"confidence": "sure"}, "confidence", "'confirmed', 'reported' or 'disputed'"),
    ({"confidence": "reported", "denied_by": ["B"]}, "confidence", "is disputed"),
    ({"confidence": "reported", "claimed_by": ["C"]}, "claimed_by.0", "unknown actor 'C'"),
    ({"confidence": "disputed", "claimed_by": ["A"], "denied_by": ["A"]}, "denied_by", "in both"),
])
def test_a_malformed_attribution_of_a_statement_is_refused_at_its_field(sessions, more, field, message):
    before = sessions.verdict(BASELINE, at("2024-03-06")).model_dump_json()
    fact = {key: value for key, value in REPORTED.items() if key not in ("confidence", "claimed_by")}
    with pytest.raises(FactError) as caught:
        sessions.record(BASELINE, [("body", {**fact, **more})])
    assert any(p.field == field and message in p.message for p in caught.value.problems), caught.value.problems
    assert sessions.verdict(BASELINE, at("2024-03-06")).model_dump_json() == before


def test_a_session_of_its_own_reads_the_reported_statement_the_same_way(tmp_path):
    from engine.clock import FixedClock
    from engine.facts import parse_inputs
    from ripeness.bootstrap import load_scenario
    (tmp_path / "rules.yaml").write_text(RULES)
    session = load_scenario(tmp_path).new_session("t", FixedClock(at("2024-06-01")))
    try:
        session.record(parse_inputs([(f"fact[{i}]", f) for i, f in enumerate([*FACTS, REPORTED])], session.rulebook))
        every = session.verdict(at("2024-03-06"))
        assert every.status == "opening" and [f.confidence for f in every.rests_on_unconfirmed] == ["reported"]
        assert session.verdict(at("2024-03-06"), admit="confirmed").status == "deadlock"
        [entry] = [e for e in session.timeline() if e.at.date().isoformat() == "2024-03-05"]
        assert [f.confidence for f in entry.rests_on_unconfirmed] == ["reported"]
        assert all(e.status == "deadlock" for e in session.timeline(admit="confirmed"))
    finally:
        session.close()


def test_a_confirmed_restatement_of_a_reported_statement_is_read_as_said_in_its_own_right(sessions):
    sessions.record(BASELINE, [("body", REPORTED)])
    again = {"at": "2024-03-10", "source": "Beta's own statement",
             "states": {"offer": {"id": "b_offer_again", "restates": "b_offer", "actor": "B", "offers": "B.y",
                                  "quote": "Beta confirms it will move.", "source": "Beta's own statement"}}}
    sessions.record(BASELINE, [("body", again)])

    def offers(day: str, **admit: str) -> list[str]:
        return [o.id for o in sessions.verdict(BASELINE, at(day), **admit).offers_in_force]

    assert offers("2024-03-06", admit="confirmed") == []  # only reported yet
    assert offers("2024-03-11", admit="confirmed") == ["b_offer_again"]  # said in its own right
    assert offers("2024-03-11") == ["b_offer", "b_offer_again"]
    # ended by the stance's name (its first statement, left out): the end reaches the restatement
    sessions.record(BASELINE, [("body", {"at": "2024-04-01", "ends_stance": "b_offer", "source": "Beta withdraws it"})])
    assert offers("2024-04-02", admit="confirmed") == [] and offers("2024-04-02") == []
