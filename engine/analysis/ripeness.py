"""Ripeness (Zartman) of each main goal: a mutually hurting stalemate, and a way out.

Worked out from a verdict and the situation it was worked out from, never changing the
verdict's statuses (``docs/ripeness.md`` gives the exact rules):

- **hurting**: a party bears a declared cost (``costs`` in the rule files) now: a number
  at or beyond its threshold, rising (its latest change made it worse, recently), a
  condition that holds, or a statement in force;
- **stalemate**: the goal is held by a cycle of positions or a refusal, and the moves
  holding it have been withheld by positions in force, without a break, for at least the
  scenario's ``stalemate_days``; a chain of hostile acts during it that left it standing
  is the strongest sign;
- **mutually hurting stalemate**: a stalemate while every side (each actor whose move the
  goal needs, or whose consent such a move needs: ``Move.consent``) hurts;
- **way out**: the goal is an opening, or an opening toward it rests on statements made by
  now (an offer, a softer variant) and breaches no position.

It reads only what a verdict reads: per subject the fact in force and the one it
superseded, the positions' dates in the rule files, and the verdict's own evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from engine.analysis.explain import cite_fact, cite_position, kept_part
from engine.analysis.model import Situation, in_force
from engine.conditions import expr_holds, show
from engine.facts import Fact, cited_day, to_utc
from engine.kept import Kept
from engine.rulebook import Rulebook
from engine.rulebook.models import Cost, Offer, Position
from engine.verdict import FactRef, GoalState, Hurt, PartyHurting, PositionRef, Ripeness, Stalemate, Verdict, WayOut

__all__ = ["assess", "cost_subjects", "differences", "marks"]

ONE_DAY = dt.timedelta(days=1)


def assess(sit: Situation, verdict: Verdict) -> list[Ripeness]:
    """The ripeness of each main goal of ``verdict`` (worked out from ``sit``)."""
    rb = sit.rulebook
    day = sit.as_of.date()
    hurts = [h for h in (_hurt(sit, cost) for cost in rb.costs.values()) if h is not None]
    index = _Index(verdict, rb, day)
    main = frozenset(rb.main_goals)
    hurting: dict[str, list[Hurt]] = {}
    for h in hurts:
        hurting.setdefault(h.party, []).append(h)
    said: dict[tuple[str, bool], PartyHurting] = {}  # (party, side) -> its part, the same for every goal of this verdict
    borne = (rb, *hurts)  # the costs borne (kept objects: most are the same from one verdict to the next)
    found = []
    for goal in verdict.goals:
        if goal.id not in main:
            continue
        # a goal's parties read the rulebook, the goal's id and the costs borne alone: kept on them (at most
        # ``MAX_WITHHELD_SINCE``)
        kept = _PARTIES.get(borne, goal.id)
        if kept is None:
            sides, named = _sides(rb, goal.id)
            parties = []
            for p in named:
                side = p in sides
                part = said.get((p, side))
                if part is None:
                    part = said[p, side] = _party(p, side, hurting.get(p, []))
                parties.append(part)
            kept = _PARTIES.put(borne, goal.id, (parties, bool(sides) and all(p.hurting for p in parties if p.side)))
        parties, mutual = kept
        stalemate = _stalemate(sit, index, goal, day)
        way_out = _way_out(index, goal, day)
        # the rest reads the goal's id, its parties, its stalemate and way out alone: kept on them (kept objects)
        ripe = _RIPENESS.get((parties, stalemate, way_out), goal.id)
        if ripe is not None:
            found.append(ripe)
            continue
        mhs = mutual and stalemate.holds
        mhs_since = _latest([stalemate.since, *(p.since for p in parties if p.side)]) if mhs else None
        status = "ripe" if mhs and way_out.holds else "ripening" if mhs or way_out.holds else "not_ripe"
        since = (_latest([mhs_since, way_out.since]) if status == "ripe"
                 else mhs_since if mhs else way_out.since if way_out.holds else None)
        text = _words(goal.id, status, since, parties, stalemate, mhs, way_out)
        # kept on what it says (``explain._kept``): most goals' parts are the same objects from one verdict to the next
        found.append(kept_part("ripeness", (goal.id, status, since, mutual, mhs, mhs_since, text), (*parties, stalemate, way_out),
                           Ripeness, goal=goal.id, status=status, since=since, parties=parties, mutually_hurting=mutual,
                           stalemate=stalemate, mutually_hurting_stalemate=mhs, mhs_since=mhs_since, way_out=way_out, text=text))
        _RIPENESS.put((parties, stalemate, way_out), goal.id, found[-1])
    return found


# a goal's parties per rulebook, costs borne and goal, with whether they make it mutual; a goal's ripeness per
# parties, stalemate, way out and goal
_PARTIES: Kept[tuple[list[PartyHurting], bool]] = Kept("ripeness.parties", lambda: MAX_WITHHELD_SINCE, arity=None)
_RIPENESS: Kept[Ripeness] = Kept("ripeness.ripeness", lambda: MAX_WITHHELD_SINCE, arity=3)


def differences(before: Verdict | None, after: Verdict) -> list[str]:
    """A timeline's lines for ripeness: each main goal whose ripeness status changed, with
    what made it (none on the first entry while not ripe)."""
    old = {r.goal: r for r in before.ripeness} if before is not None else {}
    lines = []
    for now in after.ripeness:
        was = old.get(now.goal)
        if was is None and before is not None and now.status == "not_ripe":
            continue
        if was is None and before is None:
            if now.status != "not_ripe":
                lines.append(f"ripeness of {now.goal}: {now.status} ({_cause(now)})")
        elif was is None or was.status != now.status:
            lines.append(f"ripeness of {now.goal}: {was.status if was else 'not_ripe'} → {now.status} ({_cause(now)})")
    return lines


def cost_subjects(rulebook: Rulebook) -> frozenset[str]:
    """The state subjects the declared costs read (a fact on one can change ripeness)."""
    found: set[str] = set()
    for cost in rulebook.costs.values():
        if cost.subject is not None:
            found.add(cost.subject)
        if cost.when is not None:
            found |= rulebook.subjects_of(cost.when)
    return frozenset(found)


def marks(rulebook: Rulebook, facts: Iterable[Fact]) -> set[dt.datetime]:
    """The times at which ripeness can change with no new fact: a deadlock reaching the
    scenario's ``stalemate_days`` (counted from a position's start), a statement's day
    (a way out rests only on what was said by then), a rising cost's latest change growing
    older than its ``rising_days``.  ``facts``: the facts of the subjects costs read."""
    found: set[dt.datetime] = set()
    days = dt.timedelta(days=rulebook.info.stalemate_days)
    for position in rulebook.positions.values():
        for start in (position.in_force.from_, position.said_on):
            if start is not None:
                found.add(to_utc(_plus(start, days)))
    said = [*rulebook.positions.values(), *rulebook.offers.values(), *(v for _, v in rulebook.variants.values())]
    found |= {to_utc(s.said_on) for s in said if s.said_on is not None}
    for cost in rulebook.costs.values():  # a cost borne while a statement is in force
        for statement in _statements(rulebook, cost.while_in_force):
            found |= {to_utc(d) for d in (statement.in_force.from_, statement.in_force.until) if d is not None}
    rising: dict[str, int] = {}
    for cost in rulebook.costs.values():
        if cost.subject is not None and cost.rising_days is not None:
            rising[cost.subject] = max(rising.get(cost.subject, 0), cost.rising_days)
    for fact in facts:
        if fact.subject in rising:
            found.add(to_utc(_plus(fact.at.date(), dt.timedelta(days=rising[fact.subject] + 1))))
    return found


# --- hurting ------------------------------------------------------------------------------

def _hurt(sit: Situation, cost: Cost) -> Hurt | None:
    """The cost, if its party bears it now (the first reason that holds, in the order
    threshold, rising, condition, statement)."""
    base = {"cost": cost.id, "party": cost.party, "description": cost.description}
    if cost.subject is not None:
        fact = sit.state.get(cost.subject)
        if fact is not None and _number(fact.value):
            unit = _unit(sit.rulebook, cost.subject)
            before = sit.previous(fact)
            if cost.threshold is not None and _beyond(cost, fact.value):
                was_too = before is not None and _number(before.value) and _beyond(cost, before.value)
                since = (before if was_too else fact).at.date()  # type: ignore[union-attr]
                side = "at or above" if cost.worse == "higher" else "at or below"
                return _kept_hurt(**base, why="threshold", since=since,
                            facts=[cite_fact(sit, f) for f in ((before, fact) if was_too else (fact,))],  # type: ignore[arg-type]
                            text=f"{cost.subject} is {show(fact.value)}{unit}, {side} {show(cost.threshold)}{unit}, since {since}")
            if (cost.rising_days is not None and before is not None and _number(before.value)
                    and _worsening(cost, before.value, fact.value) > cost.by
                    and (sit.as_of.date() - fact.at.date()).days <= cost.rising_days):
                return _kept_hurt(**base, why="rising", since=fact.at.date(), facts=[cite_fact(sit, before), cite_fact(sit, fact)],
                            text=f"{cost.subject} went from {show(before.value)}{unit} to {show(fact.value)}{unit} "
                                 f"on {cited_day(fact.at, fact.approx)} (worse, within {cost.rising_days} days)")
    if cost.when is not None:
        read = sit.rulebook.subjects_of(cost.when)
        values = {s: sit.state[s].value for s in read if s in sit.state}
        expr = sit.rulebook.expand(cost.when)
        if expr_holds(expr, values):
            facts = sorted((sit.state[s] for s in read if s in sit.state), key=lambda f: (f.at, f.subject))  # not by arrival: same-day facts in one order
            since = _held_since(sit, expr, {f.subject: f for f in facts})
            shown = ", ".join(f"{f.subject} = {show(f.value)}" for f in facts)
            if since is None:
                text = shown
            elif facts and facts[-1].at.date() > since:  # a value read came later: "= X since D" would date X from D
                text = f"{shown}; the cost has held since {since}"
            else:
                text = f"{shown} since {since}"
            return _kept_hurt(**base, why="condition", since=since, facts=[cite_fact(sit, f) for f in facts], text=text)
    stated = [s for s in _statements(sit.rulebook, cost.while_in_force) if in_force(s, sit.as_of)]  # type: ignore[arg-type]
    if stated:
        since = min(_start(s, sit.as_of.date()) or dt.date.min for s in stated)
        return _kept_hurt(**base, why="position", since=None if since == dt.date.min else since,
                    statements=[cite_position(s) for s in stated],
                    text=f"{', '.join(s.id for s in stated)} in force")
    return None


def _held_since(sit: Situation, expr, facts: dict[str, Fact]) -> dt.date | None:
    """Since when a condition that holds now has held, as far as a verdict sees back: the
    latest of the facts it reads, stepping back once per subject (to the fact it superseded)
    while the condition still holds with the earlier value."""
    stepped: set[str] = set()
    while facts:
        latest = max(facts.values(), key=lambda f: (f.at, f.subject))  # same-day facts by subject, not arrival
        earlier = sit.previous(latest) if latest.subject not in stepped else None
        if earlier is None:
            return latest.at.date()
        trial = {**facts, latest.subject: earlier}
        if not expr_holds(expr, {s: f.value for s, f in trial.items()}):
            return latest.at.date()
        facts, stepped = trial, stepped | {latest.subject}
    return None


def _sides(rb: Rulebook, goal: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The goal's sides (the parties of the moves it needs, with those whose consent such a
    move needs) and every party its ripeness names (those and each cost's party, sorted):
    they read the rulebook alone, so they are worked out once per rulebook and goal (kept
    at most ``MAX_WITHHELD_SINCE``)."""
    kept = _SIDES.get((rb,), goal)
    if kept is None:
        sides = {p for m in rb.goals[goal].needs if m in rb.moves for p in rb.moves[m].parties}
        kept = _SIDES.put((rb,), goal, (frozenset(sides), tuple(sorted({*sides, *(c.party for c in rb.costs.values())}))))
    return kept


_SIDES: Kept[tuple[frozenset[str], tuple[str, ...]]] = Kept("ripeness.sides", lambda: MAX_WITHHELD_SINCE, arity=1)


def _party(party: str, side: bool, costs: list[Hurt]) -> PartyHurting:
    if not costs:  # not hurting: the same every time
        return kept_part("not hurting", (party, side), (), PartyHurting, party=party, side=side, hurting=False, since=None, costs=[])
    dates = [h.since for h in costs if h.since is not None]
    since = min(dates) if dates else None
    # kept on what it says (``explain.kept_part``): the costs are kept objects (``_kept_hurt``)
    return kept_part("hurting", (party, side, since), tuple(costs), PartyHurting, party=party, side=side, hurting=True,
                     since=since, costs=costs)


def _kept_hurt(**fields) -> Hurt:
    """``Hurt(**fields)``, kept on what it says (``explain.kept_part``): the facts and
    statements it cites are kept objects, and from one verdict to the next most costs are
    borne alike."""
    plain = tuple((k, v) for k, v in fields.items() if k not in ("facts", "statements"))
    return kept_part("hurt", plain, (*fields.get("facts", ()), None, *fields.get("statements", ())), Hurt, **fields)


def _beyond(cost: Cost, value: float) -> bool:
    assert cost.threshold is not None
    return value >= cost.threshold if cost.worse == "higher" else value <= cost.threshold


def _worsening(cost: Cost, before: float, now: float) -> float:
    return now - before if cost.worse == "higher" else before - now


# --- stalemate ----------------------------------------------------------------------------

class _Index:
    """What the goals' assessments look up in a verdict, gathered once (a verdict may have
    hundreds of main goals): per move the statements and facts of the cycles' steps and
    dead ends on it, and when it has been withheld since; the openings by rank."""

    def __init__(self, verdict: Verdict, rb: Rulebook, day: dt.date):
        self.rulebook, self.day = rb, day
        self.openings = {o.rank: o for o in verdict.openings}
        self.chains, self.events = verdict.escalation_chains, verdict.escalation_events
        # what a stalemate reads of the escalation: each chain's first time and events, the events cited (kept objects)
        self.escalation = (tuple((c.first_at, tuple(c.events)) for c in self.chains), len(self.events))
        # the statements and facts per move read off the cycles and dead ends, kept on them (kept objects: most verdicts
        # of a timeline have those of the one before)
        cited = (*verdict.cycles, *verdict.refusals)
        kept = _HELD.get(cited)
        if kept is None:
            statements: dict[str, dict[str, PositionRef]] = {}
            facts: dict[str, dict[str, FactRef]] = {}
            citing: dict[str, list] = {}  # move -> the cycles and dead ends citing a statement on it, in order
            held = [(step.move, step.position, step.unmet, cycle) for cycle in verdict.cycles for step in cycle.steps]
            held += [(refusal.move, refusal.position, refusal.unmet, refusal) for refusal in verdict.refusals]
            for move, position, unmet, part in held:
                if position is None:  # a step that is an order of moves (``after``): no statement
                    continue
                statements.setdefault(move, {}).setdefault(position.id, position)
                facts.setdefault(move, {}).update((u.fact.id, u.fact) for u in unmet if u.fact is not None)
                on = citing.setdefault(move, [])
                if not on or on[-1] is not part:
                    on.append(part)
            kept = _HELD.put(cited, None, (statements, facts, {m: tuple(parts) for m, parts in citing.items()}))
        self.statements, self.facts, self.citing = kept
        self._withheld: dict[str, dt.date | None] = {}
        self._undated = _undated(rb)

    def withheld_since(self, move: str) -> dt.date | None:
        if move not in self._withheld:
            if move in self._undated:
                self._withheld[move] = None  # as ``_withheld_since`` finds it on every day
                return None
            # kept across verdicts too (a timeline's on one day, every main goal's moves): it reads the rulebook and the day only
            kept = _WITHHELD_SINCE.get((self.rulebook,), (move, self.day))
            if kept is None:  # kept in a tuple: None is an answer
                kept = _WITHHELD_SINCE.put((self.rulebook,), (move, self.day), (_withheld_since(self.rulebook, move, self.day),))
            self._withheld[move] = kept[0]
        return self._withheld[move]


MAX_WITHHELD_SINCE = 20_000
MAX_HELD = 256  # verdicts' cycles and dead ends kept with what ``_Index`` reads of them
_HELD: Kept[tuple[dict, dict, dict]] = Kept("ripeness.held", lambda: MAX_HELD, arity=None)  # a verdict's cycles and dead ends -> what _Index reads
_STALEMATES: Kept[Stalemate] = Kept("ripeness.stalemates", lambda: MAX_WITHHELD_SINCE, arity=None)
_WITHHELD_SINCE: Kept[tuple[dt.date | None]] = Kept("ripeness.withheld_since", lambda: MAX_WITHHELD_SINCE, arity=1)


def _stalemate(sit: Situation, index: _Index, goal: GoalState, day: dt.date) -> Stalemate:
    min_days = sit.rulebook.info.stalemate_days
    deadlock = goal.status == "deadlock" and any(b in goal.blocked_by for b in ("cycle", "refusal"))
    if not deadlock:
        why = "the goal is not in deadlock" if goal.status != "deadlock" else "no cycle or refusal holds it (only untested moves)"
        return kept_part("no stalemate", (min_days, why), (), Stalemate, holds=False, deadlock=False, min_days=min_days, moves=[],
                     statements=[], facts=[], escalation=[], text=f"no stalemate: {why}")
    moves, withheld = _goal_moves(sit.rulebook, goal)
    known = [s for s in map(index.withheld_since, withheld) if s is not None]
    since_deadlock = max(known) if known else None
    days = (day - since_deadlock).days if since_deadlock is not None else None
    # the rest reads the goal (its status, cycles and dead ends), the rulebook, the statements and facts on its moves
    # (those of the cycles and dead ends citing one on them: ``index.citing``), the escalation (its chains' first
    # times and events, the events cited) and these: kept on them, from one verdict to the next (at most
    # ``MAX_WITHHELD_SINCE``): a verdict's other cycles and dead ends change nothing of this goal's
    on_moves = [index.citing.get(m, ()) for m in moves]
    objects = (goal, sit.rulebook, *(part for parts in on_moves for part in parts), *index.events)
    plain = (tuple(map(len, on_moves)), index.escalation, since_deadlock, days, min_days)
    kept = _STALEMATES.get(objects, plain)
    if kept is None:
        kept = _STALEMATES.put(objects, plain, _stalemate_of(index, moves, since_deadlock, days, min_days))
    return kept


def _goal_moves(rb: Rulebook, goal: GoalState) -> tuple[list[str], list[str]]:
    """The moves of the cycles and dead ends holding ``goal`` (sorted), and those of them
    some position withholds (a step that is only an order of moves, ``after``, is no
    stance: no position dates it): they read the goal and the rulebook alone, so they are
    kept per goal (a kept object: most goals are the same from one verdict to the next)
    and rulebook (at most ``MAX_WITHHELD_SINCE``)."""
    kept = _GOAL_MOVES.get((goal, rb))
    if kept is None:
        moves = sorted({m for cycle in goal.cycles for m in cycle} | set(goal.refusals))
        kept = _GOAL_MOVES.put((goal, rb), None, (moves, [m for m in moves if rb.withholding.get(m)]))
    return kept


_GOAL_MOVES: Kept[tuple[list[str], list[str]]] = Kept("ripeness.goal_moves", lambda: MAX_WITHHELD_SINCE, arity=2)


def _stalemate_of(index: _Index, moves: list[str], since_deadlock: dt.date | None, days: int | None, min_days: int) -> Stalemate:
    """``_stalemate`` of a goal in deadlock held by a cycle or a dead end on ``moves``."""
    holds = days is None or days >= min_days
    statements: dict[str, PositionRef] = {}
    facts: dict[str, FactRef] = {}
    for move in moves:
        for key, position in index.statements.get(move, {}).items():
            statements.setdefault(key, position)
        facts.update(index.facts.get(move, {}))
    failed = [c for c in index.chains if since_deadlock is None or c.first_at.date() >= since_deadlock] if holds else []
    if len(failed) == len(index.chains):
        acts = index.events  # every live chain: every hostile event the verdict cites
    else:
        named = {i for c in failed for i in c.events}
        acts = [e for e in index.events if e.id in named]  # by time then id, as the verdict cites them
    lasted = f"for {days} days (since {since_deadlock})" if days is not None else "since before any dated statement"
    if holds:
        text = (f"stalemate: {', '.join(moves)} withheld {lasted}, at least {min_days} days"
                + (f"; escalation failed to change it ({len(acts)} hostile acts from {cited_day(acts[0].at, acts[0].approx)} to {cited_day(acts[-1].at, acts[-1].approx)})"
                   if acts else ""))
    else:
        text = f"deadlock, not yet a stalemate: {', '.join(moves)} withheld {lasted}, fewer than {min_days} days"
    # kept on what it says (``explain.kept_part``): the statements and facts cited are kept objects, and from one
    # verdict to the next most goals' stalemates read the same
    escalation = [e.id for e in acts]
    return kept_part("stalemate", (holds, since_deadlock, days, min_days, tuple(moves), tuple(escalation), text),
                     (*statements.values(), None, *facts.values()), Stalemate,
                     holds=holds, deadlock=True, deadlock_since=since_deadlock, days=days, min_days=min_days,
                     since=_plus(since_deadlock, dt.timedelta(days=min_days)) if holds and since_deadlock is not None else None,
                     moves=moves, statements=list(statements.values()), facts=list(facts.values()),
                     escalation_failed=bool(acts), escalation=escalation, text=text)


def _undated(rb: Rulebook) -> frozenset[str]:
    """The moves some position withholds with no start on any day (no ``in_force.from``,
    never said on a day) and no end: ``_withheld_since`` is None for them on every day, the
    first span it looks at reaching back before any date.  Found once per rulebook (at most
    ``MAX_WITHHELD_SINCE``)."""
    kept = _UNDATED.get((rb,))
    if kept is None:
        kept = _UNDATED.put((rb,), None, frozenset(
            move for move, positions in rb.withholding.items()
            if any(p.in_force.from_ is None and p.said_on is None and p.in_force.until is None for p in positions)))
    return kept


_UNDATED: Kept[frozenset[str]] = Kept("ripeness.undated", lambda: MAX_WITHHELD_SINCE, arity=1)


def _withheld_since(rb: Rulebook, move: str, day: dt.date) -> dt.date | None:
    """The first day of the unbroken run of days up to ``day`` on which some position
    withholding ``move`` was in force (None: since before any dated statement)."""
    spans = sorted(((_start(p, day), p.in_force.until) for p in rb.withholding.get(move, ())),
                   key=lambda s: s[0] or dt.date.min)
    since: dt.date | None = day
    changed = True
    while changed and since is not None:  # extend back through positions that reach the start of the run
        changed = False
        for start, until in spans:
            if (start is None or start < since) and (until is None or until >= since):
                since, changed = start, True
                if since is None:
                    break
    return since


def _start(statement: Position | Offer, day: dt.date) -> dt.date | None:
    """When a statement began to count: its ``in_force.from``, else the day it was said
    (if by ``day``), else None (always)."""
    if statement.in_force.from_ is not None:
        return statement.in_force.from_
    return statement.said_on if statement.said_on is not None and statement.said_on <= day else None


# --- way out ------------------------------------------------------------------------------

def _way_out(index: _Index, goal: GoalState, day: dt.date) -> WayOut:
    if goal.status == "progress":
        return kept_part("no way out needed", (), (), WayOut, holds=False, openings=[], statements=[], text="no way out needed: the goal is done")
    mine = [index.openings[r] for r in goal.openings if r in index.openings]
    chosen = [o for o in mine if goal.id in o.toward and o.kind != "ask" and not o.breaches and not o.clashes and o.evidence
              and all(e.said_on is None or e.said_on <= day for e in o.evidence) and (o.available_now or o.reaches_goal)]
    if goal.status == "opening":
        chosen = chosen or [o for o in mine if o.available_now]
    if not chosen and goal.status != "opening":
        return kept_part("no way out", (), (), WayOut, holds=False, openings=[], statements=[],
                         text="no way out: no opening toward the goal rests on a statement without breaching a position")
    statements = list({e.id + (e.variant or ""): e for o in chosen for e in o.evidence}.values())
    dates = [e.said_on for e in statements if e.said_on is not None]
    described = "; ".join(f"{o.description}" for o in chosen) or "every remaining move is done, willing or free"
    since, ranks, text = max(dates) if dates else None, [o.rank for o in chosen], f"way out: {described}"
    # kept on what it says (``explain.kept_part``): the statements cited are kept objects
    return kept_part("way out", (since, tuple(ranks), text), tuple(statements), WayOut,
                     holds=True, since=since, openings=ranks, statements=statements, text=text)


# --- words --------------------------------------------------------------------------------

def _words(goal: str, status: str, since: dt.date | None, parties: list[PartyHurting], stalemate: Stalemate,
           mhs: bool, way_out: WayOut) -> str:
    hurting = [p.party for p in parties if p.hurting]
    sides = [p.party for p in parties if p.side]
    parts = [f"{goal}: {status.replace('_', ' ')}{' since ' + str(since) if since else ''}",
             f"hurting: {', '.join(hurting) or 'nobody'} (sides: {', '.join(sides) or 'none'})",
             stalemate.text,
             "a mutually hurting stalemate" if mhs else "no mutually hurting stalemate",
             way_out.text]
    return "; ".join(parts)


def _cause(ripeness: Ripeness) -> str:
    parts = []
    if ripeness.mutually_hurting_stalemate:
        parts.append(f"mutually hurting stalemate since {ripeness.mhs_since}" if ripeness.mhs_since else "mutually hurting stalemate")
    else:
        missing = [p.party for p in ripeness.parties if p.side and not p.hurting]
        parts.append("no stalemate" if not ripeness.stalemate.holds else f"not hurting: {', '.join(missing)}")
    parts.append(f"way out: {', '.join(s.variant or s.id for s in ripeness.way_out.statements) or 'the goal is an opening'}"
                 if ripeness.way_out.holds else "no way out")
    return "; ".join(parts)


def _statements(rb: Rulebook, ids: Iterable[str]) -> list[Position | Offer]:
    return [rb.positions[i] if i in rb.positions else rb.offers[i] for i in ids if i in rb.positions or i in rb.offers]


def _latest(dates: Iterable[dt.date | None]) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def _plus(day: dt.date, delta: dt.timedelta) -> dt.date:
    try:
        return day + delta
    except OverflowError:
        return dt.date.max


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unit(rb: Rulebook, subject: str) -> str:
    unit = rb.subjects[subject].unit if subject in rb.subjects else ""
    return f" {unit}" if unit else ""
