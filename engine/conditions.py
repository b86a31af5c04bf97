"""Condition expressions in the form the engine runs them: negations pushed onto the
comparisons, then a disjunction of conjunctions (DNF).

Semantics shared by the rules engine and the explanations: a comparison on a subject with
no fact is unmet, and so is its negation: an unknown is never evidence either way.
"""

from __future__ import annotations

import operator
from typing import Any

from engine.rulebook.models import AllOf, Compare, Expr, Not, Ref

NEGATED = {"eq": "ne", "ne": "eq", "lt": "ge", "le": "gt", "gt": "le", "ge": "lt",
           "in": "not_in", "not_in": "in"}
SYMBOL = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "in",
          "not_in": "not in"}
MAX_CONJUNCTS = 256
ORDER = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}

Conjunct = tuple[Compare, ...]


def negate(compare: Compare) -> Compare:
    op = NEGATED[compare.operator]
    return Compare.model_validate({"subject": compare.subject, op: compare.value})


def to_dnf(expr: Expr, negated: bool = False) -> list[Conjunct]:
    """The expanded (no ``Ref``) expression as a list of conjunctions of comparisons."""
    if isinstance(expr, Ref):
        raise TypeError("expand named conditions before converting to DNF")
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
            raise ValueError(f"condition too complex: more than {MAX_CONJUNCTS} alternatives once expanded")
    return result


def compare_holds(compare: Compare, value: Any, known: bool = True) -> bool:
    """Whether one comparison holds for a subject's value (False when unknown)."""
    if not known:
        return False
    op, operand = compare.operator, compare.value
    if op == "eq":
        return _equal(value, operand)
    if op == "ne":
        return not _equal(value, operand)
    if op == "in":
        return any(_equal(value, o) for o in operand)
    if op == "not_in":
        return not any(_equal(value, o) for o in operand)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return ORDER[op](value, operand)


def _equal(value: Any, operand: Any) -> bool:
    """Equality as the rules engine sees it: true is not 1."""
    return value == operand and isinstance(value, bool) == isinstance(operand, bool)


def expr_holds(expr: Expr, values: dict[str, Any]) -> bool:
    """Evaluate an expanded expression over ``values`` (subject key -> value; absent =
    unknown).  Used to explain verdicts; the rules engine is what decides them."""
    return any(
        all(compare_holds(c, values.get(c.subject), c.subject in values) for c in conjunct)
        for conjunct in to_dnf(expr)
    )


def describe(compare: Compare, unit: str = "") -> str:
    """``IRN.enrichment_pct ≤ 3.67 %``."""
    value = compare.value
    shown = "[" + ", ".join(map(show, value)) + "]" if isinstance(value, list) else show(value)
    suffix = f" {unit}" if unit and not isinstance(value, list) and compare.operator in ("lt", "le", "gt", "ge", "eq", "ne") else ""
    return f"{compare.subject} {SYMBOL[compare.operator]} {shown}{suffix}"


def show(value: Any) -> str:
    """A value as an analyst writes it: ``true``, ``3.67``, ``5`` (not ``5.0``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
