"""Statements as facts: positions and offers stated, restated, softened and ended on dates,
recorded in a session's log like any other fact.

A *statement fact* (kind ``statement``) carries, at its date ``at``:

- ``states``: a whole position or offer, written as in a rule file (``{position: {...}}`` or
  ``{offer: {...}}``) but without ``in_force``: it is in force from ``at``'s day.  With
  ``restates: X`` it says again, or in softer terms, the stance X first stated;
- ``ends``: the ids of statements (of the rule files or stated earlier) that stop being in
  force from ``at``'s day, with the words that ended them in ``quote`` if any;
- ``ends_stance``: the ids of stances, each named by its first statement (one that restates
  nothing): every statement of the stance in force on ``at``'s day (the first and each
  that ``restates`` it, stated before that day) stops being in force from it.  Which ones
  that is, is worked out where the facts are applied (``stated_rulebook``), so a
  restatement learnt late but dated before is ended too, and one said later is not.

One fact may do all three: a softened position is the new terms stated, the old ones ended.

A session's *rulebook* is then the scenario's rule files with its statement facts applied
(``stated_rulebook``): each stated position or offer added, in force from its day until a
later fact ends it; each ended one in force until that day (or its own ``in_force.until``,
whichever is first).  The facts are applied in date order (recording order on one date),
whatever order they were recorded in, so a statement learnt late can be dated when it was
made.  Everything downstream (the blocking model, stances, openings, the timeline, as-of
verdicts, what-ifs) reads the rulebook and sees the statements in force at its time.

The result is checked exactly as rule files are (``engine.rulebook.references``): every
problem names the fact (its file and line, its place in a request, or its id) and the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine.errors import Problem, suggest
from engine.facts import Confidence, Fact, admitted
from engine.rulebook import Rulebook
from engine.rulebook.models import SECTIONS, InForce, Offer, Position
from engine.rulebook.references import check_references
from engine.verdict import StatementState

__all__ = ["Statement", "admitting", "no_longer_accepted", "statement_problems", "stated_rulebook", "statements_as_of",
           "statements_of"]


@dataclass(frozen=True)
class _Where:
    """Where an item of a derived rulebook comes from, for ``check_references``' reports:
    a statement fact (its place and the path of the declaration inside it) or the rule files."""

    place: str
    path: tuple = ()

    def at(self, *more: Any) -> str:
        return self.place

    def field(self, *more: Any) -> str:
        return ".".join(str(p) for p in self.path + tuple(more))


_RULE_FILES = _Where("the rule files")


@dataclass(frozen=True)
class Statement:
    """A statement fact read: when, what it states (a position or an offer, or None) and
    which statements it ends; ``where`` names it in problems."""

    at: dt.datetime
    seq: int
    states: Position | Offer | None
    ends: tuple[str, ...]
    where: str
    approx: bool = False  # its date is approximate: so are the dates of what it states
    confidence: Confidence = "confirmed"  # how sure the report of it is (``admitting``)
    ends_stance: tuple[str, ...] = ()  # the first statements of the stances it ends
    fact: str = ""  # the fact's id: what ``Rulebook.stance_ends`` files the statements it ended under
    partial: bool = False  # read with statements left out (``admitting``): a stance may have none left in force

    @property
    def kind(self) -> str:
        return "position" if isinstance(self.states, Position) else "offer"


def statements_of(facts: Sequence[Fact], where: dict[str, str] | None = None) -> list[Statement]:
    """The statement facts among ``facts`` read (``where``: fact id -> its place in the input,
    for problems; the fact's id otherwise), in the order they apply: by day, then recording."""
    read = []
    for fact in facts:
        if fact.kind != "statement":
            continue
        value = fact.value or {}
        stated = value.get("states") or {}
        states: Position | Offer | None = None
        if "position" in stated:
            states = Position.model_validate(stated["position"])
        elif "offer" in stated:
            states = Offer.model_validate(stated["offer"])
        read.append(Statement(fact.at, fact.seq, states, tuple(value.get("ends") or ()),
                              (where or {}).get(fact.id, fact.id), fact.approx, fact.confidence,
                              tuple(value.get("ends_stance") or ()), fact.id))
    return sorted(read, key=lambda s: (s.at.date(), s.seq))


def admitting(statements: Sequence[Statement], admit: Confidence) -> list[Statement]:
    """The statements a verdict of the facts at least as sure as ``admit`` reads: those at
    least that sure, less what depends on one left out (in order of application): an end of
    a statement left out is dropped from ``ends``, and a fact left with nothing to state or
    end goes.  A restatement admitted of a stance whose first statement is left out is said
    in its own right (the party is known to hold it, however sure the first report was): it
    becomes the stance's first statement, and what names the stance after it (a later
    restatement, an ``ends_stance``) names it instead.  An end of a stance kept ends the
    statements of it kept that are in force then: none, it may be, and that is no problem
    (``Statement.partial``)."""
    if admit == "disputed":
        return list(statements)
    kept, gone = [], set()
    first: dict[str, str] = {}  # a stance whose first statement is left out -> its first statement admitted
    for st in statements:
        if not admitted(st.confidence, admit):
            if st.states is not None:
                gone.add(st.states.id)
            continue
        states = st.states
        if states is not None and states.restates in gone:
            restated = first.get(states.restates)
            if restated is None:
                first[states.restates] = states.id
            states = states.model_copy(update={"restates": restated})
        ends = tuple(e for e in st.ends if e not in gone)
        stances = tuple(first[e] if e in first else e for e in st.ends_stance if e not in gone or e in first)
        if states is None and not ends and not stances:
            continue
        kept.append(replace(st, states=states, ends=ends, ends_stance=stances, partial=True))
    return kept


def stated_rulebook(base: Rulebook, statements: Sequence[Statement]) -> tuple[Rulebook, list[Problem]]:
    """The rulebook of ``base`` with ``statements`` applied (see the module docstring), and
    every problem found (then the rulebook is ``base``, unchanged)."""
    if not statements:
        return base, []
    problems: list[Problem] = []
    positions: dict[str, tuple[Position, _Where]] = {k: (p, _RULE_FILES) for k, p in base.positions.items()}
    offers: dict[str, tuple[Offer, _Where]] = {k: (o, _RULE_FILES) for k, o in base.offers.items()}
    later = {st.states.id: st.at.date() for st in reversed(statements) if st.states is not None}  # id -> its first day
    stance_ends: dict[str, dict[str, tuple[str, ...]]] = {}  # a fact's id -> per stance it names, the statements it ended
    for st in statements:
        day = st.at.date()
        if st.states is not None:
            where = _Where(st.where, ("states", st.kind))
            if "in_force" in st.states.model_fields_set:
                problems.append(Problem(st.where, where.field("in_force"),
                                        f"a stated {st.kind} is in force from the fact's date ('at') until a later fact "
                                        "ends it ('ends'); leave 'in_force' out"))
                continue
            item = st.states.model_copy(update={"in_force": InForce(**{"from": day}), **({"approx": True} if st.approx else {})})
            table = positions if isinstance(item, Position) else offers
            if item.id in positions or item.id in offers:
                first = positions.get(item.id, offers.get(item.id))[1].place  # type: ignore[index]
                problems.append(Problem(st.where, where.field("id"), f"{item.id!r} is already a statement's id "
                                        f"(in {first}); give the new {st.kind} an id of its own, with "
                                        f"'restates: {item.id}' if it says the same again or in softer terms"))
                continue
            table[item.id] = (item, where)
        for n, ended in enumerate(st.ends):
            field = f"ends.{n}" if len(st.ends) > 1 else "ends"
            table = positions if ended in positions else offers if ended in offers else None
            if table is None and ended in later:
                problems.append(Problem(st.where, field, f"{ended!r} is stated only on {later[ended].isoformat()}; "
                                        f"it cannot end on {day.isoformat()}"))
                continue
            if table is None:
                problems.append(Problem(st.where, field, f"no position or offer {ended!r} to end (known: "
                                        f"{', '.join(sorted([*positions, *offers])) or 'none'})"))
                continue
            item, origin = table[ended]
            why = _not_in_force(item, day)
            if why is not None and why[0] == "from":
                problems.append(Problem(st.where, field, f"{ended!r} is in force from {why[1].isoformat()}; it can end "
                                        f"on a later day, not on {day.isoformat()}"))
                continue
            if why is not None:
                problems.append(Problem(st.where, field, f"{ended!r} is no longer in force on {day.isoformat()} "
                                        f"(it ended on {why[1].isoformat()})"))
                continue
            table[ended] = (_ended_on(item, day), origin)
        for n, stance in enumerate(st.ends_stance):
            field = f"ends_stance.{n}" if len(st.ends_stance) > 1 else "ends_stance"
            ended_now, problem = _end_stance(positions, offers, later, st, stance, day)
            if problem:
                problems.append(Problem(st.where, field, problem))
            else:
                stance_ends.setdefault(st.fact, {})[stance] = ended_now
    if problems:
        return base, problems
    items = _items_of(base)
    items["positions"] = [(p, origin) for p, origin in positions.values()]
    items["offers"] = [(o, origin) for o, origin in offers.values()]
    problems = check_references(items)
    if problems:
        return base, problems
    kept = {k: p for k, (p, _) in positions.items()}
    return replace(base, positions=kept, offers={k: o for k, (o, _) in offers.items()},
                   variants={v.id: (p, v) for p in kept.values() for v in p.variants}, stance_ends=stance_ends), []


def _not_in_force(item: Position | Offer, day: dt.date) -> tuple[str, dt.date] | None:
    """Why ``item`` cannot be ended on ``day``: ``("from", D)`` when it is in force only from
    D, that day or later; ``("until", D)`` when it ended on D, that day or before; None when
    it is in force then."""
    start, until = item.in_force.from_, item.in_force.until
    if start is not None and day <= start:
        return "from", start
    if until is not None and until <= day:
        return "until", until
    return None


def _ended_on(item: Position | Offer, day: dt.date) -> Position | Offer:
    """``item`` in force until ``day``."""
    return item.model_copy(update={"in_force": InForce(**{"from": item.in_force.from_, "until": day})})


def _end_stance(positions: dict[str, tuple[Position, _Where]], offers: dict[str, tuple[Offer, _Where]],
                later: dict[str, dt.date], st: Statement, stance: str, day: dt.date) -> tuple[tuple[str, ...], str]:
    """End (in ``positions`` and ``offers``) every statement of ``stance`` in force on
    ``day``: its first statement and each that restates it, stated before ``day`` (one stated
    that day, by ``st`` or an earlier fact, says the stance again: it is not ended) and not
    ended by then.  The ids ended, in order of statement, or what is wrong."""
    first = positions.get(stance) or offers.get(stance)
    if first is None and stance in later:
        return (), f"stance {stance!r} is first stated only on {later[stance].isoformat()}; it cannot end on {day.isoformat()}"
    if first is None:
        firsts = sorted(k for table in (positions, offers) for k, (item, _) in table.items() if item.restates is None)
        hint = suggest(stance, firsts)
        return (), (f"no stance {stance!r} to end" + (f"; did you mean {hint!r}?" if hint else "")
                    + f" (a stance is named by its first statement; known: {', '.join(firsts) or 'none'})")
    if first[0].restates is not None:
        return (), (f"{stance!r} restates {first[0].restates!r}: name the stance by its first statement, "
                    f"{first[0].restates!r}")
    members = [(table, key, item, origin) for table in (positions, offers) for key, (item, origin) in table.items()
               if key == stance or item.restates == stance]
    members.sort(key=lambda m: (m[2].in_force.from_ or dt.date.min, m[1]))
    ended: list[str] = []
    why: dict[str, list[str]] = {}  # why none is in force: "in force from D" or "ended on D" -> the ids
    for table, key, item, origin in members:
        not_now = _not_in_force(item, day)
        if not_now is not None:
            why.setdefault(f"{'in force from' if not_now[0] == 'from' else 'ended on'} {not_now[1].isoformat()}", []).append(key)
        else:
            table[key] = (_ended_on(item, day), origin)  # type: ignore[index]
            ended.append(key)
    if not ended and not st.partial:
        return (), (f"no statement of stance {stance!r} is in force on {day.isoformat()}: "
                    + "; ".join(f"{', '.join(ids)} {reason}" for reason, ids in why.items()))
    return tuple(ended), ""


def statement_problems(base: Rulebook, earlier: Sequence[Fact], new: Sequence[Fact], where: dict[str, str]) -> list[Problem]:
    """The problems of adding the statement facts ``new`` to a session holding ``earlier``
    (``where``: each new fact's place in its input)."""
    _, problems = stated_rulebook(base, statements_of([*earlier, *new], where))
    return problems


def no_longer_accepted(session: str, problems: Sequence[Problem]) -> list[Problem]:
    """``problems`` of a session's recorded statement facts, said as what they are: the rule
    files changed since the facts were checked against them."""
    return [Problem(f"session {session!r}, fact {p.where}", p.field,
                    f"{p.message} (the rule files no longer accept this recorded statement)") for p in problems]


def _items_of(rulebook: Rulebook) -> dict[str, list[tuple[Any, _Where]]]:
    """The sections of a valid rulebook as ``check_references`` reads them."""
    items: dict[str, list[tuple[Any, _Where]]] = {section: [] for section in SECTIONS}
    sections = {"actors": rulebook.actors, "subjects": rulebook.subjects, "conditions": rulebook.conditions,
                "moves": rulebook.moves, "goals": rulebook.goals, "escalation": rulebook.escalations}
    items.update((name, [(item, _RULE_FILES) for item in table.values()]) for name, table in sections.items())
    return items


def statements_as_of(rulebook: Rulebook, facts: Sequence[Fact], as_of: dt.datetime) -> list[StatementState]:
    """Every position and offer of a session's ``rulebook`` (made from the statement
    ``facts``), whether it is in force at ``as_of``, since and until when, and the facts
    that stated and ended it (``rule files`` for one written there)."""
    stated_by: dict[str, str] = {}
    ended_by: dict[str, list[str]] = {}
    for fact in sorted(facts, key=lambda f: f.seq):
        value = fact.value or {}
        for declaration in (value.get("states") or {}).values():
            stated_by[declaration["id"]] = fact.id
        for ended in value.get("ends") or ():
            ended_by.setdefault(ended, []).append(fact.id)
        for ended in (e for stance in rulebook.stance_ends.get(fact.id, {}).values() for e in stance):
            ended_by.setdefault(ended, []).append(fact.id)
    day = as_of.date()
    found = []
    for kind, item in [*(("position", p) for p in rulebook.positions.values()), *(("offer", o) for o in rulebook.offers.values())]:
        start, end = item.in_force.from_, item.in_force.until
        found.append(StatementState(
            kind=kind, id=item.id, actor=item.actor, move=item.withholds if isinstance(item, Position) else item.offers,
            in_force=(start is None or start <= day) and (end is None or day < end), since=start, until=end,
            restates=item.restates, quote=item.quote, source=item.source,
            stated_by=stated_by.get(item.id, "rule files"), ended_by=ended_by.get(item.id, []),
            declaration=item.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude={"in_force"})))
    return found
