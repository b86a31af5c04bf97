"""The verdict: what the engine says about a session at a time, and why.  Plain data
(pydantic), the same for the CLI's ``--json``, the HTTP API and the Gherkin steps."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["deadlock", "opening", "progress"]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class FactRef(Model):
    """A fact cited as evidence."""

    id: str
    subject: str
    value: Any = None
    unit: str = ""
    at: dt.datetime
    actor: str | None = None
    target: str | None = None
    source: str = ""
    note: str = ""


class PositionRef(Model):
    """A stated position (or its active variant) cited as evidence."""

    id: str
    actor: str
    quote: str
    source: str
    said_by: str = ""
    said_on: dt.date | None = None
    variant: str | None = None


class Unmet(Model):
    """One comparison of a position's condition that does not hold, and the fact that
    leaves it unmet (none: nothing is known of the subject yet).  ``trend`` says whether
    the latest change moved toward or away from meeting it."""

    test: str
    fact: FactRef | None = None
    trend: Literal["toward", "away"] | None = None


class Step(Model):
    """One link of a cycle: ``move`` is withheld by ``position`` until ``waits_for`` is made."""

    move: str
    actor: str
    description: str = ""
    position: PositionRef
    waits_for: str | None
    unmet: list[Unmet]


class Cycle(Model):
    moves: list[str]
    actors: list[str]
    steps: list[Step]


class Refusal(Model):
    """A dead end: a move its actor refuses outright while the position is in force
    (``unmet`` empty), or withholds until something that no move can bring about."""

    move: str
    actor: str
    position: PositionRef
    unmet: list[Unmet] = []


class Opening(Model):
    """A change that would open the way (or, with ``available_now``, one that exists now).

    kind: ``move`` (an actor makes a move), ``variant`` (a softer stated position is
    switched on, or is in force and lets its move go ahead), ``substitute`` (a substitute
    move in place of a blocked one).  ``move`` is always the move the opening makes
    possible; ``variant`` the variant involved, if any."""

    rank: int
    kind: Literal["move", "variant", "substitute"]
    what: str
    move: str
    variant: str | None = None
    actor: str
    description: str
    facts_needed: list[str] = []
    satisfies: list[str] = []
    breaches: list[str] = []
    breaks_all_cycles: bool
    reaches_goal: bool
    available_now: bool = False
    evidence: list[PositionRef] = []


class ConcessionSets(Model):
    """The smallest sets of positions whose being given up (or met) breaks every cycle and
    opens the way to a goal.  ``exact`` is false when the search fell back to a greedy
    approximation (too many positions to try every combination of that size)."""

    size: int
    sets: list[list[str]]
    exact: bool
    note: str = ""


class GoalState(Model):
    id: str
    description: str = ""
    done: bool
    reachable: bool


class EscalationChain(Model):
    pattern: str
    events: list[FactRef]


class Verdict(Model):
    scenario: str
    session: str
    as_of: dt.datetime
    status: Status
    escalation: bool
    goals: list[GoalState]
    moves_done: list[str] = []
    positions_in_force: list[PositionRef]
    cycles: list[Cycle]
    refusals: list[Refusal]
    openings: list[Opening]
    concessions: ConcessionSets
    escalation_events: list[FactRef]
    escalation_chains: list[EscalationChain]
    summary: list[str]

    def key(self) -> tuple[str, bool]:
        """What a timeline tracks: status and escalation."""
        return (self.status, self.escalation)


class TimelineEntry(Model):
    """From ``at`` on (until the next entry), the verdict was this."""

    at: dt.datetime
    status: Status
    escalation: bool
    verdict: Verdict
