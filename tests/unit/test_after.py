"""A move possible only after another (``after``): a bill is signed once it has passed."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import RuleFileError
from ripeness.bootstrap import load_scenario
from tests.unit.small import rule_file_problems, verdict_of

BILL = """
scenario: {id: bill, title: A bill}
actors:
  - {id: HOUSE, name: House}
  - {id: PRES, name: President}
subjects:
  - {id: bill, type: enum, values: [none, passed, signed]}
moves:
  - {id: pass_bill, actor: HOUSE, done_when: {subject: bill, in: [passed, signed]}}
  - {id: sign, actor: PRES, done_when: {subject: bill, eq: signed}, after: [HOUSE.pass_bill]}
goals:
  - {id: law, done_when: {subject: bill, eq: signed}, needs: [PRES.sign]}
offers:
  - {id: pres_will_sign, actor: PRES, offers: PRES.sign, quote: "I will sign it.", source: s}
"""
HOUSE_OFFERS = """
  - {id: house_will_pass, actor: HOUSE, offers: HOUSE.pass_bill, quote: "We will pass it.", source: s}
"""
HOUSE_REFUSES = """
positions:
  - {id: house_no, actor: HOUSE, withholds: HOUSE.pass_bill, quote: "Never.", source: s}
"""
HOUSE_WAITS_FOR_SIGNATURE = """
positions:
  - {id: house_waits, actor: HOUSE, withholds: HOUSE.pass_bill, until: {subject: bill, eq: signed}, quote: "Sign first.", source: s}
"""
PRES_REFUSES = """
positions:
  - {id: pres_no, actor: PRES, withholds: PRES.sign, quote: "I will veto it.", source: s}
"""


def verdict(tmp_path, extra: str = "", bill: str = "none"):
    return verdict_of(tmp_path, BILL + extra, [{"at": "2024-01-01", "subject": "bill", "value": bill, "source": "s"}],
                      dt.date(2024, 2, 1))


def test_a_willing_move_is_no_way_out_before_the_move_it_comes_after(tmp_path):
    result = verdict(tmp_path)  # nobody has said whether the House would pass the bill
    stances = {s.move: s for s in result.stances}
    assert stances["PRES.sign"].stance == "willing" and stances["PRES.sign"].after == ["HOUSE.pass_bill"]
    assert stances["HOUSE.pass_bill"].stance == "unknown"  # on the way: the signature waits for it
    assert result.status == "deadlock" and result.goals[0].blocked_by == ["untested"]
    assert [(o.kind, o.move) for o in result.openings] == [("ask", "HOUSE.pass_bill")]
    assert result.openings[0].reaches_goal  # once passed, the President's word carries the law
    assert result.concessions.sets == [["unknown:HOUSE.pass_bill"]]
    assert ("PRES.sign (after HOUSE.pass_bill): it cannot be made before HOUSE.pass_bill is made, whatever PRES has said"
            " (willing).") in result.summary
    assert not result.ripeness[0].way_out.holds


def test_the_path_opens_when_the_first_move_is_offered(tmp_path):
    result = verdict(tmp_path, HOUSE_OFFERS)
    assert result.status == "opening"
    now = [o for o in result.openings if o.available_now]
    assert [o.move for o in now] == ["HOUSE.pass_bill"]  # not "PRES can sign now"
    assert all(o.move != "PRES.sign" for o in result.openings)


def test_once_the_first_move_is_made_the_second_can_be_made_now(tmp_path):
    result = verdict(tmp_path, bill="passed")
    sign = next(s for s in result.stances if s.move == "PRES.sign")
    assert sign.stance == "willing" and sign.after == []
    assert result.status == "opening"
    opening = next(o for o in result.openings if o.move == "PRES.sign")
    assert opening.available_now and opening.description.startswith("PRES can sign now")
    assert not any("(after" in line for line in result.summary)


def test_a_refused_first_move_is_the_dead_end(tmp_path):
    result = verdict(tmp_path, HOUSE_REFUSES)
    assert [r.move for r in result.refusals] == ["HOUSE.pass_bill"]
    assert result.goals[0].blocked_by == ["refusal"]
    assert next(s for s in result.stances if s.move == "PRES.sign").stance == "willing"
    assert [o.move for o in result.openings] == ["HOUSE.pass_bill"]  # breaching house_no, then the President signs
    assert result.openings[0].breaches == ["house_no"] and result.openings[0].reaches_goal
    assert result.concessions.sets == [["house_no"]]


def test_waiting_for_a_move_that_comes_after_your_own_is_a_cycle(tmp_path):
    result = verdict(tmp_path, HOUSE_WAITS_FOR_SIGNATURE)
    assert result.status == "deadlock" and result.goals[0].blocked_by == ["cycle"]
    [cycle] = result.cycles
    assert cycle.moves == ["HOUSE.pass_bill", "PRES.sign"]
    steps = {s.move: s for s in cycle.steps}
    assert steps["PRES.sign"].after and steps["PRES.sign"].position is None and steps["PRES.sign"].waits_for == "HOUSE.pass_bill"
    assert steps["HOUSE.pass_bill"].position.id == "house_waits"
    assert "PRES can make PRES.sign only after HOUSE.pass_bill" in next(line for line in result.summary if line.startswith("Cycle:"))
    assert result.concessions.sets == [["house_waits"]]  # the order of moves is never a concession
    assert all(not key.startswith("after:") for o in result.openings for key in o.satisfies)


def test_a_way_out_through_a_move_that_comes_after_names_the_path(tmp_path):
    result = verdict(tmp_path, HOUSE_OFFERS + PRES_REFUSES)
    sign = next(o for o in result.openings if o.move == "PRES.sign")
    assert not sign.available_now and sign.after == ["HOUSE.pass_bill"] and sign.reaches_goal
    assert sign.description == "PRES makes 'sign', breaching pres_no (after HOUSE.pass_bill)"
    assert [e.id for e in sign.evidence] == ["house_will_pass", "pres_no"]


CHAIN = """
scenario: {id: chain, title: A law published}
actors:
  - {id: H, name: House}
  - {id: P, name: President}
  - {id: C, name: Clerk}
subjects:
  - {id: step, type: number, min: 0, max: 3}
moves:
  - {id: publish, actor: C, done_when: {subject: step, ge: 3}, after: [P.sign]}
  - {id: sign, actor: P, done_when: {subject: step, ge: 2}, after: [H.pass_bill]}
  - {id: pass_bill, actor: H, done_when: {subject: step, ge: 1}}
goals:
  - {id: law, done_when: {subject: step, ge: 3}, needs: [C.publish]}
offers:
  - {id: h_will, actor: H, offers: H.pass_bill, quote: "Yes.", source: s}
  - {id: p_will, actor: P, offers: P.sign, quote: "Yes.", source: s}
positions:
  - {id: c_no, actor: C, withholds: C.publish, quote: "No.", source: s}
"""


def test_the_path_lists_every_move_before_in_the_order_they_can_be_made(tmp_path):
    result = verdict_of(tmp_path, CHAIN, [{"at": "2024-01-01", "subject": "step", "value": 0, "source": "s"}], dt.date(2024, 2, 1))
    publish = next(o for o in result.openings if o.move == "C.publish")
    assert publish.after == ["H.pass_bill", "P.sign"] and publish.reaches_goal
    stances = {s.move: s for s in result.stances}
    assert stances["C.publish"].after == ["P.sign"] and stances["P.sign"].after == ["H.pass_bill"]
    assert [o.move for o in result.openings if o.available_now] == ["H.pass_bill"]


@pytest.mark.parametrize("after, message", [
    ("[PRES.sing]", "unknown move 'PRES.sing'; did you mean 'PRES.sign'?"),
    ("[PRES.sign]", "a move cannot come after itself: 'PRES.sign' names itself in 'after'"),
    ("[HOUSE.pass_bill, HOUSE.pass_bill]", "'HOUSE.pass_bill' is named twice in 'after'"),
])
def test_check_names_a_wrong_after(tmp_path, after, message):
    said = "\n".join(map(str, rule_file_problems(tmp_path, BILL.replace("after: [HOUSE.pass_bill]", f"after: {after}"))))
    assert message in said and "rules.yaml:" in said


def test_check_refuses_moves_that_come_after_each_other(tmp_path):
    rules = textwrap.dedent(BILL).replace(
        "- {id: pass_bill, actor: HOUSE, done_when: {subject: bill, in: [passed, signed]}}",
        "- {id: pass_bill, actor: HOUSE, done_when: {subject: bill, in: [passed, signed]}, after: [PRES.sign]}")
    (tmp_path / "rules.yaml").write_text(rules)
    with pytest.raises(RuleFileError) as caught:
        load_scenario(tmp_path)
    text = str(caught.value)
    assert "moves that wait on each other through 'after' can never be made: HOUSE.pass_bill after PRES.sign after HOUSE.pass_bill" in text
    assert "rules.yaml:9: moves.0.after.0:" in text  # the line and field of the first move of the loop


# --- invariants, on small generated scenarios --------------------------------------------

STANCES = ("offer", "refuse", "silent", "free")


@st.composite
def chains(draw):
    """Three moves of three actors, each maybe after earlier ones, each with a stance, some done."""
    count = 3
    afters = [sorted(draw(st.sets(st.integers(0, i - 1), max_size=i))) if i else [] for i in range(count)]
    stances = [draw(st.sampled_from(STANCES)) for _ in range(count)]
    done = [draw(st.booleans()) for _ in range(count)]
    needs = draw(st.sets(st.integers(0, count - 1), min_size=1))
    return afters, stances, done, sorted(needs)


def scenario(afters, stances, needs) -> str:
    lines = ["scenario: {id: gen, title: Generated}", "actors:"]
    lines += [f"  - {{id: A{i}, name: A{i}}}" for i in range(len(afters))]
    lines += ["subjects:"] + [f"  - {{id: s{i}, actor: A{i}, type: bool}}" for i in range(len(afters))]
    lines += ["moves:"]
    for i, after in enumerate(afters):
        free = ", free: true" if stances[i] == "free" else ""
        before = f", after: [{', '.join(f'A{j}.m{j}' for j in after)}]" if after else ""
        lines.append(f"  - {{id: m{i}, actor: A{i}, done_when: {{subject: A{i}.s{i}, eq: true}}{free}{before}}}")
    lines += ["goals:", f"  - {{id: g, done_when: {{all: [{', '.join(f'{{subject: A{i}.s{i}, eq: true}}' for i in needs)}]}},"
              f" needs: [{', '.join(f'A{i}.m{i}' for i in needs)}]}}"]
    lines += ["offers:"] + [f"  - {{id: o{i}, actor: A{i}, offers: A{i}.m{i}, quote: q, source: s}}"
                            for i, s in enumerate(stances) if s == "offer"]
    lines += ["positions:"] + [f"  - {{id: p{i}, actor: A{i}, withholds: A{i}.m{i}, quote: q, source: s}}"
                               for i, s in enumerate(stances) if s == "refuse"]
    return _with_sections(lines)


def _with_sections(lines: list[str]) -> str:
    """The lines, less an ``offers:`` or ``positions:`` heading with nothing under it."""
    kept = []
    for i, line in enumerate(lines):
        if line in ("offers:", "positions:") and (i + 1 == len(lines) or not lines[i + 1].startswith("  - ")):
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chains())
def test_no_move_is_made_available_or_offered_as_a_way_out_before_the_moves_it_comes_after(tmp_path_factory, drawn):
    afters, stances, done, needs = drawn
    folder = tmp_path_factory.mktemp("gen")
    facts = [{"at": "2024-01-01", "actor": f"A{i}", "subject": f"s{i}", "value": d, "source": "s"} for i, d in enumerate(done)]
    result = verdict_of(folder, scenario(afters, stances, needs), facts, dt.date(2024, 2, 1))
    made = set(result.moves_done)
    before = {f"A{i}.m{i}": {f"A{j}.m{j}" for j in after} for i, after in enumerate(afters)}
    reached = {o.move for o in result.openings if o.available_now}
    for opening in result.openings:
        if opening.available_now:
            assert before[opening.move] <= made, opening  # never "can X now" before what it comes after
        elif opening.kind != "variant":
            # a way out is a path: what it comes after is made, or listed first, each reachable
            assert before[opening.move] <= made | set(opening.after), opening
    for stance in result.stances:
        if stance.stance != "done":
            assert set(stance.after) == before[stance.move] - made
    if result.goals[0].status == "opening":  # every needed move not made can be made, its prerequisites first
        for i in needs:  # a move already made needs nothing more, whatever it comes after
            if f"A{i}.m{i}" not in made:
                assert before[f"A{i}.m{i}"] <= made | {s.move for s in result.stances if s.stance in ("willing", "free")}
    assert reached <= {s.move for s in result.stances}


def test_a_cycle_through_an_order_of_moves_is_drawn_and_written_without_a_position(tmp_path):
    from engine.rulebook import load_rulebook
    from ripeness.render import verdict_text
    from web import brief, graph

    result = verdict(tmp_path, HOUSE_WAITS_FOR_SIGNATURE)
    rulebook = load_rulebook(tmp_path)
    drawn = graph.build(result, rulebook).elements(result, rulebook)
    edges = {(e["data"]["source"], e["data"]["target"]): e["data"] for e in drawn["edges"]}
    assert edges["PRES.sign", "HOUSE.pass_bill"]["kind"] == "after" and edges["PRES.sign", "HOUSE.pass_bill"]["label"] == "after"
    assert edges["HOUSE.pass_bill", "PRES.sign"]["label"] == "house_waits"
    assert "PRES.sign waits for HOUSE.pass_bill: it can only be made after it" in verdict_text(result)
    assert "**President** can make `PRES.sign` only after `HOUSE.pass_bill`" in brief.markdown(result, rulebook)
