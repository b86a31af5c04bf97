"""Willingness shown by conduct (``shown_by`` on an offer): an act the accounts read as a
step toward a move, in force as an offer while the act stands.

The positive mirror of a refusal ended by conduct (``lapses: {when: ...}``, ``engine.lapses``).
An offer with ``shown_by: {subject: S, eq: V}`` is in force only while the fact *in force*
on S meets the comparison, from that fact's date: before such a fact it is not in force, and
a later fact on S that no longer meets it (the prisoners taken back, the delegation recalled)
takes it out of force again.  Its own ``in_force`` dates and ``lapses`` still hold.  The
verdict cites the act's fact beside the offer's quote (``act``), and its quote is the
analyst's reading of the act unless it says otherwise (``rulebook.models.quote_kind_of``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from engine.conditions import compare_met, describe
from engine.facts import Fact, cited_day
from engine.rulebook.models import field_of

if TYPE_CHECKING:  # the rulebook's models only: no import cycle
    from engine.rulebook import Rulebook
    from engine.rulebook.models import Offer, Position, Variant


def act(statement: Position | Offer | Variant, state: Mapping[str, Fact]) -> Fact | None:
    """The fact in force that shows ``statement`` (an offer with ``shown_by``), while it meets
    the comparison; None for any other statement, or when no such fact is in force."""
    shown_by = field_of(statement, "shown_by")
    if shown_by is None:
        return None
    fact = state.get(shown_by.subject)
    if fact is None or not compare_met(shown_by, {fact.subject: fact.value}):
        return None
    return fact


def shown(statement: Position | Offer | Variant, state: Mapping[str, Fact]) -> bool:
    """Whether conduct lets ``statement`` be in force: always for one without ``shown_by``."""
    return field_of(statement, "shown_by") is None or act(statement, state) is not None


def conduct_subjects(rulebook: Rulebook) -> set[str]:
    """The subjects whose facts put an offer in force (``shown_by``)."""
    return {o.shown_by.subject for o in rulebook.offers.values() if o.shown_by is not None}


def shown_offers(rulebook: Rulebook) -> Iterable[Offer]:
    return (o for o in rulebook.offers.values() if o.shown_by is not None)


def how(offer: Offer, fact: Fact) -> str:
    """``shown by USA.prisoners = released (about 2019-11-19, f7)``."""
    return f"shown by {describe(offer.shown_by)} ({cited_day(fact.at, fact.approx)}, {fact.id})"  # type: ignore[arg-type]
