"""The blocking model built from the last one by difference (``engine.analysis.building``)
is the model built afresh (whole, by ``model.build_model``'s own rules), in every field
and every mapping's order, at every moment of
random histories: random facts of bundled and fidelity scenarios (offers, consent,
moves in order, variants, terms that clash, lapses, deadlines, trends) and of generated
ones, asked about in a random order of times, one scenario's moments among another's."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import fields, replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import generate, world
from engine.analysis import alike, building, forget
from engine.analysis.model import BlockingModel, Situation, build_model
from engine.clock import FixedClock
from engine.facts import read_fact_file
from engine.live_session import Session
from ripeness.bootstrap import load_scenario, rules_engine

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
CASES = ("rules/jcpoa", "rules/strike", *(f"fidelity/cases/{c}" for c in (
    "india_pakistan_2001", "south_africa_1991", "venezuela_talks_2021", "russia_ukraine_2022", "aceh_2003", "angola_bicesse_1990",
    "berlin_blockade_1948")))


@functools.cache
def scenario(index: int) -> tuple:
    """A scenario's rulebook and compiled rules, and the facts it can be fed (withdrawals left out)."""
    if index > len(CASES):  # small random wait graphs: flags set and unset, conditions on all or any of them
        return _random_scenario(index)
    if index == len(CASES):  # generated: variants, substitutes, moves waiting on either of two
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="by-difference-"))
        loaded = world.load(dict(actors=5, positions=16, cycles=[2, 3], subjects=24, seed=3), folder=folder / "rules")
        subjects = len(loaded.generated.state_subjects)
        stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 3, subjects=subjects, events=10, seed=3)))
        return loaded.rulebook, loaded.rules, world.resolve(loaded.rulebook, stream)
    folder = ROOT / CASES[index]
    rules = folder / "rules" if (folder / "rules").is_dir() else folder
    loaded = load_scenario(rules)
    facts = [f for f in read_fact_file(folder / "facts.yaml", loaded.rulebook) if f.kind != "withdrawal" and f.input.withdraws is None]
    return loaded.rulebook, loaded.rules, facts


def _random_scenario(seed: int) -> tuple:
    import random
    import tempfile

    from engine.compiler import compile_rulebook
    from engine.facts import parse_inputs
    from engine.rulebook import load_rulebook
    from tests.unit.test_whatif import write_random_scenario

    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="by-difference-")) / "rules"
    write_random_scenario(folder, rng)
    rulebook = load_rulebook(folder)
    flags = sorted(rulebook.subjects)
    items = [(f"{s}:{k}", {"at": (dt.date(2021, 1, 1) + dt.timedelta(days=k)).isoformat(), "subject": s, "value": rng.random() < 0.4})
             for k in range(40) for s in rng.sample(flags, 2)]
    return rulebook, compile_rulebook(rulebook), parse_inputs(items, rulebook)


HISTORY = st.tuples(st.integers(0, len(CASES) + 12), st.lists(st.booleans(), min_size=8, max_size=8),
                    st.lists(st.floats(-0.05, 1.05), min_size=1, max_size=10))


def _situations(case: tuple, session_name: str) -> tuple[Session, list[Situation]]:
    """A session fed the facts a mask keeps (each in one of eight slices; every statement), and its situations
    as of each time picked (a share of the way from the first fact to the last), with the
    claims that hold as a frozenset, as a timeline's walk gives them."""
    index, mask, picks = case
    rulebook, rules, facts = scenario(index)
    kept = [f for i, f in enumerate(facts) if mask[i % 8] or f.kind == "statement"] or facts[:1]  # one statement may end another
    session = Session(session_name, rulebook, rules, rules_engine(), FixedClock(NOW))
    session.record(kept)
    times = sorted(f.input.at for f in kept if f.input.at is not None) or [NOW]
    first, last = times[0], times[-1]
    found = []
    for pick in picks:
        frame = session.frame(first + (last - first) * pick)
        sit = session.analyst.situation(frame)
        found.append(replace(sit, holds=frozenset(session.analyst.memory.held()).__contains__))
    return session, found


def _same(a: BlockingModel, b: BlockingModel) -> None:
    assert alike(a, b)
    for f in fields(BlockingModel):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x == y, f.name
        if isinstance(x, dict):
            assert list(x) == list(y), f.name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HISTORY, min_size=1, max_size=3))
def test_the_model_by_difference_is_the_model_built_afresh(histories):
    sessions, moments = [], []
    try:
        for k, case in enumerate(histories):
            session, found = _situations(case, f"s{k}")
            sessions.append(session)
            moments += found
        # one scenario's moments among another's: a model is kept by difference only from one of the same rule files
        order = sorted(range(len(moments)), key=lambda i: (i * 7919) % len(moments))
        forget()  # every kept part, the last model built among them
        by_difference = {i: build_model(moments[i]) for i in order}
        assert building._LAST[0] is not None  # a frozenset of claims: each model was kept for the next
        for i in order:
            held = moments[i].holds
            _same(by_difference[i], build_model(replace(moments[i], holds=lambda claim, held=held: held(claim))))  # whole
    finally:
        for session in sessions:
            session.close()
