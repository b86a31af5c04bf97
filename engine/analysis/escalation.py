"""Tit-for-tat chains: hostile events alternating between two sides, each within the
pattern's window of the one before.

The rules engine says which live events are hostile and on which side; this module puts
them in order.  A chain of at least ``exchanges`` events keeps escalation on until
``window_days`` pass after its last event without an answer.
"""

from __future__ import annotations

import datetime as dt

from engine.facts import Fact
from engine.rulebook.models import Escalation


def chains(pattern: Escalation, sides: tuple[list[Fact], list[Fact]]) -> list[list[Fact]]:
    """The maximal chains of at least ``exchanges`` events (longest chain ending at each
    event, keeping those that no longer chain extends), in time order."""
    window = dt.timedelta(days=pattern.window_days)
    # events at the same time in order of what they say, not of when they were recorded: the chains
    # (and the events they cite) must not depend on the order facts arrived in
    events = sorted({(f.at, side, f.actor or "", f.target or "", str(f.value), f.source, f.note, f.seq, f.id): f
                     for side in (0, 1) for f in sides[side]}.items())
    length: list[int] = []
    before: list[int | None] = []
    for i, ((at, side, *_), _fact) in enumerate(events):
        best, link = 1, None
        for j in range(i - 1, -1, -1):
            at_j, side_j, *_ = events[j][0]
            if at - at_j > window:
                break
            if side_j != side and at_j < at and length[j] + 1 > best:
                best, link = length[j] + 1, j
        length.append(best)
        before.append(link)
    extended = {before[i] for i in range(len(events)) if length[i] >= pattern.exchanges}
    result = []
    for i in range(len(events)):
        if length[i] >= pattern.exchanges and i not in extended:
            chain, k = [], i
            while k is not None:
                chain.append(events[k][1])
                k = before[k]
            result.append(chain[::-1])
    return result


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
