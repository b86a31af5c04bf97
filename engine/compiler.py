"""Compile a rulebook into one durable-rules ruleset, as plain JSON-able dicts.

Each *claim* the analysis needs (a named condition holds, a move is done, a position's
condition is met, a variant is switched on, a goal is done, an escalation chain exists)
becomes one rule per alternative of its DNF.  A rule's action only reports the match; the
truth maintenance in ``engine.working_memory`` keeps a claim alive while at least one of
its matches is.

Working-memory facts look like ``{"id": "f12", "t": "s", "subject": "IRN.enrichment_pct",
"value": 20}`` for states and ``{"id": "f13", "t": "e", "subject": "strike", "actor": "MIL",
"ts": 1613347200}`` for events.  ``id`` is the durable-rules identity and never a join key.

Two limits of durable-rules' C core shape large rulebooks (measured; see docs/architecture.md):

- a node's children sit in one 512-slot open-addressing table, probed linearly from a slot
  chosen by the *property name* only: every ``subject == X`` test under ``t == "s"`` lands in
  one cluster, each fact walks all of them, and at 512 the table is full and registering
  another rule never returns.  So state facts carry *routing* fields ``r0``, ``r1``... (hex
  digits of a hash of the subject) tested before the subject: at most ``FANOUT`` children a
  node, whatever the number of subjects;
- a ruleset holds at most 4,096 rules.  So a rulebook compiles to several rulesets
  (``parts``) of at most ``MAX_RULES`` rules, and a fact goes to the parts that read its subject.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass, field
from typing import Any

from engine.conditions import OPERATORS, clock_test, day_number, within_tests
from engine.facts import Fact
from engine.rulebook import Rulebook
from engine.rulebook.models import TODAY, Compare, Expr

STATE, EVENT = "s", "e"
FANOUT = 16  # children of a node per routing level (durable-rules walks them all for each fact)
MAX_RULES = 2_000  # rules in one durable-rules ruleset (its hard limit is 4,096)


@dataclass(frozen=True)
class CompiledRules:
    """``rules``: rule name -> durable-rules definition without ``run``; ``claims``: rule
    name -> the claim it supports (``"move:USA.grant_relief"``); ``joins``: rule name -> its
    comparisons of two subjects, each ``(pattern, other pattern, operator)``, tested on the
    two facts a match brings (``holds``), not by durable-rules (``_patterns``)."""

    name: str
    rules: dict[str, dict[str, Any]]
    claims: dict[str, str] = field(default_factory=dict)
    subjects: frozenset[str] = frozenset()  # every subject some rule reads; facts of others need not be asserted
    routing: int = 0  # routing levels in front of each state subject test (see the module docstring)
    parts: tuple[CompiledRules, ...] = ()  # the rulesets durable-rules is given, when this one is split
    trended: frozenset[str] = frozenset()  # the subjects a trend reads: their facts carry ``prev`` (engine.trends)
    joins: dict[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)

    def holds(self, rule: str, matched: dict[str, dict[str, Any]]) -> bool:
        """Whether a match of ``rule`` (pattern name -> the fact it matched) meets the rule's
        comparisons of two subjects, by the one operator table (``engine.conditions``)."""
        return all(OPERATORS[op].holds(matched[mine]["value"], matched[other]["value"])
                   for mine, other, op in self.joins.get(rule, ()))

    @property
    def rulesets(self) -> tuple[CompiledRules, ...]:
        """What to register with durable-rules: the parts, or this ruleset whole."""
        return self.parts or (self,)

    def engine_fact(self, fact: Fact) -> dict[str, Any]:
        """``fact`` as this ruleset's working memory holds it."""
        if fact.kind == "event":
            return {"id": fact.id, "t": EVENT, "subject": fact.subject, "actor": fact.actor, "ts": fact.ts}
        engine = {"id": fact.id, "t": STATE, **route(fact.subject, self.routing), "subject": fact.subject, "value": _number(fact.value),
                  "day": day_number(fact.at.date())}  # what a deadline (``within``) reads
        previous = getattr(fact, "previous", None)  # a ``Trended`` fact: the value it superseded
        if previous is not None:
            engine["prev"] = _number(previous)
        return engine


def _number(value: Any) -> Any:
    """A number as a float, and -0.0 as 0.0 (exact: whole numbers are at most 2**53).
    durable-rules compares 1 with 1.0, and 0 with -0.0, as equal against a literal, but not
    in a join of two facts' values: so it only ever sees floats, and one zero."""
    return float(value) + 0.0 if type(value) in (int, float) else value


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
    for oid, offer in rulebook.offers.items():
        if offer.if_ is not None:
            claims[f"offer:{oid}"] = offer.if_
    for gid, goal in rulebook.goals.items():
        claims[f"goal:{gid}"] = goal.done_when
    return claims


def compile_rulebook(rulebook: Rulebook, max_rules: int = MAX_RULES) -> CompiledRules:
    conjuncts: dict[str, tuple[Compare, ...]] = {}
    claims: dict[str, str] = {}
    for claim, expr in claim_names(rulebook).items():
        for i, conjunct in enumerate(rulebook.alternatives(expr)):
            conjuncts[f"{claim}#{i}"] = conjunct
            claims[f"{claim}#{i}"] = claim
    events: dict[str, dict[str, Any]] = {}
    for pattern in rulebook.escalations.values():
        for side in (0, 1):
            name = f"hostile:{pattern.id}:{side}#0"
            events[name] = {"all": [{"e": {"$and": [
                {"t": EVENT}, _any_of("subject", pattern.events_of(side)), _any_of("actor", pattern.sides[side])]}}]}
            claims[name] = f"hostile:{pattern.id}:{side}"
    event_subjects = {s for pattern in rulebook.escalations.values() for s in pattern.subjects}
    trended = frozenset(c.subject for conjunct in conjuncts.values() for c in conjunct if c.change is not None)
    whole = dataclasses.replace(_ruleset(rulebook.id, conjuncts, events, event_subjects, claims), trended=trended)
    if len(whole.rules) <= max_rules:
        return whole
    # rules reading the same subjects side by side, so that a fact goes to few parts
    names = sorted(conjuncts, key=lambda n: (min((c.subject for c in conjuncts[n]), default=""), n))
    parts = [_ruleset(f"{rulebook.id}.{i}", {n: conjuncts[n] for n in names[start:start + max_rules]}, {}, set(), claims)
             for i, start in enumerate(range(0, len(names), max_rules))]
    if events:
        parts.append(_ruleset(f"{rulebook.id}.{len(parts)}", {}, events, event_subjects, claims))
    return CompiledRules(name=whole.name, rules=whole.rules, claims=whole.claims, subjects=whole.subjects,
                         routing=whole.routing, parts=tuple(parts), trended=trended, joins=whole.joins)


def route(subject: str, levels: int) -> dict[str, int]:
    """The routing fields of a state fact on ``subject``: one hex digit of its CRC-32 a level."""
    if not levels:
        return {}
    code = zlib.crc32(subject.encode("utf-8"))
    return {f"r{level}": (code >> (4 * level)) % FANOUT for level in range(levels)}


def routing_levels(subjects: int) -> int:
    """Levels enough to leave about ``FANOUT`` subjects under each last routing node."""
    levels, capacity = 0, FANOUT
    while subjects > capacity:
        levels, capacity = levels + 1, capacity * FANOUT
    return levels


def _ruleset(name: str, conjuncts: dict[str, tuple[Compare, ...]], events: dict[str, dict[str, Any]],
             event_subjects: set[str], claims: dict[str, str]) -> CompiledRules:
    state_subjects = {s for conjunct in conjuncts.values() for c in conjunct for s in c.subjects}
    levels = routing_levels(len(state_subjects))
    rules: dict[str, dict[str, Any]] = {}
    joins: dict[str, tuple[tuple[str, str, str], ...]] = {}
    for rule, conjunct in conjuncts.items():
        patterns, tested = _patterns(conjunct, levels)
        rules[rule] = {"all": patterns}
        if tested:
            joins[rule] = tested
    rules.update(events)
    return CompiledRules(name=name, rules=rules, claims={rule: claims[rule] for rule in rules},
                         subjects=frozenset(state_subjects | event_subjects), routing=levels, joins=joins)


def _patterns(conjunct: tuple[Compare, ...], levels: int) -> tuple[list[dict[str, Any]], tuple[tuple[str, str, str], ...]]:
    """One pattern a subject (in subject order, named ``p0``, ``p1``...), and the conjunct's
    comparisons of two subjects as ``(pattern, other pattern, operator)``.  Those are not
    durable-rules joins: the rule matches whichever facts the two subjects have, and the
    comparison is tested on them when the match is reported (``CompiledRules.holds``).
    durable-rules 2.0.28 crashed the process now and then (a segmentation fault in
    ``assert_fact``) with several rules joining the same subjects on their values, and
    skipped a join written after a nested ``$and``/``$or`` in the same pattern; a state
    subject has one live fact at a time, so testing the pair afterwards costs nothing."""
    order = {s: i for i, s in enumerate(sorted({s for c in conjunct for s in c.subjects}))}
    tests: dict[str, list[dict[str, Any]]] = {s: [] for s in order}
    joins: list[tuple[str, str, str]] = []
    for compare in conjunct:
        op = OPERATORS[compare.operator]
        if compare.within is not None:  # a deadline: the fact's day, and once missed the clock's
            tests[compare.subject].append(within_tests(compare, op.test(compare.value)))
            if compare.within.missed:
                tests[TODAY].append(clock_test(compare))
        elif compare.other is None:
            tests[compare.subject].append(op.test(compare.value))
        else:
            joins.append((f"p{order[compare.subject]}", f"p{order[compare.other]}", compare.operator))
    patterns = [
        {f"p{i}": {"$and": [{"t": STATE}, *({k: v} for k, v in route(subject, levels).items()), {"subject": subject}, *tests[subject]]}}
        for subject, i in order.items()
    ]
    return patterns, tuple(joins)


def _any_of(field_name: str, values: list[str]) -> dict[str, Any]:
    return {"$or": [{field_name: v} for v in values]} if len(values) > 1 else {field_name: values[0]}
