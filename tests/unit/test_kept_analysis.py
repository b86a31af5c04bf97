"""Parts of the analysis kept from one verdict to the next must never change a verdict.

Each concession search is kept on what the search reads of its model
(``analysis.searched_model``): two models with one key must have the same concession sets,
whatever else differs (moves done elsewhere, the number of moves, the work budget within
one ``search_plan``, the blocks' evidence).  A block's lifters and waits are kept per block
and the moves done that could meet it; an opening's words per move, its blocks and values.
"""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import generate, world
from engine.analysis import searched_model
from engine.analysis.concessions import concession_sets, search_plan
from engine.analysis.model import build_model, on_the_way, solve, solve_toward
from engine.analysis.whatif import Outcomes
from engine.session import Session
from ripeness.bootstrap import rules_engine
from tests.unit.test_whatif import write_random_scenario

BUDGETS = (60, 150, 400, 1_000, 5_000, 100_000)


def _searches(model, solution, found: dict, where) -> None:
    """Each goal in deadlock's own search (on the model cut down to its way) and the whole
    model's, at each budget: the sets found, grouped by key."""
    wanted = [[g] for g, done in model.goals.items() if not done and not solution.goals_reachable[g]]
    for goals in [*wanted, list(model.goals)]:
        if len(goals) == len(model.goals):
            narrowed, narrowed_solution = model, solution
        else:
            narrowed = model.toward(goals, set().union(*(on_the_way(model, solution, g) for g in goals)))
            narrowed_solution = solve_toward(narrowed, solution)
        for budget in BUDGETS:
            key = searched_model(narrowed, narrowed_solution, budget)
            assert key is not None
            sets = concession_sets(narrowed, narrowed_solution, Outcomes(narrowed, narrowed_solution), budget)
            found.setdefault(key, []).append((sets, (where, tuple(goals), budget), (narrowed.done, len(narrowed.moves), budget)))


def _check(found: dict) -> int:
    """Every search of one key found the same sets; returns how many keys were shared by
    searches that differ in what the key leaves out (moves done, moves, budget)."""
    shared = 0
    for searches in found.values():
        first = searches[0][0]
        for sets, where, _ in searches[1:]:
            assert sets == first, (where, searches[0][1])
        shared += len({apart for _, _, apart in searches}) > 1
    return shared


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_key_one_answer_along_generated_streams(tmp_path, seed):
    loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4], subjects=80, seed=seed), folder=tmp_path / "rules")
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 4, subjects=subjects, events=5, seed=seed)))
    _, head = world.heads(stream, generate.START)
    session = Session("kept", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    found: dict = {}
    checked = 0
    for cut in range(subjects, subjects * 4 + 1, subjects // 2):  # every move undone at first, then more and more done
        session.record(world.resolve(loaded.rulebook, stream[checked:cut]))
        checked = cut
        model = build_model(session.analyst.situation(session.frame(session.clock.now())))
        _searches(model, solve(model), found, cut)
    session.close()
    assert _check(found) > 20  # keys shared by models that differ in what the key leaves out


def test_one_key_one_answer_on_random_small_wait_graphs(tmp_path):
    from engine.compiler import compile_rulebook
    from engine.facts import parse_inputs
    from engine.rulebook import load_rulebook
    from engine.session import FixedClock

    rng = random.Random(11)
    found: dict = {}
    for case in range(60):
        folder = tmp_path / f"case{case}"
        write_random_scenario(folder, rng)
        rulebook = load_rulebook(folder)
        session = Session("tiny", rulebook, compile_rulebook(rulebook), rules_engine(), FixedClock(generate.START))
        flags = [s for s in rulebook.subjects if s.startswith("X.s")]
        for round_ in range(3):  # the same rule files with other moves done
            session.record(parse_inputs([(s, {"at": f"2021-01-0{round_ + 1}", "subject": s, "value": rng.random() < 0.3}) for s in flags],
                                        rulebook))
            model = build_model(session.analyst.situation(session.frame(session.clock.now())))
            _searches(model, solve(model), found, (case, round_))
        session.close()
    assert _check(found) > 5


def _searched_sizes(candidates: int, moves: int, work_budget: int) -> tuple[list[int], str | None]:
    """What ``concession_sets``' loop does with its budget, spelled out: the sizes it tries
    in full, and the search it turns to after them (None: none)."""
    budget = max(candidates + 1, work_budget // max(1, moves))
    tried, sizes = 0, []
    for size in range(1, candidates + 1):
        count = math.comb(candidates, size)
        if tried + count > budget:
            return sizes, "greedy" if tried + candidates <= budget else "cycles"
        sizes.append(size)
        tried += count
    return sizes, None


@given(st.integers(1, 40), st.integers(1, 2_000), st.integers(1, 200_000), st.integers(1, 200_000))
def test_one_plan_one_course_of_the_search(candidates, moves, first, second):
    """Two budgets with one plan make the search try the same sizes and turn to the same
    search after them, whatever the number of moves."""
    if search_plan(candidates, moves, first) == search_plan(candidates, moves, second):
        assert _searched_sizes(candidates, moves, first) == _searched_sizes(candidates, moves, second)
    plan = search_plan(candidates, moves, first)
    sizes, then = _searched_sizes(candidates, moves, first)
    assert plan == (None if then is None else (len(sizes) + 1, then == "greedy"))


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_lifters_and_waits_are_those_of_the_model(tmp_path, seed):
    """``solve`` keeps each block's lifters and waits per block and the moves done among
    those that meet its condition: along a stream (blocks kept from one verdict to the
    next), and with some of those moves taken as done, they are those the model gives."""
    from dataclasses import replace

    from engine.analysis.model import block_lifters, waits_for

    loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4], subjects=80, seed=seed), folder=tmp_path / "rules")
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 4, subjects=subjects, events=5, seed=seed)))
    _, head = world.heads(stream, generate.START)
    session = Session("kept", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    rng = random.Random(seed)
    checked, done_somewhere = 0, 0
    for cut in range(subjects, subjects * 4 + 1, subjects // 4):
        session.record(world.resolve(loaded.rulebook, stream[checked:cut]))
        checked = cut
        model = build_model(session.analyst.situation(session.frame(session.clock.now())))
        movers = sorted({m for bs in model.blocks.values() for b in bs for m in b.movers})
        for taken in (set(), set(rng.sample(movers, len(movers) // 3)), set(), set(rng.sample(movers, len(movers) // 5))):
            changed = replace(model, done=model.done | taken)
            solution = solve(changed)
            for move, blocks in changed.blocks.items():
                for block in blocks:
                    assert solution.lifters[id(block)] == block_lifters(changed, block), (cut, move)
                    assert sorted(t for t, bs in solution.waits.get(move, {}).items() if any(b is block for b in bs)) == sorted(
                        waits_for(changed, block)), (cut, move)
                    done_somewhere += not block.movers.isdisjoint(changed.done)
    session.close()
    assert done_somewhere > 100  # blocks some of whose meeting moves are done


@pytest.mark.parametrize(("seed", "room"), [(1, None), (2, None), (3, 40)])
def test_a_verdict_is_the_one_worked_out_with_nothing_kept(tmp_path, monkeypatch, seed, room):
    """Along a stream fed in parts (blocks, lifters, searches, openings' words, stances,
    cycles and their steps kept from each verdict to the next), every verdict is the one
    worked out after ``forget``; also when little is kept (``room``: searches' moves,
    blocks' numbers, citations and built parts forgotten often)."""
    import engine.analysis
    from engine.analysis import analyse, forget

    if room is not None:
        monkeypatch.setattr(engine.analysis, "MAX_SEARCHED_MOVES", room)
        monkeypatch.setattr(engine.analysis, "MAX_SIGNATURES", room)
        monkeypatch.setattr(engine.analysis.explain, "MAX_CITED", room)  # citations, evidence, stances, cycles

    loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4], subjects=80, seed=seed), folder=tmp_path / "rules")
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 4, subjects=subjects, events=20, seed=seed)))
    _, head = world.heads(stream, generate.START)
    session = Session("kept", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    checked, statuses = 0, set()
    for cut in range(subjects, subjects * 4 + 1, subjects // 4):
        session.record(world.resolve(loaded.rulebook, stream[checked:cut]))
        checked = cut
        sit = session.analyst.situation(session.frame(session.clock.now()))
        kept = analyse(sit)
        forget()
        assert analyse(sit).model_dump_json() == kept.model_dump_json(), cut
        statuses.update((g.status, g.concessions.size > 0) for g in kept.goals)
        analyse(session.analyst.situation(session.frame(session.clock.now() - dt.timedelta(days=1 + cut % 7))))  # other values kept
    session.close()
    assert {("deadlock", True), ("opening", False)} <= statuses


@pytest.mark.parametrize(("seed", "room"), [(1, None), (2, None), (3, 300)])
def test_a_standing_is_the_one_worked_out_with_nothing_kept(tmp_path, monkeypatch, seed, room):
    """A standing is kept on its model but for the evidence (the blocks as the concession
    search reads them, the moves done, eased and willing, the goals).  Along a stream fed a
    few facts at a time (most change no comparison's outcome), as of two days each time,
    every standing worked out with every other one kept is the one worked out after
    ``forget``, and many situations share a kept one; also when few are kept (``room``:
    moves in the kept standings' keys, so that they are forgotten often)."""
    from dataclasses import replace

    import engine.analysis
    from engine.analysis import forget, standing

    if room is not None:
        monkeypatch.setattr(engine.analysis, "MAX_SEARCHED_MOVES", room)

    loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4], subjects=80, seed=seed), folder=tmp_path / "rules")
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 3, subjects=subjects, events=10, seed=seed)))
    _, head = world.heads(stream, generate.START)
    session = Session("kept", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    situations, checked = [], 0
    for cut in range(subjects, subjects * 3 + 1, 4):
        session.record(world.resolve(loaded.rulebook, stream[checked:cut]))
        checked = cut
        for day in (session.clock.now(), session.clock.now() - dt.timedelta(days=1 + cut % 5)):
            sit = session.analyst.situation(session.frame(day))
            situations.append(replace(sit, holds=frozenset(c for c in session.analyst.memory.held()).__contains__))
    session.close()
    fresh = []
    for sit in situations:
        forget()
        fresh.append(standing(sit))
    kept = [standing(sit) for sit in reversed(situations)][::-1]  # each with all the others kept
    assert kept == fresh
    assert len({s[0] for s in fresh}) > 1  # the stream moves the headline
