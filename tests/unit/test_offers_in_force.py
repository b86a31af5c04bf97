"""Offers in force are named like positions: in each verdict (``offers_in_force``), as a
change of the timeline even when the offer moves no stance, and in a what-if's comparison.
And a timeline entry cites as causes only facts some rule reads."""

from __future__ import annotations

from engine.comparison import compare
from engine.sessions import BASELINE
from tests.unit.small import at, sessions_fixture, sessions_with

# talks need both parties: the union's offer alone leaves the talks untested (the employer is silent)
TALKS = """
scenario: {id: talks, title: Talks that need both}
actors:
  - {id: UNI, name: Union}
  - {id: EMP, name: Employer}
subjects:
  - {id: talks, type: enum, values: [none, under_way]}
moves:
  - {id: hold_talks, actor: UNI, done_when: {subject: talks, eq: under_way}, consent: [EMP]}
goals:
  - {id: talks_held, done_when: {subject: talks, eq: under_way}, needs: [UNI.hold_talks]}
offers:
  - {id: uni_ready, actor: UNI, offers: UNI.hold_talks, quote: "We are ready to talk.", source: union statement,
     said_on: 2024-02-01, in_force: {from: 2024-02-01}}
"""
FACTS = [{"at": "2024-01-01", "subject": "talks", "value": "none", "source": "s"}]

sessions = sessions_fixture("talks", TALKS, FACTS)


def test_an_offer_that_moves_no_stance_is_still_named_and_is_an_entry(sessions):
    before, after = sessions.verdict(BASELINE, at("2024-01-15")), sessions.verdict(BASELINE, at("2024-02-15"))
    assert [s.stance for s in after.stances] == [s.stance for s in before.stances] == ["unknown"]  # the employer is silent
    assert before.offers_in_force == []
    [offer] = after.offers_in_force
    assert (offer.kind, offer.id, offer.actor, offer.quote) == ("offer", "uni_ready", "UNI", "We are ready to talk.")
    entries = sessions.timeline(BASELINE)
    assert [(e.at.date().isoformat(), e.status) for e in entries] == [("2024-01-01", "deadlock"), ("2024-02-01", "deadlock")]
    assert entries[1].changes == ["in force: uni_ready"]
    assert [s.id for s in entries[1].statements] == ["uni_ready"]


def test_a_whatif_that_states_an_offer_shows_it_in_the_comparison(sessions):
    sessions.fork("employer_ready", as_of=at("2024-02-15"))
    sessions.record("employer_ready", [("body", {"at": "2024-02-10", "source": "what if", "states": {"offer": {
        "id": "emp_ready", "actor": "EMP", "offers": "UNI.hold_talks", "quote": "We will come.", "source": "what if"}}})])
    compared = compare(sessions.verdict(BASELINE, at("2024-02-15")), sessions.verdict("employer_ready", at("2024-02-15")))
    assert compared.differences.offers_added == ["emp_ready"] and compared.differences.offers_gone == []
    assert "Offer in force in employer_ready, not in baseline: emp_ready." in compared.summary


NEWS = TALKS.replace("  - {id: talks, type: enum, values: [none, under_way]}\n",
                     "  - {id: talks, type: enum, values: [none, under_way]}\n  - {id: news, type: text}\n")


def test_a_fact_no_rule_reads_is_never_cited_as_a_cause(tmp_path):
    sessions = sessions_with(tmp_path / "news", NEWS, [*FACTS, {"at": "2024-02-01", "subject": "news", "value": "A rally downtown.",
                                                                  "source": "a paper"}])
    try:
        [_, offered] = sessions.timeline(BASELINE)
        assert offered.changes == ["in force: uni_ready"] and offered.causes == []  # the rally changed nothing
        sessions.record(BASELINE, [("talks", {"at": "2024-03-01", "subject": "talks", "value": "under_way", "source": "s"}),
                                   ("news", {"at": "2024-03-01", "subject": "news", "value": "Crowds cheer.", "source": "a paper"})])
        assert [c.subject for c in sessions.timeline(BASELINE)[-1].causes] == ["talks"]
    finally:
        sessions.close()
