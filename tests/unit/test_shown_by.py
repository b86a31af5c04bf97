"""Willingness shown by conduct (``shown_by`` on an offer): a prisoner release read by every
account as a step toward talks is an offer to talk, in force while the act stands.  Its
effect on a verdict now, as of a past date, on the timeline (the act names the offer) and in
a what-if, what the verdict cites (the act's fact beside the analyst's reading), and each
malformed form refused with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import FactError
from engine.sessions import BASELINE
from tests.unit.small import at, rule_file_problems, sessions_fixture

RULES = """\
scenario: {id: goodwill, title: A release read as a step toward talks}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: prisoners, actor: A, type: enum, values: [held, released]}
  - {id: seated, actor: A, type: enum, values: ["no", "yes"]}
  - {id: seated, actor: B, type: enum, values: ["no", "yes"]}
moves:
  - {id: talk, actor: A, done_when: {subject: A.seated, eq: "yes"}}
  - {id: talk, actor: B, done_when: {subject: B.seated, eq: "yes"}}
offers:
  - id: b_ready
    actor: B
    offers: B.talk
    quote: "We are ready to talk."
    source: Beta statement
    said_on: 2019-10-01
  - id: a_goodwill
    actor: A
    offers: A.talk
    shown_by: {subject: A.prisoners, eq: released}
    quote: "Every account read the release as a step toward resuming talks."
    source: press accounts of the exchange
goals:
  - id: talks
    done_when:
      all:
        - {subject: A.seated, eq: "yes"}
        - {subject: B.seated, eq: "yes"}
    needs: [A.talk, B.talk]
"""
FACTS = [
    {"at": "2019-10-01", "actor": "A", "subject": "prisoners", "value": "held", "source": "prison service"},
    {"at": "2019-10-01", "actor": "A", "subject": "seated", "value": "no", "source": "A"},
    {"at": "2019-10-01", "actor": "B", "subject": "seated", "value": "no", "source": "B"},
    {"at": "2019-11-19", "actor": "A", "subject": "prisoners", "value": "released", "source": "exchange at Bagram"},
]

sessions = sessions_fixture("goodwill", RULES, FACTS)


def _talk(verdict):
    return next(s for s in verdict.stances if s.move == "A.talk")


def test_before_the_act_silence_is_not_consent(sessions):
    verdict = sessions.verdict(BASELINE, at("2019-11-18"))
    assert verdict.status != "opening"
    assert _talk(verdict).stance == "unknown"
    assert "A.talk" in verdict.goals[0].untested


def test_from_the_act_the_offer_is_in_force_and_cites_the_act(sessions):
    verdict = sessions.verdict(BASELINE, at("2019-11-19"))
    assert verdict.status == "opening"
    stance = _talk(verdict)
    assert stance.stance == "willing"
    [cited] = stance.evidence
    assert (cited.id, cited.quote_kind) == ("a_goodwill", "reading")
    assert cited.shown_by is not None
    assert (cited.shown_by.subject, cited.shown_by.value, cited.shown_by.at.date().isoformat(), cited.shown_by.source) == (
        "A.prisoners", "released", "2019-11-19", "exchange at Bagram")
    opening = next(o for o in verdict.openings if o.move == "A.talk")
    assert opening.available_now
    assert "its conduct shows it will (offer a_goodwill, shown by A.prisoners = released (2019-11-19, f4))" in opening.description
    assert [e.shown_by.id for e in opening.evidence if e.id == "a_goodwill"] == ["f4"]
    assert any("(the analyst's reading of the act)" in line or "conduct shows" in line for line in verdict.summary)


def test_the_timeline_entry_of_the_act_names_the_offer(sessions):
    entries = {e.at.date().isoformat(): e for e in sessions.timeline(BASELINE)}
    entry = entries["2019-11-19"]
    assert entry.status == "opening"
    assert [c.id for c in entry.causes] == ["f4"]
    [stated] = entry.statements
    assert (stated.id, stated.shown_by.id) == ("a_goodwill", "f4")
    # the prisoners held at the start show nothing: no news of the offer
    assert entries["2019-10-01"].statements == []


def test_the_offer_stands_only_while_the_act_does(sessions):
    sessions.record(BASELINE, [("body", {"at": "2019-12-20", "actor": "A", "subject": "prisoners", "value": "held",
                                         "source": "re-arrested"})])
    assert sessions.verdict(BASELINE, at("2019-12-01")).status == "opening"  # as of a date before: still shown
    after = sessions.verdict(BASELINE, at("2019-12-20"))
    assert after.status != "opening" and _talk(after).stance == "unknown"
    entries = {e.at.date().isoformat(): e for e in sessions.timeline(BASELINE)}
    assert [s.id for s in entries["2019-12-20"].statements] == ["a_goodwill"]
    assert entries["2019-12-20"].statements[0].shown_by is None


def test_a_whatif_without_the_act_has_no_opening(sessions):
    sessions.fork("no_release", as_of=at("2019-11-01"))
    sessions.record("no_release", [("body", {"at": "2019-11-02", "actor": "A", "subject": "seated", "value": "no",
                                             "source": "hypothetical"})])
    assert sessions.verdict("no_release", at("2019-11-02")).status != "opening"
    sessions.fork("early", as_of=at("2019-11-01"))
    sessions.record("early", [("body", {"at": "2019-11-05", "actor": "A", "subject": "prisoners", "value": "released",
                                        "source": "an earlier release, hypothetical"})])
    assert sessions.verdict("early", at("2019-11-05")).status == "opening"
    assert sessions.verdict(BASELINE, at("2019-11-05")).status != "opening"


def problems(tmp_path: Path, offer: str) -> list:
    return rule_file_problems(tmp_path / "bad", f"""\
        actors:
          - {{id: A, name: Alpha}}
        subjects:
          - {{id: prisoners, actor: A, type: enum, values: [held, released]}}
          - {{id: level, actor: A, type: number}}
          - {{id: strike, actor: A, kind: event}}
        moves:
          - {{id: talk, actor: A, done_when: {{subject: A.prisoners, eq: released}}}}
        offers:
          - id: o
            actor: A
            offers: A.talk
            quote: q
            source: s
            {offer}
        """)


@pytest.mark.parametrize(("offer", "field", "message"), [
    ("shown_by: {subject: A.prisonrs, eq: released}", "offers.0.shown_by.subject", "did you mean 'A.prisoners'?"),
    ("shown_by: {subject: A.prisoners, eq: freed}", "offers.0.shown_by.eq", "'freed' is not an allowed value"),
    ("shown_by: {subject: A.strike, eq: x}", "offers.0.shown_by.eq", "event subject"),
    ("shown_by: {subject: A.level, eq: {subject: A.level}}", "offers.0.shown_by.eq", "not another subject"),
    ("shown_by: {subject: A.level, change: {gt: 0}}", "offers.0.shown_by.change", "not a change"),
    ("shown_by: {subject: A.prisoners, eq: released, within: {days: 3, of: 2019-01-01}}", "offers.0.shown_by.within",
     "not a deadline"),
    ("shown_by: {subject: A.prisoners}", "offers.0.shown_by", "exactly one operator"),
    ("shown_by: released", "offers.0.shown_by", "valid dictionary"),
    ("quote_kind: reading", "offers.0", "is for an offer shown by conduct"),
])
def test_a_malformed_shown_by_is_located(tmp_path, offer, field, message):
    found = problems(tmp_path, offer)
    [problem] = [p for p in found if p.field == field]
    assert problem.where.endswith("rules.yaml:10" if field == "offers.0" else "rules.yaml:15"), problem  # the offer, or its field
    assert message in problem.message, problem.message


STATED = {"at": "2019-11-25", "source": "a later report",
          "states": {"offer": {"id": "a_stated", "actor": "A", "offers": "A.talk", "restates": "a_goodwill",
                               "quote": "Officials called the release a gesture toward talks.", "quote_kind": "reported",
                               "reported_by": "Beta's spokesman", "source": "a later report",
                               "shown_by": {"subject": "A.prisoners", "eq": "released"}}}}


def test_a_statement_fact_can_state_an_offer_shown_by_conduct(sessions):
    sessions.record(BASELINE, [("body", STATED)])
    assert [e.id for e in _talk(sessions.verdict(BASELINE, at("2019-11-24"))).evidence] == ["a_goodwill"]
    evidence = {e.id: e for e in _talk(sessions.verdict(BASELINE, at("2019-11-25"))).evidence}
    assert evidence["a_stated"].shown_by.id == "f4"
    assert (evidence["a_stated"].quote_kind, evidence["a_stated"].reported_by) == ("reported", "Beta's spokesman")


@pytest.mark.parametrize(("shown_by", "field", "message"), [
    ({"subject": "B.sated", "eq": "yes"}, "states.offer.shown_by.subject", "did you mean 'B.seated'?"),
    ({"subject": "B.seated", "eq": "maybe"}, "states.offer.shown_by.eq", "'maybe' is not an allowed value"),
])
def test_a_wrong_shown_by_in_a_statement_fact_is_refused_and_changes_nothing(sessions, shown_by, field, message):
    before = sessions.verdict(BASELINE, at("2019-12-01")).model_dump_json()
    fact = {**STATED, "states": {"offer": {**STATED["states"]["offer"], "shown_by": shown_by}}}
    with pytest.raises(FactError) as caught:
        sessions.record(BASELINE, [("body", fact)])
    assert any(p.field == field and message in p.message for p in caught.value.problems), caught.value.problems
    assert sessions.verdict(BASELINE, at("2019-12-01")).model_dump_json() == before


def test_an_act_outside_the_offers_dates_is_no_news_of_it(tmp_path):
    # the reading holds only from 2020-01-01 (its in_force): a release in 2019 names no
    # offer on the timeline, and neither does the re-arrest that undoes it
    from tests.unit.small import sessions_with

    dated = RULES.replace("    source: press accounts of the exchange\n",
                          "    source: press accounts of the exchange\n    in_force: {from: 2020-01-01}\n")
    sits = {"at": "2019-11-19", "actor": "B", "subject": "seated", "value": "yes", "source": "Beta sits down"}  # an entry that day
    opened = sessions_with(tmp_path / "dated", dated, [*FACTS, sits])
    try:
        entries = {e.at.date().isoformat(): e for e in opened.timeline(BASELINE)}
        assert "B.talk: willing → done" in entries["2019-11-19"].changes
        assert entries["2019-11-19"].statements == []
    finally:
        opened.close()
