"""A session's facts over time, indexed so that the state *as of T* costs the number of
subjects, not the length of history.

State as of T: for each state subject, the fact with the latest ``at`` not after T; on a tie
the later recorded (higher ``seq``) wins.  Events never supersede one another; they are
read by time window.  A withdrawn fact is gone from every time, as if never asserted (the
log keeps it, and the withdrawal).

A history may be *partial* (``complete_from`` set): loaded with only what answers questions
at or after that time (per subject the fact in force then, the one before it, the latest
confirmed one, and anything later; the events inside the rule windows).  Asking for an earlier time needs the whole
history: callers check ``covers`` and load it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate, compress, islice
from operator import attrgetter

from engine.errors import Misuse
from engine.facts import EARLIEST, Confidence, Fact, admitted

_Key = tuple[dt.datetime, int]
_LAST = 2**62
_HEAD_CHANGES = 4096  # subjects a history's list of head changes holds before a new list is begun (``Frame.head``)
_key, _id, _at, _confidence = attrgetter("at", "seq"), attrgetter("id"), attrgetter("at"), attrgetter("confidence")


@dataclass
class _Series:
    keys: list[_Key] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)

    def add(self, fact: Fact) -> None:
        key = (fact.at, fact.seq)
        if not self.keys or key >= self.keys[-1]:  # the usual case, facts in time order: no search
            self.keys.append(key)
            self.facts.append(fact)
            return
        i = bisect.bisect_right(self.keys, key)
        self.keys.insert(i, key)
        self.facts.insert(i, fact)

    def extend(self, facts: list[Fact]) -> None:
        """``add`` of each, in bulk: those in order after every key before them appended at
        once, then the late ones (dated before one of those) each inserted where it belongs:
        the same series as adding one at a time (its keys are unique and kept in order)."""
        keys = list(map(_key, facts))
        own_keys, own_facts = self.keys, self.facts
        if (not own_keys or keys[0] >= own_keys[-1]) and all(map(operator.le, keys, islice(keys, 1, None))):
            own_keys += keys
            own_facts += facts
            return
        peaks = accumulate(keys, max, initial=own_keys[-1] if own_keys else keys[0])  # the greatest key before each
        in_order = list(map(operator.ge, keys, peaks))
        own_keys += compress(keys, in_order)
        own_facts += compress(facts, in_order)
        for key, fact in compress(zip(keys, facts), map(operator.not_, in_order)):
            i = bisect.bisect_right(own_keys, key)
            own_keys.insert(i, key)
            own_facts.insert(i, fact)

    def remove(self, fact: Fact) -> None:
        i = bisect.bisect_left(self.keys, (fact.at, fact.seq))
        if i < len(self.keys) and self.facts[i] is fact:
            del self.keys[i], self.facts[i]

    def latest(self, as_of: dt.datetime, admit: Confidence = "disputed") -> Fact | None:
        i = bisect.bisect_right(self.keys, (as_of, _LAST))
        return self._admitted_before(i, admit)

    def before(self, fact: Fact, admit: Confidence = "disputed") -> Fact | None:
        return self._admitted_before(bisect.bisect_left(self.keys, (fact.at, fact.seq)), admit)

    def _admitted_before(self, i: int, admit: Confidence) -> Fact | None:
        """The last fact before index ``i`` at least as sure as ``admit``."""
        while i:
            i -= 1
            if admit == "disputed" or admitted(self.facts[i].confidence, admit):
                return self.facts[i]
        return None

    def between(self, start: dt.datetime, end: dt.datetime) -> list[Fact]:
        """Facts with ``start < at <= end``."""
        lo = bisect.bisect_right(self.keys, (start, _LAST))
        hi = bisect.bisect_right(self.keys, (end, _LAST))
        return self.facts[lo:hi]


@dataclass(frozen=True)
class Frame:
    """What a verdict as of ``as_of`` reads: the state then (per subject the fact in force),
    the events inside the window before it (``since < at <= as_of``), and ``previous``: for
    a fact of that state, the one it superseded.  Nothing in it changes afterwards."""

    as_of: dt.datetime
    state: dict[str, Fact]
    events: list[Fact]
    previous: Callable[[Fact], Fact | None]
    admits: Confidence = "disputed"  # the lowest confidence of the facts in it
    confirmed_before: dict[str, Fact | None] = field(default_factory=dict)  # each unconfirmed fact of the state: the latest confirmed one before it
    # a frame of its history's head (every fact): that history's list of the subjects whose head changed, and its length then
    head: tuple[list[str], int] | None = field(default=None, compare=False, repr=False)

    def changed_since(self, other: Frame) -> list[str] | None:
        """The subjects whose fact in force, the fact it superseded or the latest confirmed one
        before it may differ between this frame and ``other``, both frames of one history's
        head (each subject as often as its head was set between them); None when that is not
        known (another history, a copy, a frame of a past time): every subject may differ."""
        mine, theirs = self.head, other.head
        if mine is None or theirs is None or mine[0] is not theirs[0]:
            return None
        return mine[0][min(mine[1], theirs[1]):max(mine[1], theirs[1])]


class History:
    """The facts of one session line.  Add facts in any order; ask for any time."""

    def __init__(self, complete_from: dt.datetime | None = None) -> None:
        self._states: dict[str, _Series] = {}
        self._events = _Series()
        self._by_id: dict[str, Fact] = {}
        self.complete_from = complete_from
        self._head: dict[str, Fact] = {}  # per state subject its last fact: the state at or after _head_at
        self._head_at: dt.datetime | None = None  # the latest time of a state fact
        self._head_before: dict[str, Fact | None] = {}  # per fact of ``_head``, by id: the one it superseded
        self._statements: dict[str, Fact] = {}  # statement facts (``engine.statements``): all of them, whatever the time
        self._unconfirmed = 0  # how many of its facts are less than confirmed
        self.version = 0  # how many times a fact was added or withdrawn: what a kept timeline checks (``analyst.KeptTimelines``)
        # the subjects whose head (its fact, the one before it, the series behind both) was set, in order (``Frame.head``);
        # only appended to: a full one is replaced by a new list, so that a frame's slice of it never moves
        self._head_changes: list[str] = []

    @property
    def latest_state_at(self) -> dt.datetime | None:
        """The latest time of a state fact (None: none): the state as of any later time is the same."""
        return self._head_at

    def covers(self, as_of: dt.datetime) -> bool:
        """Whether questions about ``as_of`` can be answered from what is loaded."""
        return self.complete_from is None or as_of >= self.complete_from

    def add(self, fact: Fact) -> None:
        self.version += 1
        self._unconfirmed += fact.confidence != "confirmed"
        if fact.kind == "statement":  # they make the rulebook, at every time: not a series
            self._statements[fact.id] = fact
            self._by_id[fact.id] = fact
            return
        series = self._series(fact)
        series.add(fact)
        self._by_id[fact.id] = fact
        if series is not self._events:
            self._set_head(fact.subject, series)
            if self._head_at is None or fact.at > self._head_at:
                self._head_at = fact.at

    def extend(self, facts: Iterable[Fact]) -> None:
        """Add recorded facts in recording order, a withdrawal (``withdraws``) taking away the
        fact it names first, as ``add`` and ``withdraw`` one fact after another would (the
        same history, to the order of every dict and list in it), in bulk: the state facts
        and events between two withdrawals or statement facts are put in their series a
        subject at a time (appended, or sorted in when dated before the last: a late fact),
        and each subject's head set once."""
        states: dict[str, list[Fact]] = {}
        events: list[Fact] = []
        run: list[Fact] = []
        for fact in facts:
            if fact.withdraws is not None or fact.kind == "statement" or fact.kind == "withdrawal":
                self._put(run, states, events)
                states, events, run = {}, [], []
                if fact.withdraws is not None:
                    self.withdraw(fact.withdraws)
                if fact.kind != "withdrawal":
                    self.add(fact)
                continue
            run.append(fact)
            if fact.kind == "event":
                events.append(fact)
            else:
                found = states.get(fact.subject)
                if found is None:
                    states[fact.subject] = [fact]
                else:
                    found.append(fact)
        self._put(run, states, events)

    def _put(self, run: list[Fact], states: dict[str, list[Fact]], events: list[Fact]) -> None:
        """``extend``'s run of state facts and events, none a withdrawal or a statement:
        ``run`` all of them in recording order, ``states`` those of each subject (in the
        order each subject first comes), ``events`` the events."""
        if not run:
            return
        self.version += len(run)
        self._unconfirmed += len(run) - list(map(_confidence, run)).count("confirmed")
        self._by_id.update(zip(map(_id, run), run))
        if events:
            self._events.extend(events)
        latest = self._head_at
        for subject, added in states.items():
            series = self._states.get(subject)
            if series is None:
                series = self._states[subject] = _Series()
            series.extend(added)
            self._set_head(subject, series)
            at = max(map(_at, added))
            if latest is None or at > latest:
                latest = at
        self._head_at = latest

    def withdraw(self, fact_id: str) -> Fact | None:
        """Remove a fact from every time; the withdrawn fact, or None if it is not here."""
        fact = self._by_id.pop(fact_id, None)
        if fact is not None:
            self.version += 1
            self._unconfirmed -= fact.confidence != "confirmed"
        if fact is not None and fact.kind == "statement":
            del self._statements[fact_id]
        elif fact is not None:
            series = self._series(fact)
            series.remove(fact)
            if series is not self._events:
                self._set_head(fact.subject, series)
                self._head_at = max((f.at for f in self._head.values()), default=None)
        return fact

    def _set_head(self, subject: str, series: _Series) -> None:
        changes = self._head_changes
        if len(changes) >= _HEAD_CHANGES:
            changes = self._head_changes = []  # frames of the old list: told apart from those of the new (``changed_since``)
        changes.append(subject)
        old = self._head.get(subject)
        if old is not None:
            del self._head_before[old.id]
        if series.facts:
            self._head[subject] = series.facts[-1]  # in place: the state keeps its order
            self._head_before[series.facts[-1].id] = series.facts[-2] if len(series.facts) > 1 else None
        elif old is not None:
            del self._head[subject]

    def get(self, fact_id: str) -> Fact | None:
        return self._by_id.get(fact_id)

    def all_confirmed(self) -> bool:
        """Whether every fact it holds is confirmed (then no verdict of it rests on one that is not)."""
        return not self._unconfirmed

    def __len__(self) -> int:
        return len(self._by_id)

    def statements(self) -> list[Fact]:
        """Every statement fact, in recording order (``engine.statements`` orders them by day)."""
        return sorted(self._statements.values(), key=lambda f: f.seq)

    def state_as_of(self, as_of: dt.datetime, admit: Confidence = "disputed") -> dict[str, Fact]:
        """Per state subject the fact in force as of ``as_of`` among those at least as sure
        as ``admit`` (``disputed``: every fact)."""
        if admit == "disputed" and self._head_at is not None and as_of >= self._head_at:
            return dict(self._head)  # no state fact after as_of (the usual question: now)
        state = {}
        for subject, series in self._states.items():
            fact = series.latest(as_of, admit)
            if fact is not None:
                state[subject] = fact
        return state

    def frame(self, as_of: dt.datetime, since: dt.datetime | None, *, detached: bool = True,
              admit: Confidence = "disputed") -> Frame:
        """What a verdict as of ``as_of`` reads (events after ``since``; None: no events) of
        the facts at least as sure as ``admit``.  ``detached``: copied out (what the fact each
        fact of the state superseded, too, and for an unconfirmed one the latest confirmed
        fact before it), so that adding to or withdrawing from this history afterwards does
        not change it; else its ``previous`` asks this history (which then must not change: a
        ``copy``)."""
        state = self.state_as_of(as_of, admit)
        events = self.events_between(since, as_of) if since is not None else []
        if admit != "disputed":
            events = [e for e in events if admitted(e.confidence, admit)]
        if not detached and admit == "disputed":
            return Frame(as_of, state, events, self.previous, admit, self._confirmed_before(state))
        head = None
        if admit == "disputed" and self._head_at is not None and as_of >= self._head_at:
            before = dict(self._head_before)  # the state is the head (``state_as_of``): what each superseded is kept
            head = (self._head_changes, len(self._head_changes))
        else:
            before = {fact.id: self.previous(fact, admit) for fact in state.values()}
        return Frame(as_of, state, events, lambda fact: before.get(fact.id), admit, self._confirmed_before(state), head)

    def _confirmed_before(self, state: dict[str, Fact]) -> dict[str, Fact | None]:
        if not self._unconfirmed:  # every fact confirmed: none to look for
            return {}
        return {f.id: self._states[f.subject].before(f, "confirmed") for f in state.values() if f.confidence != "confirmed"}

    def admitting(self, admit: Confidence) -> History:
        """A history of its own holding only the facts at least as sure as ``admit``."""
        if admit == "disputed":
            return self.copy()
        other = History(self.complete_from)
        for fact in sorted(self._by_id.values(), key=lambda f: f.seq):
            if admitted(fact.confidence, admit):
                other.add(fact)
        return other

    def copy(self) -> History:
        """The same facts in a history of its own: changing either leaves the other as it was."""
        other = History(self.complete_from)
        other._states = {subject: _Series(list(s.keys), list(s.facts)) for subject, s in self._states.items()}
        other._events = _Series(list(self._events.keys), list(self._events.facts))
        other._by_id = dict(self._by_id)
        other._head, other._head_at, other._head_before = dict(self._head), self._head_at, dict(self._head_before)
        other._statements = dict(self._statements)
        other._unconfirmed, other.version = self._unconfirmed, self.version
        return other

    def walk(self) -> Walk:
        """Frames at times that never go back, each from the one before (see ``Walk``)."""
        return Walk(self)

    def previous(self, fact: Fact, admit: Confidence = "disputed") -> Fact | None:
        """The fact this one superseded (same subject, just before it, at least as sure as
        ``admit``), if any."""
        series = self._states.get(fact.subject)
        return series.before(fact, admit) if series else None

    def events_between(self, start: dt.datetime, end: dt.datetime) -> list[Fact]:
        """Events with ``start < at <= end``, in time order."""
        return self._events.between(start, end)

    def facts_of(self, subject: str) -> list[Fact]:
        """Every fact of a state subject, in time order (a new list)."""
        series = self._states.get(subject)
        return list(series.facts) if series else []

    def events(self) -> list[Fact]:
        """Every event, in time order."""
        return list(self._events.facts)

    def times(self) -> list[dt.datetime]:
        """The distinct times at which some fact became true, ascending."""
        return sorted(self.time_set())

    def time_set(self) -> set[dt.datetime]:
        """The distinct times at which some fact became true (a new set)."""
        found = {f.at for f in self._events.facts}
        for series in self._states.values():
            found.update([f.at for f in series.facts])
        return found

    def moment(self, at: dt.datetime, horizon: dt.timedelta) -> list[Fact]:
        """What answers every question at or after ``at`` about a line holding nothing after
        ``at`` (a fork as of ``at``): per subject the fact in force then, the one before it
        and the latest confirmed one, and the events in the window before ``at``.  In
        recording order."""
        found = []
        for series in self._states.values():
            i = bisect.bisect_right(series.keys, (at, _LAST))
            found += series.facts[max(0, i - 2):i]
            if all(f.confidence != "confirmed" for f in series.facts[max(0, i - 2):i]):
                confirmed = series.latest(at, "confirmed")
                found += [confirmed] if confirmed is not None else []
        start = at - horizon if at - EARLIEST > horizon else EARLIEST
        found += self._events.between(start, at)
        found += [f for f in self._statements.values() if f.at <= at]
        return sorted(found, key=lambda f: f.seq)

    def _series(self, fact: Fact) -> _Series:
        if fact.kind == "event":
            return self._events
        series = self._states.get(fact.subject)
        if series is None:  # not setdefault: that made a series for every fact added
            series = self._states[fact.subject] = _Series()
        return series


class Step:
    """What changed from one time of a ``Walk`` to the next: the state facts that came
    into force and those that went out of it (superseded), the events that entered the
    window and those that left it.  The events are sliced out of the history's only when
    asked for (a timeline's walk reads the state's changes alone, at every moment)."""

    __slots__ = ("came", "went", "_events", "_entered", "_left")

    def __init__(self, came: list[Fact], went: list[Fact], events: list[Fact], entered: tuple[int, int], left: tuple[int, int]):
        self.came, self.went = came, went
        self._events, self._entered, self._left = events, entered, left

    @property
    def entered(self) -> list[Fact]:
        return self._events[self._entered[0]:self._entered[1]]

    @property
    def left(self) -> list[Fact]:
        return self._events[self._left[0]:self._left[1]]


class Walk:
    """The frames of a history at times that never go back, each worked out from the one
    before: a timeline's, costing what changed from one time to the next instead of the
    number of subjects.  The history must not change meanwhile (a ``copy``)."""

    def __init__(self, history: History):
        self._history = history
        self._facts = list(heapq.merge(*(s.facts for s in history._states.values()), key=lambda f: (f.at, f.seq)))
        self._ats = [f.at for f in self._facts]  # the facts' times, and the events', looked at alone at every time
        self._events = history._events.facts
        self._event_ats = [k[0] for k in history._events.keys]
        self.state: dict[str, Fact] = {}  # as of the last time: read only
        self.as_of: dt.datetime | None = None
        self._next = self._lo = self._hi = 0
        self._unread = 0  # ``due_on``: the facts from ``_next`` up to here are on none of the subjects it was asked of

    def advance(self, as_of: dt.datetime, since: dt.datetime | None) -> Step:
        """Move to ``as_of``, the window to the events after ``since`` (None: no events);
        neither may go back."""
        if self.as_of is not None and as_of < self.as_of:
            raise Misuse(f"a walk goes forward in time only: asked {as_of} after {self.as_of}")
        self.as_of = as_of
        came: list[Fact] = []
        went: list[Fact] = []
        ats = self._ats
        if self._next < len(ats) and ats[self._next] <= as_of:
            facts, state = self._facts, self.state
            before: dict[str, Fact | None] = {}
            i, n = self._next, len(ats)
            while i < n and ats[i] <= as_of:
                fact = facts[i]
                i += 1
                if fact.subject not in before:
                    before[fact.subject] = state.get(fact.subject)
                state[fact.subject] = fact  # in (at, seq) order: the last one stands
            self._next = i
            came = [state[s] for s, was in before.items() if was is not state[s]]
            went = [was for s, was in before.items() if was is not None and was is not state[s]]
        ats, lo, hi = self._event_ats, self._lo, self._hi
        n = len(ats)
        while hi < n and ats[hi] <= as_of:
            hi += 1
        if since is None:
            lo = hi
        while lo < hi and ats[lo] <= since:  # type: ignore[operator]  # since is set: lo < hi only then
            lo += 1
        step = Step(came, went, self._events, (max(self._hi, lo), hi), (self._lo, min(lo, self._hi)))
        self._lo, self._hi = lo, hi
        return step

    def due(self, as_of: dt.datetime) -> bool:
        """Whether a state fact comes into force by ``as_of`` that the walk has not passed:
        whether advancing to ``as_of`` could change the state."""
        return self._next < len(self._ats) and self._ats[self._next] <= as_of

    def due_on(self, as_of: dt.datetime, subjects: frozenset[str]) -> bool:
        """Whether a state fact on one of ``subjects`` comes into force by ``as_of`` that the
        walk has not passed (``due``, of those subjects only; always ask with the same set).
        Each fact is looked at once: those found on other subjects are not looked at again."""
        ats, facts = self._ats, self._facts
        i, n = max(self._unread, self._next), len(ats)
        while i < n and ats[i] <= as_of:
            if facts[i].subject in subjects:
                self._unread = i
                return True
            i += 1
        self._unread = i
        return False

    def frame(self) -> Frame:
        """The frame as of the last time (its ``previous`` asks the history)."""
        assert self.as_of is not None, "advance() first"
        return Frame(self.as_of, dict(self.state), self._events[self._lo:self._hi], self._history.previous)

    @property
    def events(self) -> list[Fact]:
        """The events in the window as of the last time (a new list)."""
        return self._events[self._lo:self._hi]
