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
