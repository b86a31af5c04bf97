"""Condition expressions in the form the engine runs them: negations pushed onto the
comparisons, then a disjunction of conjunctions (DNF).

Semantics shared by the rules engine and the explanations: a comparison on a subject with
no fact is unmet, and so is its negation: an unknown is never evidence either way.  A
comparison of two subjects (``{subject: A, le: {subject: B}}``) reads both values in force,
and is unmet (negated or not) while either is unknown.  A trend (``{subject: A, change:
{le: 0}}``) reads the value in force and the value of the fact it superseded (``values``
holds it under ``previous_key(A)``), and is unmet (negated or not) while either is unknown.  A deadline (``within: {days: 60,
of: D}``) reads the fact in force and its date (under ``day_key``) and, once negated
(``missed``), the day asked (``TODAY``): met in time, missed after the deadline, and
neither before it while unmet.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import Misuse
from engine.rulebook.models import TODAY, AllOf, Change, Compare, Expr, Not, OtherSubject, Ref


@dataclass(frozen=True)
class Operator:
    """One comparison operator of the rule format, in one place: what it means over a
    subject's known value (``holds(value, operand)``), its negation, how an analyst reads
    it, and the test durable-rules runs on a state fact's ``value`` (``test(operand)``,
    ``engine.compiler``).  The two must agree; a property test holds them to it.

    Against another subject the operand is that subject's value, and both evaluators use
    ``holds``: the compiled rule matches the two subjects' facts and the pair is tested when
    the match is reported (``engine.compiler.CompiledRules.holds``), never by a
    durable-rules join."""

    name: str
    symbol: str
    negation: str
    holds: Callable[[Any, Any], bool]
    test: Callable[[Any], dict[str, Any]]


def _equal(value: Any, operand: Any) -> bool:
    """Equality as the rules engine sees it: true is not 1."""
    return value == operand and isinstance(value, bool) == isinstance(operand, bool)


def _ordered(order: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """An order on numbers (a value of another type is never in order)."""
    return lambda value, operand: not isinstance(value, bool) and isinstance(value, (int, float)) and order(value, operand)


def _compared(engine_op: str) -> Callable[[Any], dict[str, Any]]:
    return lambda operand: {engine_op: {"value": operand}}


def _one_of(operands: list[Any]) -> dict[str, Any]:
    return {"$or": [{"value": v} for v in operands]} if len(operands) > 1 else {"value": operands[0]}


def _none_of(operands: list[Any]) -> dict[str, Any]:
    return {"$and": [{"$neq": {"value": v}} for v in operands]} if len(operands) > 1 else {"$neq": {"value": operands[0]}}


OPERATORS: dict[str, Operator] = {op.name: op for op in (
    Operator("eq", "=", "ne", _equal, lambda operand: {"value": operand}),
    Operator("ne", "≠", "eq", lambda value, operand: not _equal(value, operand), _compared("$neq")),
    Operator("lt", "<", "ge", _ordered(operator.lt), _compared("$lt")),
    Operator("le", "≤", "gt", _ordered(operator.le), _compared("$lte")),
    Operator("gt", ">", "le", _ordered(operator.gt), _compared("$gt")),
    Operator("ge", "≥", "lt", _ordered(operator.ge), _compared("$gte")),
    Operator("in", "in", "not_in", lambda value, operands: any(_equal(value, o) for o in operands), _one_of),
    Operator("not_in", "not in", "in", lambda value, operands: not any(_equal(value, o) for o in operands), _none_of),
)}


def _changed(pair: tuple[Any, Any], change: Change) -> bool:
    """``now OP previous + N``: the same sum, in doubles, as the rules engine's test."""
    now, before = pair
    numbers = all(not isinstance(v, bool) and isinstance(v, (int, float)) for v in (now, before))
    return numbers and OPERATORS[change.operator].holds(float(now), float(before) + float(change.value))


def _change_test(change: Change) -> dict[str, Any]:
    """``value OP prev + N`` on one fact (``prev``: the superseded fact's value, carried on
    a state fact of a subject a trend reads: ``engine.compiler``).  A fact without ``prev``
    must not match: durable-rules would read the missing field as 0."""
    return {"$and": [{"$ex": {"prev": 1}}, OPERATORS[change.operator].test({"$add": {"$l": {"$m": "prev"}, "$r": float(change.value)}})]}


OPERATORS["change"] = Operator("change", "changed", "change", _changed, _change_test)
MAX_CONJUNCTS = 256
PREVIOUS = "@previous"  # a subject key never holds "@": the value of the fact the one in force superseded


DAY = "@day"  # where ``values`` holds the date (a day number) of a subject's fact in force


def day_key(subject: str) -> str:
    """Where ``values`` (``compare_met``) holds the day (``date.toordinal()``) of the fact in
    force on a subject a deadline reads."""
    return subject + DAY


def day_number(day: Any) -> float:
    """A date as the rules engine compares it: its day number, as a float."""
    return float(day.toordinal())


def previous_key(subject: str) -> str:
    """Where ``values`` (``compare_met``) holds the value of the fact a subject's fact in
    force superseded."""
    return subject + PREVIOUS

Conjunct = tuple[Compare, ...]


def negate(compare: Compare) -> Compare:
    if compare.within is not None:  # met in time <-> missed (the comparison itself unchanged)
        return compare.model_copy(update={"within": compare.within.model_copy(update={"missed": not compare.within.missed})})
    if compare.change is not None:  # a trend's negation: the opposite change (unknown stays unmet)
        inner = compare.change
        return Compare.model_validate({"subject": compare.subject,
                                       "change": {OPERATORS[inner.operator].negation: inner.value}})
    op = OPERATORS[compare.operator].negation
    return Compare.model_validate({"subject": compare.subject, op: compare.value})


def to_dnf(expr: Expr, negated: bool = False) -> list[Conjunct]:
    """The expanded (no ``Ref``) expression as a list of conjunctions of comparisons."""
    if isinstance(expr, Ref):
        raise Misuse("expand named conditions before converting to DNF")
    if isinstance(expr, Compare):
        return [(negate(expr) if negated else expr,)]
    if isinstance(expr, Not):
        return to_dnf(expr.not_, not negated)
    parts = expr.all if isinstance(expr, AllOf) else expr.any
    conjunctive = isinstance(expr, AllOf) != negated  # De Morgan
    if not conjunctive:
        return [c for part in parts for c in to_dnf(part, negated)]
    result: list[Conjunct] = [()]
    for part in parts:
        result = [left + right for left in result for right in to_dnf(part, negated)]
        if len(result) > MAX_CONJUNCTS:
            raise Misuse(f"condition too complex: more than {MAX_CONJUNCTS} alternatives once expanded (a rule file's are refused when loaded)")
    return result


def compare_holds(compare: Compare, value: Any, known: bool = True) -> bool:
    """Whether one comparison with a value operand holds for a subject's value (False when
    unknown).  A comparison of two subjects needs both values: ``compare_met``."""
    if compare.other is not None or compare.change is not None:
        raise Misuse(f"{compare.subject}: a comparison with another subject or a change needs compare_met")
    return known and OPERATORS[compare.operator].holds(value, compare.value)


def compare_met(compare: Compare, values: Mapping[str, Any]) -> bool:
    """Whether one comparison holds over ``values`` (subject key -> value in force; absent
    = unknown): False when a subject it reads is unknown."""
    if compare.subject not in values:
        return False
    if compare.within is not None:
        return _in_time(compare, values)
    if compare.change is not None:
        before = previous_key(compare.subject)
        return before in values and _changed((values[compare.subject], values[before]), compare.change)
    if compare.other is None:
        return OPERATORS[compare.operator].holds(values[compare.subject], compare.value)
    return compare.other in values and OPERATORS[compare.operator].holds(values[compare.subject], values[compare.other])


def _in_time(compare: Compare, values: Mapping[str, Any]) -> bool:
    """A deadline: ``met`` (the comparison holds on the fact in force, dated by the last day
    in time) or, ``missed``, the day asked is after that day and the fact is not met in time."""
    within = compare.within
    assert within is not None
    day = values.get(day_key(compare.subject))
    if day is None:
        return False
    met = compare_met(compare.model_copy(update={"within": None}), values) and day <= day_number(within.deadline)
    if not within.missed:
        return met
    return TODAY in values and values[TODAY] > day_number(within.deadline) and not met


def within_tests(compare: Compare, base: dict[str, Any]) -> dict[str, Any]:
    """The test on the subject's fact of a deadline (``base``: the comparison's own test);
    a missed one also needs the clock's test (``clock_test``)."""
    within = compare.within
    assert within is not None
    last = day_number(within.deadline)
    if not within.missed:
        return {"$and": [base, {"$lte": {"day": last}}]}
    negated = OPERATORS[OPERATORS[compare.operator].negation].test(compare.value) if compare.change is None else None
    return {"$or": [negated, {"$gt": {"day": last}}]}


def clock_test(compare: Compare) -> dict[str, Any]:
    """The test on the clock (``TODAY``) of a missed deadline: the day asked is after it."""
    assert compare.within is not None
    return {"$gt": {"value": day_number(compare.within.deadline)}}


def expr_holds(expr: Expr, values: Mapping[str, Any]) -> bool:
    """Evaluate an expanded expression over ``values`` (subject key -> value; absent =
    unknown).  Used to explain verdicts; the rules engine is what decides them."""
    return any(all(compare_met(c, values) for c in conjunct) for conjunct in to_dnf(expr))


def describe(compare: Compare, unit: str = "") -> str:
    """``IRN.enrichment_pct ≤ 3.67 %``."""
    value = compare.value
    if compare.within is not None:  # USA.oil_sanctions in [eased, lifted] within 60 days of 2020-12-02
        met = describe(compare.model_copy(update={"within": None}), unit)
        when = f"within {compare.within.days} days of {compare.within.of.isoformat()}"
        return f"not ({met}) {when}" if compare.within.missed else f"{met} {when}"
    if isinstance(value, OtherSubject):
        return f"{compare.subject} {OPERATORS[compare.operator].symbol} {value.subject}"
    if isinstance(value, Change):  # IRN.stockpile_kg ≤ its previous value + 0 kg
        return f"{compare.subject} {OPERATORS[value.operator].symbol} its previous value + {show(value.value)}{' ' + unit if unit else ''}"
    shown = "[" + ", ".join(map(show, value)) + "]" if isinstance(value, list) else show(value)
    suffix = f" {unit}" if unit and not isinstance(value, list) and compare.operator in ("lt", "le", "gt", "ge", "eq", "ne") else ""
    return f"{compare.subject} {OPERATORS[compare.operator].symbol} {shown}{suffix}"


def show(value: Any) -> str:
    """A value as an analyst writes it: ``true``, ``3.67``, ``5`` (not ``5.0``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
