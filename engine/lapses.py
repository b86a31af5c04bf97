"""Statements that lapse by themselves (``lapses`` on a position, an offer or a variant):
the day each stops being in force, worked out from the state in force, and what a verdict
and a timeline say of it.

A lapse on a ``date`` is that date.  ``days`` without ``after`` count from the statement's
``in_force.from`` (else its ``said_on``; the rule check refuses one with neither).  With
``after: {subject: S, eq: V}`` they count from the date of the fact *in force* on S, while
that fact meets the comparison: before such a fact the clock has not started (no lapse), a
later fact on S that still meets it renews the statement from its own date, and one that no
longer meets it stops the clock again.  ``when: {subject: S, ...}`` is the same with no days
to wait: a statement ended by conduct, out of force from the day of the fact in force on S
that meets it, while one does.  A statement is out of force from its lapse day on, as with
``in_force.until``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from engine.conditions import compare_met, describe
from engine.conduct import conduct_subjects
from engine.facts import Fact, cited_day
from engine.rulebook.models import field_of

if TYPE_CHECKING:  # the rulebook's models only: no import cycle
    from engine.rulebook import Rulebook
    from engine.rulebook.models import Lapse, Offer, Position, Variant

def lapse_day(statement: Position | Offer | Variant, state: Mapping[str, Fact]) -> dt.date | None:
    """The day ``statement`` lapses, given the facts in force (None: it does not, or its
    clock has not started)."""
    lapse = statement.lapses
    if lapse is None:
        return None
    if lapse.date is not None:
        return lapse.date
    start = _start(statement, lapse, state)
    return None if start is None else _plus(start, lapse.days or 0)


def lapsed(statement: Position | Offer | Variant, as_of: dt.datetime, state: Mapping[str, Fact]) -> bool:
    day = lapse_day(statement, state)
    return day is not None and as_of.date() >= day


def anchor_subjects(rulebook: Rulebook) -> set[str]:
    """The subjects whose facts decide what is in force by themselves: those that start a
    lapse's clock (``after``, ``when``) and those whose act shows an offer (``shown_by``,
    ``engine.conduct``)."""
    return ({s.lapses.anchor.subject for s in statements(rulebook) if s.lapses is not None and s.lapses.anchor is not None}
            | conduct_subjects(rulebook))


def statements(rulebook: Rulebook) -> Iterable[Position | Offer | Variant]:
    """Every position, offer and variant, in file order."""
    for position in rulebook.positions.values():
        yield position
        yield from position.variants
    yield from rulebook.offers.values()


def lapse_days(rulebook: Rulebook, facts_of: Callable[[str], Iterable[Fact]]) -> set[dt.date]:
    """Every day a statement can lapse on, whatever the time asked: the fixed ones, and for
    an ``after`` each fact on its subject meeting it, ``days`` on (``facts_of(subject)``:
    every fact of a subject)."""
    days: set[dt.date] = set()
    for statement in statements(rulebook):
        lapse = statement.lapses
        if lapse is None:
            continue
        anchor = lapse.anchor
        if anchor is None:
            day = lapse_day(statement, {})
            if day is not None:
                days.add(day)
            continue
        for fact in facts_of(anchor.subject):
            if compare_met(anchor, {fact.subject: fact.value}):
                days.add(_plus(fact.at.date(), lapse.days or 0))
    return days


def why(statement: Position | Offer | Variant, state: Mapping[str, Fact]) -> str:
    """``90 days after A.deal = signed (2024-01-01)``, ``on 2021-05-21``."""
    lapse = statement.lapses
    assert lapse is not None
    if lapse.date is not None:
        return f"on {lapse.date.isoformat()}"
    if lapse.anchor is None:
        start = _start(statement, lapse, state)
        return f"{lapse.days} days after it was stated ({start.isoformat() if start else 'no date'})"
    fact = state.get(lapse.anchor.subject)
    when = f"when {describe(lapse.when)}" if lapse.when is not None else f"{lapse.days} days after {describe(lapse.anchor)}"
    return when + (f" ({cited_day(fact.at, fact.approx)}, {fact.id})" if fact else "")


def _start(statement: Position | Offer | Variant, lapse: Lapse, state: Mapping[str, Fact]) -> dt.date | None:
    anchor = lapse.anchor
    if anchor is None:
        in_force = field_of(statement, "in_force")
        return (in_force.from_ if in_force is not None and in_force.from_ else None) or statement.said_on
    fact = state.get(anchor.subject)
    if fact is None or not compare_met(anchor, {fact.subject: fact.value}):
        return None
    return fact.at.date()


def _plus(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max
