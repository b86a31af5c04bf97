"""Statements as facts (``engine.statements``): positions and offers stated, softened and
ended by dated facts, and what that does to verdicts now, as of a date, the timeline and a
what-if."""

from __future__ import annotations

import datetime as dt
import random
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import FactError
from engine.facts import parse_inputs
from engine.live_session import Session
from ripeness.bootstrap import load_scenario
from tests.conftest import NOW
from tests.unit.small import NOTHING_GIVEN, SWAP

RULES = SWAP + """
positions:
  - {id: b_first, actor: B, withholds: B.give, until: {subject: A.a_x, eq: "yes"},
     quote: "Alpha gives first.", source: rule file}
"""
A_OFFERS = {"at": "2024-03-01", "source": "a speech", "states": {"offer": {
    "id": "a_offer", "actor": "A", "offers": "A.give", "quote": "We will give.", "source": "a speech"}}}
B_IN_STEP = {"at": "2024-03-10", "source": "a letter", "ends": "b_first", "quote": "We drop our precondition.",
             "states": {"offer": {"id": "b_offer", "actor": "B", "offers": "B.give", "if": {"subject": "A.a_x", "eq": "yes"},
                                  "simultaneous": True, "quote": "We give as Alpha gives.", "source": "a letter"}}}


def session_of(folder: Path, facts: list[dict[str, Any]]) -> Session:
    (folder / "rules.yaml").write_text(textwrap.dedent(RULES))
    session = load_scenario(folder).new_session("t", NOW)
    record(session, facts)
    return session


def record(session: Session, facts: list[dict[str, Any]]) -> None:
    session.record(parse_inputs([(f"fact[{i}]", f) for i, f in enumerate(facts)], session.rulebook))


@pytest.fixture
def session(tmp_path):
    opened = session_of(tmp_path, [*NOTHING_GIVEN, A_OFFERS, B_IN_STEP])
    yield opened
    opened.close()


def stances(verdict) -> dict[str, str]:
    return {s.move: s.stance for s in verdict.stances}


def test_a_stated_offer_counts_from_its_day_and_not_before(session):
    before = session.verdict(dt.date(2024, 2, 1))
    assert stances(before) == {"A.give": "unknown", "B.give": "withheld"}
    then = session.verdict(dt.date(2024, 3, 2))
    assert stances(then)["A.give"] == "willing"
    evidence = next(s for s in then.stances if s.move == "A.give").evidence
    assert [(e.kind, e.id, e.quote) for e in evidence] == [("offer", "a_offer", "We will give.")]


def test_a_position_ended_and_an_offer_stated_in_one_fact_soften_the_stance(session):
    held = session.verdict(dt.date(2024, 3, 9))
    assert held.status == "deadlock" or stances(held)["B.give"] == "withheld"
    assert [p.id for p in held.positions_in_force] == ["b_first"]
    after = session.verdict(dt.date(2024, 3, 10))
    assert after.status == "opening"
    assert stances(after) == {"A.give": "willing", "B.give": "willing"}
    assert [p.id for p in after.positions_in_force] == []


def test_the_timeline_names_each_statement_with_its_words_and_source(session):
    entries = {e.at.date(): e for e in session.timeline(dt.date(2024, 6, 1))}
    offered = entries[dt.date(2024, 3, 1)]
    assert [(c.value, c.source) for c in offered.causes] == [("states offer a_offer", "a speech")]
    assert [p.id for p in offered.statements] == ["a_offer"]
    softened = entries[dt.date(2024, 3, 10)]
    assert [c.value for c in softened.causes] == ['states offer b_offer; ends b_first: "We drop our precondition."']
    assert sorted(p.id for p in softened.statements) == ["b_first", "b_offer"]
    assert softened.status == "opening"


def test_a_quote_written_over_several_lines_is_cited_on_one(tmp_path):
    """A YAML '>' block ends its text with a line end (and a '|' block keeps them all): the
    timeline cites the words as one line, as it cites a position's quote."""
    folded = {**B_IN_STEP, "quote": "We drop\nour precondition.\n"}
    opened = session_of(tmp_path, [*NOTHING_GIVEN, A_OFFERS, folded])
    try:
        softened = {e.at.date(): e for e in opened.timeline(dt.date(2024, 6, 1))}[dt.date(2024, 3, 10)]
        assert [c.value for c in softened.causes] == ['states offer b_offer; ends b_first: "We drop our precondition."']
    finally:
        opened.close()


def test_withdrawing_a_statement_fact_takes_it_back_at_every_time(session):
    offered = next(f for f in session.history.statements() if f.subject == "a_offer")
    record(session, [{"withdraws": offered.id, "note": "misreported"}])
    assert stances(session.verdict(dt.date(2024, 3, 2)))["A.give"] == "unknown"
    assert "a_offer" not in session.rulebook.offers


def test_a_what_if_can_end_a_real_position_and_its_parent_keeps_it(tmp_path):
    parent = session_of(tmp_path, NOTHING_GIVEN)
    child = load_scenario(tmp_path).new_session("what-if", NOW)
    try:
        record(child, [*NOTHING_GIVEN, {"at": "2024-02-01", "ends": "b_first", "source": "hypothesis"}])
        assert stances(child.verdict(dt.date(2024, 2, 2)))["B.give"] == "unknown"
        assert stances(parent.verdict(dt.date(2024, 2, 2)))["B.give"] == "withheld"
    finally:
        child.close()
        parent.close()


@pytest.mark.parametrize(("fact", "field", "message"), [
    ({"at": "2024-03-01", "states": {"position": {"id": "p", "actor": "A", "withholds": "A.gift", "quote": "q", "source": "s"}}},
     "states.position.withholds", "unknown move 'A.gift'; did you mean 'A.give'?"),
    ({"at": "2024-03-01", "states": {"position": {"id": "b_first", "actor": "B", "withholds": "B.give", "quote": "q", "source": "s"}}},
     "states.position.id", "'b_first' is already a statement's id"),
    ({"at": "2024-03-01", "states": {"position": {"id": "p", "actor": "A", "withholds": "A.give", "quote": "q", "source": "s",
                                                  "in_force": {"from": "2024-01-01"}}}},
     "states.position.in_force", "leave 'in_force' out"),
    ({"at": "2024-03-01", "ends": "b_frist"}, "ends", "no position or offer 'b_frist' to end"),
    ({"at": "2024-03-01", "states": {"offer": {"id": "o", "actor": "A", "offers": "A.give", "quote": "q", "source": "s",
                                               "restates": "b_first"}}},
     "states.offer.restates", "b_first"),
])
def test_a_wrong_statement_is_refused_naming_the_field_and_changes_nothing(tmp_path, fact, field, message):
    session = session_of(tmp_path, NOTHING_GIVEN)
    try:
        before = session.verdict(dt.date(2024, 4, 1)).model_dump_json()
        with pytest.raises(FactError) as caught:
            record(session, [fact])
        problems = caught.value.problems
        assert any(p.where == "fact[0]" and p.field == field and message in p.message for p in problems), problems
        assert session.verdict(dt.date(2024, 4, 1)).model_dump_json() == before
        assert session.history.statements() == []
    finally:
        session.close()


def test_malformed_statement_facts_are_refused_by_shape(tmp_path):
    session = session_of(tmp_path, NOTHING_GIVEN)
    try:
        for fact, field, message in [
            ({"at": "2024-03-01", "ends": "b_first", "subject": "a_x"}, "", "not 'subject'"),
            ({"ends": "b_first"}, "at", "required field 'at' is missing"),
            ({"at": "2024-03-01", "states": {}}, "states", "exactly one of 'position' and 'offer'"),
            ({"at": "2024-03-01", "states": {"position": {"id": "p", "actor": "A", "withholds": "A.give", "source": "s"}}},
             "states.position.quote", "required"),
            ({"at": "2024-03-01", "subject": "a_x", "actor": "A", "value": "no", "quote": "q"}, "", "'quote' is for statement facts"),
        ]:
            with pytest.raises(FactError) as caught:
                record(session, [fact])
            assert any(p.field == field and message in p.message for p in caught.value.problems), (fact, caught.value.problems)
    finally:
        session.close()


def test_an_end_before_the_statement_or_after_its_end_is_refused(tmp_path):
    session = session_of(tmp_path, [*NOTHING_GIVEN, A_OFFERS])
    try:
        with pytest.raises(FactError, match="stated only on 2024-03-01; it cannot end on 2024-02-01"):
            record(session, [{"at": "2024-02-01", "ends": "a_offer"}])
        with pytest.raises(FactError, match="in force from 2024-03-01; it can end on a later day, not on 2024-03-01"):
            record(session, [{"at": "2024-03-01", "ends": "a_offer"}])
        record(session, [{"at": "2024-04-01", "ends": "a_offer"}])
        with pytest.raises(FactError, match="no longer in force on 2024-05-01"):
            record(session, [{"at": "2024-05-01", "ends": "a_offer"}])
        stated = next(f for f in session.history.statements() if f.subject == "a_offer")
        with pytest.raises(FactError, match="no position or offer 'a_offer' to end"):
            record(session, [{"withdraws": stated.id}])  # a later fact ends it: withdrawing it would leave that dangling
    finally:
        session.close()


STATEMENTS = [A_OFFERS, B_IN_STEP, {"at": "2024-04-20", "ends": "a_offer", "source": "a retraction"},
              {"at": "2024-05-02", "source": "a third speech", "states": {"offer": {
                  "id": "a_again", "actor": "A", "offers": "A.give", "restates": "a_offer", "quote": "We give after all.",
                  "source": "a third speech"}}}]


@settings(max_examples=8, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_same_statements_in_any_recording_order_give_the_same_verdicts(tmp_path_factory, shuffler: random.Random):
    """Statements apply in date order, whatever order they were recorded in (ends of a
    statement recorded before the statement itself, in one request, included)."""
    folder = tmp_path_factory.mktemp("order")
    facts = list(STATEMENTS)
    shuffler.shuffle(facts)
    in_order = session_of(folder, [*NOTHING_GIVEN, *STATEMENTS])
    shuffled = load_scenario(folder).new_session("shuffled", NOW)
    try:
        record(shuffled, [*NOTHING_GIVEN, *facts])
        for day in (dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 15), dt.date(2024, 4, 25), dt.date(2024, 6, 1)):
            assert shuffled.verdict(day).model_dump(exclude={"session"}) == in_order.verdict(day).model_dump(exclude={"session"})
        assert ([(e.at, e.status, e.changes) for e in shuffled.timeline(dt.date(2024, 7, 1))]
                == [(e.at, e.status, e.changes) for e in in_order.timeline(dt.date(2024, 7, 1))])
    finally:
        shuffled.close()
        in_order.close()


def test_a_stated_offer_that_lapses_counts_its_days_from_the_day_it_was_stated(tmp_path):
    interim = {"at": "2024-03-01", "source": "an interim understanding", "states": {"offer": {
        "id": "a_interim", "actor": "A", "offers": "A.give", "lapses": {"days": 90},
        "quote": "For three months, we give.", "source": "an interim understanding"}}}
    session = session_of(tmp_path, [*NOTHING_GIVEN, interim])
    try:
        assert stances(session.verdict(dt.date(2024, 5, 29)))["A.give"] == "willing"  # day 89
        assert stances(session.verdict(dt.date(2024, 5, 30)))["A.give"] == "unknown"  # 90 days on: lapsed
        lapsed = {e.at.date(): e for e in session.timeline(dt.date(2024, 7, 1))}[dt.date(2024, 5, 30)]
        assert [x.id for x in lapsed.lapsed] == ["a_interim"]
    finally:
        session.close()
