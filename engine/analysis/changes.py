"""What changed from one verdict to the next, in words: the lines of a timeline entry."""

from __future__ import annotations

from collections.abc import Mapping

from engine.analysis import ripeness
from engine.verdict import Verdict

__all__ = ["differences", "stances_of"]


def stances_of(verdict: Verdict) -> dict[str, str]:
    """Each move with a stance in ``verdict``, and that stance."""
    return {s.move: s.stance for s in verdict.stances}


def differences(before: Verdict | None, after: Verdict,
                stances: tuple[Mapping[str, str], Mapping[str, str]] | None = None,
                stance_of: Mapping[str, str] | None = None) -> list[str]:
    """The changes from ``before`` (None: the first entry) to ``after``: goals' statuses,
    cycles formed or broken, dead ends, stances, positions and offers in force, deadlines passed
    (a statement that lapsed), escalation (its level, and the de-escalation that ended it),
    ripeness.  ``stances``: the stances of both (``stances_of``), when the verdicts were
    worked out without theirs (a timeline reads them off its standing).  ``stance_of``: each
    statement's stance (``Rulebook.stance_of``): a cycle is then told by the stances on it,
    so a restatement coming into force on a cycle (the same stance said again) is no cycle
    formed and broken; without it, by the positions."""
    if before is None:
        return ([f"{g.id}: {g.status}" for g in after.goals] + (["escalation on", *_levels(after)] if after.escalation else [])
                + ripeness.differences(None, after))
    lines = []
    old_goals = {g.id: g for g in before.goals}
    for goal in after.goals:
        was = old_goals.get(goal.id)
        if was is not None and was.status != goal.status:
            lines.append(f"{goal.id}: {was.status} → {goal.status}")
    if before.status != after.status:
        lines.append(f"status: {before.status} → {after.status}")
    old_cycles = {_cycle_key(c, stance_of): c for c in before.cycles}
    new_cycles = {_cycle_key(c, stance_of): c for c in after.cycles}
    for key in sorted(new_cycles.keys() - old_cycles.keys()):
        lines.append(f"cycle formed: {' ⇄ '.join(key)}")
    for key in sorted(old_cycles.keys() - new_cycles.keys()):
        lines.append(f"cycle broken: {' ⇄ '.join(key)}")
    old_refusals = {(r.move, r.position.id): r.clashes_with for r in before.refusals}
    new_refusals = {(r.move, r.position.id): r.clashes_with for r in after.refusals}
    for move, position in sorted(new_refusals.keys() - old_refusals.keys()):
        lines.append(_dead_end(move, position, new_refusals[move, position]))
    for move, position in sorted(old_refusals.keys() - new_refusals.keys()):
        lines.append(_dead_end(move, position, old_refusals[move, position], gone=True))
    old_stances, new_stances = stances if stances is not None else (stances_of(before), stances_of(after))
    for move in sorted(new_stances):  # a verdict's order (``explain.on_the_way_or_done``)
        was, now = old_stances.get(move), new_stances[move]
        if was is None:
            lines.append(f"{move}: {now} (now on the way to a goal)")
        elif was != now:
            lines.append(f"{move}: {was} → {now}")
    gone = old_stances.keys() - new_stances.keys()
    lines += [f"{move}: no longer on the way to a goal" for move in sorted(gone)]
    # positions and offers (ids are unique among both): an offer made is news even when it
    # moves no stance (a move that needs another party's consent too)
    old_positions = {p.id for p in (*before.positions_in_force, *before.offers_in_force)}
    new_positions = {p.id for p in (*after.positions_in_force, *after.offers_in_force)}
    lines += [f"in force: {p}" for p in sorted(new_positions - old_positions)]
    lines += [f"no longer in force: {p}" for p in sorted(old_positions - new_positions)]
    still = {(d.kind, d.id, d.what) for d in after.deadlines}
    for d in before.deadlines:  # a lapse from its day on; a condition's deadline once its last day in time is over
        if (d.kind, d.id, d.what) in still:
            continue
        if d.kind != "condition" and d.on <= after.as_of.date():
            lines.append(f"lapsed: {d.what}")
        elif d.kind == "condition" and d.on < after.as_of.date():
            lines.append(f"deadline passed: {d.what}")
    if before.escalation != after.escalation:
        lines += ["escalation on", *_levels(after)] if after.escalation else ["escalation off", *_calmed(before, after)]
    elif before.escalation_levels != after.escalation_levels:
        lines += [f"escalation {p}: {before.escalation_levels.get(p, 'off')} → {after.escalation_levels.get(p, 'off')}"
                  for p in sorted(before.escalation_levels.keys() | after.escalation_levels.keys())
                  if before.escalation_levels.get(p) != after.escalation_levels.get(p)]
    return lines + ripeness.differences(before, after)


def _dead_end(move: str, position: str, clashes: list[str], gone: bool = False) -> str:
    """A dead end come or gone; one held by a clash of terms says so, and with whom."""
    if clashes:
        return f"clash of terms{' gone' if gone else ''}: {move} ({position}, against {', '.join(clashes)})"
    return f"dead end{' gone' if gone else ''}: {move} ({position})"


def _levels(verdict: Verdict) -> list[str]:
    """``escalation PATTERN: LEVEL`` for each pattern on at a level it names."""
    return [f"escalation {p}: {level}" for p, level in sorted(verdict.escalation_levels.items()) if level != "on"]


def _calmed(before: Verdict, after: Verdict) -> list[str]:
    """``ended by de-escalation: f12`` when a de-escalation came since ``before``."""
    known = {(d.pattern, tuple(e.id for e in d.events)) for d in before.de_escalations}
    new = [e.id for d in after.de_escalations if (d.pattern, tuple(e.id for e in d.events)) not in known for e in d.events]
    return [f"ended by de-escalation: {', '.join(new)}"] if new else []


def _cycle_key(cycle, stance_of: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """A cycle by the stances on it (by the positions without ``stance_of``), in sorted order."""
    named = stance_of or {}
    return tuple(sorted({named.get(s.position.id, s.position.id) if s.position is not None else f"{s.move} after {s.waits_for}"
                         for s in cycle.steps}))
