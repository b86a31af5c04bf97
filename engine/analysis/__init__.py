"""From a session's situation at a time to its verdict: status, escalation, cycles,
openings and the smallest concession sets, each with the evidence behind it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import itertools
import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from engine.analysis import escalation, explain, ripeness
from engine.analysis.concessions import WORK_BUDGET, concession_sets, search_plan
from engine.analysis.model import (
    Block,
    BlockingModel,
    Situation,
    Solution,
    any_lapse,
    build_model,
    in_force,
    on_the_way,
    reachable_goals,
    reachable_if_willing,
    solve,
    solve_toward,
    values_of,
)
from engine.analysis.openings import find_openings
from engine.analysis.whatif import Outcomes
from engine.conditions import compare_met, describe, negate
from engine.kept import Kept
from engine.kept import forget as forget_kept
from engine.lapses import lapse_day, why
from engine.rulebook import Rulebook
from engine.rulebook.models import field_of
from engine.verdict import ConcessionSets, Deadline, GoalState, Status, Verdict

MAX_GOAL_CONCESSIONS = 20  # goals in deadlock whose own concession sets a verdict searches
NOTHING_TO_CONCEDE = ConcessionSets(size=0, sets=[], exact=True, note="no concession is needed")
NOT_SEARCHED = ConcessionSets(size=0, sets=[], exact=False,
                              note=f"not worked out: more than {MAX_GOAL_CONCESSIONS} goals are in deadlock, and the sets are "
                                   f"searched for the first {MAX_GOAL_CONCESSIONS} (main goals first, then in file order)")

__all__ = ["Situation", "analyse", "bare_status", "escalating", "escalation_levels", "forget", "in_force", "quick_status", "searched_model", "standing"]


def goal_statuses(model: BlockingModel, goals_reachable: dict[str, bool]) -> dict[str, Status]:
    """Each goal's own status: progress while done, opening while reachable with a party's
    word (or a free move) behind every remaining move, else deadlock."""
    return {g: "progress" if done else "opening" if goals_reachable[g] else "deadlock" for g, done in model.goals.items()}


_ORDER: dict[Status, int] = {"deadlock": 0, "opening": 1, "progress": 2}


def headline(model: BlockingModel, statuses: dict[str, Status], hopeful: dict[str, bool] | None = None,
             solution: Solution | None = None) -> Status:
    """The verdict's status, from the goals' own (``docs/concepts.md``, "The headline"):

    - the best of the **main** goals' statuses (progress, then opening, then deadlock);
    - an **interim** goal's better status (talks under way: progress; talks agreed: opening)
      counts too, unless the main goals are in a *stated* deadlock: out of reach even if
      every move nobody has spoken of turned out willing (``reachable_if_willing`` false
      for each), so a cycle of positions or a refusal holds each of them; for an interim
      goal ``toward`` a main goal that takes part, that main goal's own standoff (another
      main goal's untested way lifts nothing).  Talks under way never hide a standoff on
      the deal; they do speak for a deal that waits only on moves nobody has spoken of
      yet.  A main goal of another phase (the deal signed, when the headline follows
      putting it into effect) is not an interim goal: it raises nothing, and neither does
      an interim goal a step ``toward`` a main goal the headline does not follow now
      (``model.aside``).
    ``hopeful``: ``reachable_goals(model.hopeful())``, if already worked out; else it is
    worked out when needed, from ``solution`` (``solve(model)``) if given."""
    main = [g for g in model.main if g in statuses] or list(statuses)
    best = max((statuses[g] for g in main), key=_ORDER.__getitem__, default="deadlock")
    interim = [g for g in statuses  # another phase is no interim goal, nor a step toward another phase
               if g not in main and g not in model.phases and g not in model.aside]
    better = max((statuses[g] for g in interim), key=_ORDER.__getitem__, default="deadlock")
    if _ORDER[better] <= _ORDER[best]:
        return best
    step_of = dict(model.steps)
    if best != "deadlock" and not any(statuses[step_of[g]] == "deadlock" for g in interim
                                      if step_of.get(g) in main and _ORDER[statuses[g]] > _ORDER[best]):
        return better  # a main goal is open, and no better interim goal is a step toward a deadlocked one
    if hopeful is None:
        hopeful = reachable_goals(model.hopeful()) if solution is None else reachable_if_willing(model, solution)
    # a standoff: no main goal the interim goal is a step toward would open even if every untested move were
    # willing (an interim goal without ``toward``: every main goal; one open main goal is enough)
    fair = [statuses[g] for g in interim if any(hopeful[t] for t in ([step_of[g]] if step_of.get(g) in main else main))]
    return max([best, *fair], key=_ORDER.__getitem__)


def quick_status(sit: Situation) -> tuple[Status, bool]:
    """Status and escalation only, without the explanation (what a timeline tracks)."""
    return bare_status(sit), escalating(sit)


def bare_status(sit: Situation) -> Status:
    """The status alone: it reads the day, the claims that hold and the values of the
    subjects in conditions, nothing else of the situation."""
    model = build_model(sit)
    return headline(model, goal_statuses(model, reachable_goals(model)))


Standing = tuple[Status, tuple[tuple[str, Status], ...], frozenset]


def standing(sit: Situation, prepared: list | None = None) -> Standing:
    """What a timeline tracks besides escalation, without the explanation: the headline
    status, each goal's, and a fingerprint of everything else ``changes.differences``
    compares: the stances of the moves on the way (and what holds each back: the stance
    keys, the waits between blocked moves, from which every cycle is made, and the dead
    ends; a needed move made is a stance too), and the positions in force.  Whatever
    ``differences`` would report changes this; it may also change when ``differences``
    finds nothing (then the timeline makes no entry).  A move made that no goal needs is
    left out: ``differences`` never reports it, and at 10,000 facts it made a quarter of a
    timeline's verdicts for nothing (benchmarks/RESULTS.md).  One issue settled and
    another taking its place changes it while every status stays the same.  What the
    model gives is kept on the model but for its evidence (``_standing_key``): worked out
    (solved) only for a model not seen alike.  ``prepared``: a list the model and what is
    kept of it are put in, for a verdict of the same situation (``analyse``): the model
    and its ``Solved``, or the model, None and its key (``_standing_key``)."""
    model = build_model(sit)
    key = _standing_key(model)
    found = _STANDINGS.get((), key) if key is not None else None
    if found is None:
        solved = _solved(sit.rulebook, model, key)
        if prepared is not None:
            prepared[:] = [solved.model, solved]
        found = _solved_standing(solved.model, solved.solution)
        if key is not None:
            _STANDINGS.put((), key, found, weight=len(model.moves))
    elif prepared is not None:
        kept = _kept_alike(sit.rulebook, model, key)  # with its solution, if kept (else the verdict solves it)
        prepared[:] = [kept.model, kept] if kept is not None else [model, None, key]
    status, per_goal, marks = found
    marks |= {("in force", tuple(p.id for p, _ in sit.positions_in_force), sit.offers_in_force)}  # equal when the same are
    marks |= {("deadline", d.kind, d.id, d.on) for d in deadlines(sit)}  # a lapse is a change of its own
    return status, per_goal, marks


MAX_STANDINGS = 4_096  # standings kept, with at most MAX_SEARCHED_MOVES moves in their keys (a key holds every move)
_STANDINGS: Kept[Standing] = Kept("analysis.standings", lambda: MAX_STANDINGS, arity=0, weight_bound=lambda: MAX_SEARCHED_MOVES)


def _standing_key(model: BlockingModel) -> tuple | None:
    """What ``_solved_standing`` reads of ``model``, as a key: per move its blocks as the
    concession search reads them (``_signature``: stance, kind, refusal, the moves meeting
    each failing comparison, not the evidence), the moves done, eased and willing (and
    whether on some word), the goals, their needs, substitutes, the main goals, the phases and the interim goals set aside.  From one
    fact to the next most values change no comparison's outcome: the model is the same but
    for its evidence, and so is the standing (``tests/unit/test_kept_analysis.py``)."""
    key = (model.moves, model.done, _block_signatures(model), tuple(model.eased), tuple(m for m, w in model.willing.items() if w),
           tuple(model.willing), tuple(model.goals.items()), tuple(model.needs.items()), tuple(model.substitutes.items()), model.main,
           model.phases, model.aside)  # the headline reads the phases too (another phase is no interim goal)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _solved_standing(model: BlockingModel, solution: Solution) -> tuple[Status, tuple[tuple[str, Status], ...], frozenset]:
    """``standing``'s status, goals' statuses and marks that the model gives (not those of
    the statements in force and their deadlines, which read the situation)."""
    per_goal = goal_statuses(model, solution.goals_reachable)
    blocked = solution.relevant - solution.reach
    marks: set = {("holds", b.key) for m in blocked for b in model.blocks.get(m, ())}
    marks |= {("stance", m, explain.stance_kind(model, solution, m)) for m in explain.on_the_way_or_done(model, solution)}
    marks |= {("waits", m, target, b.key) for m in blocked for target, blocks in solution.waits.get(m, {}).items()
              if target in blocked for b in blocks}
    marks |= {("dead end", m, b.key) for m in solution.refused & solution.relevant for b in model.blocks.get(m, ())
              if b.stated is not None and not solution.lifters[id(b)]}
    marks |= {("reached", m) for m in solution.relevant & solution.reach}  # which blocks still hold a cycle's step
    return headline(model, per_goal, solution=solution), tuple(per_goal.items()), frozenset(marks)


def deadlines(sit: Situation) -> list[Deadline]:
    """Each statement in force (a position, its variant switched on, an offer) that lapses
    after ``sit.as_of``: when, in how many days, and what happens then; soonest first."""
    rb = sit.rulebook
    if not rb.deadlines and not any_lapse(rb):
        return []  # nothing lapses, no condition has a deadline
    found = []
    for position, variant in sit.positions_in_force:
        found.append((position, "position", f"{position.actor} no longer withholds {position.withholds}"))
        if variant is not None:
            found.append((variant, "variant", f"{position.id} is no longer softened by {variant.id}"))
    offers_in_force = sit.offers_in_force
    for offer in rb.offers.values():
        if offer.id in offers_in_force:
            found.append((offer, "offer", f"{offer.actor} no longer offers {offer.offers}"))
    result = []
    today = sit.as_of.date()
    for statement, kind, then in found:
        day = lapse_day(statement, sit.state)
        if day is not None:
            result.append(Deadline(kind=kind, id=statement.id, on=day, days_left=(day - today).days,
                                   what=f"{kind} {statement.id} lapses {why(statement, sit.state)}", then=then))
    if rb.deadlines:  # a condition's deadline (``within``) not yet passed nor met, of a statement in force
        values = values_of(sit)
        for statement, kind, _ in found:
            for expr in _conditions_of(statement):
                if any(all(compare_met(c, values) for c in alternative) for alternative in rb.alternatives(expr)):
                    continue  # met (another alternative of it, or in time): nothing waits for a deadline
                # each comparison once (by identity: one with a list of values is not hashable)
                with_deadline = {id(c): c for alternative in rb.alternatives(expr) for c in alternative if c.within is not None}
                for compare in with_deadline.values():
                    last = compare.within.deadline
                    met = compare if not compare.within.missed else negate(compare)
                    if last >= today and not compare_met(met, values):
                        result.append(Deadline(kind="condition", id=statement.id, on=last, days_left=(last - today).days,
                                               what=f"{kind} {statement.id} waits for {describe(met)}",
                                               then=f"missed from {(last + dt.timedelta(days=1)).isoformat()}: not met in time"))
    return sorted(result, key=lambda d: (d.on, d.id, d.what))


def _conditions_of(statement) -> list:
    """The conditions a statement reads: a position's ``until``, a variant's two, an offer's ``if``."""
    exprs = [field_of(statement, "until"), field_of(statement, "switched_on_by"), field_of(statement, "if_")]
    return [e for e in exprs if e is not None]


def escalating(sit: Situation, kept: escalation.KeptChains | None = None) -> bool:
    """Whether a tit-for-tat chain is live (no citations built); ``kept``: a session's
    chains, see ``escalation.kept_chains``."""
    return any(escalation.live(sit.rulebook.escalations[p], escalation.kept_chains(p, sit.rulebook.escalations[p], sides, kept), sit.as_of)
               for p, sides in sit.hostile.items())


def escalation_levels(sit: Situation, kept: escalation.KeptChains | None = None) -> tuple[tuple[str, str], ...]:
    """Each pattern whose escalation is on, with its level (``escalation.level``)."""
    found = []
    for p, sides in sorted(sit.hostile.items()):
        pattern = sit.rulebook.escalations[p]
        level = escalation.level(pattern, escalation.live(pattern, escalation.kept_chains(p, pattern, sides, kept), sit.as_of))
        if level is not None:
            found.append((p, level))
    return tuple(found)


def highest_level(sit: Situation, levels: tuple[tuple[str, str], ...]) -> str | None:
    """Of the patterns on, the level furthest up its own pattern's levels (ties: the first pattern)."""
    ranked = sorted(levels, key=lambda pl: (-sit.rulebook.escalations[pl[0]].rank(pl[1]), pl[0]))
    return ranked[0][1] if ranked else None


def analyse(sit: Situation, kept: escalation.KeptChains | None = None, check: Callable[[], None] = lambda: None,
            prepared: list | None = None, light: bool = False, concede: bool = True) -> Verdict:
    """The verdict with its explanation; ``kept``: a session's escalation chains, see
    ``escalation.kept_chains``.  ``check`` is called between the stages (it raises to stop
    the work: ``engine.deadline``).  The cyclic garbage collector waits until it is done.
    ``prepared``: what ``standing`` put there for this same situation (the model, not built
    again, and its ``Solved``, or None and its key: then solved here), or empty.  ``light``: without the
    concession sets, the summary, the stances, the hostile events cited and whether a goal in deadlock
    would open were the untested moves willing (``NOT_SEARCHED``,
    none, false; the chains are kept, with their levels; the cycles and dead ends without the facts
    behind their failing comparisons; of the openings only those toward a main goal that
    ripeness's way out could choose, ranked among themselves): what a timeline's entries and their ``changes`` read of
    a verdict (the stances off its standing; ripeness reads the events for its words, not
    its status; its way out reads no other opening), never given out as one.  ``concede=False``:
    the full verdict but its concession sets (``NOT_SEARCHED``, the headline's and each goal's:
    their search is most of a full verdict's time), for a caller that reads none of them."""
    with _collector_paused():
        return _analyse(sit, kept, check, prepared or None, light, concede)


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


def _analyse(sit: Situation, kept: escalation.KeptChains | None, check: Callable[[], None], prepared: list | None = None,
             light: bool = False, concede: bool = True) -> Verdict:
    rb = sit.rulebook
    model = build_model(sit) if prepared is None else prepared[0]
    check()
    # an equal model seen before (``alike``: every field; the evidence a verdict cites is the situation's):
    # its solution and what follows from the model alone are kept with it
    if prepared is not None and prepared[1] is not None:
        solved = prepared[1]
    else:
        solved = _solved(rb, model, _standing_key(model) if prepared is None else prepared[2])
        if prepared is not None:
            prepared[:] = [solved.model, solved]  # a verdict of the same standing again (a timeline's kept ``prepared``)
    model, solution = solved.model, solved.solution
    check()
    # light: whether a goal would open were the untested moves willing is left out (no entry reads it)
    per_goal, stuck, hopeful, status = solved.per_goal, solved.stuck, {} if light else solved.hopeful, solved.status
    events, chains = explain.escalation_chains(sit, kept, cite=not light)
    found = (list(solved.light_cycles()) if light else explain.cycles(sit, solution, True, solved.cycle_paths())) if stuck else []
    check()
    refused = (list(solved.light_refusals()) if light else explain.refusals(sit, model, solution)) if stuck else []
    # light: only the openings ripeness reads (its way out: those toward a main goal not done), none if every main goal is done
    only = frozenset(rb.main_goals) if light else None
    open_goals = any(s != "progress" for g, s in per_goal.items() if only is None or g in only)
    outcomes = solved.outcomes() if open_goals else None  # every goal done: no openings, no concessions
    check()
    ways, toward = solved.ways, solved.toward
    openings = find_openings(sit, model, solution, explain.cite_position, outcomes, toward, only) if outcomes is not None else []
    check()
    main = [g for g in model.main if g in per_goal]
    stance_blocks = solved.stance_blocks
    concessions = (NOT_SEARCHED if light or not concede else
                   _concessions_toward(sit, model, solution, outcomes, main, per_goal, ways, stance_blocks=stance_blocks, solved=solved))
    check()
    # each goal's own sets: the goals in deadlock share one work budget, and at most MAX_GOAL_CONCESSIONS are searched
    stuck_goals = [g for g in model.goals if per_goal[g] == "deadlock" and [g] != main]
    searched = set(sorted(stuck_goals, key=lambda g: g not in model.main)[:MAX_GOAL_CONCESSIONS])  # main goals first, then file order
    share = WORK_BUDGET // max(1, len(searched))
    by_way: dict[frozenset[str], ConcessionSets] = {}
    ranks: dict[str, list[int]] = {}
    for opening in openings:
        ranks.setdefault(opening.move, []).append(opening.rank)
    cycles_of: dict[str, list[int]] = {}  # move -> the cycles through it (by index in ``found``)
    for i, cycle in enumerate(found):
        for move in cycle.moves:
            cycles_of.setdefault(move, []).append(i)
    silent = solved.silent  # per goal: those on its way
    goals = []
    for g, done in model.goals.items():
        way = ways[g]
        cycles_here = [found[i].moves for i in sorted({i for m in way for i in cycles_of.get(m, ())})]
        refusals_here = sorted({r.move for r in refused if r.move in way})
        untested_here = sorted(way & silent) if per_goal[g] == "deadlock" else []
        blocked = [reason for reason, present in (("cycle", cycles_here), ("refusal", refusals_here), ("untested", untested_here)) if present]
        if light or not concede:
            own = NOT_SEARCHED
        elif [g] == main or per_goal[g] != "deadlock":
            own = concessions if [g] == main else NOTHING_TO_CONCEDE
        elif g not in searched:
            own = NOT_SEARCHED
        else:
            key = frozenset(way) | {f"goal:{n}" for n in model.needs[g]}  # goals with one way and one need share their sets
            if key not in by_way:
                by_way[key] = _concessions_toward(sit, model, solution, outcomes, [g], per_goal, ways, share, stance_blocks, solved)
            own = by_way[key]
        fields = dict(id=g, description=rb.goals[g].description, rank=rb.goals[g].rank, status=per_goal[g], done=done,
                      reachable=solution.goals_reachable[g], blocked_by=blocked if per_goal[g] == "deadlock" else [],
                      cycles=cycles_here, refusals=refusals_here, untested=untested_here,
                      reachable_if_willing=per_goal[g] == "deadlock" and hopeful.get(g, False),
                      openings=sorted(r for m in way for r in ranks.get(m, ())) if not done else [], concessions=own)
        if own is NOT_SEARCHED or own is NOTHING_TO_CONCEDE:
            # kept on what it says (``explain.kept_part``): from one verdict to the next most goals read the same
            plain = tuple(tuple(map(tuple, v)) if k == "cycles" else tuple(v) if type(v) is list else v
                          for k, v in fields.items() if k != "concessions")
            goals.append(explain.kept_part("goal", plain, (own,), GoalState, **fields))
        else:
            goals.append(GoalState(**fields))
    levels = {c.pattern: c.level for c in sorted(chains, key=lambda c: c.size)}  # the longest chain decides
    calmed = [explain.de_escalation(sit, p, calm) for p, calm in sorted(sit.calm.items())]
    stances = [] if light else explain.stances(sit, model, solution)  # a timeline reads them off its standing
    verdict = Verdict(
        scenario=rb.id,
        session=sit.session,
        as_of=sit.as_of,
        status=status,
        escalation=bool(chains),
        goals=goals,
        stances=stances,
        moves_done=sorted(model.done),
        positions_in_force=_cited_in_force(sit.positions_in_force),
        offers_in_force=[explain.cite_statement(sit, rb.offers[o]) for o in sorted(sit.offers_in_force)],
        deadlines=deadlines(sit),
        cycles=found,
        refusals=refused,
        openings=openings,
        concessions=concessions,
        escalation_events=events,
        escalation_chains=chains,
        summary=[] if light else explain.summary(sit, status, goals, found, refused, openings, concessions, events)
        + explain.orders(stances) + explain.levels_and_calms(sit, chains, calmed),
        escalation_level=highest_level(sit, tuple(levels.items())),
        escalation_levels=dict(sorted(levels.items())),
        de_escalations=calmed,
    )
    return verdict.model_copy(update={"ripeness": ripeness.assess(sit, verdict)})


_IN_FORCE_CITED: Kept[list] = Kept("analysis.in_force_cited", 1, arity=None)  # the last positions in force cited (each position, its variant)


def _cited_in_force(positions: tuple) -> list:
    """The citations of ``positions`` (``Situation.positions_in_force``: each position in
    force with its active variant), those of the last ones cited when they are the very
    same (from one verdict of a timeline to the next they nearly always are): a citation
    reads only its position and variant (``explain.cite_position``)."""
    objects = tuple(x for pair in positions for x in pair)
    cited = _IN_FORCE_CITED.get(objects)
    if cited is None:
        cited = _IN_FORCE_CITED.put(objects, None, [explain.cite_position(p, variant) for p, variant in positions])
    return cited


def forget() -> None:
    """Forget every part of earlier verdicts the analysis keeps to work out the next one
    alike (blocks, their lifters and evidence, citations, concession searches, openings'
    words, standings, the statements ever out of force, the last model built), and the
    reply texts kept with them (``engine.reply_json``): every ``engine.kept`` cache, each
    registered when made.  The next verdict is worked out from nothing kept, as the first
    of a process (what the verdict benchmark's "nothing kept" time measures; the answers
    never differ)."""
    forget_kept()


def retimed(sit: Situation, verdict: Verdict, kept: escalation.KeptChains | None = None) -> Verdict:
    """``verdict``, worked out from a situation whose blocking model reads what ``sit``'s
    does (the same ``ModelInputs`` but for the hostile claims, which it never reads, and the
    same facts cited) and with no unconfirmed fact read, made the verdict of ``sit``: what
    the time or the hostile events change worked out again, as ``_analyse`` works it out
    (the time, escalation, deadlines, the summary, ripeness); the rest, the model's, kept."""
    events, chains = explain.escalation_chains(sit, kept)
    levels = {c.pattern: c.level for c in sorted(chains, key=lambda c: c.size)}
    calmed = [explain.de_escalation(sit, p, calm) for p, calm in sorted(sit.calm.items())]
    summary = explain.summary(sit, verdict.status, verdict.goals, verdict.cycles, verdict.refusals, verdict.openings,
                              verdict.concessions, events) + explain.orders(verdict.stances) + explain.levels_and_calms(sit, chains, calmed)
    again = verdict.model_copy(update={
        "as_of": sit.as_of, "escalation": bool(chains), "deadlines": deadlines(sit), "escalation_events": events,
        "escalation_chains": chains, "summary": summary, "escalation_level": highest_level(sit, tuple(levels.items())),
        "escalation_levels": dict(sorted(levels.items())), "de_escalations": calmed, "ripeness": []})
    return again.model_copy(update={"ripeness": ripeness.assess(sit, again)})


def _concessions_toward(sit: Situation, model: BlockingModel, solution: Solution, outcomes: Outcomes | None,
                        goals: list[str], per_goal: dict[str, Status], ways: dict[str, set[str]],
                        work_budget: int = WORK_BUDGET, stance_blocks: dict[str, Block] | None = None,
                        solved: Solved | None = None) -> ConcessionSets:
    """The smallest concession sets toward ``goals`` alone (for the headline, the main goals:
    concessions that only open talks do not open the deal), each stance cited with every
    statement of it.  Worked out on the model cut down to the moves on those goals' way
    (``ways``), within ``work_budget``; the sets (not their citations) kept with ``solved``
    (what is kept of ``model``: they follow from the model alone)."""
    if outcomes is None or not goals or any(per_goal[g] != "deadlock" for g in goals):
        return NOTHING_TO_CONCEDE
    asked = (tuple(goals), work_budget)
    found = solved.searches.get(asked) if solved is not None else None
    if found is None:
        found = _concessions_of(model, solution, outcomes, goals, ways, work_budget)
        if solved is not None:
            solved.searches[asked] = found
    return found.model_copy(update={"stances": explain.concession_stances(sit, found, stance_blocks or explain.blocks_by_stance(model))})


def _concessions_of(model: BlockingModel, solution: Solution, outcomes: Outcomes, goals: list[str], ways: dict[str, set[str]],
                    work_budget: int) -> ConcessionSets:
    """``_concessions_toward``'s sets, without the stances cited."""
    if len(goals) == len(model.goals):
        found = _searched(model, solution, work_budget, lambda: concession_sets(model, solution, outcomes, work_budget))
    else:
        narrowed = model.toward(goals, set().union(*(ways[g] for g in goals)))
        narrowed_solution = solve_toward(narrowed, solution)
        found = _searched(narrowed, narrowed_solution, work_budget, lambda: concession_sets(
            narrowed, narrowed_solution, Outcomes(narrowed, narrowed_solution), work_budget))
    return found


MAX_SEARCHED = 2_000  # searches kept, with at most
MAX_SEARCHED_MOVES = 100_000  # moves in their keys in all (a key holds every move of its model)
_SEARCHED: Kept[ConcessionSets] = Kept("analysis.searched", lambda: MAX_SEARCHED, arity=0, weight_bound=lambda: MAX_SEARCHED_MOVES)
_EXPLAINING = frozenset({"position", "variant", "offers", "unmet", "failing", "alternatives", "move", "stance"})  # a block's
_NOT_SEARCHED = frozenset({"moves", "done", "blocks", "needs", "substitutes", "eased", "willing", "written"})  # a model's, read apart


def _searched(model: BlockingModel, solution: Solution, work_budget: int, search: Callable[[], ConcessionSets]) -> ConcessionSets:
    """``search()``, the concession sets of ``model`` (``concession_sets``), kept on what the
    search reads of the model (``searched_model``): from one verdict to the next, most goals'
    ways keep their blocks (a timeline's verdicts, a reply's two, a verdict as of another day).
    At most ``MAX_SEARCHED`` kept, and ``MAX_SEARCHED_MOVES`` moves in their keys."""
    key = searched_model(model, solution, work_budget)
    if key is None:
        return search()
    kept = _SEARCHED.get((), key)
    return kept if kept is not None else _SEARCHED.put((), key, search(), weight=len(model.moves))


def searched_model(model: BlockingModel, solution: Solution, work_budget: int) -> tuple | None:
    """What ``concessions.concession_sets`` reads of ``model`` (``solution``: ``solve(model)``,
    which follows from it, as do the outcomes), as a key; None when some part cannot be one.
    Two models with equal keys have the same concession sets (``tests/unit/test_kept_analysis.py``):

    - per move not done, in the model's order, its blocks, each as the search reads it: its
      stance (``Block.key``), and every field but the evidence (the statement, its variant,
      offers and unmet comparisons, which explain a block but do not change what lifts it);
    - of the moves done, those the search could look up: the moves that meet some block's
      failing comparison, the goals' needs and their substitutes;
    - the goals, their needs and the substitutes of those, the main goals, and any other
      field of the model (not ``eased``, ``willing`` or ``written``: the search reads none);
    - the work budget, as what it decides (``concessions.search_plan``), given the number of
      stances to try, instead of the budget and the number of moves."""
    done = model.done
    read: set[str] = set()  # the moves done the search could look up
    if done:
        for bs in model.blocks.values():
            for b in bs:
                if not b.movers.isdisjoint(done):
                    read.update(b.movers & done)
    needs = tuple((g, tuple((n, model.substitutes.get(n, ())) for n in model.needs[g])) for g in model.goals)
    if done:
        for _, options in needs:
            for need, subs in options:
                read.update(m for m in (need, *subs) if m in done)
    blocked = model.blocks
    candidates = len({b.key for m in solution.relevant if m not in solution.reach for b in blocked.get(m, ())})
    others = tuple((f, _hashable(getattr(model, f))) for f in _model_fields() if f not in _NOT_SEARCHED)
    key = (search_plan(candidates, len(model.moves), work_budget), model.moves - done, frozenset(read), needs,
           _block_signatures(model), others)
    try:
        hash(key)
    except TypeError:
        return None
    return key


MAX_SIGNATURES = 20_000
_SIGNATURES: Kept[int] = Kept("analysis.signatures", lambda: MAX_SIGNATURES, arity=1)  # a block -> the number of what the search reads of it
_SIGNATURE_NUMBERS: Kept[int] = Kept("analysis.signature_numbers", lambda: MAX_SIGNATURES, arity=0)  # what it reads -> its number
_NUMBERED = itertools.count()


def _block_signatures(model: BlockingModel) -> tuple[tuple, ...]:
    """Per move, in the model's order, the move and the number of each of its blocks as the
    concession search reads it (``_signature``: not the evidence)."""
    kept = _SIGNATURES.get
    blocks = []
    for move, bs in model.blocks.items():
        signature: list = [move]
        for b in bs:
            number = kept((b,))
            signature.append(number if number is not None else _signature(b))
        blocks.append(tuple(signature))
    return tuple(blocks)


def _signature(block: Block) -> int:
    """What the concession search reads of ``block`` (``searched_model``), as a number: the
    same for blocks alike, kept per block object (blocks are frozen, and most are kept from
    one verdict to the next: ``model._position_block``).  Past ``MAX_SIGNATURES`` of either
    they are forgotten (each when full) and blocks numbered anew; a number is never given
    twice, so a search kept on old numbers is never taken for another (it is no longer
    found, and goes in time), and a block numbered before a clear of the numbers only
    misses searches kept on the new ones."""
    read = (block.key, block.move, _searched_fields()(block))
    return _SIGNATURES.put((block,), None, _SIGNATURE_NUMBERS.keep((), read, next, _NUMBERED))


@functools.cache
def _searched_fields() -> Callable[[Block], tuple]:
    """The fields of a block the concession search may read: all but those that explain it."""
    return operator.attrgetter(*(f.name for f in dataclasses.fields(Block) if f.name not in _EXPLAINING))


@functools.cache
def _model_fields() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(BlockingModel))


def _hashable(value: object) -> object:
    return tuple(value.items()) if isinstance(value, dict) else value


class Solved:
    """A blocking model, its solution and what follows from the model alone, worked out
    once per model (``_solved``): the goals' statuses, the headline, the hopeful reach, the
    ways to each goal and the goals each move is on the way to, the blocks by stance, the
    untested moves, the cycles' moves and the blocks holding each step, a light verdict's
    cycles and refusals (no evidence: they read the model and the rulebook alone), the
    concession sets (not their citations), and the outcomes of changes (``Outcomes``, which
    keeps its answers).  A verdict of an equal
    model reads these, and works out again only what reads the situation (the facts,
    values and statements it cites, ripeness, escalation, the openings' words)."""

    def __init__(self, rulebook: Rulebook, model: BlockingModel, solution: Solution):
        self.rulebook, self.model, self.solution = rulebook, model, solution
        self.searches: dict[tuple, ConcessionSets] = {}  # (goals, work budget) -> the concession sets (``_concessions_toward``)

    @functools.cached_property
    def per_goal(self) -> dict[str, Status]:
        return goal_statuses(self.model, self.solution.goals_reachable)

    @functools.cached_property
    def stuck(self) -> bool:
        return any(s == "deadlock" for s in self.per_goal.values())

    @functools.cached_property
    def hopeful(self) -> dict[str, bool]:
        return reachable_if_willing(self.model, self.solution) if self.stuck else {}

    @functools.cached_property
    def status(self) -> Status:
        # the hopeful reach if worked out already, else worked out only if the headline needs it
        return headline(self.model, self.per_goal, self.__dict__.get("hopeful"), self.solution)

    @functools.cached_property
    def ways(self) -> dict[str, set[str]]:
        return {g: on_the_way(self.model, self.solution, g) for g in self.model.goals}

    @functools.cached_property
    def toward(self) -> dict[str, list[str]]:
        toward: dict[str, list[str]] = {}
        for g, way in self.ways.items():
            if not self.model.goals[g]:
                for move in way:
                    toward.setdefault(move, []).append(g)
        return toward

    @functools.cached_property
    def stance_blocks(self) -> dict[str, Block]:
        return explain.blocks_by_stance(self.model)

    @functools.cached_property
    def silent(self) -> set[str]:
        return set(explain.untested(self.model, self.solution, set(self.model.blocks))) if self.stuck else set()

    def cycle_paths(self) -> list:
        if self._paths is None:
            self._paths = explain.cycle_paths(self.solution)
        return self._paths

    def light_cycles(self) -> tuple:
        if self._light_cycles is None:
            self._light_cycles = tuple(explain.cycles(self._rulebook_only(), self.solution, False, self.cycle_paths()))
        return self._light_cycles

    def light_refusals(self) -> tuple:
        if self._light_refusals is None:
            self._light_refusals = tuple(explain.refusals(self._rulebook_only(), self.model, self.solution, False))
        return self._light_refusals

    def _rulebook_only(self) -> Situation:
        """A situation of the rulebook alone: what the cycles and refusals without their evidence read."""
        return Situation(rulebook=self.rulebook, session="", as_of=dt.datetime.min, holds=_nothing, state={},
                         previous=_no_fact, hostile={})

    def outcomes(self) -> Outcomes:
        if self._outcomes is None:
            self._outcomes = Outcomes(self.model, self.solution)
        return self._outcomes

    _outcomes: Outcomes | None = None
    _paths: list | None = None
    _light_cycles: tuple | None = None
    _light_refusals: tuple | None = None


def _nothing(_claim: str) -> bool:
    return False


def _no_fact(_fact: object) -> None:
    return None


# models kept (one per ``_standing_key``) with their solutions, with at most MAX_MODEL_MOVES moves in all: a kept model
# holds about 1.5 kB a move (0.31 MB at P=200), so about 30 MB at most; the one a verdict takes is nearly always the last
# one's (a reply's two, a verdict as of another day)
MAX_MODELS = 1_024
MAX_MODEL_MOVES = 20_000
_MODELS: Kept[Solved] = Kept("analysis.models", lambda: MAX_MODELS, arity=1, weight_bound=lambda: MAX_MODEL_MOVES)  # rulebook; key


def _solved(rulebook: Rulebook, model: BlockingModel, key: tuple | None) -> Solved:
    """What is kept of ``model``: that of the model last kept under its ``_standing_key``
    (``key``) if equal to it in every field (``alike``), whose model then stands for
    ``model`` (read alike by everything the analysis works out from a model); else
    ``model`` solved, kept in its place.  At most ``MAX_MODELS`` kept, and
    ``MAX_MODEL_MOVES`` moves in them."""
    if key is None:
        return Solved(rulebook, model, solve(model))
    found = _kept_alike(rulebook, model, key)
    if found is not None:
        return found
    return _MODELS.put((rulebook,), key, Solved(rulebook, model, solve(model)), weight=len(model.moves))


def _kept_alike(rulebook: Rulebook, model: BlockingModel, key: tuple) -> Solved | None:
    """What is kept under ``key`` (``_standing_key``), if of ``rulebook`` and its model
    ``alike`` ``model``; else None."""
    found = _MODELS.get((rulebook,), key)
    return found if found is not None and alike(found.model, model) else None


def alike(a: BlockingModel, b: BlockingModel) -> bool:
    """Whether two models are equal in every field (``dataclasses.fields``, those left out of
    the dataclass's own equality too), mappings in the same order: then the analysis reads
    them alike (each block field by field: the statements and comparisons it holds, its
    ways; the moves done, willing and eased, on what word; the goals)."""
    if a is b:
        return True
    for f in _model_fields():
        x, y = getattr(a, f), getattr(b, f)
        if x is y:
            continue
        if isinstance(x, dict):
            if not isinstance(y, dict) or len(x) != len(y) or list(x.items()) != list(y.items()):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True
