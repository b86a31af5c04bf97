"""Checking inputs against the rulebook: ``parse_inputs`` turns raw items into
``ResolvedFact``s or one ``FactError`` listing every problem with its place and field (nothing
is used when anything is wrong); ``recheck`` checks a recorded fact again against a reloaded
rulebook."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from engine.errors import FactError, Problem, brief, suggest
from engine.facts.fact import Fact, ResolvedFact
from engine.facts.inputs import STATEMENT_FIELDS, FactInput
from engine.rulebook import Rulebook
from engine.rulebook.loader import error_message, fields_of, merge_union_errors, unknown_field_message
from engine.rulebook.references import check_value


def _attribution(fact: FactInput, where: str) -> list[Problem]:
    """An actor claims a fact or denies it, not both; a fact some actor denies is disputed."""
    both = sorted(set(fact.claimed_by) & set(fact.denied_by))
    if both:
        return [Problem(where, "denied_by", f"{', '.join(repr(a) for a in both)} is in both 'claimed_by' and 'denied_by': "
                        "an actor either claims a fact or denies it")]
    if fact.denied_by and fact.confidence != "disputed":
        return [Problem(where, "confidence", f"a fact denied by {', '.join(fact.denied_by)} is disputed: set "
                        f"'confidence: disputed' (it says {fact.confidence!r}), or leave 'denied_by' out")]
    return []


def resolve(fact: FactInput, rulebook: Rulebook, where: str) -> tuple[ResolvedFact | None, list[Problem]]:
    """Check a fact against the scenario: known subject and actors, allowed value, an
    attribution that holds together."""
    if fact.is_withdrawal_only:
        return ResolvedFact(fact, "", "withdrawal", where), []
    if fact.is_statement:  # checked against the session's statements by the session
        named = (fact.states.declaration.id if fact.states is not None
                 else fact.ends[0] if fact.ends else fact.ends_stance[0])  # type: ignore[index]
        problems = _attribution(fact, where) + _unknown_attributors(fact, rulebook, where)
        return (None if problems else ResolvedFact(fact, named, "statement", where)), problems
    attribution = _attribution(fact, where)
    item, problems = _resolve(fact, rulebook, where)
    return (None if attribution else item), attribution + problems


def _unknown_attributors(fact: FactInput, rulebook: Rulebook, where: str) -> list[Problem]:
    """The actors of ``claimed_by`` and ``denied_by`` the scenario does not know."""
    return [Problem(where, f"{fld}.{i}", f"unknown actor {name!r}" + (f"; did you mean {hint!r}?" if hint else "")
                    + f" (known: {', '.join(sorted(rulebook.actors))})")
            for fld in ("claimed_by", "denied_by") for i, name in enumerate(getattr(fact, fld))
            if name not in rulebook.actors for hint in [suggest(name, list(rulebook.actors))]]


def _resolve(fact: FactInput, rulebook: Rulebook, where: str) -> tuple[ResolvedFact | None, list[Problem]]:
    named = [(fld, name) for fld in ("actor", "target") if (name := getattr(fact, fld)) is not None]
    named += [(f"{fld}.{i}", name) for fld in ("claimed_by", "denied_by") for i, name in enumerate(getattr(fact, fld))]
    problems = [Problem(where, fld, f"unknown actor {name!r}" + (f"; did you mean {hint!r}?" if hint else "")
                        + f" (known: {', '.join(sorted(rulebook.actors))})")
                for fld, name in named if name not in rulebook.actors
                for hint in [suggest(name, list(rulebook.actors))]]
    key = _subject_key(fact, rulebook)
    if key is None and any(p.field in ("actor", "target") for p in problems) and "." not in fact.subject:
        return None, problems  # the subject is the unknown actor's: nothing more to say about it
    if key is None and fact.subject in rulebook.subjects:
        owner = fact.subject.split(".", 1)[0]
        return None, [Problem(where, "actor", f"{fact.subject} is {owner}'s subject, but the fact's actor is "
                              f"{fact.actor!r}; leave 'actor' out or set it to {owner!r}")]
    if key is None:
        wanted = f"{fact.actor}.{fact.subject}" if fact.actor and "." not in fact.subject else fact.subject
        hint = suggest(wanted, list(rulebook.subjects))
        problems.append(Problem(where, "subject", f"unknown subject {wanted!r}"
                                + (f"; did you mean {hint!r}?" if hint else "")
                                + f" (known: {', '.join(sorted(rulebook.subjects))})"))
        return None, problems
    subject = rulebook.subjects[key]
    if subject.kind == "state":
        if fact.value is None:
            problems.append(Problem(where, "value", f"a value is required for {key}"))
        else:
            message = check_value(subject, fact.value)
            if message:
                problems.append(Problem(where, "value", message))
        if fact.target is not None:
            problems.append(Problem(where, "target", f"'target' is for events; {key} is a state subject"))
        problems += [Problem(where, name, f"'{name}' is for counted events; {key} is a state subject")
                     for name in ("count", "since") if getattr(fact, name) is not None]
    else:
        if fact.actor is None:
            problems.append(Problem(where, "actor", f"an event needs the actor who did it ({key} is an event subject)"))
        problems += _period_problems(fact, where)
    return (None if problems else ResolvedFact(fact, key, subject.kind, where)), problems


def recheck(fact: Fact, rulebook: Rulebook) -> list[Problem]:
    """What is wrong with a recorded state or event fact under ``rulebook`` (rule files that
    changed since it was checked): the checks of ``resolve``, as if it arrived now, and its
    subject of another kind.  ``where`` is the fact's id.  Statement facts are checked by
    ``engine.statements``."""
    if fact.kind not in ("state", "event"):
        return []
    given = FactInput(at=fact.at, subject=fact.subject, actor=fact.actor, value=fact.value, target=fact.target,
                      count=fact.count, since=fact.since, confidence=fact.confidence,
                      claimed_by=list(fact.claimed_by), denied_by=list(fact.denied_by))
    resolved, problems = resolve(given, rulebook, fact.id)
    if resolved is not None and resolved.kind != fact.kind:
        return [Problem(fact.id, "subject", f"{fact.subject} is now {'an event' if resolved.kind == 'event' else 'a state'} "
                        f"subject; the fact is {'an event' if fact.kind == 'event' else 'a state'}")]
    return problems


def _period_problems(fact: FactInput, where: str) -> list[Problem]:
    """A counted event's period: ``since`` needs a ``count`` and comes before ``at``."""
    if fact.since is None:
        return []
    if fact.count is None:
        return [Problem(where, "since", "'since' starts the period of a counted event: give its 'count' too")]
    if fact.since >= fact.at:
        return [Problem(where, "since", f"{fact.since.isoformat()} is not before 'at' ({fact.at.isoformat()}): "
                        "a counted event is dated at the end of the period it covers, 'since' at its start")]
    return []


def _subject_key(fact: FactInput, rulebook: Rulebook) -> str | None:
    if "." in fact.subject:
        owner = fact.subject.split(".", 1)[0]
        ok = fact.subject in rulebook.subjects and (fact.actor in (None, owner) or rulebook.subjects[fact.subject].kind == "event")
        return fact.subject if ok else None
    if fact.actor and f"{fact.actor}.{fact.subject}" in rulebook.subjects:
        return f"{fact.actor}.{fact.subject}"
    if fact.subject in rulebook.subjects:
        return fact.subject  # shared subject; for events the actor is who did it
    return None


def dated_after(facts: list[ResolvedFact], now: dt.datetime) -> list[Problem]:
    """A problem for each fact dated after ``now``: a warning, or a refusal where the service
    takes no facts dated in the future."""
    return [Problem(f.where, "at", f"{f.input.at.isoformat()} is after now ({now.isoformat()}): the fact is dated in the future")
            for f in facts if f.input.at is not None and f.input.at > now]


def parse_inputs(items: list[tuple[str, Any]], rulebook: Rulebook,
                 problems: list[Problem] | None = None) -> list[ResolvedFact]:
    """Validate raw items (each with where it came from); all or nothing.  ``problems``
    already found in the same input (a line that is not JSON) are raised with the rest."""
    resolved: list[ResolvedFact] = []
    problems = list(problems or [])
    for where, raw in items:
        fact, found = _validate(raw, where)
        if fact is not None:
            item, found = resolve(fact, rulebook, where)
            if item is not None:
                resolved.append(item)
        problems.extend(found)
    if problems:
        raise FactError(problems)
    return resolved


def _validate(raw: Any, where: str) -> tuple[FactInput | None, list[Problem]]:
    """The fact's shape, with a problem for each field that is wrong."""
    if not isinstance(raw, dict):
        return None, [Problem(where, "", f"expected a fact: a mapping with at, subject, value, ...; got {brief(raw)}")]
    stating = any(raw.get(name) is not None for name in STATEMENT_FIELDS)
    needed = ("at",) if stating else ("at", "subject")
    missing = [] if raw.get("withdraws") is not None else [
        Problem(where, name, f"required field {name!r} is missing") for name in needed if raw.get(name) is None]
    try:
        fact = FactInput.model_validate(raw)
    except ValidationError as exc:
        errors = [e for e in merge_union_errors(exc.errors()) if not (missing and not e["loc"])]
        return None, missing + [_problem(where, error) for error in errors]
    return (None, missing) if missing else (fact, [])


def _problem(where: str, error: dict) -> Problem:
    fld = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        return Problem(where, fld, unknown_field_message(fld, fields_of(FactInput)))
    return Problem(where, fld, error_message(error))
