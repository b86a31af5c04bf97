"""From a session's situation at a time to its verdict: status, escalation, cycles,
openings and the smallest concession sets, each with the evidence behind it."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from engine.analysis import escalation, explain
from engine.analysis.model import Model, Situation, build_model, in_force, reachable_goals, solve
from engine.analysis.openings import concession_sets, find_openings
from engine.analysis.whatif import Outcomes
from engine.verdict import GoalState, Status, Verdict

__all__ = ["Situation", "analyse", "bare_status", "escalating", "in_force", "quick_status"]


def status_of(model: Model, goals_reachable: dict[str, bool]) -> Status:
    """progress if a goal is done, opening if one is reachable, else deadlock."""
    return "progress" if any(model.goals.values()) else "opening" if any(goals_reachable.values()) else "deadlock"


def quick_status(sit: Situation) -> tuple[Status, bool]:
    """Status and escalation only, without the explanation (what a timeline tracks)."""
    return bare_status(sit), escalating(sit)


def bare_status(sit: Situation) -> Status:
    """The status alone: it reads the day, the claims that hold and the values of the
    subjects in conditions, nothing else of the situation."""
    model = build_model(sit)
    return status_of(model, reachable_goals(model))


def escalating(sit: Situation, kept: escalation.KeptChains | None = None) -> bool:
    """Whether a tit-for-tat chain is live (no citations built); ``kept``: a session's
    chains, see ``escalation.kept_chains``."""
    return any(escalation.live(sit.rulebook.escalations[p], escalation.kept_chains(p, sit.rulebook.escalations[p], sides, kept), sit.as_of)
               for p, sides in sit.hostile.items())


def analyse(sit: Situation, kept: escalation.KeptChains | None = None, check: Callable[[], None] = lambda: None) -> Verdict:
    """The verdict with its explanation; ``kept``: a session's escalation chains, see
    ``escalation.kept_chains``.  ``check`` is called between the stages (it raises to stop
    the work: ``engine.deadline``).  The cyclic garbage collector waits until it is done."""
    with _collector_paused():
        return _analyse(sit, kept, check)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold automatic cyclic garbage collection for the duration (if it was on).  A big
    verdict allocates hundreds of thousands of objects that live until it is built; each
    young collection walked the ones alive so far again, and the older ones everything
    else alive: at 1,000 positions a third of the verdict's time (benchmarks/RESULTS.md).
    Paused, one collection afterwards walks them once.  The switch is the process's:
    another thread's work meanwhile is not collected either."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _analyse(sit: Situation, kept: escalation.KeptChains | None, check: Callable[[], None]) -> Verdict:
    rb = sit.rulebook
    model = build_model(sit)
    check()
    solution = solve(model)
    check()
    done_goals = [g for g, done in model.goals.items() if done]
    status = status_of(model, solution.goals_reachable)
    chains = explain.escalation_chains(sit, kept)
    events = sorted({e.id: e for c in chains for e in c.events}.values(), key=lambda e: e.at)
    found = explain.cycles(sit, solution) if status == "deadlock" else []
    check()
    refused = explain.refusals(sit, model, solution) if status == "deadlock" else []
    outcomes = Outcomes(model, solution) if status != "progress" else None  # under progress: no openings, no concessions
    check()
    openings = find_openings(sit, model, solution, explain.cite_position, outcomes) if outcomes is not None else []
    check()
    concessions = concession_sets(model, solution, outcomes)
    check()
    return Verdict(
        scenario=rb.id,
        session=sit.session,
        as_of=sit.as_of,
        status=status,
        escalation=bool(chains),
        goals=[GoalState(id=g, description=rb.goals[g].description, done=done, reachable=solution.goals_reachable[g])
               for g, done in model.goals.items()],
        moves_done=sorted(model.done),
        positions_in_force=[explain.cite_position(p, _active_variant(sit, p)) for p in rb.positions.values() if in_force(p, sit.as_of)],
        cycles=found,
        refusals=refused,
        openings=openings,
        concessions=concessions,
        escalation_events=events,
        escalation_chains=chains,
        summary=explain.summary(sit, status, done_goals, found, refused, openings, concessions, events),
    )


def _active_variant(sit: Situation, position):
    return next((v for v in position.variants if sit.holds(f"variant:{v.id}")), None)
