"""Pydantic models of a scenario's rule files: the format an analyst writes.

A scenario is a folder of YAML files; every file is a mapping whose top-level keys are
sections (``scenario``, ``actors``, ``subjects``, ``conditions``, ``moves``, ``positions``,
``offers``, ``goals``, ``escalation``, ``costs``).  Sections may be split over files in any way; the loader merges
them.  These models check each item's shape; references between items (an unknown actor, a
value outside a subject's set, a condition that refers to itself) are checked by
``engine.rulebook.references`` once all files are read.

Names: actors and subjects' own ids are identifiers; a subject or move that belongs to an
actor is referred to as ``ACTOR.id`` (``IRN.enrichment_pct``, ``USA.grant_relief``); a
shared subject (``talks``) by its id alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictBool, StringConstraints, Tag, field_validator, model_validator

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]
DottedName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")]
# words for a reader (titles, descriptions, quotes, sources): a YAML ``>`` block's closing
# newline and stray spaces at either end are dropped, so they never show in a sentence
Prose = Annotated[str, StringConstraints(strip_whitespace=True)]
Scalar = Union[bool, int, float, str]
# how a statement's quote was reported (``quote_kind``): a party's words as said, in other
# words, as another party told them, or (an offer shown by conduct) the analyst's reading
QuoteKind = Literal["verbatim", "paraphrase", "reported", "reading"]
# the older way to mark a paraphrase: a quote beginning "(paraphrase)" or "(paraphrase apart from the quoted words)"
_MARKED_PARAPHRASE = re.compile(r"\(paraphrase\b[^)]*\)")


def marked_paraphrase(quote: str) -> bool:
    """Whether a quote marks itself as a paraphrase, the older way: it begins with a
    parenthesis whose first word is "paraphrase" (``(paraphrase)``, ``(paraphrase of the
    communiqué)``).  Such a quote is shown as written, never marked a second time."""
    return _MARKED_PARAPHRASE.match(quote) is not None


TODAY = "@today"  # not a subject of any rule file: the day a verdict is asked for, as rules read it (``Within``)
COMPARISON_OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "change")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- condition expressions ---------------------------------------------------------------


class OtherSubject(Strict):
    """``{subject: IRN.declared_cap}`` as a comparison's operand: the value in force of another
    state subject (of the same type and unit), compared with the first one's."""

    subject: DottedName


class Change(Strict):
    """``{le: 0}`` as a comparison's ``change``: how the value in force compares with the
    value of the fact it superseded plus a number (``le: 0``: it has not grown; ``ge: 50``:
    it rose by at least 50).  Exactly one of the six operators."""

    eq: float | None = None
    ne: float | None = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> Change:
        given = [op for op in ("eq", "ne", "lt", "le", "gt", "ge") if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(f"a change needs exactly one operator of eq, ne, lt, le, gt, ge; got {', '.join(given) or 'none'}")
        return self

    @functools.cached_property
    def operator(self) -> str:
        return next(op for op in ("eq", "ne", "lt", "le", "gt", "ge") if getattr(self, op) is not None)

    @functools.cached_property
    def value(self) -> float:
        return getattr(self, self.operator)


class Within(Strict):
    """``{days: 60, of: 2020-12-02}`` on a comparison: it was met in time, by the fact in
    force dated no later than ``days`` after ``of``.  ``missed: true`` is its negation (what
    ``{not: ...}`` makes of it): the deadline has passed and the fact in force does not meet
    it in time.  Before the deadline neither holds."""

    days: int = Field(gt=0, le=36500)
    of: dt.date
    missed: bool = False

    @property
    def deadline(self) -> dt.date:
        """The last day that counts as in time."""
        try:
            return self.of + dt.timedelta(days=self.days)
        except OverflowError:
            return dt.date.max


class Compare(Strict):
    """``{subject: IRN.enrichment_pct, le: 3.67}``: one subject against one value (or a list
    for ``in`` / ``not_in``), or against another subject (``le: {subject: IRN.cap}``, for
    ``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge``).  A subject with no fact yet makes the
    comparison unmet, and so does a negated one: an unknown is never evidence."""

    subject: DottedName
    eq: Scalar | OtherSubject | None = None
    ne: Scalar | OtherSubject | None = None
    lt: float | OtherSubject | None = None
    le: float | OtherSubject | None = None
    gt: float | OtherSubject | None = None
    ge: float | OtherSubject | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    change: Change | None = None  # since the previous fact on the subject (``Change``)
    within: Within | None = None  # met in time, or (``missed``) not (``Within``)

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> Compare:
        given = [op for op in COMPARISON_OPERATORS if self.operand(op) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a comparison needs exactly one operator of {', '.join(COMPARISON_OPERATORS)};"
                f" got {', '.join(given) or 'none'}"
            )
        return self

    def operand(self, op: str) -> Any:
        return getattr(self, "in_" if op == "in" else op)

    @functools.cached_property
    def operator(self) -> str:
        return next(op for op in COMPARISON_OPERATORS if self.operand(op) is not None)

    @functools.cached_property
    def value(self) -> Any:
        return self.operand(self.operator)

    @functools.cached_property
    def other(self) -> str | None:
        """The subject compared with, when the operand is another subject (else None)."""
        return self.value.subject if isinstance(self.value, OtherSubject) else None

    @property
    def subjects(self) -> tuple[str, ...]:
        """The subjects the comparison reads: its own, then the other one if any (or
        ``@today``, the day asked, for a missed deadline)."""
        if self.within is not None and self.within.missed:
            return (self.subject, TODAY)
        return (self.subject,) if self.other is None else (self.subject, self.other)


class AllOf(Strict):
    """``{all: [...]}``: every part holds."""

    all: list[Expr] = Field(min_length=1)


class AnyOf(Strict):
    """``{any: [...]}``: at least one part holds."""

    any: list[Expr] = Field(min_length=1)


class Not(Strict):
    """``{not: ...}``: the part does not hold (with every subject it reads known)."""

    not_: Expr = Field(alias="not")


class Ref(Strict):
    """``{condition: within_jcpoa_limits}``: a named condition."""

    condition: Identifier


def _expr_tag(value: Any) -> str | None:
    keys = set(value) if isinstance(value, dict) else {type(value).__name__}
    for key, tag in (("all", "all"), ("AllOf", "all"), ("any", "any"), ("AnyOf", "any"),
                     ("not", "not"), ("Not", "not"), ("condition", "ref"), ("Ref", "ref"),
                     ("subject", "compare"), ("Compare", "compare")):
        if key in keys:
            return tag
    return None


Expr = Annotated[
    Union[
        Annotated[Compare, Tag("compare")],
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[Not, Tag("not")],
        Annotated[Ref, Tag("ref")],
    ],
    Discriminator(
        _expr_tag,
        custom_error_type="invalid_condition",
        custom_error_message=(
            "expected a condition: {subject: ..., <operator>: ...}, {all: [...]},"
            " {any: [...]}, {not: ...} or {condition: <id>}"
        ),
    ),
]

# --- scenario items ------------------------------------------------------------------------


class ScenarioInfo(Strict):
    id: Identifier
    title: Prose
    description: Prose = ""
    # how long a main goal's deadlock must have lasted to be a stalemate (ripeness)
    stalemate_days: int = Field(default=180, ge=1, le=36500)


class Actor(Strict):
    id: Identifier
    name: str
    description: Prose = ""


class Subject(Strict):
    """A typed quantity of the world (``kind: state``) or a kind of one-off event
    (``kind: event``).  States supersede one another; events do not."""

    id: Identifier
    actor: Identifier | None = None
    kind: Literal["state", "event"] = "state"
    type: Literal["number", "enum", "bool", "text"] = "number"
    unit: str = ""
    values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    description: Prose = ""

    @model_validator(mode="after")
    def _values_match_type(self) -> Subject:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum subject needs a non-empty 'values' list")
        if self.type != "enum" and self.values is not None:
            raise ValueError(f"'values' is only for enum subjects, this one is {self.type}")
        if self.type != "number" and (self.min is not None or self.max is not None):
            raise ValueError("'min' and 'max' are only for number subjects")
        return self

    @property
    def key(self) -> str:
        return f"{self.actor}.{self.id}" if self.actor else self.id


class Condition(Strict):
    id: Identifier
    description: Prose = ""
    holds_when: Expr


class Move(Strict):
    """Something an actor can do, and the condition that shows it done.  ``free``: the
    move needs nobody's decision (an inspector's routine report): it counts as willing
    without a statement.  Any other move is *unknown* until a position or an offer speaks
    of it: silence is not consent.  ``after``: the moves that must be made before this one
    can be (a bill is signed once it has passed): while one of them is not done, the move
    cannot be made, whatever its actor has said (``rules/README.md`` §5.9).  ``consent``:
    the other actors whose consent it needs (a law: the Senate too; a deal: both
    signatures): each may withhold or offer it, and it is willing only when every one of
    them and its actor is (``rules/README.md`` §5.10).  ``decides``: the move settles a
    subject's value among those its ``done_when`` allows (a text the parties write): it can
    meet a condition that needs any one of them, unless two statements in force need values
    of it that cannot both hold, a clash of terms (``rules/README.md`` §5.11)."""

    id: Identifier
    actor: Identifier
    description: Prose = ""
    done_when: Expr
    substitute_for: DottedName | None = None
    free: bool = False
    decides: bool = False
    after: list[DottedName] = Field(default=[], max_length=64)
    consent: list[Identifier] = Field(default=[], max_length=64)

    @property
    def parties(self) -> tuple[str, ...]:
        """Whose word the move needs: its actor, then each actor of ``consent``."""
        return (self.actor, *self.consent)

    @property
    def key(self) -> str:
        return f"{self.actor}.{self.id}"


class InForce(Strict):
    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> InForce:
        if self.from_ and self.until and self.until <= self.from_:
            raise ValueError("'until' must be after 'from'")
        return self


class Lapse(Strict):
    """When a statement stops being in force by itself (an interim understanding, an offer
    with a deadline): on a ``date``, or ``days`` after a date: the statement's own
    ``in_force.from`` (else its ``said_on``), or with ``after`` the date of the fact in force
    on ``after``'s subject while that fact meets ``after`` (``{subject: S, eq: V}``: a later
    fact on S renews it).  It is out of force from that day on (as ``in_force.until``).
    ``when`` alone: ended by conduct, from the day of the fact in force on its subject,
    while that fact meets it (a refusal of talks ended by taking part in them): ``after``
    with no days to wait."""

    date: dt.date | None = None  # not ``on``: YAML reads a bare ``on`` key as true
    days: int | None = Field(default=None, gt=0, le=36500)
    after: Compare | None = None
    when: Compare | None = None

    @property
    def anchor(self) -> Compare | None:
        """The comparison whose fact in force starts the clock (``after`` or ``when``)."""
        return self.after if self.after is not None else self.when

    @model_validator(mode="after")
    def _one_form(self) -> Lapse:
        if self.when is not None:
            if self.date is not None or self.days is not None or self.after is not None:
                raise ValueError("'when' ends the statement from the day of the fact that meets it: give it alone"
                                 " (for a delay after that fact, write 'days: N, after: ...')")
            return self
        if self.after is not None and self.days is None:
            raise ValueError("'after' counts 'days' from a fact: give 'days: N' with it, or use 'date: DATE' alone")
        if (self.date is None) == (self.days is None):
            raise ValueError("a lapse needs either 'date: DATE' or 'days: N' (with an optional 'after'); got "
                             + ("both" if self.date is not None else "neither"))
        return self


def field_of(statement: Position | Offer | Variant, name: str) -> Any:
    """The value of a statement's field ``name``, None where its kind has no such field (a
    position's ``shown_by``, a variant's ``in_force``): ``getattr(statement, name, None)``,
    read off the fields a ``Strict`` model holds (all of them and nothing else, in its
    ``__dict__``) without pydantic's ``__getattr__`` raising and catching an AttributeError
    for a missing one, 10 to 24 us a call where this takes half a microsecond (``in_force``
    asks it of every position it checks: benchmarks/RESULTS.md, h-post14)."""
    return statement.__dict__.get(name)


def quote_kind_of(statement: Position | Offer | Variant) -> QuoteKind:
    """How a statement's quote was reported: its ``quote_kind``; else ``paraphrase`` for a
    quote beginning ``(paraphrase)`` or ``(paraphrase ...)`` (the older form, ``marked_paraphrase``), ``reading`` for an offer shown by
    conduct (``shown_by``: the analyst's reading of the act), else ``verbatim``."""
    if statement.quote_kind is not None:
        return statement.quote_kind
    if marked_paraphrase(statement.quote):
        return "paraphrase"
    return "reading" if field_of(statement, "shown_by") is not None else "verbatim"


def check_quote_kind(statement: Position | Offer | Variant) -> None:
    """``reported_by`` goes with ``quote_kind: reported`` (and that needs it); ``reading``
    is for an offer shown by conduct (``shown_by``)."""
    kind = statement.quote_kind
    if kind == "reported" and not statement.reported_by:
        raise ValueError("'quote_kind: reported' needs 'reported_by': whose account the words are known from")
    if statement.reported_by and kind != "reported":
        raise ValueError("'reported_by' is for words known from another's account: give 'quote_kind: reported' with it")
    if kind == "reading" and getattr(statement, "shown_by", None) is None:
        raise ValueError("'quote_kind: reading' (the analyst's reading of an act) is for an offer shown by conduct"
                         " ('shown_by'); a party's words are verbatim, paraphrase or reported")


class Variant(Strict):
    """A softer form of a position, in force while ``switched_on_by`` holds.
    ``simultaneous: true``: the actor will make its move in step with the moves that meet
    its condition instead of after them.  ``until``: a softer condition replacing the
    position's own."""

    id: Identifier
    switched_on_by: Expr
    simultaneous: bool = False
    until: Expr | None = None
    quote: Prose = Field(min_length=1)
    quote_kind: QuoteKind | None = None  # how the quote was reported (``Quoted``); none: verbatim
    reported_by: Prose = ""  # whose account the words are known from (``quote_kind: reported``)
    source: Prose = Field(min_length=1)
    said_by: Prose = ""
    said_on: dt.date | None = None
    approx: StrictBool = False  # its dates (``said_on``, ``in_force``) are approximate: cited as "about" them
    description: Prose = ""
    lapses: Lapse | None = None  # when the softer form stops by itself (see ``Lapse``)

    @model_validator(mode="after")
    def _quote_kind_fits(self) -> Variant:
        check_quote_kind(self)
        return self

    @model_validator(mode="after")
    def _softens_something(self) -> Variant:
        if not self.simultaneous and self.until is None:
            raise ValueError("a variant must set 'simultaneous: true' or a softer 'until'")
        return self


class Position(Strict):
    """An actor's stated position: it withholds a move until a condition holds (no
    ``until``: it refuses the move outright), with the quote and source it rests on."""

    id: Identifier
    actor: Identifier
    withholds: DottedName
    until: Expr | None = None
    quote: Prose = Field(min_length=1)
    quote_kind: QuoteKind | None = None  # how the quote was reported (``Quoted``); none: verbatim
    reported_by: Prose = ""  # whose account the words are known from (``quote_kind: reported``)
    source: Prose = Field(min_length=1)
    said_by: Prose = ""
    said_on: dt.date | None = None
    approx: StrictBool = False  # its dates (``said_on``, ``in_force``) are approximate: cited as "about" them
    in_force: InForce = InForce()
    variants: list[Variant] = []
    description: Prose = ""
    restates: Identifier | None = None  # the first statement of the same stance (same actor; on another move: a package)
    lapses: Lapse | None = None  # when it stops being in force by itself (see ``Lapse``)

    @model_validator(mode="after")
    def _quote_kind_fits(self) -> Position:
        check_quote_kind(self)
        return self


class Offer(Strict):
    """A conditional commitment an actor has stated: it *will* make its move ``offers`` once
    ``if`` holds (no ``if``: it will make it now).  The positive counterpart of a position,
    and evidence of willingness: a move with no position in force on it counts as willing
    only through an offer (or when it is ``free``)."""

    id: Identifier
    actor: Identifier
    offers: DottedName
    if_: Expr | None = Field(default=None, alias="if")
    quote: Prose = Field(min_length=1)
    quote_kind: QuoteKind | None = None  # how the quote was reported (``Quoted``); none: verbatim, or with ``shown_by`` reading
    reported_by: Prose = ""  # whose account the words are known from (``quote_kind: reported``)
    source: Prose = Field(min_length=1)
    said_by: Prose = ""
    said_on: dt.date | None = None
    approx: StrictBool = False  # its dates (``said_on``, ``in_force``) are approximate: cited as "about" them
    in_force: InForce = InForce()
    description: Prose = ""
    restates: Identifier | None = None  # the first offer of the same stance (same actor; on another move: a package)
    simultaneous: bool = False  # the actor will move in step with the moves that meet ``if``, not after them
    lapses: Lapse | None = None  # when it stops being in force by itself (see ``Lapse``)
    # willingness shown by conduct: in force only while the fact in force on its subject
    # meets it, from that fact's date (``engine.conduct``)
    shown_by: Compare | None = None

    @model_validator(mode="after")
    def _in_step_with_something(self) -> Offer:
        if self.simultaneous and self.if_ is None:
            raise ValueError("'simultaneous: true' needs an 'if': the moves the actor will move in step with")
        check_quote_kind(self)
        return self


class Goal(Strict):
    """What counts as the negotiation moving: done when ``done_when`` holds; reached by
    making every move in ``needs`` (or a substitute of it).  ``rank``: ``main`` goals make
    the headline status; ``interim`` ones (talks before a deal) get their own status but
    never hide the main goals' (with no goal marked main, every goal is main).  ``phase``:
    main goals in phases (an agreement signed, then put into effect) make the headline one
    phase at a time, the first not done (``Rulebook.current_main``).  ``toward``: the main
    goal an interim goal is a step toward; it then counts for the headline only while that
    main goal is one the headline follows (``Rulebook.aside``)."""

    id: Identifier
    description: Prose = ""
    done_when: Expr
    needs: list[DottedName] = Field(min_length=1)
    rank: Literal["main", "interim"] = "main"
    phase: int | None = Field(default=None, ge=1, le=100)
    toward: Identifier | None = None


def _events_shape(value: Any) -> str:
    """Which form a pattern's ``events`` is in: a list of lists is one a side."""
    if isinstance(value, list) and any(isinstance(item, list) for item in value):
        return "each_side"
    return "both_sides"


EventSubjects = Annotated[list[DottedName], Field(min_length=1)]
# a pattern's hostile acts: the same event subjects for both sides, or each side its own
# (as in ``sides``: the first list is the first side's acts), for counter-measures across domains
PatternEvents = Annotated[
    Union[
        Annotated[EventSubjects, Tag("both_sides")],
        Annotated[list[EventSubjects], Field(min_length=2, max_length=2), Tag("each_side")],
    ],
    Discriminator(_events_shape),
]


class DeEscalation(Strict):
    """Acts that end escalation: an event on one of ``events`` by an actor of either side
    (``by: either``), or one answering such an act of the other side within the pattern's
    ``window_days`` (``by: both``: a prisoner exchange, mutual steps).  Once recognised, the
    hostile events dated at or before it no longer count: chains and runs start afresh."""

    events: list[DottedName] = Field(min_length=1, max_length=64)
    by: Literal["either", "both"] = "either"


MAX_LEVELS = 8


class Escalation(Strict):
    """Tit-for-tat: ``exchanges`` hostile events in a row, alternating between the two
    ``sides``, each within ``window_days`` of the one before.  Escalation stays on until
    ``window_days`` pass without the chain going on.  ``events``: the event subjects that
    are hostile acts on either side, or two lists, each side's own (a censure answered by
    a nuclear step).  ``intensity``: escalation is also on after that many acts of one side
    within ``window_days``, answered or not.  ``levels``: names for how far it has gone, by
    the number of events in the longest live chain or run (``{3: tension, 5: crisis}``; a
    chain or run is at the highest level whose number it reaches, and at least at the
    first); without, the level is ``on``.  ``de_escalation``: the acts that end it."""

    id: Identifier
    description: Prose = ""
    events: PatternEvents
    sides: list[list[Identifier]] = Field(min_length=2, max_length=2)
    window_days: int = Field(default=30, gt=0, le=3650)
    exchanges: int = Field(default=3, ge=2, le=8)
    intensity: int | None = Field(default=None, ge=2, le=10000)
    levels: dict[Annotated[int, Field(ge=2, le=10000)], Identifier] = Field(default_factory=dict, max_length=MAX_LEVELS)
    de_escalation: DeEscalation | None = None

    @field_validator("levels")
    @classmethod
    def _distinct_levels(cls, levels: dict[int, str]) -> dict[int, str]:
        names = list(levels.values())
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"each level has its own name; {', '.join(repr(n) for n in twice)} is given twice")
        return dict(sorted(levels.items()))

    def level(self, size: int) -> str:
        """The level of a live chain or run of ``size`` events (see the class docstring)."""
        if not self.levels:
            return "on"
        reached = [name for count, name in self.levels.items() if size >= count]
        return reached[-1] if reached else next(iter(self.levels.values()))

    def rank(self, level: str) -> float:
        """How far up its pattern's levels ``level`` is, from 0 (the first) to 1 (the last)."""
        names = list(self.levels.values()) or ["on"]
        return names.index(level) / max(1, len(names) - 1)

    @field_validator("events", mode="before")
    @classmethod
    def _two_sides(cls, value: Any) -> Any:
        if _events_shape(value) == "each_side":
            if not all(isinstance(item, list) for item in value):
                raise ValueError("expected a list of event subjects (both sides' acts), or two lists of them "
                                 "(each side's own acts, in the order of sides), not a mix of the two")
            if len(value) != 2:
                raise ValueError(f"expected two lists of event subjects, one for each of the two sides, not {len(value)}")
        return value

    def events_of(self, side: int) -> list[str]:
        """The event subjects that are hostile acts of ``side`` (0 or 1)."""
        return self.events[side] if _events_shape(self.events) == "each_side" else self.events  # type: ignore[return-value]

    @property
    def subjects(self) -> list[str]:
        """Every event subject the pattern reads, once each, in the order written."""
        return list(dict.fromkeys([*self.events_of(0), *self.events_of(1)]))


class Cost(Strict):
    """A cost a party bears, declared so that ripeness can say when the party *hurts*.

    On a number state ``subject``: the party hurts while its value is at or beyond
    ``threshold`` (beyond on the ``worse`` side: ``higher`` by default, ``lower`` for a
    cost measured by what is lost, such as exports), or while it is *rising*: its latest
    change made it worse by more than ``by`` no more than ``rising_days`` days ago.
    ``when``: a condition; the party hurts while it holds (sanctions in force).
    ``while_in_force``: positions or offers; the party hurts while one of them is in force.
    A cost needs at least one of ``threshold``, ``rising_days``, ``when`` and
    ``while_in_force``; ``threshold`` and ``rising_days`` need a ``subject``."""

    id: Identifier
    party: Identifier
    description: Prose = ""
    subject: DottedName | None = None
    worse: Literal["higher", "lower"] = "higher"
    threshold: float | None = None
    rising_days: int | None = Field(default=None, ge=1, le=3650)
    by: float = Field(default=0, ge=0)
    when: Expr | None = None
    while_in_force: list[Identifier] = []
    source: Prose = ""

    @model_validator(mode="after")
    def _says_when_it_hurts(self) -> Cost:
        if self.threshold is None and self.rising_days is None and self.when is None and not self.while_in_force:
            raise ValueError("a cost needs at least one of 'threshold', 'rising_days' (both with a 'subject'), "
                             "'when' (a condition) or 'while_in_force' (position or offer ids)")
        if self.subject is None and (self.threshold is not None or self.rising_days is not None):
            raise ValueError("'threshold' and 'rising_days' read a 'subject': name the number subject that measures the cost")
        if self.subject is not None and self.threshold is None and self.rising_days is None:
            raise ValueError("a 'subject' is read only with a 'threshold' or 'rising_days': give one, or leave the subject out")
        return self


class RuleFile(Strict):
    """One YAML file of a scenario: any subset of the sections."""

    scenario: ScenarioInfo | None = None
    actors: list[Actor] = []
    subjects: list[Subject] = []
    conditions: list[Condition] = []
    moves: list[Move] = []
    positions: list[Position] = []
    offers: list[Offer] = []
    goals: list[Goal] = []
    escalation: list[Escalation] = []
    costs: list[Cost] = []


SECTIONS = tuple(f for f in RuleFile.model_fields if f != "scenario")

for _model in (AllOf, AnyOf, Not, Condition, Move, Lapse, Variant, Position, Offer, Goal, Cost):
    _model.model_rebuild()
