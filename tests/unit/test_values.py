"""Values a comparison admits, and which moves meet a failing comparison: by values, not subjects."""

from __future__ import annotations

import datetime as dt
import textwrap

import portion
from hypothesis import given
from hypothesis import strategies as st

from engine.conditions import compare_holds
from engine.rulebook.models import Compare, Subject
from engine.values import admitted, distance, guarantees, worst_distance
from ripeness.bootstrap import load_scenario
from tests.unit.test_blocking_model import BASE, RULES, verdict

NUMBER = Subject(id="x", type="number", min=0, max=100)
ENUM = Subject(id="e", type="enum", values=["a", "b", "c"])
TEXT = Subject(id="t", type="text")
BOOL = Subject(id="b", type="bool")


def compare(subject: Subject, op: str, value) -> Compare:
    return Compare.model_validate({"subject": subject.key, op: value})


OPS = st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"])
NUMBERS = st.integers(min_value=0, max_value=100) | st.floats(min_value=0, max_value=100, allow_nan=False)


@given(op=OPS, operand=NUMBERS, value=NUMBERS)
def test_a_value_is_admitted_exactly_when_the_comparison_holds_for_numbers(op, operand, value):
    c = compare(NUMBER, op, operand)
    assert (value in admitted(c, NUMBER)) == compare_holds(c, value)


@given(op=st.sampled_from(["eq", "ne", "in", "not_in"]), operand=st.sampled_from(["a", "b", "c"]),
       value=st.sampled_from(["a", "b", "c"]), text=st.text(max_size=3))
def test_a_value_is_admitted_exactly_when_the_comparison_holds_for_enums_and_texts(op, operand, value, text):
    wrapped = [operand] if op in ("in", "not_in") else operand
    for subject, candidate in ((ENUM, value), (TEXT, text)):
        c = compare(subject, op, wrapped)
        assert (candidate in admitted(c, subject)) == compare_holds(c, candidate)


def test_bools_are_not_numbers():
    c = compare(BOOL, "eq", True)
    assert True in admitted(c, BOOL) and False not in admitted(c, BOOL)


def test_a_move_guarantees_only_what_every_value_it_allows_satisfies():
    limit = admitted(compare(NUMBER, "le", 3.67), NUMBER)
    assert not guarantees(limit, admitted(compare(NUMBER, "le", 0), NUMBER))  # 3.67 % is not 0 %
    assert guarantees(admitted(compare(NUMBER, "le", 0), NUMBER), limit)
    assert not guarantees(admitted(compare(NUMBER, "ge", 3), NUMBER), admitted(compare(NUMBER, "ge", 5), NUMBER))


def test_a_move_that_cannot_produce_the_value_does_not_lift_the_block(tmp_path):
    # the union waits for 5 %; a move that only guarantees 3 % reads the same subject but meets nothing
    small = "  - {id: small_offer, actor: CO, done_when: {subject: CO.offer_pct, ge: 3}}\n"
    rules = textwrap.dedent(RULES).replace("ALTS", "{subject: CO.offer_pct, ge: 5}").replace("moves:\n", "moves:\n" + small, 1)
    (tmp_path / "rules.yaml").write_text(rules)
    scn = load_scenario(tmp_path)
    assert scn.rulebook.meeting(scn.rulebook.positions["union_wants_offer_or_award"].until) == [{"CO.offer_pct": frozenset({"CO.offer"})}]
    result = verdict(scn, *BASE)
    assert result.status == "deadlock"
    assert [c.moves for c in result.cycles] == [["CO.offer", "UNI.end_pickets"]]
    assert "CO.small_offer" not in {s.waits_for for c in result.cycles for s in c.steps}


def test_a_condition_no_move_can_meet_by_value_is_a_dead_end(tmp_path, jcpoa):
    # "until enrichment is 0 %": Iran's move back to the 3.67 % limit does not meet it
    rb = jcpoa.rulebook
    assert rb.meeting(rb.positions["usa_maximum_pressure"].until) == [{"IRN.enrichment_pct": frozenset()}]
    session = jcpoa.replay(jcpoa.rulebook.folder / "facts.yaml")
    try:
        result = session.verdict(dt.date(2019, 9, 1))
    finally:
        session.close()
    back = next(o for o in result.openings if o.move == "IRN.return_to_limits")
    assert back.satisfies == []  # it met usa_maximum_pressure when only subjects counted
    assert all(s.position.id != "usa_maximum_pressure" for c in result.cycles for s in c.steps)


def test_the_gap_a_move_leaves_is_the_farthest_value_it_allows():
    zero = admitted(compare(NUMBER, "le", 0), NUMBER)
    assert distance(4.5, zero) == 4.5 and distance(0, zero) == 0
    assert worst_distance(portion.singleton(3.67), zero) == 3.67
    five_up = admitted(compare(NUMBER, "ge", 5), NUMBER)
    assert worst_distance(admitted(compare(NUMBER, "ge", 3), NUMBER), five_up) == 2  # 3 % at worst
    assert worst_distance(portion.closedopen(3, portion.inf), portion.singleton(5)) == float("inf")  # any value above
    assert worst_distance(portion.closed(0, 10), portion.closed(0, 1) | portion.closed(9, 10)) == 4  # 5 lies between


@given(st.floats(min_value=0, max_value=100, allow_nan=False), st.floats(min_value=0, max_value=100, allow_nan=False),
       st.floats(min_value=0, max_value=100, allow_nan=False))
def test_no_value_a_move_allows_is_farther_than_its_worst_gap(low, width, probe):
    produced = portion.closed(low, min(100, low + width))
    needed = admitted(compare(NUMBER, "ge", 50), NUMBER) | admitted(compare(NUMBER, "le", 10), NUMBER)
    if probe in produced:
        assert distance(probe, needed) <= worst_distance(produced, needed) + 1e-9


def test_a_move_that_narrows_the_gap_without_closing_it_is_partial(jcpoa):
    session = jcpoa.replay(jcpoa.rulebook.folder / "facts.yaml")
    try:
        result = session.verdict(dt.date(2020, 1, 10))  # Iran at 4.5 %; the US demands 0 %
    finally:
        session.close()
    refusal = next(r for r in result.refusals if r.position.id == "usa_maximum_pressure")
    (unmet,) = refusal.unmet
    assert unmet.gap == 4.5
    assert [(p.move, p.gap) for p in unmet.partial] == [("IRN.return_to_limits", 3.67)]
    assert any("IRN.return_to_limits would narrow the gap on IRN.enrichment_pct from 4.5 to 3.67" in line for line in result.summary)
