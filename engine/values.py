"""The values a comparison admits, as sets: numbers as unions of intervals, enums, bools and
texts as unions of single values (texts with ``ne``/``not_in``: everything but some).

This is what makes a block lift by *values*, not by subjects: a move meets a failing
comparison only when every value its ``done_when`` allows on that subject satisfies the
comparison (``guarantees``).  A move that allows some satisfying values without
guaranteeing one does not meet it (``overlaps`` tells those apart; explanations do not
show such partial moves yet).  Intervals are
``portion``'s; every type's values are ordered within the subject (one type per subject),
so one representation serves them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import portion

if TYPE_CHECKING:  # the rulebook reads this module: no import cycle at run time
    from engine.rulebook.models import Compare, Subject

__all__ = ["ValueSet", "admitted", "domain", "constraint", "guarantees", "overlaps"]

ValueSet = portion.Interval


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
    """The values of ``subject`` for which ``compare`` holds."""
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


def _union(parts: Iterable[ValueSet]) -> ValueSet:
    found = portion.empty()
    for part in parts:
        found |= part
    return found
