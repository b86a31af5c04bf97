"""The values a comparison admits, as sets: numbers as unions of intervals, enums, bools and
texts as unions of single values (texts with ``ne``/``not_in``: everything but some).

This is what makes a block lift by *values*, not by subjects: a move meets a failing
comparison only when every value its ``done_when`` allows on that subject satisfies the
comparison (``guarantees``).  A move that allows some satisfying values without
guaranteeing one does not meet it; on a number it may still narrow the gap
(``distance``, ``worst_distance``: the explanation shows such *partial* moves with the gap
they leave).  Intervals are
``portion``'s; every type's values are ordered within the subject (one type per subject),
so one representation serves them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import portion

if TYPE_CHECKING:  # the rulebook reads this module: no import cycle at run time
    from engine.rulebook.models import Compare, Subject

__all__ = ["ValueSet", "admitted", "constraint", "distance", "domain", "guarantees", "overlaps", "worst_distance"]

ValueSet = portion.Interval
INFINITE = float("inf")


def domain(subject: Subject) -> ValueSet:
    """Every value a subject can take: its declared values, bounds or type."""
    if subject.type == "enum":
        return _union(portion.singleton(v) for v in subject.values or ())
    if subject.type == "bool":
        return portion.singleton(False) | portion.singleton(True)
    if subject.type == "number":
        low = -portion.inf if subject.min is None else subject.min
        high = portion.inf if subject.max is None else subject.max
        return portion.closed(low, high)
    return portion.open(-portion.inf, portion.inf)  # text: any string


def admitted(compare: Compare, subject: Subject) -> ValueSet:
    """The values of ``subject`` for which ``compare`` holds.  Against another subject
    (``le: {subject: B}``) the bound is not known in advance: taken to be none (empty), so
    that no value a move leaves is ever taken to meet it, and a move's ``done_when`` that
    reads one promises no value of its own (``Rulebook.meeting`` has the one exception)."""
    if compare.other is not None or compare.change is not None or compare.within is not None:  # trends, deadlines too
        return portion.empty()
    op, operand, whole = compare.operator, compare.value, domain(subject)
    if op in ("eq", "in"):
        found = _union(portion.singleton(v) for v in (operand if op == "in" else [operand]))
    elif op in ("ne", "not_in"):
        found = whole - _union(portion.singleton(v) for v in (operand if op == "not_in" else [operand]))
    elif op == "lt":
        found = portion.open(-portion.inf, operand)
    elif op == "le":
        found = portion.openclosed(-portion.inf, operand)
    elif op == "gt":
        found = portion.open(operand, portion.inf)
    else:  # ge
        found = portion.closedopen(operand, portion.inf)
    return found & whole


def constraint(conjunct: Iterable[Compare], subject: Subject) -> ValueSet | None:
    """The values of ``subject`` that satisfy every comparison on it in one alternative of a
    condition; None when the alternative does not read the subject."""
    found: ValueSet | None = None
    for compare in conjunct:
        if compare.subject == subject.key:
            found = admitted(compare, subject) if found is None else found & admitted(compare, subject)
    return found


def guarantees(produced: ValueSet, needed: ValueSet) -> bool:
    """Every value in ``produced`` is in ``needed`` (and there is one)."""
    return not produced.empty and produced in needed


def overlaps(produced: ValueSet, needed: ValueSet) -> bool:
    return not (produced & needed).empty


def distance(value: float, needed: ValueSet) -> float:
    """How far a number is from the nearest value in ``needed`` (0 inside it; infinite
    when nothing is needed)."""
    best = INFINITE
    for part in needed:
        if value in part:
            return 0.0
        for bound in (part.lower, part.upper):
            if bound not in (portion.inf, -portion.inf):
                best = min(best, float(abs(value - bound)))
    return best


def worst_distance(produced: ValueSet, needed: ValueSet) -> float:
    """The largest ``distance`` to ``needed`` of a number in ``produced``: the gap a move
    producing those values may still leave (infinite when it may leave any gap)."""
    if produced.empty or needed.empty:
        return INFINITE
    candidates: list[float] = []
    for part in produced:
        for bound, tail in ((part.lower, -portion.inf), (part.upper, portion.inf)):
            if bound in (portion.inf, -portion.inf):
                # values without end on that side: a gap unless ``needed`` runs on without end too
                if not any(n.lower == tail or n.upper == tail for n in needed):
                    return INFINITE
            else:
                candidates.append(bound)
    parts = list(needed)
    for left, right in zip(parts, parts[1:]):  # between two needed stretches, the middle is farthest
        middle = (left.upper + right.lower) / 2
        if middle in produced:
            candidates.append(middle)
    return max((distance(c, needed) for c in candidates), default=0.0)


def _union(parts: Iterable[ValueSet]) -> ValueSet:
    found = portion.empty()
    for part in parts:
        found |= part
    return found
