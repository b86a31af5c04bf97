"""Offers: made in step (``simultaneous``) or after their condition holds."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from engine.errors import RuleFileError
from ripeness.bootstrap import load_scenario
from tests.unit.small import NOTHING_GIVEN, SWAP, verdict_of

RULES = SWAP + """
offers:
  - {id: a_offer, actor: A, offers: A.give, if: {subject: B.b_y, eq: "yes"}, IN_STEP
     quote: "We will give once Beta has.", source: s}
  - {id: b_offer, actor: B, offers: B.give, if: {subject: A.a_x, eq: "yes"},
     quote: "We will give once Alpha has.", source: s}
"""


def verdict(tmp_path, in_step: str):
    return verdict_of(tmp_path, RULES.replace("IN_STEP", in_step), NOTHING_GIVEN, dt.date(2024, 2, 1))


def test_two_offers_each_after_the_other_wait_on_each_other(tmp_path):
    result = verdict(tmp_path, "")
    assert result.status == "deadlock"
    assert {s.move: s.stance for s in result.stances} == {"A.give": "offered", "B.give": "offered"}
    assert [c.moves for c in result.cycles] == [["A.give", "B.give"]]


def test_an_offer_made_in_step_breaks_the_wait(tmp_path):
    result = verdict(tmp_path, "simultaneous: true,")
    assert result.status == "opening"
    stances = {s.move: s for s in result.stances}
    assert stances["A.give"].stance == "willing" and [e.id for e in stances["A.give"].evidence] == ["a_offer"]
    now = next(o for o in result.openings if o.move == "A.give")
    assert now.available_now and "in step with the moves its offer names (offer a_offer)" in now.description


def test_an_offer_in_step_with_nothing_is_refused(tmp_path):
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(RULES).replace("IN_STEP", "").replace(
        'if: {subject: A.a_x, eq: "yes"},', "simultaneous: true,"))
    with pytest.raises(RuleFileError) as caught:
        load_scenario(tmp_path)
    assert "'simultaneous: true' needs an 'if'" in str(caught.value)


def test_no_way_out_claims_to_break_every_cycle_when_there_is_no_cycle(tmp_path) -> None:
    """A refusal holds the deal and no position waits on another: nothing can "break every
    cycle", so no opening says it does (the issue: no "breaks every cycle" without a cycle)."""
    rules = SWAP + """
positions:
  - {id: a_never, actor: A, withholds: A.give, quote: "We will never give.", source: s}
offers:
  - {id: b_offer, actor: B, offers: B.give, quote: "We will give.", source: s}
"""
    v = verdict_of(tmp_path, rules, NOTHING_GIVEN, dt.date(2024, 2, 1))
    assert v.status == "deadlock" and not v.cycles
    assert v.openings and not any(o.breaks_all_cycles for o in v.openings)
