"""Compile a rulebook into one durable-rules ruleset, as plain JSON-able dicts.

Each *claim* the analysis needs (a named condition holds, a move is done, a position's
condition is met, a variant is switched on, a goal is done, an escalation chain exists)
becomes one rule per alternative of its DNF.  A rule's action only reports the match; the
truth maintenance in ``engine.working_memory`` keeps a claim alive while at least one of
its matches is.

Working-memory facts look like ``{"id": "f12", "t": "s", "subject": "IRN.enrichment_pct",
"value": 20}`` for states and ``{"id": "f13", "t": "e", "subject": "strike", "actor": "MIL",
"ts": 1613347200}`` for events.  ``id`` is the durable-rules identity and never a join key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.conditions import to_dnf
from engine.rulebook import Rulebook
from engine.rulebook.models import Compare, Expr

STATE, EVENT = "s", "e"


@dataclass(frozen=True)
class CompiledRules:
    """``rules``: rule name -> durable-rules definition without ``run``; ``claims``: rule
    name -> the claim it supports (``"move:USA.grant_relief"``).  No rule joins facts on each other's values."""

    name: str
    rules: dict[str, dict[str, Any]]
    claims: dict[str, str] = field(default_factory=dict)
    subjects: frozenset[str] = frozenset()  # every subject some rule reads; facts of others need not be asserted


def claim_names(rulebook: Rulebook) -> dict[str, Expr]:
    """Every claim the analysis asks about, with its condition expression."""
    claims: dict[str, Expr] = {}
    for cid, condition in rulebook.conditions.items():
        claims[f"condition:{cid}"] = condition.holds_when
    for key, move in rulebook.moves.items():
        claims[f"move:{key}"] = move.done_when
    for pid, position in rulebook.positions.items():
        if position.until is not None:
            claims[f"until:{pid}"] = position.until
        for variant in position.variants:
            claims[f"variant:{variant.id}"] = variant.switched_on_by
            if variant.until is not None:
                claims[f"variant_until:{variant.id}"] = variant.until
    for gid, goal in rulebook.goals.items():
        claims[f"goal:{gid}"] = goal.done_when
    return claims


def compile_rulebook(rulebook: Rulebook) -> CompiledRules:
    rules: dict[str, dict[str, Any]] = {}
    claims: dict[str, str] = {}
    subjects: set[str] = set()
    for claim, expr in claim_names(rulebook).items():
        for i, conjunct in enumerate(to_dnf(rulebook.expand(expr))):
            name = f"{claim}#{i}"
            rules[name] = {"all": _patterns(conjunct)}
            claims[name] = claim
            subjects.update(compare.subject for compare in conjunct)
    for pattern in rulebook.escalations.values():
        for side in (0, 1):
            name = f"hostile:{pattern.id}:{side}#0"
            rules[name] = {"all": [{"e": {"$and": [
                {"t": EVENT}, _any_of("subject", pattern.events), _any_of("actor", pattern.sides[side])]}}]}
            claims[name] = f"hostile:{pattern.id}:{side}"
        subjects.update(pattern.events)
    return CompiledRules(name=rulebook.id, rules=rules, claims=claims, subjects=frozenset(subjects))


def _patterns(conjunct: tuple[Compare, ...]) -> list[dict[str, Any]]:
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for compare in conjunct:
        by_subject.setdefault(compare.subject, []).append(_test(compare))
    return [
        {f"p{i}": {"$and": [{"t": STATE}, {"subject": subject}, *tests]}}
        for i, (subject, tests) in enumerate(sorted(by_subject.items()))
    ]


def _test(compare: Compare) -> dict[str, Any]:
    op, operand = compare.operator, compare.value
    if op == "eq":
        return {"value": operand}
    if op in ("ne", "lt", "le", "gt", "ge"):
        return {{"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}[op]: {"value": operand}}
    if op == "in":
        return {"$or": [{"value": v} for v in operand]} if len(operand) > 1 else {"value": operand[0]}
    return {"$and": [{"$neq": {"value": v}} for v in operand]} if len(operand) > 1 else {"$neq": {"value": operand[0]}}


def _any_of(field_name: str, values: list[str]) -> dict[str, Any]:
    return {"$or": [{field_name: v} for v in values]} if len(values) > 1 else {field_name: values[0]}
