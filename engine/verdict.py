"""The verdict: what the engine says about a session at a time, and why.  Plain data
(pydantic), the same for the CLI's ``--json``, the HTTP API and the Gherkin steps."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["deadlock", "opening", "progress"]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


Confidence = Literal["confirmed", "reported", "disputed"]
QuoteKind = Literal["verbatim", "paraphrase", "reported", "reading"]


def _absent(value: Any) -> bool:
    return value is None


class FactRef(Model):
    """A fact cited as evidence, with how sure it is (``engine.facts``) and, with ``approx``,
    that its date is approximate (cite it as "about" that date: ``engine.facts.cited_day``)."""

    id: str
    subject: str
    value: Any = None
    unit: str = ""
    at: dt.datetime
    actor: str | None = None
    target: str | None = None
    source: str = ""
    note: str = ""
    count: int | None = None  # a counted event: the acts it stands for
    since: dt.datetime | None = None  # ... over the period from here to ``at``
    confidence: Confidence = "confirmed"
    claimed_by: list[str] = []
    denied_by: list[str] = []
    approx: bool = Field(False, exclude_if=operator.not_)  # its date is approximate (left out of the JSON when not)


class PositionRef(Model):
    """A stated position (or its active variant), or an offer (``kind``), cited as evidence.
    ``quote_kind``: how its quote was reported (``verbatim``, ``paraphrase``, ``reported``
    by ``reported_by``, or ``reading``: the analyst's reading of an act); ``shown_by``: for
    an offer shown by conduct, the act's fact in force; ``approx``: its ``said_on`` is
    approximate.  The four are left out of the JSON at their defaults (verbatim, none,
    false), as citations were before they existed."""

    kind: Literal["position", "offer"] = "position"
    id: str
    actor: str
    quote: str
    source: str
    said_by: str = ""
    said_on: dt.date | None = None
    variant: str | None = None
    quote_kind: QuoteKind = Field("verbatim", exclude_if=functools.partial(operator.eq, "verbatim"))
    reported_by: str = Field("", exclude_if=operator.not_)
    shown_by: FactRef | None = Field(None, exclude_if=_absent)
    approx: bool = Field(False, exclude_if=operator.not_)  # ``said_on`` is approximate (left out of the JSON when not)


class StatementState(Model):
    """A position or an offer of a session as of a date: in force or not, since and until
    when (``until``: the first day it is no longer in force), and where it was stated: the
    rule files, or the statement fact that stated it (``stated_by``) and those that ended
    it (``ended_by``).  ``declaration``: as written, without ``in_force``."""

    kind: Literal["position", "offer"]
    id: str
    actor: str
    move: str
    in_force: bool
    since: dt.date | None = None
    until: dt.date | None = None
    restates: str | None = None
    quote: str
    source: str
    stated_by: str
    ended_by: list[str] = []
    declaration: dict[str, Any]


class Partial(Model):
    """A move that would narrow an unmet comparison's gap without closing it: every value
    its ``done_when`` allows is nearer to meeting the comparison than the value now, but
    not every one meets it.  ``gap``: the distance left at worst, in the subject's unit."""

    move: str
    actor: str
    gap: float


class Unmet(Model):
    """One comparison of a position's condition that does not hold, and the fact that
    leaves it unmet (none: nothing is known of the subject yet).  ``trend`` says whether
    the latest change moved toward or away from meeting it.  On a number subject, ``gap``
    is how far the value now is from meeting it, and ``partial`` lists the moves not yet
    made that would narrow that gap without closing it.  A comparison of two subjects
    cites the other subject's fact too (``other``; none: nothing known of it yet), a trend
    the fact the one in force superseded (``previous``; none: there was none)."""

    test: str
    fact: FactRef | None = None
    other: FactRef | None = None
    previous: FactRef | None = None
    trend: Literal["toward", "away"] | None = None
    gap: float | None = None
    partial: list[Partial] = []


class Step(Model):
    """One link of a cycle: ``move`` is withheld by ``position`` until ``waits_for`` is made,
    or (``after``, no position) it can only be made after ``waits_for`` (``Move.after``)."""

    move: str
    actor: str
    description: str = ""
    position: PositionRef | None
    waits_for: str | None
    unmet: list[Unmet]
    after: bool = False


class Cycle(Model):
    moves: list[str]
    actors: list[str]
    steps: list[Step]


class Refusal(Model):
    """A dead end: a move its actor refuses outright while the position is in force
    (``unmet`` empty), or withholds until something that no move can bring about.
    ``clashes_with``: the statements whose terms need a value that cannot also hold, of a
    subject a move decides (a clash of terms: ``rules/README.md`` §5.11)."""

    move: str
    actor: str
    position: PositionRef
    unmet: list[Unmet] = []
    clashes_with: list[str] = Field([], exclude_if=operator.not_)  # left out when empty


class Opening(Model):
    """A change that would open the way (or, with ``available_now``, one that exists now).

    kind: ``move`` (an actor makes a move), ``variant`` (a softer stated position is
    switched on, or is in force and lets its move go ahead), ``substitute`` (a substitute
    move in place of a blocked one), ``ask`` (a move nobody has spoken of: a way to test
    whether its actor would make it).  ``move`` is always the move the opening makes
    possible; ``variant`` the variant involved, if any.  ``reaches_goal``: after it, some
    goal is reachable; ``toward``: the goals not done on whose way its move lies (an
    opening toward an interim goal only does not open the main one).  ``after``: the moves
    not yet done that must be made first, in order (``Move.after``): the opening is that
    path, each of them reachable, then ``move``.  ``clashes``: for a move that ``decides`` a
    value possible now, the statements whose terms for that value clash (no value it writes
    meets them all): it brings no goal nearer until one is given up, and is no way out for
    ripeness."""

    rank: int
    kind: Literal["move", "variant", "substitute", "ask"]
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
    toward: list[str] = []
    after: list[str] = []
    clashes: list[str] = Field([], exclude_if=operator.not_)  # left out when empty


class StanceRef(Model):
    """A stance a concession set names: ``key`` is the id of its first statement (a position
    or an offer; restatements name it with ``restates``) or ``unknown:MOVE`` for silence;
    ``statements`` cites every statement of it in force, restatements included.  ``move``:
    the move of its first statement; ``moves``: every move its statements in force speak
    of (more than one for a package: a restatement on another move, ``restates``)."""

    key: str
    actor: str
    move: str
    kind: Literal["position", "offer", "unknown"]
    statements: list[PositionRef] = []
    moves: list[str] = []


class ConcessionSets(Model):
    """The smallest sets of stances whose being given up (or met) breaks every cycle and
    opens the way to a goal.  ``exact`` is false when the search fell back to a greedy
    approximation (too many positions to try every combination of that size).  A stance
    said several times (``restates``) is one concession; ``stances`` cites each stance the
    sets name, with every quote behind it."""

    size: int
    sets: list[list[str]]
    exact: bool
    note: str = ""
    stances: list[StanceRef] = []


StanceKind = Literal["done", "willing", "free", "offered", "withheld", "refused", "unknown"]


class Stance(Model):
    """Where a move on the way to a goal stands, and what that rests on.

    ``done``; ``willing`` (a position in force whose condition holds, a variant that lets
    the actor move in step, or an offer whose condition holds: ``evidence``); ``free`` (the
    move needs nobody's consent); ``offered`` (an offer in force, its condition not met
    yet: ``unmet``); ``withheld`` (a position in force, its condition unmet); ``refused``
    (a refusal, or a condition no move can meet); ``unknown`` (nobody has said).
    ``after``: the moves not yet done that it comes after (``Move.after``): whatever its
    stance, it cannot be made before them.  A move that needs several parties' consent
    (``Move.consent``) is willing only when every party is, refused when one refuses, else
    unknown while one is ``silent`` (those parties listed), withheld or offered while one
    waits; ``evidence`` cites every party's statements."""

    move: str
    actor: str
    stance: StanceKind
    evidence: list[PositionRef] = []
    unmet: list[Unmet] = []
    after: list[str] = []
    silent: list[str] = []


class GoalState(Model):
    """One goal's own verdict.  ``status``: progress while done, opening while reachable
    with a party's word behind every remaining move, else deadlock; ``blocked_by`` says
    why a deadlocked goal is out of reach: ``cycle``, ``refusal`` (or a dead end), or
    ``untested`` (moves nobody has spoken of, listed in ``untested``; ``reachable_if_willing``
    says whether the goal would open if they all turned out willing).  ``cycles`` and
    ``refusals`` name the verdict's cycles (their moves) and dead ends (their moves) on
    this goal's way; ``openings`` the ranks of the verdict's openings that concern it;
    ``concessions`` the smallest concession sets toward this goal alone."""

    id: str
    description: str = ""
    rank: Literal["main", "interim"] = "main"
    status: Status = "deadlock"
    done: bool
    reachable: bool
    blocked_by: list[Literal["cycle", "refusal", "untested"]] = []
    cycles: list[list[str]] = []
    refusals: list[str] = []
    untested: list[str] = []
    reachable_if_willing: bool = False
    openings: list[int] = []
    concessions: ConcessionSets | None = None
    rests_on_unconfirmed: list[FactRef] = []


class EscalationChain(Model):
    """A live chain (or intensity run) of a pattern: its events, as the ids of the verdict's
    ``escalation_events`` (where each hostile event is cited once, however many chains it
    is in), in order; how many (``size``), the level that number reaches (the pattern's
    ``levels``; ``on`` without), and the times of its first and last event."""

    pattern: str
    events: list[str] = Field(description="the chain's events in order: ids of the verdict's escalation_events")
    size: int = 0
    level: str = "on"
    first_at: dt.datetime = Field(description="the time of the chain's first event")
    last_at: dt.datetime = Field(description="the time of the chain's last event")


class DeEscalation(Model):
    """A pattern's latest de-escalation in the verdict's window: the acts that made it (one,
    or one of each side for ``by: both``); hostile events dated at or before it no longer count."""

    pattern: str
    events: list[FactRef]


RipenessStatus = Literal["ripe", "ripening", "not_ripe"]


class Hurt(Model):
    """One declared cost (``costs`` in the rule files) that a party bears now: ``why`` it
    counts (``threshold``: at or beyond it; ``rising``: its latest change made it worse,
    recently; ``condition``: its ``when`` holds; ``position``: a statement named in
    ``while_in_force`` is in force), since when, and the facts and statements behind it."""

    cost: str
    party: str
    description: str = ""
    why: Literal["threshold", "rising", "condition", "position"]
    since: dt.date | None = None
    text: str
    facts: list[FactRef] = []
    statements: list[PositionRef] = []


class PartyHurting(Model):
    """Whether a party hurts now: some cost it bears does (``costs``); ``since``: the
    earliest date from which one of those has held."""

    party: str
    side: bool  # the party makes a move the goal needs: one of the sides whose hurting makes it mutual
    hurting: bool
    since: dt.date | None = None
    costs: list[Hurt] = []


class Stalemate(Model):
    """A deadlock that has lasted: the goal is held by a cycle of positions or a refusal
    (a stated standoff), and the moves holding it have been withheld by positions in force
    without a break since ``deadlock_since``, for at least ``min_days`` (the scenario's
    ``stalemate_days``).  ``since``: the day it became a stalemate.  ``escalation_failed``:
    a chain of hostile acts ran during that deadlock and it still holds (the strongest
    sign); ``escalation``: its acts, as the ids of the verdict's ``escalation_events``."""

    holds: bool
    deadlock: bool
    deadlock_since: dt.date | None = None
    days: int | None = None
    min_days: int
    since: dt.date | None = None
    moves: list[str] = []
    statements: list[PositionRef] = []
    facts: list[FactRef] = []
    escalation_failed: bool = False
    escalation: list[str] = Field(default=[], description="the acts escalation failed with: ids of the verdict's escalation_events")
    text: str


class WayOut(Model):
    """A way out resting on stated willingness: the goal is itself an opening (every
    remaining move done, willing or free), or an opening toward it that reaches it rests on
    statements made by now (an offer, a softer variant, a position whose condition holds).
    ``openings``: their ranks; ``since``: the latest date those statements were made."""

    holds: bool
    since: dt.date | None = None
    openings: list[int] = []
    statements: list[PositionRef] = []
    text: str


class Ripeness(Model):
    """Zartman's ripeness of one main goal: ``ripe`` (a mutually hurting stalemate and a way
    out), ``ripening`` (one of the two), or ``not_ripe``; ``since``: the day the status
    began, as far as its parts tell (none for not_ripe).  It never changes the goal's status."""

    goal: str
    status: RipenessStatus
    since: dt.date | None = None
    parties: list[PartyHurting] = []
    mutually_hurting: bool
    stalemate: Stalemate
    mutually_hurting_stalemate: bool
    mhs_since: dt.date | None = None
    way_out: WayOut
    text: str


class Deadline(Model):
    """A statement in force that lapses by itself (``lapses`` in the rule files: ``kind`` is
    the statement's), or whose condition has a deadline not yet met (``within``: ``kind``
    ``condition``, ``id`` the statement's): the day (``on``: the lapse day, or the last day
    in time), how many days from the verdict's date (``days_left``), what it is (``what``:
    "offer o1 lapses 90 days after A.deal = signed (2024-01-01, f3)", "position p waits for
    B.sanctions = lifted within 60 days of 2020-12-02") and what happens then (``then``)."""

    kind: Literal["position", "offer", "variant", "condition"]
    id: str
    on: dt.date
    days_left: int
    what: str
    then: str


class Lapsed(Model):
    """A statement that lapsed at a timeline entry's moment: a cause in its own right."""

    kind: Literal["position", "offer", "variant"]
    id: str
    actor: str
    lapsed: str  # "offer o1 lapsed 90 days after A.deal = signed (2024-01-01, f3)"


class Verdict(Model):
    """``admits``: the lowest confidence of the facts it was worked out from (``disputed``:
    every fact).  ``rests_on_unconfirmed``: the less-than-confirmed facts the status rests
    on (``rules/README.md`` §5.7: with every such fact it reads left out, the status would
    differ; named, those whose leaving out alone changes it, else all of them); each goal's
    own in ``goals``, escalation's in ``escalation_rests_on_unconfirmed``.
    ``escalation_levels``: each pattern on, with its level; ``escalation_level`` the highest
    of them (the furthest up its own pattern's levels), None while escalation is off;
    ``de_escalations``: each pattern's latest de-escalation in the window.
    ``escalation_events``: every hostile event of the live chains, each cited once, by time
    then id; ``escalation_chains`` (and a stalemate's ``escalation``) name them by id."""

    scenario: str
    session: str
    as_of: dt.datetime
    status: Status
    escalation: bool
    goals: list[GoalState]
    stances: list[Stance] = []
    moves_done: list[str] = []
    positions_in_force: list[PositionRef]
    offers_in_force: list[PositionRef] = []  # the offers in force, each cited (an act beside one shown by conduct)
    deadlines: list[Deadline] = []
    cycles: list[Cycle]
    refusals: list[Refusal]
    openings: list[Opening]
    concessions: ConcessionSets
    escalation_events: list[FactRef] = Field(description="every hostile event of the live chains, cited once, by time then id")
    escalation_chains: list[EscalationChain] = Field(description="the live chains, naming their events by id")
    summary: list[str]
    ripeness: list[Ripeness] = []  # per main goal: see ``engine.analysis.ripeness``
    escalation_level: str | None = None
    escalation_levels: dict[str, str] = {}
    de_escalations: list[DeEscalation] = []
    admits: Confidence = "disputed"
    rests_on_unconfirmed: list[FactRef] = []
    escalation_rests_on_unconfirmed: list[FactRef] = []

    def key(self) -> tuple[str, bool]:
        """What a timeline tracks: status and escalation."""
        return (self.status, self.escalation)


class GoalMark(Model):
    """A goal as a timeline entry names it: its own status, whether it is a main goal (else
    an interim one), and for a main goal its ripeness status (``Verdict.ripeness``)."""

    id: str
    status: Status
    main: bool
    ripeness: RipenessStatus | None = None


class TimelineEntry(Model):
    """From ``at`` on (until the next entry), the verdict was the one as of ``at``
    (``GET .../verdict?as_of=AT``: an entry cites its verdict by its time, it does not carry
    it; ``TimelineEntryWithVerdict`` does).  ``changes``: what changed from the entry before,
    in words (a goal's status, a cycle formed or broken, a refusal, a stance, a position
    coming into or out of force, escalation, ripeness); ``causes``: the facts dated at this
    moment, and the positions and offers whose dates begin or end here; ``goals``: each
    goal's status then (main and interim), with each main goal's ripeness status;
    ``rests_on_unconfirmed``: the less-than-confirmed facts the status or escalation from
    then on rests on (the verdict's, both lists)."""

    at: dt.datetime
    status: Status
    escalation: bool
    escalation_level: str | None = None
    changes: list[str] = []
    causes: list[FactRef] = []
    statements: list[PositionRef] = []
    lapsed: list[Lapsed] = []
    rests_on_unconfirmed: list[FactRef] = []
    goals: list[GoalMark] = []


class TimelineEntryWithVerdict(TimelineEntry):
    """A timeline entry with its verdict inline (``?verdicts=full``, ``ripeness timeline
    --verdicts``): the verdict as of ``at``, the same as ``GET .../verdict?as_of=AT``."""

    verdict: Verdict
