"""The validated, indexed scenario that the rest of the engine reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import operator
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import portion
from pydantic import BaseModel

from engine.errors import Misuse, UnknownNameError
from engine.rulebook.models import (
    Actor,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Cost,
    Escalation,
    Expr,
    Goal,
    Move,
    Not,
    Offer,
    Position,
    Ref,
    ScenarioInfo,
    Subject,
    Variant,
)
from engine.values import INFINITE, ValueSet, admitted, constraint, guarantees, overlaps, worst_distance

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")


@dataclass(frozen=True)
class Rulebook:
    """A scenario whose every reference resolves.  Subjects and moves are keyed by their
    dotted name (``IRN.enrichment_pct``), everything else by id.  Built only by
    ``engine.rulebook.load_rulebook`` (or ``build`` after a successful check)."""

    info: ScenarioInfo
    folder: Path | None
    actors: dict[str, Actor]
    subjects: dict[str, Subject]
    conditions: dict[str, Condition]
    moves: dict[str, Move]
    positions: dict[str, Position]
    offers: dict[str, Offer]
    goals: dict[str, Goal]
    escalations: dict[str, Escalation]
    variants: dict[str, tuple[Position, Variant]] = field(default_factory=dict)
    costs: dict[str, Cost] = field(default_factory=dict)  # what each party bears (ripeness)
    # a statement fact's id -> per stance its ``ends_stance`` names, the statements it ended (``engine.statements``):
    # what cites the fact says which; not part of what the rules say (``canonical``)
    stance_ends: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict, compare=False, repr=False)
    # expanding builds new models: done once per expression (kept with it, so its id stays its own)
    _expanded: dict[int, tuple[Expr, tuple[Expr, frozenset[str]]]] = field(default_factory=dict, compare=False, repr=False)
    _alternatives: dict[int, tuple[Expr, list[tuple[Compare, ...]]]] = field(default_factory=dict, compare=False, repr=False)
    _meeting: dict[int, tuple[Expr, list[dict[str, frozenset[str]]]]] = field(default_factory=dict, compare=False, repr=False)
    _narrowing: dict[int, tuple[Compare, tuple[ValueSet, tuple[tuple[str, bool, float], ...]]]] = field(
        default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.info.id

    @functools.cached_property
    def canonical(self) -> str:
        """What the rule files say, as JSON text with sorted keys: the same for the same rules
        however the files are laid out, split or commented (what a fact is checked against)."""
        def plain(value: Any) -> Any:
            if isinstance(value, BaseModel):
                return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            return value

        kept = {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)
                if not f.name.startswith("_") and f.name not in ("folder", "variants", "stance_ends")}
        return json.dumps(kept, sort_keys=True, ensure_ascii=False)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A SHA-256 of ``canonical``: equal rules, equal fingerprints."""
        return hashlib.sha256(self.canonical.encode()).hexdigest()

    @functools.cached_property
    def writers(self) -> dict[str, frozenset[str]]:
        """Subject -> the moves whose ``done_when`` reads it (the moves that could change it)."""
        found: dict[str, set[str]] = {}
        for key, move in self.moves.items():
            for subject in self.subjects_of(move.done_when):
                found.setdefault(subject, set()).add(key)
        return {s: frozenset(ms) for s, ms in found.items()}

    @functools.cached_property
    def _compared(self) -> tuple[Compare, ...]:
        """Every comparison of every condition, expanded."""
        exprs: list[Expr] = [c.holds_when for c in self.conditions.values()]
        exprs += [m.done_when for m in self.moves.values()] + [g.done_when for g in self.goals.values()]
        for position in self.positions.values():
            exprs += [e for e in (position.until, *(x for v in position.variants for x in (v.switched_on_by, v.until))) if e is not None]
        exprs += [o.if_ for o in self.offers.values() if o.if_ is not None]
        return tuple(c for e in exprs for c in comparisons(self.expand(e)))

    @functools.cached_property
    def trended(self) -> frozenset[str]:
        """The subjects some trend reads (``{subject: S, change: ...}``, ``engine.trends``)."""
        return frozenset(c.subject for c in self._compared if c.change is not None)

    @functools.cached_property
    def dated(self) -> frozenset[str]:
        """The subjects some deadline reads (``within``): their facts' dates count."""
        return frozenset(c.subject for c in self._compared if c.within is not None)

    @functools.cached_property
    def deadlines(self) -> frozenset[dt.date]:
        """The last day in time of every deadline (``within``) of the conditions."""
        return frozenset(c.within.deadline for c in self._compared if c.within is not None)

    @functools.cached_property
    def written(self) -> dict[str, frozenset[str]]:
        """Move -> the subjects its ``done_when`` reads (the subjects making it changes)."""
        return {key: frozenset(self.subjects_of(move.done_when)) for key, move in self.moves.items()}

    @functools.cached_property
    def substitutes(self) -> dict[str, tuple[str, ...]]:
        """Move -> the moves that may stand in for it (``substitute_for``), in file order."""
        found: dict[str, list[str]] = {}
        for key, move in self.moves.items():
            if move.substitute_for:
                found.setdefault(move.substitute_for, []).append(key)
        return {m: tuple(subs) for m, subs in found.items()}

    @functools.cached_property
    def prerequisites(self) -> dict[str, tuple[str, ...]]:
        """Move -> every move that must be made before it (its ``after``, theirs, and so on),
        in an order in which they can be made: each after its own prerequisites, otherwise
        as written.  Only moves with an ``after`` are keys (the check refuses a cycle)."""
        found: dict[str, tuple[str, ...]] = {}

        def visit(move: str, order: list[str], seen: set[str]) -> None:
            for before in self.moves[move].after:
                if before not in seen:
                    seen.add(before)
                    visit(before, order, seen)
                    order.append(before)

        for key, move in self.moves.items():
            if move.after:
                order: list[str] = []
                visit(key, order, {key})
                found[key] = tuple(order)
        return found

    @functools.cached_property
    def withholding(self) -> dict[str, tuple[Position, ...]]:
        """Move -> the positions that withhold it, in file order."""
        return _grouped(self.positions.values(), lambda p: p.withholds)

    @functools.cached_property
    def stance_of(self) -> dict[str, str]:
        """Position or offer id -> the stance it states: the id of the first statement it
        ``restates``, or its own.  Restatements count as one stance in concessions."""
        return {s.id: s.restates or s.id for s in (*self.positions.values(), *self.offers.values())}

    @functools.cached_property
    def restatements(self) -> dict[str, tuple[Position | Offer, ...]]:
        """Stance id -> every statement of it (the first, then its restatements, in file order)."""
        return _grouped([*self.positions.values(), *self.offers.values()], lambda s: self.stance_of[s.id])

    @functools.cached_property
    def produces(self) -> dict[str, dict[str, tuple[ValueSet, ...]]]:
        """Move -> subject -> the values each alternative of its ``done_when`` leaves that
        subject (alternatives that do not read the subject leave it as it was: not listed)."""
        found: dict[str, dict[str, tuple[ValueSet, ...]]] = {}
        for key, move in self.moves.items():
            per: dict[str, list[ValueSet]] = {}
            for conjunct in self.alternatives(move.done_when):
                for subject in sorted({c.subject for c in conjunct}):
                    produced = constraint(conjunct, self.subjects[subject])
                    if produced is not None:
                        per.setdefault(subject, []).append(produced)
            found[key] = {s: tuple(v) for s, v in per.items()}
        return found

    @functools.cached_property
    def deciding(self) -> frozenset[str]:
        """The moves that settle a subject's value among those their ``done_when`` allows
        (``decides``)."""
        return frozenset(key for key, move in self.moves.items() if move.decides)

    def meets(self, move: str, produced: ValueSet, needed: ValueSet) -> bool:
        """Whether a move that leaves a subject ``produced`` can give it a value in
        ``needed``: every value it allows must be one (``guarantees``), or, for a move that
        ``decides``, some value (``overlaps``; a clash of terms is found per model)."""
        return guarantees(produced, needed) or (move in self.deciding and overlaps(produced, needed))

    def choice(self, move: str, subject: str) -> ValueSet:
        """Every value ``move`` may leave ``subject`` (the union over its ``done_when``'s
        alternatives)."""
        return functools.reduce(operator.or_, self.produces[move].get(subject, ()), portion.empty())

    def meeting(self, expr: Expr) -> list[dict[str, frozenset[str]]]:
        """Per alternative of the expression (``alternatives``), per subject it reads, the
        moves that *guarantee* the values it needs there: some alternative of the move's
        ``done_when`` leaves the subject only values the alternative accepts.  A move that
        merely reads the subject, or allows a value that fails, does not count (a 3.67 %
        limit does not meet "0 %"), unless it ``decides`` the subject's value (``meets``).
        Worked out once per expression."""
        return _kept(self._meeting, expr, self._meeting_of)

    def _meeting_of(self, expr: Expr) -> list[dict[str, frozenset[str]]]:
        result = []
        for conjunct in self.alternatives(expr):
            per: dict[str, frozenset[str]] = {}
            for subject in {c.subject for c in conjunct}:
                needed = constraint(conjunct, self.subjects[subject])
                joined = {c for c in conjunct if c.subject == subject and c.other is not None}
                per[subject] = frozenset(m for m in self.writers.get(subject, ())
                                         if any(self.meets(m, v, needed) for v in self.produces[m].get(subject, ()))
                                         or (joined and self._states(m, subject, joined, conjunct)))
            result.append(per)
        return result

    def _states(self, move: str, subject: str, joined: set[Compare], conjunct: tuple[Compare, ...]) -> bool:
        """Whether some alternative of ``move``'s ``done_when`` states, word for word, every
        comparison of ``subject`` with another subject in ``conjunct`` (``joined``), and
        guarantees its value comparisons on ``subject`` too.  A bound that is another
        subject's value is not known in advance, so no value a move leaves is taken to meet
        it (``engine.values.admitted``): only a move that is *done* when the comparison
        holds meets it."""
        plain = [c for c in conjunct if c.subject == subject and c.other is None]
        needed = constraint(plain, self.subjects[subject]) if plain else None
        for alternative in self.alternatives(self.moves[move].done_when):
            if joined <= set(alternative):
                produced = constraint([c for c in alternative if c.other is None], self.subjects[subject])
                if needed is None or (produced is not None and guarantees(produced, needed)):
                    return True
        return False

    def narrowing(self, compare: Compare) -> tuple[ValueSet, tuple[tuple[str, bool, float], ...]]:
        """The values ``compare`` needs of its subject, and for each move that changes the
        subject (in key order): whether it meets the comparison, and the gap it leaves at
        worst (``values.worst_distance``; number subjects only).  Worked out once per comparison."""
        return _kept(self._narrowing, compare, self._narrowing_of)

    def _narrowing_of(self, compare: Compare) -> tuple[ValueSet, tuple[tuple[str, bool, float], ...]]:
        subject = self.subjects[compare.subject]
        needed = admitted(compare, subject)
        moves = []
        for move in sorted(self.writers.get(compare.subject, ())):
            produced = self.produces[move].get(compare.subject, ())
            meets = any(self.meets(move, p, needed) for p in produced)
            left = min((worst_distance(p, needed) for p in produced), default=INFINITE) if subject.type == "number" else INFINITE
            moves.append((move, meets, left))
        return needed, tuple(moves)

    @functools.cached_property
    def offering(self) -> dict[str, tuple[Offer, ...]]:
        """Move -> the offers to make it, in file order."""
        return _grouped(self.offers.values(), lambda o: o.offers)

    @functools.cached_property
    def main_goals(self) -> tuple[str, ...]:
        """The goals whose status makes the headline: those ranked ``main`` (every goal when
        none is)."""
        main = tuple(g for g, goal in self.goals.items() if goal.rank == "main")
        return main or tuple(self.goals)

    @functools.cached_property
    def phases(self) -> tuple[str, ...]:
        """The main goals that have a ``phase``, in the order of their phases."""
        return tuple(sorted((g for g in self.main_goals if self.goals[g].phase is not None), key=lambda g: self.goals[g].phase))

    def current_main(self, done: Collection[str]) -> tuple[str, ...]:
        """The main goals that make the headline when the goals in ``done`` are done: every
        main goal without a phase (alternatives), and of those in phases the first not done
        (the last phase once all are): a deal signed but not put into effect is only as far
        as its next phase."""
        if not self.phases:
            return self.main_goals
        current = next((g for g in self.phases if g not in done), self.phases[-1])
        return tuple(g for g in self.main_goals if g == current or self.goals[g].phase is None)

    def aside(self, current: Collection[str]) -> tuple[str, ...]:
        """The interim goals that do not count for the headline while the main goals in
        ``current`` (``current_main``) make it: each a step ``toward`` a main goal that is
        not one of them (talks on putting a deal into effect, while the deal is unsigned;
        talks on signing it, once it is signed)."""
        return tuple(g for g, goal in self.goals.items() if goal.toward is not None and goal.toward not in current)

    def subject(self, key: str) -> Subject:
        return _lookup("subject", key, self.subjects)

    def move(self, key: str) -> Move:
        return _lookup("move", key, self.moves)

    def position(self, pid: str) -> Position:
        return _lookup("position", pid, self.positions)

    def variant(self, vid: str) -> tuple[Position, Variant]:
        return _lookup("variant", vid, self.variants)

    def actor(self, aid: str) -> Actor:
        return _lookup("actor", aid, self.actors)

    def expand(self, expr: Expr) -> Expr:
        """The expression with every ``{condition: id}`` replaced by its definition."""
        return self._expansion(expr)[0]

    def alternatives(self, expr: Expr) -> list[tuple[Compare, ...]]:
        """The expanded expression as alternatives of comparisons, all of which must hold
        (``engine.conditions.to_dnf``), worked out once per expression."""
        return _kept(self._alternatives, expr, self._alternatives_of)

    def _alternatives_of(self, expr: Expr) -> list[tuple[Compare, ...]]:
        from engine.conditions import to_dnf  # it reads the rulebook's models: imported here, not at the top

        return to_dnf(self.expand(expr))

    def subjects_of(self, expr: Expr) -> set[str]:
        """Every subject key the expression reads, through named conditions."""
        return set(self._expansion(expr)[1])

    def _expansion(self, expr: Expr) -> tuple[Expr, frozenset[str]]:
        return _kept(self._expanded, expr, self._expansion_of)

    def _expansion_of(self, expr: Expr) -> tuple[Expr, frozenset[str]]:
        expanded = self._expand(expr)
        return expanded, frozenset(s for c in comparisons(expanded) for s in c.subjects)

    def _expand(self, expr: Expr) -> Expr:
        if isinstance(expr, Ref):
            return self._expand(self.conditions[expr.condition].holds_when)
        if isinstance(expr, AllOf):
            return AllOf(all=[self._expand(e) for e in expr.all])
        if isinstance(expr, AnyOf):
            return AnyOf(any=[self._expand(e) for e in expr.any])
        if isinstance(expr, Not):
            return Not(not_=self._expand(expr.not_))
        return expr


def comparisons(expr: Expr) -> list[Compare]:
    """The comparisons of an expanded expression, left to right."""
    if isinstance(expr, Compare):
        return [expr]
    if isinstance(expr, AllOf):
        return [c for e in expr.all for c in comparisons(e)]
    if isinstance(expr, AnyOf):
        return [c for e in expr.any for c in comparisons(e)]
    if isinstance(expr, Not):
        return comparisons(expr.not_)
    raise Misuse(f"expand the expression before listing comparisons: {expr!r}")


def _kept(cache: dict[int, tuple[Any, R]], item: K, work: Callable[[K], R]) -> R:
    """``work(item)``, worked out once per item: kept with the item itself, so that its id
    stays its own (a rulebook's expressions live as long as it does)."""
    kept = cache.get(id(item))
    if kept is None or kept[0] is not item:
        kept = cache[id(item)] = (item, work(item))
    return kept[1]


def _grouped(items: Iterable[T], key_of: Callable[[T], str]) -> dict[str, tuple[T, ...]]:
    """Statements grouped by a key (the move they speak of, the stance they state), each
    group in file order."""
    found: dict[str, list[T]] = {}
    for item in items:
        found.setdefault(key_of(item), []).append(item)
    return {m: tuple(group) for m, group in found.items()}


def _lookup(kind: str, name: str, table: dict):
    try:
        return table[name]
    except KeyError:
        raise UnknownNameError(kind, name, list(table)) from None
