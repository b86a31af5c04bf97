"""Ripeness kept from one verdict to the next (``engine.analysis.ripeness``: a goal's
stalemate kept on the cycles and dead ends citing its moves, its parties on the costs
borne, its whole ripeness on its parties, stalemate and way out) is the ripeness worked
out with nothing kept (after ``analysis.forget``), at every moment of random histories:
random facts of bundled and fidelity scenarios with costs (thresholds, rising numbers,
conditions, statements in force; positions dated and undated) and of generated ones,
asked about in a random order of times, one scenario's moments among another's, each
with its own verdict, light or full, and with the verdict of another moment of its
session (as a timeline asks ripeness again of its last verdict when only a cost or the
day changed)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import generate, world
from engine.analysis import analyse, forget, ripeness
from engine.clock import FixedClock
from engine.facts import read_fact_file
from engine.live_session import Session
from ripeness.bootstrap import load_scenario, rules_engine

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
CASES = ("rules/jcpoa", "rules/strike", *(f"fidelity/cases/{c}" for c in (
    "aceh_2003", "berlin_blockade_1948", "boeing_machinists_2024", "cuba_missile_1962", "greece_bailout_2015",
    "colombia_farc", "ethiopia_tplf")))


@functools.cache
def scenario(index: int) -> tuple:
    """A scenario's rulebook and compiled rules, and the facts it can be fed (withdrawals left out)."""
    if index == len(CASES):  # generated: many main goals, cycles shared between goals
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="ripeness-kept-"))
        loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4, 6], subjects=60, seed=5), folder=folder / "rules")
        subjects = len(loaded.generated.state_subjects)
        stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 3, subjects=subjects, events=12, seed=5)))
        return loaded.rulebook, loaded.rules, world.resolve(loaded.rulebook, stream)
    folder = ROOT / CASES[index]
    rules = folder / "rules" if (folder / "rules").is_dir() else folder
    loaded = load_scenario(rules)
    facts = [f for f in read_fact_file(folder / "facts.yaml", loaded.rulebook)
             if f.kind != "withdrawal" and f.input.withdraws is None]
    return loaded.rulebook, loaded.rules, facts


HISTORY = st.tuples(st.integers(0, len(CASES)), st.lists(st.booleans(), min_size=8, max_size=8),
                    st.lists(st.tuples(st.floats(-0.05, 1.05), st.integers(0, 30), st.booleans(), st.booleans()), min_size=1, max_size=8))


def _moments(case: tuple, name: str) -> tuple[Session, list[tuple]]:
    """A session fed the facts a mask keeps (each in one of eight slices; every statement), and
    per time picked (a share of the way from the first fact to the last, and a number of hours
    after it: most kept parts differ only from one day to the next, and a moment of the same
    day after other facts must not be taken for the one before) its situation, whether its
    verdict is light, and whether it is asked with the verdict of the moment before."""
    index, mask, picks = case
    rulebook, rules, facts = scenario(index)
    kept = [f for i, f in enumerate(facts) if mask[i % 8] or f.kind == "statement"] or facts[:1]
    session = Session(name, rulebook, rules, rules_engine(), FixedClock(NOW))
    session.record(kept)
    times = sorted(f.input.at for f in kept if f.input.at is not None) or [NOW]
    first, last = times[0], times[-1]
    found = []
    for pick, hours, light, other in picks:
        for at in (first + (last - first) * pick, first + (last - first) * pick + dt.timedelta(hours=hours)):
            sit = session.analyst.situation(session.frame(at))
            found.append((replace(sit, holds=frozenset(session.analyst.memory.held()).__contains__), light, other))
    return session, found


def _json(found: list) -> list[str]:
    return [r.model_dump_json() for r in found]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HISTORY, min_size=1, max_size=3))
def test_ripeness_kept_is_the_ripeness_worked_out_with_nothing_kept(histories):
    sessions, moments = [], []
    try:
        for k, case in enumerate(histories):
            session, found = _moments(case, f"s{k}")
            sessions.append(session)
            moments += [(k, *m) for m in found]
        order = sorted(range(len(moments)), key=lambda i: (i * 7919) % len(moments))
        forget()
        asked = []  # (situation, verdict, the ripeness with everything kept so far)
        last: dict[int, object] = {}
        for i in order:
            k, sit, light, other = moments[i]
            verdict = analyse(sit, light=light)
            asked.append((sit, verdict, _json(verdict.ripeness)))
            if other and k in last:  # the verdict of another moment, as a timeline's cost or day asks it again
                asked.append((sit, last[k], _json(ripeness.assess(sit, last[k]))))
            last[k] = verdict
        for sit, verdict, kept in asked:
            forget()
            assert _json(ripeness.assess(sit, verdict)) == kept
    finally:
        for session in sessions:
            session.close()
