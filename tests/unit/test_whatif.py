"""``engine.analysis.whatif.Outcomes`` answers exactly as solving the changed model again,
for every move made, every block lifted and random sets of positions given up, on
generated scenarios (seeded) in several states."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from benchmarks import generate, world
from engine.analysis.concessions import Trials
from engine.analysis.explain import _single_cycle
from engine.analysis.model import build_model, on_the_way, reachable_goals, reachable_if_willing, solve, solve_toward
from engine.analysis.whatif import Outcomes
from engine.live_session import Session
from ripeness.bootstrap import rules_engine


def solved(model) -> tuple[bool, bool]:
    after = solve(model)
    return after.any_goal, nx.is_directed_acyclic_graph(after.blocked_graph())


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_outcomes_equal_solving_the_changed_model(tmp_path, seed):
    loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4], subjects=80, seed=seed), folder=tmp_path / "rules")
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 4, subjects=subjects, events=5, seed=seed)))
    rng = random.Random(seed)
    _, head = world.heads(stream, generate.START)
    session = Session("whatif", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    checked = 0
    for cut in (subjects, subjects * 2, subjects * 4):  # every move undone at first, then some done
        session.record(world.resolve(loaded.rulebook, stream[checked:cut]))
        checked = cut
        model = build_model(session.analyst.situation(session.frame(session.clock.now())))
        solution = solve(model)
        outcomes = Outcomes(model, solution)
        trials = Trials(model, outcomes)
        assert reachable_goals(model) == solution.goals_reachable, cut  # a status's shortcut
        assert reachable_if_willing(model, solution) == reachable_goals(model.hopeful()), cut  # the headline's shortcut
        for component in solution.blocked_components():  # explain's shortcut for a component of one cycle
            found = [c[c.index(min(c)):] + c[:c.index(min(c))] for c in nx.simple_cycles(solution.blocked_subgraph(component))]
            assert _single_cycle(solution, component) in (found if len(found) == 1 else [None]), (cut, component)
        for move in sorted(model.moves - model.done):
            assert outcomes.after_move(move) == solved(model.with_done(move)), (cut, move)
        blocks = [b for bs in model.blocks.values() for b in bs]
        for block in blocks:
            without = {m: tuple(b for b in bs if b is not block) for m, bs in model.blocks.items()}
            assert outcomes.after_lifting([block]) == solved(type(model)(**{**model.__dict__, "blocks": without})), (cut, block.key)
        positions = sorted({b.key for b in blocks})
        for _ in range(60):
            given_up = rng.sample(positions, rng.randint(1, len(positions))) if positions else []
            lifted = [b for b in blocks if b.key in given_up]
            expected = solved(model.without(given_up))
            assert outcomes.after_lifting(lifted) == expected, (cut, given_up)
            assert outcomes.opens_way(lifted) == (expected == (True, True)), (cut, given_up)
            assert trials.opens_way(given_up) == (expected == (True, True)), (cut, given_up)  # its witness shortcut
    session.close()


def write_random_scenario(folder, rng: random.Random) -> None:
    """A few moves on flags, each perhaps withheld until other moves' flags are set (all of
    them, or any), some refused outright, and goals needing random moves: small wait graphs
    of every shape, cycles cut off from the goals included."""
    import yaml

    n = rng.randint(3, 9)

    def flag(j: int) -> dict:
        return {"subject": f"X.s{j}", "eq": True}

    positions = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        if rng.random() < 0.25 or not others:
            continue
        position = {"id": f"p{i}", "actor": "X", "withholds": f"X.m{i}", "quote": "q", "said_by": "X", "said_on": "2020-01-01", "source": "test"}
        if rng.random() > 0.1:
            picked = rng.sample(others, rng.randint(1, min(3, len(others))))
            position["until"] = flag(picked[0]) if len(picked) == 1 else {rng.choice(["all", "any"]): [flag(j) for j in picked]}
        positions.append(position)
    files = {
        "scenario.yaml": {"scenario": {"id": "tiny", "title": "Random wait graph"}, "actors": [{"id": "X", "name": "X"}]},
        "subjects.yaml": {"subjects": [{"id": f"s{i}", "actor": "X", "type": "bool"} for i in range(n)]
                          + [{"id": f"g{k}", "actor": "X", "type": "bool"} for k in range(2)]},
        "moves.yaml": {
            "moves": [{"id": f"m{i}", "actor": "X", "done_when": flag(i)} for i in range(n)],
            "goals": [{"id": f"goal{k}", "done_when": {"subject": f"X.g{k}", "eq": True},
                       "needs": [f"X.m{j}" for j in rng.sample(range(n), rng.randint(1, min(2, n)))]} for k in range(rng.randint(1, 2))],
        },
        "positions.yaml": {"positions": positions},
    }
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")


def test_outcomes_equal_solving_on_random_small_wait_graphs(tmp_path):
    from engine.clock import FixedClock
    from engine.compiler import compile_rulebook
    from engine.facts import parse_inputs
    from engine.rulebook import load_rulebook

    rng = random.Random(7)
    acyclic_after = 0
    for case in range(150):
        folder = tmp_path / f"case{case}"
        write_random_scenario(folder, rng)
        rulebook = load_rulebook(folder)
        session = Session("tiny", rulebook, compile_rulebook(rulebook), rules_engine(), FixedClock(generate.START))
        flags = [s for s in rulebook.subjects if s.startswith("X.s")]
        session.record(parse_inputs([(s, {"at": "2021-01-01", "subject": s, "value": rng.random() < 0.2}) for s in flags], rulebook))
        model = build_model(session.analyst.situation(session.frame(session.clock.now())))
        solution = solve(model)
        outcomes = Outcomes(model, solution)
        assert reachable_if_willing(model, solution) == reachable_goals(model.hopeful()), case  # moves nobody spoke of, willing
        for move in sorted(model.moves - model.done):
            expected = solved(model.with_done(move))
            assert outcomes.after_move(move) == expected, (case, move)
            assert reachable_goals(model.with_done(move)) == solve(model.with_done(move)).goals_reachable, (case, move)
            acyclic_after += expected[1]
        positions = sorted({b.key for bs in model.blocks.values() for b in bs})
        for size in range(1, len(positions) + 1):
            given_up = rng.sample(positions, size)
            lifted = [b for bs in model.blocks.values() for b in bs if b.key in given_up]
            expected = solved(model.without(given_up))
            assert outcomes.after_lifting(lifted) == expected, (case, given_up)
            assert outcomes.opens_way(lifted) == (expected == (True, True)), (case, given_up)
        session.close()
    assert acyclic_after > 50  # the cases cover changes that leave no cycle on the way


def _same_solution(narrowed, found, expected, where) -> None:
    assert found.reach == expected.reach, where
    assert found.goals_reachable == expected.goals_reachable, where
    assert found.relevant == expected.relevant, where
    assert found.refused == expected.refused, where
    assert found.waits == expected.waits, where
    assert sorted(found.graph.nodes) == sorted(expected.graph.nodes) and sorted(found.graph.edges) == sorted(expected.graph.edges), where
    assert {i: found.lifters[i] for i in expected.lifters} == expected.lifters, where
    assert found.move_lifters == expected.move_lifters, where
    assert found.blocked_components() == expected.blocked_components(), where
    # the blocked components, searched inside the whole graph's, are networkx's on the blocked graph
    assert expected.blocked_components() == sorted(sorted(c) for c in nx.strongly_connected_components(expected.blocked_graph())
                                                    if len(c) > 1), where
    assert expected.components() == sorted(sorted(c) for c in nx.strongly_connected_components(expected.graph) if len(c) > 1), where


@pytest.mark.parametrize("seed", [1, 2])
def test_a_narrowed_solution_read_off_the_whole_equals_solving_it(tmp_path, seed):
    """A goal's concession search solves the model cut down to the moves on its way
    (``BlockingModel.toward``); ``solve_toward`` reads that solution off the whole model's."""
    loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4], subjects=80, seed=seed), folder=tmp_path / "rules")
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 4, subjects=subjects, events=5, seed=seed)))
    rng = random.Random(seed)
    _, head = world.heads(stream, generate.START)
    session = Session("toward", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    checked = 0
    compared = 0
    for cut in (subjects, subjects * 2, subjects * 4):  # every move undone at first, then some done
        session.record(world.resolve(loaded.rulebook, stream[checked:cut]))
        checked = cut
        model = build_model(session.analyst.situation(session.frame(session.clock.now())))
        solution = solve(model)
        goals = sorted(model.goals)
        choices = [[g] for g in goals] + [rng.sample(goals, rng.randint(1, len(goals))) for _ in range(10)]
        for chosen in choices:
            narrowed = model.toward(chosen, set().union(*(on_the_way(model, solution, g) for g in chosen)))
            _same_solution(narrowed, solve_toward(narrowed, solution), solve(narrowed), (cut, chosen))
            compared += 1
    session.close()
    assert compared > 30
