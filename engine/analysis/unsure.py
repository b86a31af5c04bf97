"""What a verdict rests on among the facts that are less than confirmed (``rules/README.md``
§5.7).

A verdict's status *rests on* its unconfirmed facts when, with every such fact it reads left
out (each subject read at its latest confirmed fact, the unconfirmed events gone), the
status would differ.  The facts named are those whose leaving out alone (the subject read at
the fact before it) changes the status; when none does alone (two reports, each enough), all
of them.  The same holds for each goal's status and for escalation.  The facts a verdict
reads: those in force on the subjects some rule reads, and the events in its window that
some escalation pattern counts (as a hostile act or a de-escalation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.analysis import escalation
from engine.facts import Fact, cited_day
from engine.history import Frame
from engine.rulebook import Rulebook
from engine.verdict import FactRef

MAX_ALONE = 12  # unconfirmed facts each tried alone; beyond, only all of them together


@dataclass(frozen=True)
class Outcome:
    """What the facts decide: the headline status, each goal's, and escalation."""

    status: str
    goals: tuple[tuple[str, str], ...]
    escalation: object


@dataclass(frozen=True)
class Rests:
    """The unconfirmed facts each part of a verdict rests on (empty: none)."""

    status: list[Fact]
    goals: dict[str, list[Fact]]
    escalation: list[Fact]


NOTHING = Rests([], {}, [])


def unconfirmed(frame: Frame, rulebook: Rulebook, read: frozenset[str]) -> list[Fact]:
    """The less-than-confirmed facts a verdict of ``frame`` reads, in recording order."""
    state = [f for s, f in frame.state.items() if s in read and f.confidence != "confirmed"]
    events = [e for e in frame.events if e.confidence != "confirmed"
              and any(escalation.sides_of(p, e) or escalation.calming(p, e) for p in rulebook.escalations.values())]
    return sorted([*state, *events], key=lambda f: f.seq)


def without(frame: Frame, leave: Sequence[Fact], together: bool) -> Frame:
    """``frame`` with ``leave`` left out: each state fact replaced by the latest confirmed
    fact before it (``together``) or by the fact before it (alone); the events dropped."""
    state = dict(frame.state)
    gone = {f.id for f in leave}
    for fact in leave:
        if fact.kind == "state":
            instead = frame.confirmed_before.get(fact.id) if together else frame.previous(fact)
            if instead is None:
                del state[fact.subject]
            else:
                state[fact.subject] = instead
    return Frame(frame.as_of, state, [e for e in frame.events if e.id not in gone], lambda _: None, frame.admits)


def rests(facts: list[Fact], base: Outcome, outcome_without: Callable[[Sequence[Fact], bool], Outcome]) -> Rests:
    """What each part of ``base`` rests on among ``facts`` (see the module docstring);
    ``outcome_without(leave, together)`` works out the outcome with ``leave`` left out."""
    if not facts:
        return NOTHING
    joint = outcome_without(facts, True)
    if joint == base:
        return NOTHING
    alone = {f.id: outcome_without([f], False) for f in facts} if len(facts) <= MAX_ALONE else {}

    def named(part: Callable[[Outcome], object]) -> list[Fact]:
        if part(joint) == part(base):
            return []
        return [f for f in facts if f.id in alone and part(alone[f.id]) != part(base)] or list(facts)

    goals = {g: named(lambda o, g=g: dict(o.goals).get(g)) for g, _ in base.goals}
    return Rests(named(lambda o: o.status), {g: found for g, found in goals.items() if found}, named(lambda o: o.escalation))


def describe(refs: Sequence[FactRef]) -> str:
    """The facts named, in words: ``f12 (disputed: IRN attack_on_shipping on 2019-05-12, claimed by USA, denied by IRN)``."""
    words = []
    for ref in refs:
        who = "".join(f", {label} {', '.join(names)}" for label, names in (("claimed by", ref.claimed_by), ("denied by", ref.denied_by)) if names)
        words.append(f"{ref.id} ({ref.confidence}: {ref.actor + ' ' if ref.actor else ''}{ref.subject} on {cited_day(ref.at, ref.approx)}{who})")
    return "; ".join(words)
