"""Tit-for-tat chains: hostile events alternating between two sides, each within the
pattern's window of the one before; and, for a pattern with an ``intensity``, runs of one
side's acts, that many within the window.  A counted event (``Fact.count``) is one link of a
chain but adds its count to a run; one spread over a period (``since`` to ``at``) adds the
part of its count that falls inside the window (``share``).

The rules engine says which live events are hostile and on which side; this module puts
them in order.  A chain of at least ``exchanges`` events (or a run) keeps escalation on
until ``window_days`` pass after its last event without an answer.

A live chain or run has a **level**: the pattern's name for its number of events
(``Escalation.level``).  A pattern with ``de_escalation`` recognises acts that end
escalation (``calms``): as of a time after the latest one, only the hostile events dated
after it count.

A timeline asks whether escalation is on at every moment of a history: ``Watch`` answers
that from the whole history's events at once, in time linear in their number.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import deque
from collections.abc import Iterable, Sequence
from fractions import Fraction

from engine.errors import Misuse
from engine.facts import Fact
from engine.rulebook.models import Escalation


def chains(pattern: Escalation, sides: tuple[list[Fact], list[Fact]]) -> list[list[Fact]]:
    """The maximal chains of at least ``exchanges`` events (longest chain ending at each
    event, keeping those that no longer chain extends), in event order (``at``, then ``seq``).

    The longest chain ending at an event links to the longest ending at an earlier event
    of the other side within the window (of equals, the latest in order): found with one
    sliding-window maximum per side, so the work is linear in the number of events.
    "Earlier" is event order: events at the same time (two dated the same day, with no
    time of day) follow each other in the order they were recorded."""
    events, before, ends = _links(pattern, sides)
    result = _paths([f for _, f in events], before, ends) if ends else []
    return result + _intensity_runs(pattern, events)


def chain_ends(pattern: Escalation, sides: tuple[list[Fact], list[Fact]]) -> list[Fact]:
    """The last event of each chain and run ``chains`` finds, in its order: all that
    whether one is live reads (``live``), without walking the chains' paths."""
    return Links(pattern, sides).ends()


def _links(pattern: Escalation, sides: tuple[list[Fact], list[Fact]]) -> tuple[list, list[int | None], list[int]]:
    """``chains``' events in order (``((at, seq, side), fact)``), each one's link (the event
    before it in the longest chain ending there), and the indices of the maximal chains' ends."""
    found = Links(pattern, sides)
    return found.events, found.before, list(found.maximal)


class Links:
    """The links of ``chains`` among one pattern's hostile events (``sides``), found event
    by event in order, and kept so that events later than every one of them extend it
    (``extended``) instead of every link being found again.

    The longest chain ending at an event links to the longest ending at an earlier event
    of the other side within the window (of equals, the latest in order): found with one
    sliding-window maximum per side, so the work is linear in the number of events.
    "Earlier" is event order: events at the same time (two dated the same day, with no
    time of day) follow each other in the order they were recorded.  An event's link and
    length read only the events before it: a later event changes neither, and ends at
    most the chain it extends (``maximal``)."""

    def __init__(self, pattern: Escalation, sides: tuple[list[Fact], list[Fact]]):
        self.pattern = pattern
        self._window = dt.timedelta(days=pattern.window_days)
        self.events: list[tuple[tuple[dt.datetime, int, int], Fact]] = []
        self._keys: list[tuple[dt.datetime, int]] = []
        self.length: list[int] = []
        self.before: list[int | None] = []
        self._best: tuple[deque[int], deque[int]] = (deque(), deque())  # per side: indices, lengths decreasing, in order
        self._pushed = 0
        self.maximal: dict[int, None] = {}  # the indices of the maximal chains' ends, in order
        self._ids: tuple[set[str], set[str]] = (set(), set())  # per side: the ids of its events
        for key, fact in sorted({(f.at, f.seq, side): f for side in (0, 1) for f in sides[side]}.items()):
            self._add(key, fact)

    def _add(self, key3: tuple[dt.datetime, int, int], fact: Fact) -> None:
        keys, length, side_of = self._keys, self.length, self.events
        i, key = len(keys), key3[:2]
        self.events.append((key3, fact))
        self._ids[key3[2]].add(fact.id)
        keys.append(key)
        while self._pushed < i and keys[self._pushed] < key:  # every earlier event (not the same fact on the other side) may link
            pushed = self._pushed
            mine = self._best[side_of[pushed][0][2]]
            grown = length[pushed]
            while mine and length[mine[-1]] <= grown:
                mine.pop()  # an earlier event no longer than a later one is never the best link again
            mine.append(pushed)
            self._pushed += 1
        other = self._best[1 - key3[2]]
        at = key3[0]
        while other and at - keys[other[0]][0] > self._window:
            other.popleft()
        link = other[0] if other else None
        length.append(1 if link is None else length[link] + 1)
        self.before.append(link)
        if length[i] >= self.pattern.exchanges:
            self.maximal[i] = None
            self.maximal.pop(link, None)  # type: ignore[arg-type]  # a chain of at least ``exchanges`` has a link

    def ends(self) -> list[Fact]:
        """``chain_ends``: the last event of each maximal chain, then of each run."""
        return [self.events[i][1] for i in self.maximal] + [run[-1] for run in _intensity_runs(self.pattern, self.events)]

    def extended(self, sides: tuple[list[Fact], list[Fact]]) -> Links:
        """The links of ``sides``: these, extended in place, when ``sides`` are their events
        and events later in order than every one of them (a hostile event recorded as the
        latest); else found again.  Facts are never changed once recorded: equal ids, equal
        facts."""
        new = {}
        for side in (0, 1):
            known = self._ids[side]
            if len({f.id for f in sides[side] if f.id in known}) != len(known):
                return Links(self.pattern, sides)  # one of them is gone
            new.update({(f.at, f.seq, side): f for f in sides[side] if f.id not in known})
        if not new:
            return self
        last = self.events[-1][0] if self.events else None
        if last is not None and min(new) < last:
            return Links(self.pattern, sides)  # an event earlier than the last known one
        for key in sorted(new):
            self._add(key, new[key])
        return self


def _intensity_runs(pattern: Escalation, events: list) -> list[list[Fact]]:
    """The intensity runs of each side among ``_links``' events (none without an ``intensity``)."""
    if pattern.intensity is None:
        return []
    window = dt.timedelta(days=pattern.window_days)
    return [run for side in (0, 1) for run in _runs([f for (_, _, s), f in events if s == side], window, pattern.intensity)]


def _paths(facts: list[Fact], before: list[int | None], ends: list[int]) -> list[list[Fact]]:
    """The chain ending at each of ``ends`` (in that order): the facts from its first link
    to it, ``before`` giving each event's link.  The links make a forest (a link is always
    an earlier event); one walk down it copies the path to each end as it reaches it, so
    that the many chains sharing their first links (a chain of 50 exchanges and the ones
    answering the same acts) are not each walked back link by link."""
    wanted = set(ends)
    children: list[list[int]] = [[] for _ in facts]
    roots = []
    for i, link in enumerate(before):
        (roots if link is None else children[link]).append(i)
    found: dict[int, list[Fact]] = {}
    path: list[Fact] = []
    stack = [(i, 0) for i in reversed(roots)]
    while stack:
        i, depth = stack.pop()
        del path[depth:]
        path.append(facts[i])
        if i in wanted:
            found[i] = path.copy()
        stack += [(k, depth + 1) for k in reversed(children[i])]
    return [found[i] for i in ends]


def _runs(acts: list[Fact], window: dt.timedelta, intensity: int) -> list[list[Fact]]:
    """One side's acts (in event order) that make intensity runs: an act ends a run when it
    and the acts before it within ``window`` add up to ``intensity`` acts (``run_firsts``);
    runs sharing an act are one run, from its first act to its last."""
    found: list[list[int]] = []  # [first, last] index of each run
    for i, first in enumerate(run_firsts(acts, window, intensity)):
        if first is None:
            continue
        if found and first <= found[-1][1]:
            found[-1][1] = i
        else:
            found.append([first, i])
    return [acts[first:last + 1] for first, last in found]


def share(fact: Fact, start: dt.datetime) -> int | Fraction:
    """The acts of ``fact`` in a window from ``start`` to (at least) its ``at``: all of its
    count, or for a counted event spread over a period (``since`` to ``at``) the part of its
    count that falls after ``start``, in proportion to the time (exact: a fraction)."""
    if fact.since is None or fact.since >= start:
        return fact.acts
    inside, period = fact.at - start, fact.at - fact.since
    return Fraction(fact.acts * (inside // _US), period // _US) if inside > dt.timedelta(0) else 0


_US = dt.timedelta(microseconds=1)


def run_firsts(acts: list[Fact], window: dt.timedelta, intensity: int) -> list[int | None]:
    """For each of one side's acts (in event order), the first act of the shortest run
    ending there: the latest act from which the acts up to this one, within ``window``
    before it, add up to at least ``intensity`` (each fact its ``share``: one act, a count,
    or the part of a counted period inside the window); None where they do not.

    Linear when no counted event has a period: a binary search over the running totals of
    counts; a period inside the window is added up act by act, back from this one."""
    totals = [0]  # totals[k]: the acts of acts[:k], each counted whole
    periods = [0]  # periods[k]: how many of acts[:k] are spread over a period
    for fact in acts:
        totals.append(totals[-1] + fact.acts)
        periods.append(periods[-1] + (fact.since is not None))
    firsts: list[int | None] = []
    lo = 0
    for i, fact in enumerate(acts):
        start = fact.at - window
        while acts[lo].at < start:
            lo += 1  # acts before the window never come back in: later windows start later
        if totals[i + 1] - totals[lo] < intensity:
            firsts.append(None)  # not enough even counting every act inside whole
        elif periods[i + 1] == periods[lo]:
            firsts.append(bisect.bisect_right(totals, totals[i + 1] - intensity, lo, i + 1) - 1)
        else:
            firsts.append(_walk_back(acts, lo, i, start, intensity))
    return firsts


def _walk_back(acts: list[Fact], lo: int, i: int, start: dt.datetime, intensity: int) -> int | None:
    total: int | Fraction = 0
    for k in range(i, lo - 1, -1):
        total += share(acts[k], start)
        if total >= intensity:
            return k
    return None


# pattern -> the event lists the chains were found among, their ids, the chains
KeptChains = dict[str, tuple[tuple[list[Fact], list[Fact]], tuple[tuple[str, ...], tuple[str, ...]], list[list[Fact]]]]


def kept_chains(pattern_id: str, pattern: Escalation, sides: tuple[list[Fact], list[Fact]], kept: KeptChains | None) -> list[list[Fact]]:
    """``chains``, which depend only on the events: with ``kept`` (a session's) found again
    only when those events change (the same lists again, or events with the same ids)."""
    if kept is None:
        return chains(pattern, sides)
    known = kept.get(pattern_id)
    if known is not None and known[0][0] is sides[0] and known[0][1] is sides[1]:
        return known[2]
    ids = (tuple(f.id for f in sides[0]), tuple(f.id for f in sides[1]))
    if known is None or known[1] != ids:
        known = (sides, ids, chains(pattern, sides))
    kept[pattern_id] = (sides, ids, known[2])
    return known[2]


def live(pattern: Escalation, found: list[list[Fact]], as_of: dt.datetime) -> list[list[Fact]]:
    """The chains still answered within the window as of ``as_of``."""
    window = dt.timedelta(days=pattern.window_days)
    return [c for c in found if c[-1].at <= as_of and as_of - c[-1].at <= window]


def level(pattern: Escalation, live_chains: list[list[Fact]]) -> str | None:
    """The level of the longest of the live chains and runs (None: none is live)."""
    return pattern.level(max(len(c) for c in live_chains)) if live_chains else None


def calming(pattern: Escalation, fact: Fact) -> bool:
    """Whether ``fact`` is one of ``pattern``'s de-escalating acts: an event on one of its
    ``de_escalation.events`` by an actor of either side."""
    calm = pattern.de_escalation
    return (calm is not None and fact.kind == "event" and fact.subject in calm.events
            and any(fact.actor in side for side in pattern.sides))


Calm = tuple[Fact, ...]  # a de-escalation's acts, the last the one that completes it


def calms(pattern: Escalation, events: Iterable[Fact]) -> list[Calm]:
    """The de-escalations among ``events``, in the order they are recognised: each act
    (``by: either``), or each act answering an act of the other side within the window
    (``by: both``; with the latest such act)."""
    if pattern.de_escalation is None:
        return []  # none to recognise (a timeline's watch asks over every event of a history)
    acts = sorted((f for f in events if calming(pattern, f)), key=lambda f: (f.at, f.seq))
    if pattern.de_escalation.by == "either":
        return [(act,) for act in acts]
    window = dt.timedelta(days=pattern.window_days)
    found: list[Calm] = []
    last: list[Fact | None] = [None, None]
    for act in acts:
        side = 0 if act.actor in pattern.sides[0] else 1
        other = last[1 - side]
        if other is not None and act.at - other.at <= window:
            found.append((other, act))
        last[side] = act
    return found


def calm_at(found: Sequence[Calm], as_of: dt.datetime, since: dt.datetime | None) -> Calm | None:
    """The latest of ``found`` (in order) complete by ``as_of`` whose acts are all in the
    frame (after ``since``; None: every time)."""
    for calm in reversed(found):
        if calm[-1].at > as_of:
            continue
        if since is not None and calm[-1].at <= since:
            return None
        if since is None or calm[0].at > since:
            return calm
    return None


def after(since: dt.datetime | None, calm: Calm | None) -> dt.datetime | None:
    """The later of ``since`` and the calm's time: hostile events count only after it."""
    if calm is None:
        return since
    return calm[-1].at if since is None else max(since, calm[-1].at)


def sides_of(pattern: Escalation, fact: Fact) -> tuple[int, ...]:
    """The sides on which ``fact`` is one of ``pattern``'s hostile events: what its rules
    match (``engine.compiler``): an event on one of that side's subjects by an actor of that side."""
    if fact.kind != "event" or fact.actor is None:
        return ()
    return tuple(side for side in (0, 1) if fact.actor in pattern.sides[side] and fact.subject in pattern.events_of(side))


def hostile(pattern: Escalation, events: Iterable[Fact]) -> tuple[list[Fact], list[Fact]]:
    """``events``' hostile ones by side, in their order."""
    return _classified(pattern, events)[0]


def _classified(pattern: Escalation, events: Iterable[Fact]) -> tuple[tuple[list[Fact], list[Fact]], list[tuple[dt.datetime, int, int]]]:
    """``hostile``, and each hostile (event, side) as (time, seq, side) in the order of
    ``events`` (an event of both sides: side 0, then side 1), as ``sides_of`` decides, each
    event looked at once."""
    actors = (frozenset(pattern.sides[0]), frozenset(pattern.sides[1]))
    subjects = (frozenset(pattern.events_of(0)), frozenset(pattern.events_of(1)))
    sides: tuple[list[Fact], list[Fact]] = ([], [])
    items: list[tuple[dt.datetime, int, int]] = []
    for fact in events:
        if fact.kind != "event" or fact.actor is None:
            continue
        for side in (0, 1):
            if fact.actor in actors[side] and fact.subject in subjects[side]:
                sides[side].append(fact)
                items.append((fact.at, fact.seq, side))
    return sides, items


class Watch:
    """Whether ``pattern``'s escalation is on at each of a line of times that never goes
    back, among a fixed list of events in event order (``at``, then ``seq``: a whole history's).

    Escalation is on as of T when a chain of ``exchanges`` events, all in the frame T reads
    (after ``since`` and the latest de-escalation, not after T), ends at most a window before T: of the chains ending at
    an event, the one that starts latest decides.  That start is worked out once for every
    event (one sliding maximum per side and link of the chain), then each time asked is a
    sliding maximum over the window before it: the work is linear in the number of events
    and times.  It agrees with ``chains`` and ``live`` (``escalating``) on every frame."""

    def __init__(self, pattern: Escalation, events: Sequence[Fact]):
        self._window = dt.timedelta(days=pattern.window_days)
        self._calms = calms(pattern, events)
        self._sides, items = _classified(pattern, events)
        self._keys = tuple([(f.at, f.seq) for f in side] for side in self._sides)
        starts = _latest_starts(items, self._window, pattern.exchanges)
        if pattern.intensity is not None:
            starts = [max((s for s in both if s is not None), default=None)
                      for both in zip(starts, _run_starts(items, self._sides, self._window, pattern.intensity), strict=True)]
        self._items = list(zip((at for at, _, _ in items), starts, strict=True))
        self._live: deque[tuple[dt.datetime, dt.datetime]] = deque()  # (at, start): starts decreasing
        self._next = 0
        self._last: dt.datetime | None = None

    def calm(self, as_of: dt.datetime, since: dt.datetime) -> Calm | None:
        """The latest de-escalation complete by ``as_of`` whose acts are in the frame."""
        return calm_at(self._calms, as_of, since)

    def on(self, as_of: dt.datetime, since: dt.datetime) -> bool:
        """Whether a chain or run lies after ``since`` and after the latest de-escalation."""
        if self._calms:  # asked at every moment of a timeline: no call when the pattern has none
            since = after(since, self.calm(as_of, since))  # type: ignore[assignment]  # since is set
        if self._last is not None and as_of < self._last:
            raise Misuse(f"a Watch goes forward in time only: asked {as_of} after {self._last}")
        self._last = as_of
        items, live, i = self._items, self._live, self._next
        n = len(items)
        while i < n and items[i][0] <= as_of:
            at, start = items[i]
            i += 1
            if start is None:
                continue  # ends no chain of enough exchanges
            while live and live[-1][1] <= start:
                live.pop()  # an earlier event starting no later is never the best again
            live.append((at, start))
        self._next = i
        try:
            low = as_of - self._window
        except OverflowError:
            low = None  # every event is within the window
        while live and low is not None and live[0][0] < low:
            live.popleft()
        return bool(live) and live[0][1] > since


    def hostile(self, since: dt.datetime, as_of: dt.datetime) -> tuple[list[Fact], list[Fact]]:
        """The hostile events by side with ``since < at <= as_of``: what the rules match
        in that frame (``hostile``), in time order."""
        found = []
        for side, keys in zip(self._sides, self._keys, strict=True):
            found.append(side[bisect.bisect_right(keys, (since, _LAST)):bisect.bisect_right(keys, (as_of, _LAST))])
        return found[0], found[1]


_LAST = 2**62  # after every sequence number


def _latest_starts(items: list[tuple[dt.datetime, int, int]], window: dt.timedelta, exchanges: int) -> list[dt.datetime | None]:
    """For each (time, seq, side) in event order, the latest time at which a chain of
    ``exchanges`` events ending there can start (None: no such chain)."""
    starts: list[dt.datetime | None] = [at for at, _, _ in items]
    for _ in range(exchanges - 1):  # chains one event longer each round
        shorter, starts = starts, []
        best: tuple[deque[int], deque[int]] = (deque(), deque())  # per side: indices, starts decreasing
        pushed = 0
        for i, (at, seq, side) in enumerate(items):
            while pushed < i and items[pushed][:2] < (at, seq):
                begins = shorter[pushed]
                if begins is not None:
                    mine = best[items[pushed][2]]
                    while mine and shorter[mine[-1]] <= begins:  # type: ignore[operator]  # kept: never None
                        mine.pop()
                    mine.append(pushed)
                pushed += 1
            other = best[1 - side]
            while other and at - items[other[0]][0] > window:
                other.popleft()
            starts.append(shorter[other[0]] if other else None)
    return starts


def _run_starts(items: list[tuple[dt.datetime, int, int]], sides: tuple[list[Fact], list[Fact]], window: dt.timedelta,
                intensity: int) -> list[dt.datetime | None]:
    """For each (time, seq, side) in event order, when the intensity run ending there starts
    (``run_firsts``: the time of its first act; None: no run ends there).  ``sides``: each
    side's acts in event order, the items of that side one by one."""
    firsts = [run_firsts(acts, window, intensity) for acts in sides]
    next_of = [0, 0]
    starts: list[dt.datetime | None] = []
    for _, _, side in items:
        i = next_of[side]
        next_of[side] += 1
        first = firsts[side][i]
        starts.append(None if first is None else sides[side][first].at)
    return starts
