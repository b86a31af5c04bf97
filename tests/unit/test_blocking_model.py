"""The blocking model on small scenarios: alternatives, softer variants, dead ends."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from engine.facts import parse_inputs
from ripeness.bootstrap import load_scenario
from tests.conftest import NOW

RULES = """
actors:
  - {id: UNI, name: Union}
  - {id: CO, name: Company}
  - {id: MED, name: Mediator}
subjects:
  - {id: offer_pct, actor: CO, type: number, unit: "%"}
  - {id: award_pct, actor: MED, type: number, unit: "%"}
  - {id: pickets, actor: UNI, type: enum, values: [up, down]}
  - {id: audit, type: enum, values: [pending, done]}
  - {id: ballot, actor: UNI, type: enum, values: [none, accept_award]}
moves:
  - {id: offer, actor: CO, done_when: {subject: CO.offer_pct, ge: 5}}
  - {id: award, actor: MED, free: true, done_when: {subject: MED.award_pct, ge: 3}}
  - {id: end_pickets, actor: UNI, done_when: {subject: UNI.pickets, eq: down}}
goals:
  - {id: back_to_work, done_when: {subject: UNI.pickets, eq: down}, needs: [UNI.end_pickets]}
positions:
  - id: union_wants_offer_or_award
    actor: UNI
    withholds: UNI.end_pickets
    until: {any: [ALTS]}
    quote: "No return without 5 % or an award."
    source: test
    variants:
      - id: accept_award
        switched_on_by: {subject: UNI.ballot, eq: accept_award}
        until: {subject: MED.award_pct, ge: 2}
        quote: "We will accept an interim award."
        source: test
  - id: company_waits
    actor: CO
    withholds: CO.offer
    until: {subject: UNI.pickets, eq: down}
    quote: "No offer while pickets stand."
    source: test
"""
OFFER = "{subject: CO.offer_pct, ge: 5}"
AWARD = "{subject: MED.award_pct, ge: 3}"


def scenario(tmp_path, alternatives: str, extra: str = ""):
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(RULES).replace("ALTS", alternatives) + extra)
    return load_scenario(tmp_path)


def verdict(scn, *facts: dict, as_of=dt.date(2024, 3, 10)):
    session = scn.new_session("t", NOW)
    session.record(parse_inputs([(f"f{i}", f) for i, f in enumerate(facts)], scn.rulebook))
    try:
        return session.verdict(as_of)
    finally:
        session.close()


BASE = [{"at": "2024-03-01", "actor": "CO", "subject": "offer_pct", "value": 2},
        {"at": "2024-03-01", "actor": "MED", "subject": "award_pct", "value": 0},
        {"at": "2024-03-01", "actor": "UNI", "subject": "pickets", "value": "up"}]


@pytest.mark.parametrize("alternatives", [f"{OFFER}, {AWARD}", f"{AWARD}, {OFFER}"])
def test_the_order_of_alternatives_does_not_change_the_verdict(tmp_path, alternatives):
    result = verdict(scenario(tmp_path, alternatives), *BASE)
    assert result.status == "opening"  # the mediator's award is free and meets one alternative
    assert result.openings[0].what == "MED.award"


def test_a_softer_variant_does_not_undo_the_positions_own_condition(tmp_path):
    scn = scenario(tmp_path, f"{OFFER}, {AWARD}")
    result = verdict(scn, *BASE, {"at": "2024-03-05", "actor": "UNI", "subject": "ballot", "value": "accept_award"},
                     {"at": "2024-03-06", "actor": "CO", "subject": "offer_pct", "value": 6})
    assert result.status == "opening"
    assert result.openings[0].what == "UNI.end_pickets"


def test_waiting_on_something_no_move_brings_about_is_a_named_dead_end(tmp_path):
    scn = scenario(tmp_path, "{subject: audit, eq: done}")
    result = verdict(scn, *BASE, {"at": "2024-03-01", "subject": "audit", "value": "pending"})
    assert result.status == "deadlock"
    assert [r.move for r in result.refusals] == ["UNI.end_pickets"]
    assert result.refusals[0].unmet[0].test == "audit = done"
    assert any("no move can bring about" in line for line in result.summary)


# A position whose condition asks for two things, one of them either of two: once one
# branch of the ``any`` holds, the move that would meet the other branch is off the way.
NEEDLESS = """
scenario: {id: needless, title: An either-or already met}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
  - {id: C, name: Gamma}
subjects:
  - {id: x, actor: A, type: enum, values: ["no", "yes"]}
  - {id: y, actor: B, type: enum, values: ["no", "yes"]}
  - {id: w, actor: B, type: enum, values: ["no", "yes"]}
  - {id: z, actor: C, type: enum, values: ["no", "yes"]}
moves:
  - {id: give, actor: A, done_when: {subject: A.x, eq: "yes"}}
  - {id: give, actor: B, free: true, done_when: {subject: B.y, eq: "yes"}}
  - {id: commit, actor: C, done_when: {subject: C.z, eq: "yes"}}
goals:
  - {id: deal, done_when: {subject: A.x, eq: "yes"}, needs: [A.give]}
positions:
  - id: a_terms
    actor: A
    withholds: A.give
    until: {all: [{subject: B.y, eq: "yes"}, {any: [{subject: C.z, eq: "yes"}, {subject: B.w, eq: "yes"}]}]}
    quote: "Beta's part, and a commitment from Gamma or from Beta."
    source: test
  - id: c_never
    actor: C
    withholds: C.commit
    quote: "We will commit to nothing."
    source: test
"""


@pytest.mark.parametrize(("w", "status", "commit_on_the_way"), [("yes", "opening", False), ("no", "deadlock", True)])
def test_a_branch_of_an_either_or_already_met_takes_the_other_branch_off_the_way(tmp_path, w, status, commit_on_the_way):
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(NEEDLESS))
    facts = [{"at": "2024-03-01", "actor": "A", "subject": "x", "value": "no"},
             {"at": "2024-03-01", "actor": "B", "subject": "y", "value": "no"},
             {"at": "2024-03-01", "actor": "B", "subject": "w", "value": w},
             {"at": "2024-03-01", "actor": "C", "subject": "z", "value": "no"}]
    result = verdict(load_scenario(tmp_path), *facts)
    # Beta's commitment made, Beta's free move is all Alpha still waits for; not made, no move
    # makes it (a dead end), and Gamma refuses the other branch
    assert result.status == status
    assert ("C.commit" in {s.move for s in result.stances}) is commit_on_the_way
    assert any("C.commit" in line for line in result.summary) is commit_on_the_way
    assert any(o.what == "C.commit" for o in result.openings) is commit_on_the_way
