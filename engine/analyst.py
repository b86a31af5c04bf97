"""Verdicts, statuses and timelines of one session line, worked out from what they read.

An ``Analyst`` owns a working memory (its own slots in the rules engine) and what it keeps
between questions (the last verdict and status with what they were worked out from, the
escalation chains).  It reads only the frames and histories it is given (``engine.history``:
copies that later writes do not change), never the session itself: so it answers without
the session's lock, and writes to the session go on meanwhile.  It answers one question at
a time (its own lock).

Closing is safe while a question is being answered: the analyst is closed when that answer
is done, and a question asked after that raises ``AnalystClosed`` (its slots may already
serve another session).
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import itertools
import operator
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from engine.analysis import (
    Situation,
    analyse,
    bare_status,
    escalation_levels,
    goal_statuses,
    headline,
    in_force,
    retimed,
    ripeness,
    standing,
    unsure,
)
from engine.analysis.changes import differences
from engine.analysis.escalation import KeptChains, Links, Watch, after, calm_at, calms, kept_chains
from engine.analysis.escalation import live as escalation_live
from engine.analysis.explain import cite_fact, cite_position, shown_at
from engine.analysis.model import build_model, reachable_goals, timed
from engine.compiler import CompiledRules
from engine.conditions import compare_met, day_number
from engine.deadline import NO_DEADLINE, Deadline
from engine.errors import AnalystClosed
from engine.facts import Confidence, Fact, to_utc
from engine.history import Frame, History, Walk
from engine.lapses import anchor_subjects, lapse_day, lapse_days, lapsed, why
from engine.lapses import statements as lapse_statements
from engine.reply_json import cited_subjects
from engine.rete import RulesPort
from engine.rulebook import Rulebook
from engine.rulebook.models import TODAY, Compare
from engine.segments import KEPT_VERDICTS, Cut, Part
from engine.trends import trended as trended_fact
from engine.verdict import FactRef, GoalMark, Lapsed, PositionRef, Status, TimelineEntry, TimelineEntryWithVerdict, Verdict
from engine.working_memory import WorkingMemory

ONE_SECOND = dt.timedelta(seconds=1)
HOSTILE = "hostile:"  # the claims of the hostile events an escalation pattern matches (``engine.compiler``)
KEPT_STANDINGS = 4096  # a timeline keeps the standings of this many model inputs (the oldest go first)
FIRST = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
LAST = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def _next_day(at: dt.datetime) -> dt.datetime | None:
    """The first time of the day after ``at``'s (None: ``at`` is on the last day there is)."""
    day = at.date()
    return None if day == dt.date.max else dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), at.tzinfo)


def shift(at: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """``at + delta``, held at the first or last representable time instead of overflowing."""
    try:
        return at + delta
    except OverflowError:
        return FIRST if delta < dt.timedelta(0) else LAST


def horizon_of(rulebook: Rulebook) -> dt.timedelta:
    """How far back from a time its verdict reads events: the longest escalation run (or
    chain of the highest level a pattern names)."""
    return dt.timedelta(days=max((p.window_days * max([p.exchanges, *p.levels]) for p in rulebook.escalations.values()), default=0))


def frame_of(history: History, as_of: dt.datetime, horizon: dt.timedelta, *, detached: bool = True,
             admit: Confidence = "disputed") -> Frame:
    """What a verdict as of ``as_of`` reads of ``history`` (events within ``horizon`` before
    it), of the facts at least as sure as ``admit``."""
    return history.frame(as_of, shift(as_of, -horizon) if horizon else None, detached=detached, admit=admit)


def change_times(history: History, rulebook: Rulebook, marks: set[dt.datetime] | None = None) -> list[dt.datetime]:
    """Every time at which a verdict can change: a fact, an event leaving its window,
    a position coming into or going out of force.  ``marks``: ``ripeness_marks``, if
    already worked out."""
    times = history.time_set()
    events = history.events()
    for pattern in rulebook.escalations.values():
        later = dt.timedelta(days=pattern.window_days) + ONE_SECOND
        try:
            times.update([event.at + later for event in events])
        except OverflowError:  # an event near the end of time: held there, one at a time
            times.update(shift(event.at, later) for event in events)
    for position in [*rulebook.positions.values(), *rulebook.offers.values()]:
        for day in (position.in_force.from_, position.in_force.until):
            if day is not None:
                times.add(to_utc(day))
    times.update(to_utc(day) for day in lapse_days(rulebook, history.facts_of))  # a lapse is a moment of its own
    times.update(to_utc(day + dt.timedelta(days=1)) for day in rulebook.deadlines if day < dt.date.max)  # missed from the next day
    times |= ripeness_marks(history, rulebook) if marks is None else marks
    return sorted(times)


def ripeness_marks(history: History, rulebook: Rulebook) -> set[dt.datetime]:
    """The times at which ripeness can change with no fact dated then (``ripeness.marks``)."""
    return ripeness.marks(rulebook, [f for s in sorted(ripeness.cost_subjects(rulebook)) for f in history.facts_of(s)])


def clock(as_of: dt.datetime | dt.date) -> Fact:
    """The day asked, as the rules read it (``TODAY``: what a missed deadline compares)."""
    day = as_of.date() if isinstance(as_of, dt.datetime) else as_of
    return Fact(id=f"{TODAY}:{day.isoformat()}", seq=0, at=to_utc(day), subject=TODAY, kind="state", value=day_number(day))


@dataclass(frozen=True)
class ModelInputs:
    """What the blocking model reads of a situation (``analysis.build_model``), and so what
    a status or a ``standing`` is kept on: the positions and offers in force (all it reads
    of the time), the claims that hold, and the value in force of each subject a rule reads."""

    in_force: frozenset[str]  # "position:ID", "offer:ID", "lapsed:VARIANT", "passed:DAY" (a condition's deadline)
    claims: frozenset[str]
    values: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Snapshot:
    """Everything a verdict reads of a situation, frozen and hashable: what the blocking
    model reads (``model``); per subject a rule reads, the fact in force and the one it
    superseded (the explanation cites them, trends compare them); per escalation pattern
    the live hostile events of each side and how many of them are inside its window (the
    exact time decides which chains are live: one whose last event is inside).  Facts are
    never changed once recorded: equal ids, equal facts.

    Built in one place (``snapshot``, ``model_inputs``): every kept verdict, status and
    standing is keyed on a snapshot or its ``model``, so an input cannot be left out of
    one key and not another."""

    day: dt.date  # the summary and the citations go by day
    model: ModelInputs
    facts: tuple[tuple[str, str | None], ...]
    hostile: tuple[tuple[str, tuple[str, ...], tuple[str, ...], int], ...]
    unsure: tuple = ()  # the facts admitted, and each unconfirmed fact read with what stands in for it (``analysis.unsure``)


class InForce:
    """The claims of the statements in force of one rulebook (``claims``), the last one kept
    on what it reads: the day, and the ids of the facts in force on the subjects a lapse
    counts from (equal ids, equal facts).  An analyst asked about the same day again, as after each fact of an
    ingest, does not work out every position's ``in_force`` again.  The claims of the
    statements in force at every time are made once, and the statements tested listed (a
    timeline's walk asks on each new day: at P=200, 0.16 ms a day when every claim was made
    at each call)."""

    def __init__(self, rulebook: Rulebook):
        self._rulebook = rulebook
        self._anchors = sorted(anchor_subjects(rulebook))
        self._last: tuple[tuple, frozenset[str]] | None = None
        positions, offers = timed(rulebook)
        self._always = [*(f"position:{p.id}" for p in rulebook.positions.values() if p.id not in positions),
                        *(f"offer:{o.id}" for o in rulebook.offers.values() if o.id not in offers)]
        self._positions = [p for p in rulebook.positions.values() if p.id in positions]
        self._offers = [o for o in rulebook.offers.values() if o.id in offers]
        self._lapsing = [v for p in rulebook.positions.values() for v in p.variants if v.lapses is not None]

    def claims(self, as_of: dt.datetime, state: Mapping[str, Fact]) -> frozenset[str]:
        """The claims of the statements in force (``ModelInputs.in_force``: positions, offers,
        lapsed variants, deadlines passed) as of ``as_of`` with ``state`` in force (not kept).
        It reads the day and, of the state, only the facts in force on the subjects a lapse
        counts from (``lapses.anchor_subjects``): what ``__call__`` keeps it on.  Only the
        statements with dates, a lapse or an act that shows them (``model.timed``) are
        tested; the others are in force at every time."""
        return frozenset([*self._always,
                          *(f"position:{p.id}" for p in self._positions if in_force(p, as_of, state)),
                          *(f"offer:{o.id}" for o in self._offers if in_force(o, as_of, state)),
                          *(f"lapsed:{v.id}" for v in self._lapsing if lapsed(v, as_of, state)),
                          *(f"passed:{d.isoformat()}" for d in self._rulebook.deadlines if d < as_of.date())])  # a condition's deadline

    def __call__(self, as_of: dt.datetime, state: Mapping[str, Fact]) -> frozenset[str]:
        key = (as_of.date(), *(getattr(state.get(s), "id", None) for s in self._anchors))
        last = self._last
        if last is None or last[0] != key:
            last = self._last = (key, self.claims(as_of, state))
        return last[1]


def model_inputs(as_of: dt.datetime, state: Mapping[str, Fact], read: Sequence[str],
                 claims: frozenset[str], stated: InForce) -> ModelInputs:
    """``Snapshot.model`` of a situation as of ``as_of`` with ``state`` in force and
    ``claims`` holding; ``read``: the state subjects some rule reads (no rule reads the others);
    ``stated``: the rulebook's statements in force, kept (``InForce``)."""
    return ModelInputs(stated(as_of, state), claims, tuple([(subject, state[subject].value) for subject in read if subject in state]))


def standing_comparisons(rulebook: Rulebook) -> tuple[Compare, ...] | None:
    """The comparisons through which alone a standing (``analysis.standing``: the blocking
    model built and solved, and its marks) reads the values in force, when there is no other
    way: every comparison of the rule files' conditions (named conditions, the moves' and
    goals' ``done_when``, the positions', variants' and offers' conditions).  The model reads
    a value only where a condition compares it (``model.values_of``, ``compare_met``), so two
    states on which each of these comparisons comes out the same have the same standing, the
    claims and the statements in force being the same.  None when the model reads more of a
    value than whether it compares: a trend (the value superseded) or a deadline (a fact's
    date, the day asked)."""
    if rulebook.trended or rulebook.dated or rulebook.deadlines:
        return None
    exprs = [*(c.holds_when for c in rulebook.conditions.values()), *(m.done_when for m in rulebook.moves.values()),
             *(g.done_when for g in rulebook.goals.values()), *(o.if_ for o in rulebook.offers.values())]
    for position in rulebook.positions.values():
        exprs += [position.until, *(e for v in position.variants for e in (v.switched_on_by, v.until))]
    found = {id(c): c for e in exprs if e is not None for alternative in rulebook.alternatives(e) for c in alternative}
    return tuple(found.values())


def snapshot(sit: Situation, read: Sequence[str], claims: frozenset[str], stated: InForce) -> Snapshot:
    """What a verdict of ``sit`` reads (see ``Snapshot``); ``claims``: those that hold;
    ``stated``: as ``model_inputs``'s."""
    facts = []
    for subject in read:
        fact = sit.state.get(subject)
        if fact is not None:
            before = sit.previous(fact)
            facts.append((fact.id, before.id if before is not None else None))
    live = []
    for pattern, sides in sorted(sit.hostile.items()):
        # a chain is live while its last event is inside the window: same events inside, same live chains
        inside = _inside_window([f for side in sides for f in side], sit.as_of, sit.rulebook.escalations[pattern].window_days)
        live.append((pattern, *(tuple(f.id for f in side) for side in sides), inside))
    calm = tuple((p, tuple(f.id for f in acts)) for p, acts in sorted(sit.calm.items()))
    return Snapshot(sit.as_of.date(), model_inputs(sit.as_of, sit.state, read, claims, stated), tuple(facts), (*live, calm))


def same_model(a: Snapshot, b: Snapshot) -> bool:
    """Whether verdicts of two snapshots differ only in what the time and the hostile events
    decide (``analysis.retimed``): the same facts cited, none unconfirmed read, and the same
    model inputs but for the hostile claims (the blocking model never reads them)."""
    if a.facts != b.facts or a.unsure != b.unsure or a.model.in_force != b.model.in_force or a.model.values != b.model.values:
        return False
    return {c for c in a.model.claims if not c.startswith(HOSTILE)} == {c for c in b.model.claims if not c.startswith(HOSTILE)}


def reads_alike(a: Frame, b: Frame, rulebook: Rulebook) -> bool:
    """Whether verdicts as of two frames read the same (``Snapshot``'s rule, on frames): the
    same day, the same facts in force and events in the window, and per escalation pattern
    the same number of events inside its window.  Then they differ in their time only."""
    if a.as_of.date() != b.as_of.date() or a.state != b.state or a.events != b.events:
        return False
    return all(_inside_window(a.events, a.as_of, p.window_days) == _inside_window(b.events, b.as_of, p.window_days)
               for p in rulebook.escalations.values())


_AT = operator.attrgetter("at")


def _inside_window(events: Sequence[Fact], as_of: dt.datetime, window_days: int) -> int:
    """How many of ``events`` are no more than ``window_days`` before ``as_of``."""
    since = shift(as_of, -dt.timedelta(days=window_days))
    return sum(map(operator.le, itertools.repeat(since, len(events)), map(_AT, events)))  # ``f.at >= since``, in C


def _live_span(ends: Sequence[Fact], as_of: dt.datetime, window_days: int) -> tuple[dt.datetime, dt.datetime, bool]:
    """Whether one of the chains ending at ``ends`` (``escalation.chain_ends``) is live as of
    ``as_of`` (``escalation.live``: its last event at or before it, at most ``window_days``
    before), with the times it is the same answer for: from ``as_of`` until the first time
    after it at which a chain's last event comes or its window ends."""
    window, on, until = dt.timedelta(days=window_days), False, LAST
    for end in ends:
        last = end.at
        if last > as_of:
            until = min(until, last)
        else:
            end = shift(last, window)
            if as_of <= end:
                on, until = True, min(until, shift(end, dt.timedelta(microseconds=1)))
    return as_of, until, on


def _causes(sit: Situation, history: History, moment: dt.datetime, cited: frozenset[str]) -> list[FactRef]:
    """The facts dated at ``moment`` that can have caused what changed: state facts in force
    from then and events then, on the subjects some rule, pattern or cost reads (``cited``:
    a fact no rule reads changes nothing); at the start of a day, the statement facts of that
    day (a statement is in force by days)."""
    states = [f for f in sit.state.values() if f.at == moment and f.subject in cited]
    events = [f for f in history.events_between(moment - dt.timedelta(microseconds=1), moment) if f.subject in cited]
    said = [f for f in history.statements() if f.at.date() == moment.date()] if moment.time() == dt.time(0) else []
    return [cite_fact(sit, f) for f in sorted([*states, *events, *said], key=lambda f: f.seq)]


def _lapsed(sit: Situation, moment: dt.datetime) -> list[Lapsed]:
    """The statements that lapse at ``moment`` (their lapse day, as the state then has it)."""
    if moment.time() != dt.time(0):
        return []
    day = moment.date()
    found = []
    for statement in lapse_statements(sit.rulebook):
        if lapse_day(statement, sit.state) == day:
            kind, actor = _kind_and_actor(sit.rulebook, statement)
            found.append(Lapsed(kind=kind, id=statement.id, actor=actor,
                                lapsed=f"{kind} {statement.id} lapsed {why(statement, sit.state)}"))
    return found


def _rebased(part: Part, cut: Cut, moment: dt.datetime, exact: bool) -> tuple[bool, bool]:
    """At a re-basing moment of a segment's walk: whether the part ends here (the first such
    moment at or after its stop: ``part.next``), and whether the walk is exact from here on
    (from the first at or after its start: ``part.first``)."""
    if cut.stop is not None and moment >= cut.stop:
        part.first = part.first if exact else moment
        part.next = moment
        return True, exact
    if not exact and moment >= cut.start:  # type: ignore[operator]  # set when not exact
        part.first = moment
        return False, True
    return False, exact


def _goal_marks(rulebook: Rulebook, verdict: Verdict) -> list[GoalMark]:
    """Each goal of ``verdict`` as a timeline entry names it: its status, whether it is a
    main goal, and for a main goal its ripeness status."""
    main = frozenset(rulebook.main_goals)
    ripe = {r.goal: r.status for r in verdict.ripeness}
    return [GoalMark(id=g.id, status=g.status, main=g.id in main, ripeness=ripe.get(g.id)) for g in verdict.goals]


def _stances(standing: tuple) -> dict[str, str]:
    """The stances a verdict of ``standing`` gives (``analysis.standing``'s marks hold each
    move's ``explain.stance_kind``): what ``changes.differences`` compares of them, read
    off the standing instead of the verdict's cited stances, which a timeline's verdicts
    leave out (``analyse``'s ``light``)."""
    return {mark[1]: mark[2] for mark in standing[2] if mark[0] == "stance"}


def _kind_and_actor(rulebook: Rulebook, statement) -> tuple[str, str]:
    if statement.id in rulebook.positions:
        return "position", rulebook.positions[statement.id].actor
    if statement.id in rulebook.offers:
        return "offer", rulebook.offers[statement.id].actor
    return "variant", rulebook.variants[statement.id][0].actor


def _statements(rulebook: Rulebook, moment: dt.datetime) -> list[PositionRef]:
    """The positions and offers whose ``in_force`` begins or ends at ``moment``."""
    if moment.time() != dt.time(0):
        return []
    day = moment.date()
    stated = [*rulebook.positions.values(), *rulebook.offers.values()]
    return [cite_position(p) for p in stated if day in (p.in_force.from_, p.in_force.until)]


_held = 0  # timelines being worked out now (``_no_full_collections``)
_held_lock = threading.Lock()
_oldest_threshold = 0  # the oldest generation's threshold before the first of them


@contextmanager
def _no_full_collections() -> Iterator[None]:
    """No full collection of the cyclic garbage collector while a timeline is worked out:
    the oldest generation's threshold is held out of reach, then set back once no timeline
    is being worked out.  The entries a timeline keeps (each a verdict: hundreds of objects)
    all reach the oldest generation, and each full collection walked every one of them
    again, with the history: at 1,000,000 facts 8 full collections, 38 of 250 s of CPU
    (benchmarks/RESULTS.md).  The young generations are still collected; the first full
    collection after the timeline walks them once.  The threshold is the process's: other
    threads' work meanwhile gets no full collection either."""
    global _held, _oldest_threshold
    with _held_lock:
        if _held == 0:
            *younger, _oldest_threshold = gc.get_threshold()
            gc.set_threshold(*younger, 2**31 - 1)
        _held += 1
    try:
        yield
    finally:
        with _held_lock:
            _held -= 1
            if _held == 0:
                *younger, _ = gc.get_threshold()  # another caller may have set the younger ones meanwhile
                gc.set_threshold(*younger, _oldest_threshold)


@dataclass(frozen=True)
class Span:
    """A timeline up to a time, and the change times around that time: the last one looked
    at (``last``) and the first one after it (``next``; None: none).  The same history and
    rule files give the same entries up to any time from ``last`` to before ``next``."""

    entries: list[TimelineEntry]
    last: dt.datetime | None
    next: dt.datetime | None
    processes: int = 1  # the processes it was walked in (``engine.segments``: those that gave a part)

    def holds_at(self, end: dt.datetime) -> bool:
        """Whether the timeline up to ``end`` has these entries (no change time lies between)."""
        return (self.last is None or self.last <= end) and (self.next is None or end < self.next)


@dataclass(frozen=True)
class _Kept:
    history: weakref.ref[History]  # the session's own history (not the copy the timeline read)
    version: int  # its ``version`` then
    rulebook: Rulebook
    admit: Confidence
    span: Span


class KeptTimelines:
    """The latest timelines asked of a service's sessions (at most ``most`` of them, of at
    most ``entries`` entries in all), each kept with what it was worked out from: the
    session's history object and its ``version`` (a fact added or withdrawn changes it),
    the rule files, the facts admitted.  Asked again with none of that changed, up to a time
    with no change time between (``Span.holds_at``), the kept entries are the timeline:
    the web page and a client asking again do not work out every entry's verdict again."""

    def __init__(self, most: int = 8, entries: int = 2000):
        self._most, self._entries = most, entries
        self._kept: dict[tuple[str, Confidence, bool], _Kept] = {}  # oldest first; keyed with whether the entries hold their verdicts
        self._lock = threading.Lock()

    def get(self, name: str, history: History, rulebook: Rulebook, admit: Confidence, end: dt.datetime,
            verdicts: bool = False) -> list[TimelineEntry] | None:
        """The kept timeline of session ``name`` up to ``end``, if it still holds
        (``verdicts``: the one whose entries hold their verdicts)."""
        with self._lock:
            kept = self._kept.get((name, admit, verdicts))
        if (kept is None or kept.history() is not history or kept.version != history.version or kept.rulebook is not rulebook
                or not kept.span.holds_at(end)):
            return None
        return list(kept.span.entries)

    def put(self, name: str, history: History, version: int, rulebook: Rulebook, admit: Confidence, span: Span,
            verdicts: bool = False) -> None:
        """Keep ``span``, worked out from ``history`` at ``version`` (the oldest kept go first)."""
        if len(span.entries) > self._entries:
            return
        with self._lock:
            self._kept.pop((name, admit, verdicts), None)
            self._kept[(name, admit, verdicts)] = _Kept(weakref.ref(history), version, rulebook, admit, span)
            while len(self._kept) > self._most or sum(len(k.span.entries) for k in self._kept.values()) > self._entries:
                del self._kept[next(iter(self._kept))]


class Analyst:
    """The verdicts of one session line (``name``), from frames of its history."""

    def __init__(self, name: str, rulebook: Rulebook, rules: CompiledRules, port: RulesPort):
        self.name = name
        self.rulebook, self.rules = rulebook, rules
        self._memory = WorkingMemory(port, rules)
        self._horizon = horizon_of(rulebook)
        # the state subjects some rule reads: the analysis reads no other (see Snapshot)
        # (and those a lapse counts from: what is in force depends on them)
        anchors = anchor_subjects(rulebook)  # worked out once here (once per subject read, it was 20 ms an analyst at P=200)
        self._read = sorted({s for s in rules.subjects if s in rulebook.subjects and rulebook.subjects[s].kind == "state"}
                            | anchors)
        self._read_set = frozenset(self._read)
        # the state subjects declared costs read besides (ripeness): a kept verdict is kept on their facts too
        self._costs = sorted(ripeness.cost_subjects(rulebook) - self._read_set)
        self._cost_set = frozenset(ripeness.cost_subjects(rulebook))
        # the subjects a fact can change a verdict through: a timeline entry cites no other as its cause
        self._cited = frozenset(self._read_set | self._cost_set | set(rules.subjects)
                                | {e for p in rulebook.escalations.values() for e in p.subjects}
                                | {e for p in rulebook.escalations.values() if p.de_escalation for e in p.de_escalation.events})
        self._move_claims = frozenset(f"move:{m}" for m in rulebook.moves)  # a move is made while its claim holds
        self._in_force = InForce(rulebook)  # the statements in force, kept on the day and the facts a lapse reads
        # what a timeline keeps a standing on besides the claims and statements in force (``_standing_key``):
        # whether each comparison holds, and the values of the subjects read otherwise (none compares them; a lapse's)
        self._compares = standing_comparisons(rulebook)
        compared = {s for c in self._compares for s in c.subjects} if self._compares is not None else set()
        self._compared = sorted(compared)
        # per subject compared, the comparisons reading it; and the facts and outcomes of the last key (``_comparisons``)
        self._reading: dict[str, list[int]] = {s: [] for s in compared}
        for i, c in enumerate(self._compares or ()):  # once per comparison (not per subject and comparison: 0.14 s at P=200)
            for s in c.subjects:
                self._reading[s].append(i)
        self._last_compared: tuple[list[Fact | None], list[bool]] | None = None
        self._uncompared = [s for s in self._read if s not in compared or s in anchors]
        # a status's key (``_status_key``): per compared subject the comparisons reading it, and the last fact of each and outcomes
        self._compares_of = {s: list(dict.fromkeys(self._reading[s])) for s in self._compared}  # ``_reading``, each once
        self._met: tuple[dict[str, Fact | None], list[bool]] = ({}, [False] * len(self._compares or ()))
        self._last_verdict: tuple[Snapshot, Verdict, Situation, Frame] | None = None  # with the situation and frame it was worked out from
        self._cited_last: tuple[Verdict, frozenset[str]] | None = None  # ``_cited_of``
        # the subjects whose fact may change with the last verdict kept (``_unseen_change``): compared by the rule files
        # alone (none where they read more than comparisons), read by no cost, lapse or act
        self._unseen = (frozenset(compared) - self._cost_set - anchor_subjects(rulebook) - set(self._uncompared)
                        if self._compares is not None else None)
        # the last ``_seen``: the working memory's ``given`` then, the frame, its situation, snapshot and unconfirmed facts
        self._last_seen: tuple[list[Fact] | None, Frame, Situation, Snapshot, list[Fact]] | None = None
        self._seen_subjects = [*self._read, *self._costs]  # the state subjects a snapshot reads
        self._seen_set = frozenset(self._seen_subjects)
        self._last_status: tuple[ModelInputs | tuple, Status, list[Fact] | None, dt.date] | None = None  # with the memory's facts then, and the day
        self._statuses: dict[ModelInputs | tuple, Status] = {}  # ``_standing_key`` -> the status (``_kept_status``)
        # ``_escalating``: per pattern the hostile events of each side and their links, the chains' ends, and the answer with its times
        self._escalation: dict[str, tuple[list[Fact], list[Fact], Links, list[Fact], dt.datetime, dt.datetime, bool]] = {}
        self._chains: KeptChains = {}  # escalation pattern -> its chains, kept (see ``escalation.kept_chains``)
        self._hostile_kept: dict[str, tuple[list[list[Fact]], list[Fact]]] = {}  # claim -> its support, its events
        self._lock = threading.Lock()
        self._closing = False
        self._closed = False

    # questions ----------------------------------------------------------------------------
    def verdict(self, frame: Frame, deadline: Deadline = NO_DEADLINE) -> Verdict:
        """The verdict as of ``frame.as_of``.  The last one is kept with everything it was
        worked out from (``Snapshot``): asked again with nothing of that changed, as
        after a fact no rule reads, it is given again with the new time."""
        with self._answering():
            return self._verdict(frame, deadline)

    def verdict_beside(self, frame: Frame, other: Analyst, deadline: Deadline = NO_DEADLINE) -> Verdict:
        """``verdict(frame)``, with what the blocking model gives taken from ``other``'s last
        verdict (``analysis.retimed``) when that read the same (``same_model``) and neither
        reads an unconfirmed fact: a reply's verdict as of a fact's date beside the one now.
        Its own last verdict, if that is this one too (``_kept``), is given again first."""
        with self._answering():
            deadline.check()
            sit, seen, facts = self._seen(frame)
            kept = self._kept(sit, seen, facts, frame)
            if kept is not None:
                return kept
            last = other._last_verdict  # a tuple, replaced whole: read without its lock
            if not facts and last is not None and other.rulebook is self.rulebook and same_model(seen, last[0]):
                verdict = retimed(sit, last[1], self._chains)
                self._last_verdict = (seen, verdict, sit, frame)
                return verdict
            return self._worked_out(sit, seen, deadline, frame, facts)

    def status(self, frame: Frame) -> tuple[Status, bool]:
        """Status and escalation only: what a timeline tracks, without the explanation."""
        with self._answering():
            return self._status(frame)

    def reads(self, fact: Fact) -> bool:
        """Whether ``fact`` can change what a verdict or a status reads: any fact but a state
        fact on a subject no rule, lapse, cost or escalation pattern reads (``_cited``)."""
        return fact.kind != "state" or fact.withdraws is not None or fact.subject in self._cited

    def escalating_at(self, as_of: dt.datetime) -> bool | None:
        """The escalation of the last ``status``'s hostile events as of ``as_of``: from the
        chains and times each pattern's answer was kept with (``_escalating``; None: no
        status was worked out yet, or the analyst is closed: ``status`` says so).
        ``Session.status`` asks it when only time moved since: its lock taken as such, not
        through ``_answering`` (a generator's context: more than the answer itself)."""
        if self._closing or len(self._escalation) != len(self.rulebook.escalations):
            return None
        on = False
        with self._lock:
            for p, kept in self._escalation.items():
                if not kept[4] <= as_of < kept[5]:
                    kept = self._escalation[p] = (*kept[:4], *_live_span(kept[3], as_of, self.rulebook.escalations[p].window_days))
                on = on or kept[6]
        if self._closing:  # closed meanwhile: the closer could not take the lock (``_answering``)
            self._close_if_free()
        return on

    def situation(self, frame: Frame) -> Situation:
        """The situation a verdict reads (the working memory moved to ``frame``)."""
        with self._answering():
            return self._situation(frame)

    def timeline(self, history: History, end: dt.datetime, deadline: Deadline = NO_DEADLINE,
                 admit: Confidence = "disputed", verdicts: bool = False) -> list[TimelineEntry]:
        """See ``timeline_span``: its entries."""
        return self.timeline_span(history, end, deadline, admit, verdicts).entries

    def timeline_span(self, history: History, end: dt.datetime, deadline: Deadline = NO_DEADLINE,
                      admit: Confidence = "disputed", verdicts: bool = False) -> Span:
        """Each time up to ``end`` the verdict changed: the headline status, a goal's status,
        what holds the goals back (``analysis.standing``), or escalation; with the verdict
        from then on, what changed, and the facts and statements dated at that moment.
        ``history`` must be whole, and must not change meanwhile (a ``copy``).

        It walks the history once (``History.walk``): the working memory moves from one
        moment to the next by what changed there, holding the state only; escalation comes
        from a ``Watch`` over every event.  The standing is worked out again only when
        what the model reads changed (``_standing_key``: ``ModelInputs``, or whether each
        comparison holds), the verdict only when the standing or escalation did (or the
        moves made, where a ripeness-only entry may be built on it: see the loop).  A quiet
        moment (no state fact on a subject a rule, lapse or cost reads, the same day, no
        ripeness mark, the same escalation levels) is passed over.  So a moment costs what changed at it, not the length of the log.
        ``admit``: the lowest confidence of the facts read (the others are left out first);
        each entry then says what it rests on among the unconfirmed facts it reads.
        ``verdicts``: each entry with its full verdict (``TimelineEntryWithVerdict``); else an
        entry cites its verdict by its time, and the verdicts worked out on the way leave out
        what no entry reads (``analyse``'s ``light``: the concession sets, the summary)."""
        found = self._walk_timeline(history, end, deadline, admit, verdicts, None)
        assert isinstance(found, Span)
        return found

    def timeline_part(self, history: History, end: dt.datetime, cut: Cut, deadline: Deadline = NO_DEADLINE,
                      admit: Confidence = "disputed", verdicts: bool = False, times: list[dt.datetime] | None = None) -> Part:
        """One segment of ``timeline_span``'s walk (``engine.segments``): the walk begins at
        the change time just before ``cut.start`` (``Cut``), and gives each moment at which
        an entry can be made from its first re-basing moment at or after ``cut.start`` to
        before its first at or after ``cut.stop`` (``Part``), for ``segments.join``.  ``times``:
        the change times of ``history``'s facts at least as sure as ``admit`` (``change_times``),
        if worked out already."""
        found = self._walk_timeline(history, end, deadline, admit, verdicts, cut, times)
        assert isinstance(found, Part)
        return found

    def _walk_timeline(self, history: History, end: dt.datetime, deadline: Deadline, admit: Confidence, verdicts: bool,
                       cut: Cut | None, times: list[dt.datetime] | None = None) -> Span | Part:
        """``timeline_span`` (``cut`` None), or ``timeline_part``: the same walk.  A segment's
        walk begins at the change time before its start, where ``last`` and ``made_last`` are
        then what they are sequentially (a function of the moment before); ``latest`` and
        ``pending`` are those of the sequential walk from the first moment at or after the
        start at which either is set anew (a *re-basing* moment: the standing, escalation's
        levels or the moves made differ from the moment before), so the candidates of the
        part are exact from there; ``previous`` (the last entry's verdict) is settled by
        ``segments.join``."""
        light = not verdicts
        history = history.admitting(admit) if admit != "disputed" else history
        part = Part([], None, None) if cut is not None else None
        exact = cut is not None and cut.start is None  # the part's candidates are those of the sequential walk from here
        with self._answering(), _no_full_collections():
            self._memory.sync([])  # the walk brings the state in by difference from nothing
            walk = history.walk()
            events = history.events()
            watches = {p: Watch(pattern, events) for p, pattern in self.rulebook.escalations.items()}
            entries: list[TimelineEntry] = []
            last: tuple | None = None
            previous: Verdict | None = None
            previous_stances: Mapping[str, str] = {}  # the stances of ``previous`` (``_stances``)
            kept: dict[ModelInputs | tuple, tuple[tuple, list]] = {}  # key -> its standing, and its model and solution
            inputs: ModelInputs | tuple | None = None
            claims: frozenset[str] | None = None
            day: dt.date | None = None
            standing_now: tuple = ()
            latest: Verdict | None = None  # the last verdict worked out (whether or not it made an entry)
            marks = ripeness_marks(history, self.rulebook)
            looked: dt.datetime | None = None  # the last change time looked at, and the first after end
            after_end: dt.datetime | None = None
            # the model and solution of the standing, for a verdict: of the standing in force where its key decides
            # the model (``_standing_key``: the comparisons), else of one worked out at this moment only
            prepared: list = []
            handed = self._compares is not None
            made: frozenset[str] = frozenset()  # the claims of moves made, now and at the last verdict worked out
            made_last: frozenset[str] | None = None
            pending: Situation | None = None  # where ``latest`` was due, if not worked out yet (see below)
            # read at every moment (a million of them at 1,000,000 facts): looked up once
            memory, horizon, clocked, read_set, cost_set = self._memory, self._horizon, bool(self.rulebook.deadlines), self._read_set, self._cost_set
            ruled = self.rules.subjects  # the subjects some compiled rule reads: the working memory takes no other fact
            watched = frozenset(ruled | read_set | cost_set)  # a state fact on another changes nothing the walk looks at
            watching = list(watches.items())
            next_day: dt.datetime | None = FIRST  # the first time after ``day`` (a moment at or after it is on a new day; None: none is)
            times = change_times(history, self.rulebook, marks) if times is None else times
            if cut is not None and cut.start is not None:  # from the change time before the segment
                times = times[max(0, bisect.bisect_left(times, cut.start) - 1):]
            for moment in times:
                if moment > end:
                    after_end = moment
                    break
                looked = moment
                if prepared and not handed:
                    prepared = []
                deadline.check()
                if horizon:
                    try:
                        since = moment - horizon  # ``shift``, without the call: a moment costs a few microseconds
                    except OverflowError:
                        since = FIRST
                else:
                    since = None
                on = [p for p, watch in watching if watch.on(moment, since)] if since is not None else []
                levels = self._levels(on, watches, moment, since) if on else ()
                new_day = next_day is not None and moment >= next_day  # moments never go back: ``moment.date() != day``
                if not new_day and last is not None and levels == last[-1] and moment not in marks and not walk.due_on(moment, watched):
                    # a quiet moment (an event's, one leaving a window, or one of state facts on subjects no rule, lapse or
                    # cost reads): the same day, no ripeness mark, no fact the working memory, the standing's key or a cost
                    # reads, so the claims, the standing and the moves made are those of the moment before, and escalation's
                    # levels too: nothing can differ from it (the walk catches up later, those facts with the next ones)
                    continue
                step = walk.advance(moment, since)
                came = step.came
                if came and any(f.subject in ruled for f in came):
                    # only facts a rule reads go to the working memory (``apply`` leaves the others alone): most
                    # moments bring none (a fact superseded is on the subject of the one that came, so neither)
                    memory.apply(self._fed([f for f in step.went if f.subject in ruled], history.previous),
                                 self._fed([f for f in came if f.subject in ruled], history.previous))
                if clocked and new_day:  # the clock a missed deadline reads
                    memory.apply([clock(day)] if day is not None else [], [clock(moment)])
                if new_day or claims is not memory.held() or (came and any(f.subject in read_set for f in came)):
                    claims, day = memory.held(), moment.date()
                    next_day = _next_day(moment)
                    made = frozenset(c for c in claims if c in self._move_claims)
                    now = self._standing_key(moment, walk.state, claims)
                    if now != inputs:
                        inputs = now
                        if inputs not in kept:
                            prepared = []
                            kept[inputs] = (standing(self._walked(walk, history, watches, since), prepared), prepared if handed else [])
                            if len(kept) > KEPT_STANDINGS:
                                del kept[next(iter(kept))]
                        elif handed:
                            prepared = kept[inputs][1]
                        standing_now = kept[inputs][0]
                current = (*standing_now, levels)
                costs = latest is not None and (moment in marks or (bool(came) and any(f.subject in cost_set for f in came)))
                if part is not None and cut is not None and (current != last or made != made_last):
                    # a re-basing moment (below: ``latest`` or ``pending`` set anew): where the segment's part begins or ends
                    ends, exact = _rebased(part, cut, moment, exact)
                    if ends:
                        break
                if current != last or (made != made_last and costs):
                    sit = self._walked(walk, history, watches, since, walk.frame())
                    deadline.check()  # worked out, not looked up: standing or escalation differs from the last entry's
                    verdict = latest = analyse(sit, self._chains, deadline.check, prepared, light)
                    stances = _stances(standing_now)
                    changes = differences(previous, verdict, (previous_stances, stances), sit.rulebook.stance_of)
                    shown = verdict
                    last, made_last, pending = current, made, None
                elif made != made_last:
                    # only moves no goal needs were made or unmade (the standing leaves them out):
                    # nothing ``differences`` reports changed, so no entry.  The verdict here is the
                    # next ripeness-only entry's base (``latest``): its situation is kept (the
                    # claims as they are now), and it is worked out only if such an entry comes.
                    pending = replace(self._walked(walk, history, watches, since, walk.frame()), holds=claims.__contains__)
                    made_last = made
                    continue
                elif costs:
                    # standing and escalation as before: only ripeness may change (a cost, or time passing)
                    if pending is not None:
                        deadline.check()
                        latest, pending = analyse(pending, self._chains, deadline.check, light=light), None
                    assert latest is not None, "costs: a verdict was worked out before"
                    sit = self._walked(walk, history, watches, since, walk.frame())
                    found = ripeness.assess(sit, latest)
                    if found == latest.ripeness:
                        continue
                    verdict = latest = latest.model_copy(update={"as_of": moment, "ripeness": found})
                    stances = _stances(standing_now)  # the standing of ``latest`` (only ripeness changed since)
                    changes = differences(previous, verdict, (previous_stances, stances), sit.rulebook.stance_of)
                    # the entry's verdict inline is its own (the one it is built on speaks of that one's day: its summary)
                    # (in a segment's part, whatever the changes: the join may find changes the part did not)
                    shown = analyse(sit, self._chains, deadline.check) if verdicts and (changes or part is not None) else verdict
                else:
                    continue
                if part is not None:
                    if exact:  # each candidate, entry or not: the join compares it with the last entry before it
                        part.candidates.append((self._entry(sit, history, moment, verdict, changes), shown,
                                                previous is None or bool(changes), verdict, stances))
                    if previous is not None and not changes:
                        continue
                    previous, previous_stances = verdict, stances
                    continue
                if previous is not None and not changes:
                    continue  # nothing an analyst reads changed: no entry (the next is compared with the last entry)
                entries.append((self._entry(sit, history, moment, verdict, changes), shown))
                previous, previous_stances = verdict, stances
            if part is not None:
                return self._settled(part, history, deadline, admit, verdicts)
            return Span([self._marked(entry, verdict, history, deadline, admit, verdicts) for entry, verdict in entries], looked, after_end)

    def _entry(self, sit: Situation, history: History, moment: dt.datetime, verdict: Verdict, changes: list[str]) -> TimelineEntry:
        """The timeline entry at ``moment`` of ``verdict`` with ``changes`` (before ``_marked``)."""
        return TimelineEntry(at=moment, status=verdict.status, escalation=verdict.escalation,
                             escalation_level=verdict.escalation_level, changes=changes,
                             causes=_causes(sit, history, moment, self._cited),
                             statements=[*_statements(self.rulebook, moment), *shown_at(sit, moment)],
                             lapsed=_lapsed(sit, moment), goals=_goal_marks(self.rulebook, verdict))

    def _settled(self, part: Part, history: History, deadline: Deadline, admit: Confidence, full: bool) -> Part:
        """``part`` as ``segments.join`` takes it: each candidate marked (``_mark``) as
        ``(entry, note, made, verdict, stances)``; the verdict compared kept for the first
        ``KEPT_VERDICTS`` candidates and the last one made an entry (the join compares
        only until the part's own entries agree with its own: then the rest are its own);
        the others not made an entry by the part left out."""
        found: list[tuple] = []
        last_made = max((i for i, c in enumerate(part.candidates) if c[2]), default=-1)
        for i, (entry, shown, made, verdict, stances) in enumerate(part.candidates):
            early = i < KEPT_VERDICTS
            if not made and not early:
                continue
            marked, note = self._mark(entry, shown, history, deadline, admit, full)
            found.append((marked, note, made, verdict if early or i == last_made else None, stances))
        return Part(found, part.first, part.next)

    def _marked(self, entry: TimelineEntry, verdict: Verdict, history: History, deadline: Deadline, admit: Confidence,
                full: bool) -> TimelineEntry:
        """``entry`` with what its verdict rests on among the unconfirmed facts it reads;
        ``full``: with that verdict too (the facts admitted, and what it rests on)."""
        return self._mark(entry, verdict, history, deadline, admit, full)[0]

    def _mark(self, entry: TimelineEntry, verdict: Verdict, history: History, deadline: Deadline, admit: Confidence,
              full: bool) -> tuple[TimelineEntry, str | None]:
        """``_marked``, and the note it added to the entry's changes (None: none)."""
        note = None
        facts: list[Fact] = []
        if not history.all_confirmed():  # else there is nothing to look for, and no frame to take
            frame = frame_of(history, entry.at, self._horizon, admit=admit)
            facts = unsure.unconfirmed(frame, self.rulebook, self._read_set)
        if facts:
            verdict = self._resting(self._situation(frame), frame, facts, verdict, deadline)
            resting = list({f.id: f for f in [*verdict.rests_on_unconfirmed, *verdict.escalation_rests_on_unconfirmed]}.values())
            if resting:
                note = f"rests on facts not confirmed: {unsure.describe(resting)}"
                entry = entry.model_copy(update={"rests_on_unconfirmed": resting, "changes": [*entry.changes, note]})
        elif admit != "disputed":
            verdict = verdict.model_copy(update={"admits": admit})
        if not full:
            return entry, note
        return TimelineEntryWithVerdict(**{name: getattr(entry, name) for name in TimelineEntry.model_fields}, verdict=verdict), note

    @property
    def memory(self) -> WorkingMemory:
        return self._memory

    def close(self) -> None:
        """Free the working memory; if a question is being answered, once it is."""
        self._closing = True
        self._close_if_free()

    # inside -------------------------------------------------------------------------------
    @contextmanager
    def _answering(self) -> Iterator[None]:
        try:
            with self._lock:
                if self._closing:
                    self._shut()
                    raise AnalystClosed(f"the analyst of session {self.name!r} was closed")
                yield
        finally:
            if self._closing:  # closed while answering: the closer could not take the lock
                self._close_if_free()

    def _close_if_free(self) -> None:
        if self._lock.acquire(blocking=False):
            try:
                self._shut()
            finally:
                self._lock.release()

    def _shut(self) -> None:
        if not self._closed:
            self._closed = True
            self._memory.close()

    def _verdict(self, frame: Frame, deadline: Deadline) -> Verdict:
        deadline.check()
        sit, seen, facts = self._seen(frame)
        return self._answer(sit, seen, deadline, frame, facts)

    def _seen(self, frame: Frame) -> tuple[Situation, Snapshot, list[Fact]]:
        """The situation of ``frame``, what a verdict of it reads, and the unconfirmed facts it
        reads.  When ``frame`` reads as the last one seen did (``_seen_again``: a reply's
        verdict after a fact no verdict reads), the snapshot and the unconfirmed facts are
        that one's, and the situation is that one's at the new time: the working memory is
        not synced again, nor the snapshot made again."""
        last = self._last_seen
        if last is not None and last[0] is self._memory.given and self._seen_again(frame, last[1], last[2]):
            was = last[2]
            sit = Situation(rulebook=self.rulebook, session=self.name, as_of=frame.as_of, holds=self._memory.holds,
                            state=frame.state, previous=frame.previous, hostile=was.hostile, calm=was.calm)
            self._last_seen = (last[0], frame, sit, last[3], last[4])
            return sit, last[3], last[4]
        sit = self._situation(frame)
        facts = unsure.unconfirmed(frame, self.rulebook, self._read_set)
        seen = replace(snapshot(sit, self._seen_subjects, self._memory.held(), self._in_force), unsure=(frame.admits, *(
            (f.id, getattr(frame.previous(f), "id", None), getattr(frame.confirmed_before.get(f.id), "id", None)) for f in facts)))
        self._last_seen = (self._memory.given, frame, sit, seen, facts)
        return sit, seen, facts

    def _seen_again(self, frame: Frame, was: Frame, sit: Situation) -> bool:
        """Whether ``snapshot`` of ``frame`` is that of ``was`` (``sit``: its situation), the working memory
        being as ``was`` left it (the caller checks): the same day and facts admitted; the
        very events (so syncing would move nothing: the same claims hold, the same hostile
        events are live, the same de-escalation: every act of one is dated by the frame's
        time); per subject a verdict reads (``_seen_subjects``) the very fact in force, the
        fact it superseded and, unconfirmed, the latest confirmed one before it (the
        statements in force read the day and those facts; the values, the citations and
        ``unsure`` read them); and per escalation pattern as many live events inside its
        window at the new time.  Between two frames of one history's head only the subjects
        whose head was set meanwhile are looked at (``Frame.changed_since``): the others'
        facts are the very ones."""
        if frame.as_of.date() != was.as_of.date() or frame.admits != was.admits:
            return False
        events, before = frame.events, was.events
        if len(events) != len(before) or not all(map(operator.is_, events, before)):
            return False
        state, old, previous, old_previous = frame.state, was.state, frame.previous, was.previous
        for subject in self._seen_changed(frame, was):
            fact = state.get(subject)
            if fact is not old.get(subject):
                return False
            if fact is not None and (previous(fact) is not old_previous(fact) or (
                    fact.confidence != "confirmed" and frame.confirmed_before.get(fact.id) is not was.confirmed_before.get(fact.id))):
                return False
        for pattern, sides in sit.hostile.items():
            live, days = [*sides[0], *sides[1]], self.rulebook.escalations[pattern].window_days
            if _inside_window(live, frame.as_of, days) != _inside_window(live, was.as_of, days):
                return False
        return True

    def _seen_changed(self, frame: Frame, was: Frame) -> Iterable[str]:
        """The state subjects a snapshot reads whose facts may differ between ``was`` and
        ``frame``: of two frames of one history's head only those set meanwhile
        (``Frame.changed_since``), else every one."""
        changed = frame.changed_since(was)
        return self._seen_subjects if changed is None else self._seen_set.intersection(changed)

    def _answer(self, sit: Situation, seen: Snapshot, deadline: Deadline, frame: Frame, facts: list[Fact]) -> Verdict:
        """The verdict of ``sit``: the last one again (with the new time) if it is this one too (``_kept``)."""
        kept = self._kept(sit, seen, facts, frame)
        return kept if kept is not None else self._worked_out(sit, seen, deadline, frame, facts)

    def _worked_out(self, sit: Situation, seen: Snapshot, deadline: Deadline, frame: Frame, facts: list[Fact]) -> Verdict:
        deadline.check()
        verdict = self._resting(sit, frame, facts, analyse(sit, self._chains, deadline.check), deadline)
        self._last_verdict = (seen, verdict, sit, frame)
        return verdict

    def _kept(self, sit: Situation, seen: Snapshot, facts: list[Fact], frame: Frame) -> Verdict | None:
        """The last verdict with the time of ``sit``, if it is the verdict of ``sit`` too:
        ``seen`` is what it was worked out from, or (no unconfirmed fact read) differs from
        that only in facts it does not see (``_unseen_change``); else None."""
        last = self._last_verdict
        if last is None:
            return None
        if last[0] != seen:
            if facts or not self._unseen_change(last, sit, seen, frame):
                return None
            self._last_verdict = (seen, last[1], sit, frame)  # the verdict of ``seen`` too: the next one is compared with it
        verdict = last[1]
        return verdict if verdict.as_of == sit.as_of else verdict.model_copy(update={"as_of": sit.as_of})

    def _unseen_change(self, last: tuple[Snapshot, Verdict, Situation, Frame], sit: Situation, seen: Snapshot, frame: Frame) -> bool:
        """Whether the verdict ``last`` holds (worked out from a situation that read its
        snapshot) is also that of ``sit``, which reads ``seen``: the same day, statements in
        force, claims, hostile events and facts admitted, and only facts changed (in force,
        or what one superseded) on subjects ``_unseen`` (read only through the rule files'
        comparisons, by no cost, lapse or act) whose comparisons each come out as before and
        of which the verdict cites no fact.  Then the blocking model is the same in every
        field (``standing_comparisons``), and so is every part of the verdict: what reads a
        fact's value, date or source beyond a comparison's outcome (evidence, gaps, trends,
        the summary's facts, ripeness's costs, lapses, acts) reads it of a fact it cites or
        of a subject not ``_unseen``.  A reply's verdict after a fact on such a subject, as a
        value moving inside its range, is not worked out again.  ``frame`` is ``sit``'s: of
        two frames of one history's head only the subjects set meanwhile are looked at
        (``Frame.changed_since``)."""
        was, verdict, old, old_frame = last
        if (self._unseen is None or was.day != seen.day or was.unsure != seen.unsure or was.hostile != seen.hostile
                or was.model.in_force != seen.model.in_force or was.model.claims != seen.model.claims):
            return False
        state, before, previous, old_previous = sit.state, old.state, sit.previous, old.previous
        changed = []
        for subject in self._seen_changed(frame, old_frame):
            fact, then = state.get(subject), before.get(subject)
            if fact is then and (fact is None or previous(fact) is old_previous(fact)):
                continue
            if fact is None or then is None or subject not in self._unseen:
                return False
            changed.append(subject)
        if not changed or not self._cited_of(verdict).isdisjoint(changed):
            return False
        for i in {i for s in changed for i in self._reading[s]}:
            compare = self._compares[i]  # type: ignore[index]  # set: ``_unseen`` is
            now = {s: f.value for s in compare.subjects if (f := state.get(s)) is not None}
            then = {s: f.value for s in compare.subjects if (f := before.get(s)) is not None}
            if compare_met(compare, now) != compare_met(compare, then):
                return False
        return True

    def _cited_of(self, verdict: Verdict) -> frozenset[str]:
        """The subjects of the facts ``verdict`` cites anywhere (every ``FactRef``: its JSON's
        ``subject`` keys, of any object), kept for the last verdict asked."""
        kept = self._cited_last
        if kept is None or kept[0] is not verdict:
            kept = self._cited_last = (verdict, cited_subjects(verdict))
        return kept[1]

    def _resting(self, sit: Situation, frame: Frame, facts: list[Fact], verdict: Verdict, deadline: Deadline) -> Verdict:
        """``verdict`` with the facts admitted and what it rests on among the unconfirmed
        ``facts`` it reads (``analysis.unsure``).  Moves the working memory."""
        if frame.admits != verdict.admits:
            verdict = verdict.model_copy(update={"admits": frame.admits})
        if not facts:
            return verdict

        def outcome_without(leave, together: bool) -> unsure.Outcome:
            deadline.check()
            other = self._situation(unsure.without(frame, leave, together))
            model = build_model(other)
            per_goal = goal_statuses(model, reachable_goals(model))
            return unsure.Outcome(headline(model, per_goal), tuple(per_goal.items()), escalation_levels(other))

        base = unsure.Outcome(verdict.status, tuple((g.id, g.status) for g in verdict.goals), tuple(sorted(verdict.escalation_levels.items())))
        found = unsure.rests(facts, base, outcome_without)
        if found is unsure.NOTHING:
            return verdict
        status = [cite_fact(sit, f) for f in found.status]
        escalation = [cite_fact(sit, f) for f in found.escalation]
        goals = [g.model_copy(update={"rests_on_unconfirmed": [cite_fact(sit, f) for f in found.goals.get(g.id, [])]}) for g in verdict.goals]
        notes = [f"The status ({verdict.status}) rests on facts not confirmed: {unsure.describe(status)}."] if status else []
        notes += [f"Escalation rests on facts not confirmed: {unsure.describe(escalation)}."] if escalation else []
        return verdict.model_copy(update={"goals": goals, "rests_on_unconfirmed": status, "escalation_rests_on_unconfirmed": escalation,
                                          "summary": [*verdict.summary, *notes]})

    def _status(self, frame: Frame) -> tuple[Status, bool]:
        """The status is kept on what the model reads (``ModelInputs``), the escalation's
        chains on the hostile events they were found among."""
        sit = self._situation(frame)
        given, day, last = self._memory.given, sit.as_of.date(), self._last_status
        # the working memory given the very facts of the last status (the state a rule reads among
        # them), on the same day: the same model inputs (after each fact no rule reads)
        if last is None or given is None or last[2] is not given or last[3] != day:
            inputs = self._status_key(sit.as_of, sit.state, self._memory.held())
            status = last[1] if last is not None and last[0] == inputs else self._kept_status(inputs, sit)
            self._last_status = last = (inputs, status, given, day)
        return last[1], self._escalating(sit)

    def _status_key(self, as_of: dt.datetime, state: Mapping[str, Fact], claims: frozenset[str]) -> ModelInputs | tuple:
        """``_standing_key``, with each comparison worked out again only when a fact it reads
        is not the one of the last key (facts never change: the same fact, the same outcome)."""
        if self._compares is None:
            return self._standing_key(as_of, state, claims)
        facts, met = self._met
        changed = [s for s in self._compared if state.get(s) is not facts.get(s)]
        if changed:
            values = {s: state[s].value for s in self._compared if s in state}
            for subject in changed:
                facts[subject] = state.get(subject)
                for i in self._compares_of[subject]:
                    met[i] = compare_met(self._compares[i], values)
        return (self._in_force(as_of, state), claims, tuple(met), tuple([(s, state[s].value) for s in self._uncompared if s in state]))

    def _kept_status(self, key: ModelInputs | tuple, sit: Situation) -> Status:
        """``bare_status(sit)``, kept on ``key`` (``_standing_key``: what a timeline keeps a
        standing on, the status among it) for the ``KEPT_STANDINGS`` latest keys: an ingest's
        values come back to comparisons that held before (benchmarks/RESULTS.md, h-perfact6)."""
        status = self._statuses.get(key)
        if status is None:
            status = self._statuses[key] = bare_status(sit)
            if len(self._statuses) > KEPT_STANDINGS:
                del self._statuses[next(iter(self._statuses))]
        return status

    def _escalating(self, sit: Situation) -> bool:
        """``escalating(sit)``, each pattern's answer kept with the ends of the chains it was
        found among (``chain_ends``: what liveness reads, without the chains' paths; found
        again only when the hostile events change, as ``kept_chains`` does, and extended
        instead when only events later than all of them came: ``escalation.Links``) and the
        times it holds for (``_live_span``): after a fact that changes no hostile event, as
        time moves on, the chains are not looked through again."""
        on = False
        for p, sides in sit.hostile.items():
            pattern = self.rulebook.escalations[p]
            kept = self._escalation.get(p)
            if kept is None or kept[0] is not sides[0] or kept[1] is not sides[1]:
                known = len(kept[2].events) if kept is not None else -1
                links = kept[2].extended(sides) if kept is not None else Links(pattern, sides)
                ends = kept[3] if kept is not None and links is kept[2] and len(links.events) == known else links.ends()
                kept = self._escalation[p] = (sides[0], sides[1], links, ends, *_live_span(ends, sit.as_of, pattern.window_days))
            elif not kept[4] <= sit.as_of < kept[5]:
                kept = self._escalation[p] = (*kept[:4], *_live_span(kept[3], sit.as_of, pattern.window_days))
            on = on or kept[6]
        return on

    def _situation(self, frame: Frame) -> Situation:
        state = frame.state
        # no rule reads the other subjects
        self._memory.sync([*self._fed([state[s] for s in self._read if s in state], frame.previous), *frame.events,
                           *([clock(frame.as_of)] if self.rulebook.deadlines else [])])
        hostile = {p: (self._hostile(p, 0), self._hostile(p, 1)) for p in self.rulebook.escalations}
        calm = {}
        for p, pattern in self.rulebook.escalations.items():
            found = calm_at(calms(pattern, frame.events), frame.as_of, None) if pattern.de_escalation else None
            if found is not None:  # only the hostile events after it count
                calm[p] = found
                hostile[p] = ([f for f in hostile[p][0] if f.at > found[-1].at], [f for f in hostile[p][1] if f.at > found[-1].at])
        return Situation(rulebook=self.rulebook, session=self.name, as_of=frame.as_of, holds=self._memory.holds,
                         state=state, previous=frame.previous, hostile=hostile, calm=calm)

    def _standing_key(self, as_of: dt.datetime, state: Mapping[str, Fact], claims: frozenset[str]) -> ModelInputs | tuple:
        """What a timeline keeps a standing on: ``model_inputs``, or where the model reads the
        values only through comparisons (``standing_comparisons``), the same with whether
        each comparison holds instead of the values it compares.  A value that changes and
        still compares as before (a measurement moving inside its range) then changes no key,
        and the standing is not worked out again (at 10,000 facts less than half as often:
        benchmarks/RESULTS.md)."""
        if self._compares is None:
            return model_inputs(as_of, state, self._read, claims, self._in_force)
        return (self._in_force(as_of, state), claims, self._comparisons(state),
                tuple([(s, state[s].value) for s in self._uncompared if s in state]))

    def _comparisons(self, state: Mapping[str, Fact]) -> tuple[bool, ...]:
        """Whether each of ``standing_comparisons`` holds over ``state``'s values: worked out
        again only for the comparisons reading a subject whose fact in force is another than
        at the last call (a fact is never changed once recorded: the same object, the same
        value).  At P=200 a timeline's key compared 350 values at each moment read, nearly
        all of them as before."""
        facts = [state.get(s) for s in self._compared]
        last = self._last_compared
        if last is None:
            values = {s: f.value for s, f in zip(self._compared, facts) if f is not None}
            outcomes = [compare_met(c, values) for c in self._compares]  # type: ignore[union-attr]  # set: see the caller
        else:
            changed = [s for s, now, was in zip(self._compared, facts, last[0]) if now is not was]
            outcomes = last[1]
            if changed:
                outcomes = list(outcomes)
                for i in {i for s in changed for i in self._reading[s]}:
                    compare = self._compares[i]  # type: ignore[index]
                    outcomes[i] = compare_met(compare, {s: f.value for s in compare.subjects if (f := state.get(s)) is not None})
        self._last_compared = (facts, outcomes)
        return tuple(outcomes)

    def _walked(self, walk: Walk, history: History, watches: Mapping[str, Watch], since: dt.datetime | None,
                frame: Frame | None = None) -> Situation:
        """The situation where a timeline's walk stands (``frame``: copied out of it): the
        working memory holds its state, not its events; the hostile events are those of
        its window that the rules match (``Watch.hostile``)."""
        as_of = walk.as_of
        assert as_of is not None, "the walk has begun"
        calm = {p: found for p, watch in watches.items() if since is not None and (found := watch.calm(as_of, since)) is not None}
        sides = {p: watch.hostile(after(since, calm.get(p)), as_of) if since is not None else ([], []) for p, watch in watches.items()}  # type: ignore[arg-type]
        # the claims as a frozenset: the blocking model is then built from the last one by difference (``analysis.building``)
        return Situation(rulebook=self.rulebook, session=self.name, as_of=as_of, holds=self._memory.held().__contains__,
                         state=frame.state if frame is not None else walk.state, previous=history.previous, hostile=sides, calm=calm)

    def _levels(self, on: list[str], watches: Mapping[str, Watch], moment: dt.datetime, since: dt.datetime | None) -> tuple:
        """The level of each pattern ``on`` at ``moment`` of a timeline's walk: of the
        longest chain or run live then (those patterns that declare levels only)."""
        levels = []
        for p in on:
            pattern = self.rulebook.escalations[p]
            if not pattern.levels:
                levels.append((p, "on"))
                continue
            watch = watches[p]
            sides = watch.hostile(after(since, watch.calm(moment, since)), moment)  # type: ignore[arg-type]  # since is set when on
            live = escalation_live(pattern, kept_chains(p, pattern, sides, self._chains), moment)
            levels.append((p, pattern.level(max((len(c) for c in live), default=0))))
        return tuple(levels)

    def _fed(self, facts: Sequence[Fact], previous: Callable[[Fact], Fact | None]) -> list[Fact]:
        """State facts as the working memory takes them: on a subject a trend reads, with the
        value each superseded (``engine.trends``)."""
        trended = self.rulebook.trended
        return [trended_fact(f, previous) if f.subject in trended else f for f in facts] if trended else list(facts)

    def _hostile(self, pattern: str, side: int) -> list[Fact]:
        """The live hostile events of one side: the same list while they stay the same."""
        claim = f"hostile:{pattern}:{side}"
        support = self._memory.support(claim)  # the same list until that claim's support changes
        kept = self._hostile_kept.get(claim)
        if kept is None or kept[0] is not support:
            kept = self._hostile_kept[claim] = (support, [f for justification in support for f in justification])
        return kept[1]
