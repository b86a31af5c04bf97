"""Checks that span items and files: duplicates, unknown names, values against subjects'
declarations, conditions that refer to themselves.  Each problem names file and line."""

from __future__ import annotations

from typing import Any

import networkx as nx

from engine.errors import Problem, brief, suggest
from engine.rulebook.models import AllOf, AnyOf, Compare, Expr, Not, Ref, Subject
from engine.values import admitted

# whole numbers beyond 2**53 have no exact double: durable-rules compares them with doubles
# (and saturates past 64 bits) where Python compares them exactly, so the rules and the
# explanations would disagree on them (tests/unit/test_conditions.py)
MAX_WHOLE_NUMBER = 2**53
_SECTION_OF = {"actor": "actors", "subject": "subjects", "condition": "conditions", "move": "moves"}


def check_references(items: dict[str, list[tuple[Any, Any]]],
                     broken: dict[str, set[str]] | None = None) -> list[Problem]:
    """``items`` maps each section to (item, origin) pairs; returns every problem found.
    ``broken`` names, per section, what items too malformed to check declare: a reference
    to one of them is not reported (its item's own problem already is)."""
    problems: list[Problem] = []
    broken = broken or {}

    def report(origin: Any, message: str, *path: Any) -> None:
        problems.append(Problem(origin.at(*path), origin.field(*path), message))

    def index(section: str, key: str = "id") -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for item, origin in items[section]:
            name = getattr(item, key)
            if name in seen:
                report(origin, f"duplicate {section[:-1] if section.endswith('s') else section} id {name!r} (first at {seen[name][1].at()})", "id")
            else:
                seen[name] = (item, origin)
        return {k: v[0] for k, v in seen.items()}

    actors = index("actors")
    subjects = index("subjects", "key")
    conditions = index("conditions")
    moves = index("moves", "key")
    index("goals")
    index("escalation")
    _check_position_and_variant_ids(items, report)

    def known(kind: str, name: str, table: dict, origin: Any, *path: Any) -> bool:
        if name in table:
            return True
        if name in broken.get(_SECTION_OF[kind], set()):
            return False
        hint = suggest(name, list(table))
        hint_text = f"; did you mean {hint!r}?" if hint else ""
        report(origin, f"unknown {kind} {name!r}{hint_text} (known: {', '.join(sorted(table)) or 'none'})", *path)
        return False

    def check_expr(expr: Expr, origin: Any, path: tuple) -> None:
        if isinstance(expr, Compare):
            if expr.within is not None and (expr.other is not None or expr.change is not None):
                report(origin, "'within' takes a comparison with a value: not with another subject, nor a change", *path, "within")
            elif known("subject", expr.subject, subjects, origin, *path, "subject"):
                if expr.other is None:
                    message = value_problem(subjects[expr.subject], expr)
                    if message:
                        report(origin, message, *path, expr.operator)
                elif known("subject", expr.other, subjects, origin, *path, expr.operator, "subject"):
                    message = pair_problem(subjects[expr.subject], subjects[expr.other], expr.operator)
                    if message:
                        report(origin, message, *path, expr.operator, "subject")
        elif isinstance(expr, Ref):
            known("condition", expr.condition, conditions, origin, *path, "condition")
        elif isinstance(expr, (AllOf, AnyOf)):
            parts = expr.all if isinstance(expr, AllOf) else expr.any
            tag = "all" if isinstance(expr, AllOf) else "any"
            for i, part in enumerate(parts):
                check_expr(part, origin, path + (tag, i))
        elif isinstance(expr, Not):
            check_expr(expr.not_, origin, path + ("not",))

    sites: list[tuple[Expr, Any, tuple]] = []  # each condition a rule file writes, where: its size is checked last

    def check_top(expr: Expr, origin: Any, path: tuple) -> None:
        check_expr(expr, origin, path)
        sites.append((expr, origin, path))

    def check_lapse(statement: Any, origin: Any, path: tuple) -> None:
        lapse = statement.lapses
        if lapse is None:
            return
        if lapse.anchor is not None:
            after = lapse.anchor
            key = "after" if lapse.after is not None else "when"
            if after.other is not None:
                report(origin, f"a lapse counts from a fact with a value: compare '{key}' with a value, not another subject",
                       *path, "lapses", key, after.operator)
            elif known("subject", after.subject, subjects, origin, *path, "lapses", key, "subject"):
                message = value_problem(subjects[after.subject], after)
                if message:
                    report(origin, message, *path, "lapses", key, after.operator)
        elif lapse.days is not None:
            in_force = getattr(statement, "in_force", None)
            if statement.said_on is None and (in_force is None or in_force.from_ is None):
                report(origin, f"'lapses: {{days: {lapse.days}}}' counts from the statement's date: give it 'said_on'"
                       + (" or 'in_force: {from: ...}'" if in_force is not None else "")
                       + ", or count from a fact with 'after: {subject: ..., eq: ...}'", *path, "lapses", "days")

    def check_shown_by(act: Compare, origin: Any) -> None:
        """An offer shown by conduct reads the value in force of one state subject."""
        timed = "another subject" if act.other is not None else "a change" if act.change is not None else (
            "a deadline ('within')" if act.within is not None else None)
        if timed is not None:
            report(origin, f"an act shows an offer by the fact in force: compare 'shown_by' with a value, not {timed}",
                   "shown_by", "within" if act.within is not None and act.other is None and act.change is None else act.operator)
        elif known("subject", act.subject, subjects, origin, "shown_by", "subject"):
            message = value_problem(subjects[act.subject], act)
            if message:
                report(origin, message, "shown_by", act.operator)

    for subject, origin in items["subjects"]:
        if subject.actor is not None:
            known("actor", subject.actor, actors, origin, "actor")
    for condition, origin in items["conditions"]:
        check_top(condition.holds_when, origin, ("holds_when",))
    for move, origin in items["moves"]:
        known("actor", move.actor, actors, origin, "actor")
        check_top(move.done_when, origin, ("done_when",))
        if move.substitute_for is not None:
            known("move", move.substitute_for, moves, origin, "substitute_for")
        _check_prerequisites(move, origin, moves, known, report)
        if move.decides and not _chooses(move.done_when, subjects, conditions):
            report(origin, "'decides: true' needs a done_when that allows a subject more than one value "
                   "(in: [a, b], or a range): else the move has nothing to decide", "decides")
        for i, party in enumerate(move.consent):
            if party == move.actor:
                report(origin, f"{party} makes {move.key!r}: 'consent' names the other actors whose consent it needs", "consent", i)
            elif party in move.consent[:i]:
                report(origin, f"{party!r} is named twice in 'consent'", "consent", i)
            else:
                known("actor", party, actors, origin, "consent", i)
    for position, origin in items["positions"]:
        known("actor", position.actor, actors, origin, "actor")
        if known("move", position.withholds, moves, origin, "withholds"):
            owner = moves[position.withholds].actor
            if position.actor not in moves[position.withholds].parties:
                report(origin,
                       f"an actor can only withhold its own moves: {position.withholds!r} is {owner}'s, the position is {position.actor}'s"
                       + _consenting(moves[position.withholds]), "withholds")
        if position.until is not None:
            check_top(position.until, origin, ("until",))
        check_lapse(position, origin, ())
        for i, variant in enumerate(position.variants):
            check_lapse(variant, origin, ("variants", i))
            check_top(variant.switched_on_by, origin, ("variants", i, "switched_on_by"))
            if variant.until is not None:
                check_top(variant.until, origin, ("variants", i, "until"))
    for offer, origin in items["offers"]:
        known("actor", offer.actor, actors, origin, "actor")
        if known("move", offer.offers, moves, origin, "offers"):
            owner = moves[offer.offers].actor
            if offer.actor not in moves[offer.offers].parties:
                report(origin, f"an actor can only offer its own moves: {offer.offers!r} is {owner}'s, the offer is {offer.actor}'s"
                       + _consenting(moves[offer.offers]), "offers")
        check_lapse(offer, origin, ())
        if offer.shown_by is not None:
            check_shown_by(offer.shown_by, origin)
        if offer.if_ is not None:
            check_top(offer.if_, origin, ("if",))
    phased: dict[int, str] = {}
    main_goals = [g.id for g, _ in items["goals"] if g.rank == "main"]  # what an interim goal's ``toward`` may name
    for goal, origin in items["goals"]:
        check_top(goal.done_when, origin, ("done_when",))
        for i, need in enumerate(goal.needs):
            known("move", need, moves, origin, "needs", i)
        if goal.phase is not None:
            if goal.rank != "main":
                report(origin, "only main goals have phases: an interim goal is a step on the way, not a phase of the deal", "phase")
            elif goal.phase in phased:
                report(origin, f"phase {goal.phase} is already goal {phased[goal.phase]!r}'s: one goal a phase (a phase whose"
                       " parts must all hold is one goal whose done_when requires them all)", "phase")
            else:
                phased[goal.phase] = goal.id
        if goal.toward is not None:
            if goal.rank != "interim":
                report(origin, "only an interim goal is a step toward a main goal: a main goal makes the headline itself", "toward")
            elif goal.toward not in main_goals:
                hint = suggest(goal.toward, main_goals)
                report(origin, f"{goal.toward!r} is not a main goal of the scenario" + (f"; did you mean {hint!r}?" if hint else "")
                       + f" (main goals: {', '.join(main_goals) or 'none'})", "toward")
    for pattern, origin in items["escalation"]:
        per_side = pattern.events_of(0) is not pattern.events_of(1)
        for s, acts in enumerate((pattern.events_of(0), pattern.events_of(1)) if per_side else (pattern.events,)):
            for i, event in enumerate(acts):
                at = ("events", s, i) if per_side else ("events", i)
                if known("subject", event, subjects, origin, *at) and subjects[event].kind != "event":
                    report(origin, f"{event!r} is a state subject; escalation counts event subjects (kind: event)", *at)
        for s, side in enumerate(pattern.sides):
            for a, actor in enumerate(side):
                known("actor", actor, actors, origin, "sides", s, a)
        overlap = set(pattern.sides[0]) & set(pattern.sides[1])
        if overlap:
            report(origin, f"an actor cannot be on both sides: {', '.join(sorted(overlap))}", "sides")
        if pattern.de_escalation is not None:
            for i, event in enumerate(pattern.de_escalation.events):
                at = ("de_escalation", "events", i)
                if known("subject", event, subjects, origin, *at):
                    if subjects[event].kind != "event":
                        report(origin, f"{event!r} is a state subject; de-escalation is recognised from event subjects (kind: event)", *at)
                    elif event in pattern.subjects:
                        report(origin, f"{event!r} is one of this pattern's hostile events; an act cannot both escalate and de-escalate", *at)
    _check_costs(items, actors, subjects, report, known, check_top)
    _check_restatements(items["positions"], "position", "withholds", report)
    _check_restatements(items["offers"], "offer", "offers", report)
    _check_condition_cycles(items["conditions"], report)
    _check_prerequisite_cycles(items["moves"], moves, report)
    if not problems:  # every name known and no condition refers to itself: each can be written out
        from engine.conditions import MAX_CONJUNCTS  # it reads the rulebook's models: imported here, not at the top
        sizes: dict[tuple[str, bool], int | None] = {}
        for expr, origin, path in sites:
            if alternatives(expr, conditions, sizes, MAX_CONJUNCTS) is None:
                report(origin, f"too complex: written out (its named conditions too) one 'all' of it has more than {MAX_CONJUNCTS}"
                       " alternatives (an 'all' of nine 'any's of two has 512); write it with fewer 'any' parts under one 'all'", *path)
    return problems


def alternatives(expr: Expr, conditions: dict, sizes: dict[tuple[str, bool], int | None], limit: int,
                 negated: bool = False) -> int | None:
    """How many alternatives ``expr`` has written out (``engine.conditions.to_dnf``'s length,
    named conditions looked through), or None when some conjunction of it would have more
    than ``limit`` (``MAX_CONJUNCTS``: more, ``to_dnf`` refuses).  ``sizes``: per named condition (and
    negation) the number found, kept between calls."""
    if isinstance(expr, Compare):
        return 1
    if isinstance(expr, Ref):
        key = (expr.condition, negated)
        if key not in sizes:
            sizes[key] = alternatives(conditions[expr.condition].holds_when, conditions, sizes, limit, negated)
        return sizes[key]
    if isinstance(expr, Not):
        return alternatives(expr.not_, conditions, sizes, limit, not negated)
    counts = [alternatives(part, conditions, sizes, limit, negated) for part in (expr.all if isinstance(expr, AllOf) else expr.any)]
    if any(count is None for count in counts):
        return None
    if isinstance(expr, AllOf) == negated:  # a disjunction (De Morgan): the alternatives of each part
        return sum(counts)
    product = 1
    for count in counts:
        product *= count
        if product > limit:
            return None
    return product


def _chooses(expr: Expr, subjects: dict, conditions: dict, seen: frozenset[str] = frozenset()) -> bool:
    """Some comparison of ``expr`` (outside a ``not``, named conditions looked through)
    with a value allows its subject more than one value: what a move that ``decides``
    chooses among."""
    if isinstance(expr, Ref):  # a named condition: its definition (one that refers to itself is reported elsewhere)
        named = conditions.get(expr.condition)
        return named is not None and expr.condition not in seen and _chooses(named.holds_when, subjects, conditions,
                                                                               seen | {expr.condition})
    if isinstance(expr, Compare):
        subject = subjects.get(expr.subject)
        if subject is None or expr.other is not None or value_problem(subject, expr):
            return False
        allowed = admitted(expr, subject)
        return len(allowed) > 1 or (not allowed.empty and allowed.lower != allowed.upper)
    if isinstance(expr, (AllOf, AnyOf)):
        return any(_chooses(part, subjects, conditions, seen) for part in (expr.all if isinstance(expr, AllOf) else expr.any))
    return False


def _consenting(move: Any) -> str:
    """For a refused statement on another actor's move: who may speak of it."""
    if move.consent:
        return f" (or one whose consent it needs: {', '.join(move.consent)})"
    return " (or, if it needs that actor's consent too, name the actor in the move's 'consent')"


def _check_prerequisites(move: Any, origin: Any, moves: dict, known: Any, report: Any) -> None:
    """Each move a move is ``after`` exists, is not the move itself, and is named once."""
    seen: set[str] = set()
    for i, before in enumerate(move.after):
        if before == move.key:
            report(origin, f"a move cannot come after itself: {move.key!r} names itself in 'after'", "after", i)
        elif before in seen:
            report(origin, f"{before!r} is named twice in 'after'", "after", i)
        else:
            known("move", before, moves, origin, "after", i)
        seen.add(before)


def _check_prerequisite_cycles(items: list[tuple[Any, Any]], moves: dict, report: Any) -> None:
    """No move comes, through ``after``, before itself: such moves could never be made."""
    graph = nx.DiGraph()
    origins = {}
    for move, origin in items:
        origins.setdefault(move.key, origin)
        for before in move.after:
            if before in moves and before != move.key:
                graph.add_edge(move.key, before)
    for cycle in nx.simple_cycles(graph):
        first = min(cycle)
        loop = cycle[cycle.index(first):] + cycle[:cycle.index(first)]
        order = " after ".join([*loop, first])
        report(origins[first], f"moves that wait on each other through 'after' can never be made: {order}", "after",
               moves[first].after.index(loop[1 % len(loop)]))


def _check_costs(items: dict[str, list[tuple[Any, Any]]], actors: dict, subjects: dict, report, known, check_expr) -> None:
    """Each cost's party, subject (a number state subject), condition and statements exist."""
    seen: dict[str, Any] = {}
    stated = {item.id for section in ("positions", "offers") for item, _ in items[section]}
    for cost, origin in items["costs"]:
        if cost.id in seen:
            report(origin, f"duplicate cost id {cost.id!r} (first at {seen[cost.id].at()})", "id")
        seen.setdefault(cost.id, origin)
        known("actor", cost.party, actors, origin, "party")
        if cost.subject is not None and known("subject", cost.subject, subjects, origin, "subject"):
            subject = subjects[cost.subject]
            if subject.kind != "state" or subject.type != "number":
                report(origin, f"{cost.subject!r} is a{'n' if subject.kind == 'event' else ''} {subject.kind} subject of type "
                       f"{subject.type}; a cost's 'threshold' and 'rising_days' read a number state subject "
                       "(use 'when' for a condition on any state subject)", "subject")
        if cost.when is not None:
            check_expr(cost.when, origin, ("when",))
        for i, statement in enumerate(cost.while_in_force):
            if statement not in stated:
                hint = suggest(statement, sorted(stated))
                report(origin, f"unknown position or offer {statement!r}{'; did you mean ' + repr(hint) + '?' if hint else ''}",
                       "while_in_force", i)


def value_problem(subject: Subject, compare: Compare) -> str | None:
    """Why ``compare`` cannot be applied to ``subject``, or None."""
    if subject.kind == "event":
        return f"{subject.key} is an event subject; conditions read state subjects only"
    op, operand = compare.operator, compare.value
    if op == "change":  # a trend: a number subject, changed by a number (a float; no min or max: it is a difference)
        return f"a change compares numbers, but {subject.key} is {subject.type}" if subject.type != "number" else None
    values = operand if op in ("in", "not_in") else [operand]
    if op in ("lt", "le", "gt", "ge") and subject.type != "number":
        return f"{op} compares numbers, but {subject.key} is {subject.type}"
    for value in values:
        message = check_value(subject, value)
        if message:
            return message
    return None


def pair_problem(subject: Subject, other: Subject, op: str) -> str | None:
    """Why ``subject`` cannot be compared with ``other`` by ``op``, or None: both state
    subjects, not the same one, of one type and unit (an enum: the same values)."""
    for one in (subject, other):
        if one.kind == "event":
            return f"{one.key} is an event subject; conditions read state subjects only"
    if subject.key == other.key:
        return f"{subject.key} is compared with itself; compare it with another subject or a value"
    if subject.type != other.type:
        return f"{subject.key} is {subject.type} but {other.key} is {other.type}: only subjects of one type compare"
    if op in ("lt", "le", "gt", "ge") and subject.type != "number":
        return f"{op} compares numbers, but {subject.key} and {other.key} are {subject.type}"
    if subject.unit != other.unit:
        return (f"{subject.key} is in {subject.unit or 'no unit'} but {other.key} is in {other.unit or 'no unit'}:"
                " only subjects of one unit compare")
    if subject.type == "enum" and set(subject.values or ()) != set(other.values or ()):
        return f"{subject.key} and {other.key} take different values ({', '.join(subject.values or ())} / {', '.join(other.values or ())})"
    return None


def check_value(subject: Subject, value: Any) -> str | None:
    """Why ``value`` is not allowed for ``subject``, or None."""
    if subject.kind == "event":
        return None if value is None or isinstance(value, (str, int, float, bool)) else "an event value must be a plain value"
    if subject.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{subject.key} is a number{f' ({subject.unit})' if subject.unit else ''}; got {value!r}"
        if isinstance(value, int) and abs(value) > MAX_WHOLE_NUMBER:
            return (f"{subject.key}: a whole number may be at most {MAX_WHOLE_NUMBER:,} either side of 0 (2**53: the rules "
                    f"engine compares beyond it inexactly); got {brief(value)}")
        if subject.min is not None and value < subject.min:
            return f"{subject.key} must be at least {subject.min:g}; got {value!r}"
        if subject.max is not None and value > subject.max:
            return f"{subject.key} must be at most {subject.max:g}; got {value!r}"
    elif subject.type == "enum":
        if value not in (subject.values or []):
            return f"{value!r} is not an allowed value of {subject.key}; expected one of {', '.join(subject.values or [])}"
    elif subject.type == "bool":
        if not isinstance(value, bool):
            return f"{subject.key} is true or false; got {value!r}"
    elif not isinstance(value, str):
        return f"{subject.key} is text; got {value!r}"
    return None


def _check_position_and_variant_ids(items: dict, report: Any) -> None:
    seen: dict[str, Any] = {}
    for offer, origin in items["offers"]:
        if offer.id in seen:
            report(origin, f"duplicate offer id {offer.id!r}: position, variant and offer ids share one namespace (first at {seen[offer.id]})", "id")
        else:
            seen[offer.id] = origin.at("id")
    for position, origin in items["positions"]:
        entries = [(position.id, ("id",), "position")] + [
            (v.id, ("variants", i, "id"), "variant") for i, v in enumerate(position.variants)
        ]
        for name, path, kind in entries:
            if name in seen:
                report(origin,
                       f"duplicate {kind} id {name!r}: position, variant and offer ids share one namespace (first at {seen[name]})", *path)
            else:
                seen[name] = origin.at(*path)


def _check_restatements(statements: list[tuple[Any, Any]], kind: str, move_field: str, report: Any) -> None:
    """``restates`` names the first statement of the same stance: a statement of the same
    kind, by the same actor, that restates nothing itself.  On another move of the actor's,
    it makes one stance of both (a package: "no X and no Y until Z")."""
    first = {}
    for statement, _ in statements:
        first.setdefault(statement.id, statement)
    for statement, origin in statements:
        target = statement.restates
        if target is None:
            continue
        original = first.get(target)
        if original is None:
            hint = suggest(target, list(first))
            article = "an" if kind == "offer" else "a"
            report(origin, f"restates an unknown {kind} {target!r}{f'; did you mean {hint!r}?' if hint else ''}"
                           f" ({article} {kind} can only restate {article} {kind})", "restates")
        elif original is statement:
            report(origin, f"a {kind} cannot restate itself", "restates")
        elif original.restates is not None:
            report(origin, f"{target!r} restates {original.restates!r} itself: name the first statement of the stance,"
                           f" restates: {original.restates}", "restates")
        elif original.actor != statement.actor:
            report(origin, f"a restatement speaks for the same actor: {target!r} is {original.actor}'s on"
                           f" {getattr(original, move_field)}, this {kind} is {statement.actor}'s on {getattr(statement, move_field)}",
                   "restates")


def _check_condition_cycles(conditions: list[tuple[Any, Any]], report: Any) -> None:
    graph = nx.DiGraph()
    origins = {}
    for condition, origin in conditions:
        origins.setdefault(condition.id, origin)
        graph.add_node(condition.id)
        for ref in _refs(condition.holds_when):
            graph.add_edge(condition.id, ref)
    for cycle in nx.simple_cycles(graph):
        first = min(cycle)
        origin = origins.get(first)
        if origin is None:
            continue
        loop = " -> ".join(cycle[cycle.index(first):] + cycle[:cycle.index(first)] + [first])
        what = "refers to itself" if len(cycle) == 1 else "refers to itself through other conditions"
        report(origin, f"condition {first!r} {what}: {loop}", "holds_when")


def _refs(expr: Expr) -> list[str]:
    if isinstance(expr, Ref):
        return [expr.condition]
    if isinstance(expr, AllOf):
        return [r for e in expr.all for r in _refs(e)]
    if isinstance(expr, AnyOf):
        return [r for e in expr.any for r in _refs(e)]
    if isinstance(expr, Not):
        return _refs(expr.not_)
    return []
