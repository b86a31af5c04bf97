"""Trends: a comparison of a state subject's value in force with the value of the fact it
superseded (``{subject: S, change: {le: 0}}``: S has not grown since the previous fact).

What is read is exactly two facts: the one in force on S and the one just before it (by
date, then by recording order): ``History.previous``, kept also by a partial history and by
a frame.  With no fact, or no fact before it, the trend is unknown: unmet, and so is its
negation.  The rules engine sees the earlier value on the state fact itself (``prev``): a
subject a trend reads is given to the working memory as a ``Trended`` fact whose identity
names both facts, so a fact recorded later between them changes what the engine holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.conditions import previous_key
from engine.facts import Fact


@dataclass(frozen=True, slots=True)
class Trended(Fact):
    """A state fact with the value of the fact it superseded (``previous``), as the working
    memory holds it for a subject some trend reads; its ``id`` is ``FACT<PREVIOUS``."""

    previous: Any = None


def trended(fact: Fact, previous: Callable[[Fact], Fact | None]) -> Fact:
    """``fact`` with the value it superseded, if there was one (else ``fact`` itself)."""
    before = previous(fact)
    if before is None:
        return fact
    fields = {f.name: getattr(fact, f.name) for f in dataclasses.fields(Fact)}
    return Trended(**{**fields, "id": f"{fact.id}<{before.id}"}, previous=before.value)


def with_previous(values: dict[str, Any], state: Mapping[str, Fact], previous: Callable[[Fact], Fact | None],
                  subjects: frozenset[str]) -> dict[str, Any]:
    """``values`` with, for each of ``subjects`` that has a fact before the one in force,
    that fact's value under ``previous_key`` (what ``conditions.compare_met`` reads of a trend)."""
    for subject in subjects:
        fact = state.get(subject)
        before = previous(fact) if fact is not None else None
        if before is not None:
            values[previous_key(subject)] = before.value
    return values
