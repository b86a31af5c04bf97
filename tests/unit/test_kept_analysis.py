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
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import generate, world
from engine.analysis import searched_model
from engine.analysis.concessions import concession_sets, search_plan
from engine.analysis.model import Situation, build_model, on_the_way, solve, solve_toward
from engine.analysis.whatif import Outcomes
from engine.live_session import Session
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
    from engine.clock import FixedClock
    from engine.compiler import compile_rulebook
    from engine.facts import parse_inputs
    from engine.rulebook import load_rulebook

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
        monkeypatch.setattr(engine.analysis, "MAX_MODEL_MOVES", room)  # models kept with their solutions
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
        monkeypatch.setattr(engine.analysis, "MAX_MODEL_MOVES", room)

    situations = [replace(sit, holds=frozenset(c for c in session.analyst.memory.held()).__contains__)
                  for session, sit in _fed(tmp_path, seed, lambda subjects: 4, lambda cut: 1 + cut % 5)]
    fresh = []
    for sit in situations:
        forget()
        fresh.append(standing(sit))
    kept = [standing(sit) for sit in reversed(situations)][::-1]  # each with all the others kept
    assert kept == fresh
    assert len({s[0] for s in fresh}) > 1  # the stream moves the headline


def _fed(tmp_path, seed: int, step: Callable[[int], int], back: Callable[[int], int]) -> Iterator[tuple[Session, Situation]]:
    """A generated session fed its stream in parts (``step(subjects)`` facts at a time, from
    a first fact for every subject), and after each part its situation as of now and as of
    ``back(cut)`` days before; the session is closed once all are read."""
    loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4], subjects=80, seed=seed), folder=tmp_path / "rules")
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 3, subjects=subjects, events=10, seed=seed)))
    _, head = world.heads(stream, generate.START)
    session = Session("kept", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    checked = 0
    try:
        for cut in range(subjects, subjects * 3 + 1, step(subjects)):
            session.record(world.resolve(loaded.rulebook, stream[checked:cut]))
            checked = cut
            for day in (session.clock.now(), session.clock.now() - dt.timedelta(days=back(cut))):
                yield session, session.analyst.situation(session.frame(day))
    finally:
        session.close()


def _stream_models(tmp_path, seed: int, cuts: int = 8) -> list:
    """The blocking models of a generated session fed in parts, as of two days each time."""
    return [build_model(sit) for _, sit in _fed(tmp_path, seed, lambda subjects: subjects * 2 // cuts, lambda cut: 3)]


@pytest.mark.parametrize("seed", [1, 2])
def test_models_are_alike_only_when_equal_in_every_field(tmp_path, seed):
    """A verdict takes what is kept of a model (its solution, statuses, cycles...) for
    another only when ``alike``: every field of the model, and every field of each of its
    blocks, equal, mappings in the same order.  Along a stream, each model with any one
    field (or one block's field) taken from another model where they differ is not alike;
    a model built again for the same situation is."""
    from dataclasses import fields, replace

    from engine.analysis import alike
    from engine.analysis.model import Block, BlockingModel

    models = _stream_models(tmp_path, seed)
    differing: dict[str, int] = {}
    for a in models:
        assert alike(a, replace(a))
        for b in models:
            for f in fields(BlockingModel):
                x, y = getattr(a, f.name), getattr(b, f.name)
                if x == y and not (isinstance(x, dict) and list(x) != list(y)):
                    continue
                assert not alike(a, replace(a, **{f.name: y})), f.name
                differing[f.name] = differing.get(f.name, 0) + 1
            # one block of ``a`` with one field of a block of ``b`` on the same move
            for move, blocks in a.blocks.items():
                for block in blocks:
                    for other in b.blocks.get(move, ()):
                        for f in fields(Block):
                            value = getattr(other, f.name)
                            if getattr(block, f.name) == value:
                                continue
                            changed = tuple(replace(x, **{f.name: value}) if x is block else x for x in blocks)
                            assert not alike(a, replace(a, blocks={**a.blocks, move: changed})), f"block {f.name}"
                            differing[f"block {f.name}"] = differing.get(f"block {f.name}", 0) + 1
    # the stream moves what the evidence explains, not only what the search reads
    assert {"done", "blocks", "willing", "goals", "block unmet", "block failing"} <= set(differing)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_timeline_is_the_one_worked_out_with_nothing_kept(tmp_path, seed):
    """A timeline's verdicts take the models kept (with their solutions, light cycles and
    refusals, the outcomes of changes) from every verdict before, of this timeline and of
    the others: the timelines of a generated log up to several ends, and of its confirmed
    facts only, each worked out with everything kept from the ones before, are those
    worked out after ``forget``, entry by entry, with and without their full verdicts."""
    from engine.analysis import forget

    loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4], subjects=80, seed=seed), folder=tmp_path / "rules")
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 4, subjects=subjects, events=20, seed=seed)))
    _, head = world.heads(stream, generate.START)
    session = Session("kept", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    session.record(world.resolve(loaded.rulebook, stream))
    times = session.change_times()
    asked = [(times[(len(times) - 1) * k // 4], admit, full) for k in (1, 2, 4) for admit in ("disputed", "confirmed")
             for full in (False, True) if k < 4 or not full]
    kept = [[e.model_dump_json() for e in session.timeline(end, admit, full)] for end, admit, full in asked]
    fresh = []
    for end, admit, full in asked:
        forget()
        fresh.append([e.model_dump_json() for e in session.timeline(end, admit, full)])
    session.close()
    assert kept == fresh
    assert sum(len(entries) for entries in kept) > 50


TWO_BOUNDS = """\
scenario: {id: bounds, title: A condition failing by one bound or the other}
actors:
  - {id: UNI, name: Union}
  - {id: EMP, name: Employer}
subjects:
  - {id: on_strike, actor: UNI, type: bool}
  - {id: pay_offer_pct, actor: EMP, type: number, min: 0, max: 100}
conditions:
  - id: fair_offer
    holds_when: {all: [{subject: EMP.pay_offer_pct, gt: 0}, {subject: EMP.pay_offer_pct, lt: 50}]}
  - id: pickets_ended
    holds_when: {subject: UNI.on_strike, eq: false}
moves:
  - {id: return_to_work, actor: UNI, done_when: {condition: pickets_ended}}
  - {id: make_offer, actor: EMP, done_when: {condition: fair_offer}}
goals:
  - {id: work_resumed, done_when: {all: [{condition: pickets_ended}, {condition: fair_offer}]},
     needs: [UNI.return_to_work, EMP.make_offer]}
positions:
  - {id: uni_no_return, actor: UNI, withholds: UNI.return_to_work, until: {condition: fair_offer}, quote: "Not without a fair offer.",
     source: s, said_on: 2024-03-04}
  - {id: emp_no_offer, actor: EMP, withholds: EMP.make_offer, until: {condition: pickets_ended}, quote: "Not while they picket.",
     source: s, said_on: 2024-03-05}
"""


def test_a_model_equal_but_for_a_failing_comparison_is_worked_out_again(tmp_path):
    """The union's block fails by the offer's lower bound (0 %), then by its upper one (60 %):
    the same stances, waits and moves (the same ``standing``), but another failing
    comparison, so another model.  Each verdict, and the timeline, asked with everything
    kept from the one before, cites its own comparison and fact, as after ``forget``."""
    from engine.analysis import forget
    from engine.sessions import BASELINE
    from tests.unit.small import at, sessions_with

    facts = [{"at": "2024-03-05", "subject": "UNI.on_strike", "value": True, "source": "pickets"},
             {"at": "2024-03-06", "subject": "EMP.pay_offer_pct", "value": 0, "source": "no offer"},
             {"at": "2024-03-07", "subject": "EMP.pay_offer_pct", "value": 60, "source": "an offer too high to be fair"},
             {"at": "2024-03-08", "subject": "EMP.pay_offer_pct", "value": 10, "source": "a fair offer"},
             {"at": "2024-03-09", "subject": "EMP.pay_offer_pct", "value": 70, "source": "too high again"}]
    sessions = sessions_with(tmp_path / "bounds", TWO_BOUNDS, facts)
    try:
        days = ["2024-03-06", "2024-03-07", "2024-03-09", "2024-03-06"]
        kept = [sessions.verdict(BASELINE, at(day)) for day in days]
        kept_timeline = [[e.model_dump_json() for e in sessions.timeline(BASELINE, verdicts=full)] for full in (False, True)]
        fresh = []
        for day in days:
            forget()
            fresh.append(sessions.verdict(BASELINE, at(day)))
        forget()
        fresh_timeline = [[e.model_dump_json() for e in sessions.timeline(BASELINE, verdicts=full)] for full in (False, True)]
    finally:
        sessions.close()
    assert [v.model_dump_json() for v in kept] == [v.model_dump_json() for v in fresh]
    assert kept_timeline == fresh_timeline
    cited = [{u.test for c in v.cycles for s in c.steps for u in s.unmet} for v in kept[:2]]
    assert cited[0] != cited[1] and kept[0].status == kept[1].status == "deadlock"  # one standing, two comparisons cited


def _graph_steps(draw_seed: int, nodes: int, steps: int, grow: float) -> list[dict[str, list[str]]]:
    """Wait graphs on the moves ``m0``... one after another, each the one before less some
    moves and waits (a move made: its waits gone), now and then with moves or waits added
    (a move undone, a block come back), as a timeline's models follow each other."""
    rng = random.Random(draw_seed)
    names = [f"m{i}" for i in range(nodes)]
    graph = {m: sorted(rng.sample([n for n in names if n != m], rng.randint(0, min(3, nodes - 1)))) for m in names}
    found = [graph]
    for _ in range(steps):
        graph = {m: list(targets) for m, targets in graph.items()}
        if rng.random() < grow:  # a move or a wait comes (back)
            m = rng.choice(names)
            graph.setdefault(m, [])
            others = [n for n in graph if n != m and n not in graph[m]]
            if others:
                graph[m] = sorted([*graph[m], rng.choice(others)])
        else:
            for _ in range(rng.randint(1, 3)):
                if rng.random() < 0.4 and len(graph) > 2:  # a move made: gone from the graph, and every wait for it
                    gone = rng.choice(sorted(graph))
                    graph = {m: [t for t in targets if t != gone] for m, targets in graph.items() if m != gone}
                else:
                    m = rng.choice(sorted(graph))
                    if graph[m]:
                        graph[m] = [t for t in graph[m] if t != rng.choice(graph[m])]
        found.append(graph)
    return found


@given(st.integers(0, 10_000), st.integers(3, 12), st.integers(1, 8), st.sampled_from([0.0, 0.2, 0.5]))
def test_kept_components_are_those_of_each_wait_graph(seed, nodes, steps, grow):
    """A solution's strongly connected components are worked out from the last wait graph's
    when this one is that one less some moves and waits, its blocked components and their
    cycles kept per component: along graphs that lose moves and waits (and now and then gain
    some), each solution's components, blocked components and cycles are those networkx
    finds, and those worked out after ``forget``, moves blocked at random.  It fails if a
    component is kept where the waits of one of its moves changed, or a wait came."""
    import networkx as nx

    from engine.analysis import explain, forget
    from engine.analysis.model import Solution

    rng = random.Random(seed)
    graphs = _graph_steps(seed, nodes, steps, grow)
    asked = []
    for graph in graphs:
        moves = tuple(sorted(graph))
        reach = {m for m in moves if rng.random() < 0.2}
        waits = {m: {t: [] for t in targets} for m, targets in graph.items() if targets}
        asked.append(Solution(reach, {}, moves, set(moves), waits=waits))
    forget()
    kept = [(s.components(), s.blocked_components(), [nodes for nodes, _ in explain.cycle_paths(s)]) for s in asked]
    for solution, (components, blocked, cycles) in zip(asked, kept):
        whole = nx.DiGraph((m, t) for m, targets in solution.waits.items() for t in targets)
        assert components == sorted(sorted(c) for c in nx.strongly_connected_components(whole) if len(c) > 1)
        inside = whole.subgraph(m for m in solution.moves if m not in solution.reach)
        assert blocked == sorted(sorted(c) for c in nx.strongly_connected_components(inside) if len(c) > 1)
        fresh = Solution(solution.reach, {}, solution.moves, solution.relevant, waits=solution.waits)
        forget()
        assert cycles == [nodes for nodes, _ in explain.cycle_paths(fresh)]


def _random_session(folder, seed: int) -> tuple[Session, list[dt.datetime]]:
    """A small random scenario (``write_random_scenario``: moves ``X.m0``... on flags, their
    positions named and worded for ``seed``), its flags set and unset day by day, and three
    days to ask a verdict of."""
    import yaml

    from engine.clock import FixedClock
    from engine.compiler import compile_rulebook
    from engine.facts import parse_inputs
    from engine.rulebook import load_rulebook

    rng = random.Random(seed)
    write_random_scenario(folder, rng)
    stated = yaml.safe_load((folder / "positions.yaml").read_text(encoding="utf-8"))
    for position in stated["positions"]:  # names and words of this scenario's own: a part kept from another one would show
        position["id"] = f"{position['id']}_{seed}"
        position["quote"] = f"{position['id']} of scenario {seed}"
    (folder / "positions.yaml").write_text(yaml.safe_dump(stated, sort_keys=False), encoding="utf-8")
    rulebook = load_rulebook(folder)
    session = Session("tiny", rulebook, compile_rulebook(rulebook), rules_engine(), FixedClock(dt.datetime(2021, 2, 1, tzinfo=dt.timezone.utc)))
    flags = [s for s in rulebook.subjects if s.startswith("X.")]
    for day in range(1, 10):
        session.record(parse_inputs([(s, {"at": f"2021-01-{day:02d}", "subject": s, "value": rng.random() < 0.3 + day / 20})
                                     for s in rng.sample(flags, rng.randint(1, len(flags)))], rulebook))
    return session, [dt.datetime(2021, 1, day, 12, tzinfo=dt.timezone.utc) for day in (2, 5, 9)]


def _asked(session: Session, days: list[dt.datetime], forgetting: bool) -> list:
    """A session's timelines (light, then with full verdicts), verdicts as of ``days`` and
    light verdicts as of each entry's time, in JSON; ``forgetting``: each after ``forget``."""
    from engine.analysis import analyse, forget

    found = []
    for full in (False, True):
        if forgetting:
            forget()
        found.append([e.model_dump_json() for e in session.timeline(verdicts=full)])
    for day in days:
        if forgetting:
            forget()
        found.append(session.verdict(day).model_dump_json())
    for day in sorted({e.at for e in session.timeline()}):  # the light verdicts themselves, which no entry shows whole
        if forgetting:
            forget()
        found.append(analyse(session.analyst.situation(session.frame(day)), light=True).model_dump_json())
    return found


@given(st.integers(0, 10_000))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_timelines_of_random_scenarios_are_those_worked_out_with_nothing_kept(tmp_path_factory, seed):
    """A timeline's light verdicts keep, from one to the next and across timelines, their
    goals, refusals, cycles (per rulebook, moves and blocks), components (per wait graph
    component), ripeness's sides, parties and ways out: of two small random scenarios with
    the same move names (their positions named and worded each its own), the second's
    timelines (light and with full verdicts) and verdicts worked out with everything kept
    from the first's are those worked out after ``forget``."""
    first, first_days = _random_session(tmp_path_factory.mktemp("first") / "rules", seed)
    second, days = _random_session(tmp_path_factory.mktemp("second") / "rules", seed + 10_001)
    try:
        _asked(first, first_days, False)
        kept = _asked(second, days, False)
        fresh = _asked(second, days, True)
    finally:
        first.close()
        second.close()
    assert kept == fresh


def _solved_parts(solution) -> tuple:
    """What a solution says, comparable: reach, goals, relevant moves, refusals, waits
    (with the ids of the blocks behind each) and every block's lifters."""
    waits = {m: {t: [id(b) for b in blocks] for t, blocks in targets.items()} for m, targets in solution.waits.items()}
    return (solution.reach, solution.goals_reachable, solution.relevant, solution.refused, waits, solution.lifters,
            solution.move_lifters)


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_waits_are_those_of_the_model(tmp_path, seed):
    """A move's waits and its blocks' lifters are taken from the last model solved when it
    has the very same blocks and no mover of one of them changed whether it is done.  Along
    a stream, each model solved after the one before, and the same model with one more move
    done, a mover of some block, the blocks left as they are (a move done by a subject the
    block does not read), solved after it, are solved as after ``forget``.  It fails if the
    waits are kept where a mover's being done changed."""
    from dataclasses import replace

    from engine.analysis import forget

    models = _stream_models(tmp_path, seed)
    asked = []
    for model in models:
        asked.append(model)
        movers = sorted({m for bs in model.blocks.values() for b in bs for m in b.movers if m not in model.done and m != b.move})
        if movers:
            asked.append(replace(model, done=model.done | {movers[len(asked) % len(movers)]}))
    forget()
    kept = [_solved_parts(solve(model)) for model in asked]
    fresh = []
    for model in asked:
        forget()
        fresh.append(_solved_parts(solve(model)))
    assert kept == fresh
    assert len(asked) > len(models)


def test_a_stalemate_cites_the_statements_of_its_own_verdict(tmp_path):
    """A stalemate is kept per goal, the statements and facts on its moves (the verdict's
    cycles and dead ends), escalation and its dates: two verdicts with the very same goal
    whose cycle's step cites another statement (a stance said again by another position)
    give each its own stalemate's statements, as after ``forget``."""
    from engine.analysis import analyse, forget, ripeness
    from engine.facts import parse_inputs
    from ripeness.bootstrap import load_scenario
    from tests.conftest import NOW

    folder = tmp_path / "bounds"
    folder.mkdir()
    (folder / "rules.yaml").write_text(TWO_BOUNDS)
    session = load_scenario(folder).new_session("t", NOW)
    facts = [{"at": "2024-03-05", "subject": "UNI.on_strike", "value": True, "source": "pickets"},
             {"at": "2024-03-06", "subject": "EMP.pay_offer_pct", "value": 0, "source": "no offer"}]
    session.record(parse_inputs([(f"fact[{i}]", f) for i, f in enumerate(facts)], session.rulebook))
    try:
        sit = session.analyst.situation(session.frame(dt.datetime(2024, 3, 6, 12, tzinfo=dt.timezone.utc)))
        verdict = analyse(sit)
    finally:
        session.close()
    cycle = verdict.cycles[0]
    step = cycle.steps[0]
    said_again = step.position.model_copy(update={"id": "said_again", "quote": "Said again."})
    changed = verdict.model_copy(update={"cycles": [
        cycle.model_copy(update={"steps": [step.model_copy(update={"position": said_again}), *cycle.steps[1:]]}), *verdict.cycles[1:]]})
    first, second = ripeness.assess(sit, verdict), ripeness.assess(sit, changed)
    assert {p.id for r in first for p in r.stalemate.statements} == {"uni_no_return", "emp_no_offer"}
    assert {p.id for r in second for p in r.stalemate.statements} == {"uni_no_return", "emp_no_offer"} - {step.position.id} | {"said_again"}
    forget()
    assert ripeness.assess(sit, changed) == second
