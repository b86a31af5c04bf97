"""Facts: "subject had value V from time ``at``" (states) and one-off events, each with its
source.  ``FactInput`` is what arrives from outside (a fact file, an HTTP body, a Gherkin
step); ``Fact`` is a recorded fact with its id and recording order.

Time: ``at`` is when it became true in the world, an ISO 8601 date or datetime; a naive
value means UTC, a date means 00:00 UTC that day, between the years 1000 and 8999.  Facts may
arrive late and out of order, and may be dated after now (the API warns of those).

Text (``source``, ``note``, a text ``value``) is bounded in length and never holds the NUL
character, which some databases cannot store.

Statements: a fact with ``states`` (a position or an offer, written as in a rule file),
``ends`` (the ids of statements that stop being in force) or ``ends_stance`` (the first
statements of stances whose every statement in force then stops being in force) is a
*statement fact*; see ``engine.statements``.

Counted events: an event fact may stand for many acts (``count``), spread evenly over the
period from ``since`` to ``at`` when ``since`` is given (the fact is dated at the end of its
period, when the count is known); escalation by intensity adds up the acts
(``engine.analysis.escalation``).  An event without ``count`` is one act.

How sure a fact is: ``confidence`` is ``confirmed`` (the default), ``reported`` (one
account, not confirmed) or ``disputed`` (contested: a party denies it); ``claimed_by`` and
``denied_by`` name the actors who claimed or denied it (a disputed attribution: "claimed by
X; Y denied").  A fact some actor denies is disputed.  A verdict can leave out the facts below
a level (``admitted``).

Corrections: nothing recorded is changed.  A fact with ``withdraws: "f12"`` withdraws the
earlier fact ``f12`` (it no longer counts at any time); with ``at`` and ``subject`` too, it
is a correction that replaces it; alone (with an optional source and note) it only withdraws.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import MISSING, dataclass, fields
from itertools import repeat
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError, WithJsonSchema, field_validator, model_validator

from engine.errors import FactError, Problem, brief, suggest
from engine.rulebook import Rulebook
from engine.rulebook.loader import error_message, fields_of, merge_union_errors, unknown_field_message
from engine.rulebook.models import DottedName, Identifier, Offer, Position, Scalar
from engine.rulebook.references import check_value
from engine.yamlsource import MAX_YAML_BYTES, YAML_FILE, FileTooLarge, YamlSyntaxError, load_located, read_limited

Confidence = Literal["confirmed", "reported", "disputed"]
CONFIDENCE_LEVELS: tuple[Confidence, ...] = ("confirmed", "reported", "disputed")  # most sure first


def admitted(confidence: str, lowest: Confidence) -> bool:
    """Whether a fact of ``confidence`` counts when only facts at least ``lowest`` are admitted."""
    return CONFIDENCE_LEVELS.index(confidence) <= CONFIDENCE_LEVELS.index(lowest)  # type: ignore[arg-type]


FactId = Annotated[str, Field(pattern=r"^f[0-9]+$", description="a recorded fact's id, e.g. f12")]


# A verdict reads events back to its time minus the escalation horizon and a timeline looks a
# window past each event, so times near the ends of Python's calendar cannot be worked with.
EARLIEST = dt.datetime(1000, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.timezone.utc)

MAX_COUNT = 1_000_000  # acts one counted event may stand for
MAX_JSONL_BYTES = 64 * 2**20  # a .jsonl fact file: ~400,000 facts (a YAML one: yamlsource.MAX_YAML_BYTES)


def to_utc(value: dt.datetime | dt.date) -> dt.datetime:
    """The time in UTC (a naive value is UTC, a date 00:00 UTC); ``ValueError`` for a time
    before ``EARLIEST`` or from ``LATEST`` on."""
    if not isinstance(value, dt.datetime):
        utc = dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    elif value.tzinfo is None:
        utc = value.replace(tzinfo=dt.timezone.utc)
    else:
        try:
            utc = value.astimezone(dt.timezone.utc)
        except OverflowError:  # within hours of datetime.min or max
            utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"{value.isoformat()} is out of range: times run from the year {EARLIEST.year} to {LATEST.year - 1}")
    return utc


TIME_RULE = (f"an ISO 8601 date or datetime from the year {EARLIEST.year} to {LATEST.year - 1}, "
             "such as 2021-03-07 or 2021-03-07T14:30:00Z")
_ISO_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ].*)?", re.DOTALL)


def parse_time(value: Any) -> dt.datetime:
    """An ISO 8601 date or datetime (text, or a ``date``/``datetime``) as UTC; ``ValueError``
    saying what is allowed for anything else, a number of seconds included."""
    if isinstance(value, str) and _ISO_SHAPE.fullmatch(value):
        try:
            value = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, dt.date):
        return to_utc(value)
    raise ValueError(f"expected {TIME_RULE}")


def _time_schema() -> dict[str, Any]:
    # The schema states the range as a pattern on the year: 1001 to 8998, so that a time with
    # any zone offset is in range in UTC too (the server takes the edge years when in range).
    years = "(?:100[1-9]|10[1-9][0-9]|1[1-9][0-9]{2}|[2-7][0-9]{3}|8[0-8][0-9]{2}|89[0-8][0-9]|899[0-8])"
    pattern = f"^{years}-"
    return {"anyOf": [{"type": "string", "format": "date", "pattern": pattern},
                      {"type": "string", "format": "date-time", "pattern": pattern}],
            "description": f"{TIME_RULE[0].upper()}{TIME_RULE[1:]}; no zone means UTC, a date 00:00 UTC that day"}


TIME_SCHEMA = _time_schema()
# A time given from outside: a fact's date, a fork's, a query's as_of.
Time = Annotated[dt.datetime, BeforeValidator(parse_time), WithJsonSchema(TIME_SCHEMA)]

NO_NUL = "^[^\\u0000]*$"  # the JSON Schema pattern of text without NUL


def _plain_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text may not contain the NUL character (\\u0000)")
    return value


def text(max_length: int, description: str | None = None) -> Any:
    """A text field: at most ``max_length`` characters, no NUL."""
    return Annotated[str, Field(max_length=max_length, description=description, json_schema_extra={"pattern": NO_NUL}),
                     AfterValidator(_plain_text)]


Source = text(2000)
Note = text(4000)
MAX_TEXT_VALUE = 2000  # characters of a text value (a statement's words, a state's name)
_VALUE_SCHEMA = {"anyOf": [{"type": "boolean"}, {"type": "number"},
                           {"type": "string", "maxLength": MAX_TEXT_VALUE, "pattern": NO_NUL}, {"type": "null"}],
                 "description": "true or false, a number, or text (at most 2,000 characters)"}


class Stated(BaseModel):
    """What a statement fact states: one position or one offer, as in a rule file, without
    ``in_force`` (it is in force from the fact's date)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    position: Position | None = None
    offer: Offer | None = None

    @model_validator(mode="after")
    def _one(self) -> Stated:
        if (self.position is None) == (self.offer is None):
            raise ValueError("give exactly one of 'position' and 'offer'")
        return self

    @property
    def declaration(self) -> Position | Offer:
        return self.position if self.position is not None else self.offer  # type: ignore[return-value]


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


_NOT_IN_WITHDRAWAL = ("at", "subject", "actor", "value", "target", "count", "since", "confidence", "claimed_by", "denied_by",
                      "approx")
_Actors = Annotated[list[Identifier], Field(max_length=64)]


STATEMENT_FIELDS = ("states", "ends", "ends_stance")  # any of them makes a fact a statement fact (``FactInput.is_statement``)


def _fact_schema(schema: dict[str, Any]) -> None:
    """A fact needs ``at`` and ``subject``, or is a statement (``at`` with ``states``,
    ``ends`` or ``ends_stance``), or is a withdrawal alone: ``withdraws`` with at most a
    source and a note."""
    schema["anyOf"] = [{"required": ["at", "subject"]}, *({"required": ["at", name]} for name in STATEMENT_FIELDS),
                       {"required": ["withdraws"], "properties": {name: False for name in _NOT_IN_WITHDRAWAL}}]
    schema["properties"]["at"] = TIME_SCHEMA
    schema["properties"]["since"] = {**TIME_SCHEMA, "description": "the start of the period a counted event covers (before 'at')"}


class FactInput(BaseModel):
    """A fact as written by an analyst.  ``subject`` is the subject's id (with ``actor`` for
    an actor's subject) or its dotted name (``IRN.enrichment_pct``).  For an event,
    ``actor`` is who did it and ``target`` whom it was aimed at."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, json_schema_extra=_fact_schema)

    at: Annotated[dt.datetime | None, BeforeValidator(lambda v: None if v is None else parse_time(v))] = None
    actor: Identifier | None = None
    subject: Annotated[DottedName, Field(max_length=129)] | None = None
    value: Annotated[Scalar | None, WithJsonSchema(_VALUE_SCHEMA)] = None
    target: Identifier | None = None
    source: Source = ""
    note: Note = ""
    withdraws: FactId | None = None
    count: Annotated[int, Field(strict=True, ge=1, le=MAX_COUNT, description="a counted event: how many acts this one fact "
                                "stands for (at most 1,000,000); none: one")] | None = None
    since: Annotated[dt.datetime | None, BeforeValidator(lambda v: None if v is None else parse_time(v))] = None
    states: Stated | None = None
    ends: Annotated[list[Identifier], BeforeValidator(_listed), Field(min_length=1, max_length=100)] | None = None
    ends_stance: Annotated[list[Identifier], BeforeValidator(_listed), Field(min_length=1, max_length=100, description=(
        "the first statement of a stance (one that restates nothing), or a list of them: every statement of each "
        "stance in force on the fact's day (the first and each that 'restates' it) stops being in force"))] | None = None
    quote: text(2000, "a statement fact's words (those of an 'ends' or 'ends_stance'; a stated position has its own "
                "'quote')") = ""
    confidence: Confidence = Field("confirmed", description=(
        "how sure the fact is: confirmed (the default), reported (one account, not confirmed) or disputed "
        "(contested; a fact some actor denies is disputed)"))
    approx: StrictBool = Field(False, description=(
        "true: the date in 'at' is approximate (known to about the day, week or month); the engine uses it as given "
        "and cites it as 'about' that date"))
    claimed_by: _Actors = Field(default_factory=list, description="the actors who claimed it (an attack's author claiming it)")
    denied_by: _Actors = Field(default_factory=list, description="the actors who denied it; the fact is then disputed")

    @field_validator("claimed_by", "denied_by")
    @classmethod
    def _once_each(cls, actors: list[str]) -> list[str]:
        twice = sorted({a for a in actors if actors.count(a) > 1})
        if twice:
            raise ValueError(f"each actor once; {', '.join(repr(a) for a in twice)} is named twice")
        return actors

    @field_validator("value")
    @classmethod
    def _text_value(cls, value: Scalar | None) -> Scalar | None:
        if not isinstance(value, str):
            return value
        if len(value) > MAX_TEXT_VALUE:
            raise ValueError(f"a text value may have at most {MAX_TEXT_VALUE} characters; this one has {len(value)}")
        # JSON may escape a lone surrogate ("\\ud800"); stored, it could never be sent back.
        # A plain str field refuses it; the str of the union does not.
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("text must be valid Unicode; it holds a lone surrogate (\\ud800-\\udfff)") from None
        return _plain_text(value)

    @model_validator(mode="after")
    def _complete(self) -> FactInput:
        if self.is_statement:
            given = [name for name in ("subject", "actor", "value", "target", "withdraws", "count", "since") if getattr(self, name) is not None]
            if given:
                raise ValueError(f"a statement fact ('states', 'ends' or 'ends_stance') takes 'at', 'quote', 'source', 'note', 'approx', "
                                 f"'confidence', 'claimed_by' and 'denied_by', not {', '.join(repr(g) for g in given)}: "
                                 "the position or offer names its own actor")
            if self.at is None:
                raise ValueError("'at' required: the date the statement was made")
            return self
        if self.quote:
            raise ValueError("'quote' is for statement facts (with 'states', 'ends' or 'ends_stance'); "
                             "a fact's words go in 'note'")
        if self.withdraws is not None and self.at is None and self.subject is None:
            if (any(v is not None for v in (self.actor, self.value, self.target, self.count, self.since)) or self.claimed_by
                    or self.denied_by or "confidence" in self.model_fields_set or "approx" in self.model_fields_set):
                raise ValueError("a withdrawal alone carries only 'withdraws', 'source' and 'note'; "
                                 "to correct the fact, give 'at' and 'subject' as well")
            return self
        missing = [name for name in ("at", "subject") if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{' and '.join(repr(m) for m in missing)} required "
                             "(or only 'withdraws' to withdraw an earlier fact)")
        return self

    @property
    def is_withdrawal_only(self) -> bool:
        return self.at is None

    @property
    def is_statement(self) -> bool:
        return self.states is not None or self.ends is not None or self.ends_stance is not None

    def statement_value(self) -> dict[str, Any]:
        """What a statement fact stores as its value: the declaration as written (JSON, no
        defaults filled in), the ids it ends, the stances it ends, its quote."""
        value: dict[str, Any] = {}
        if self.states is not None:
            kind = "position" if self.states.position is not None else "offer"
            value["states"] = {kind: self.states.declaration.model_dump(mode="json", by_alias=True, exclude_unset=True)}
        if self.ends:
            value["ends"] = list(self.ends)
        if self.ends_stance:
            value["ends_stance"] = list(self.ends_stance)
        if self.quote:
            value["quote"] = self.quote
        return value


def _slot_setting_init(cls: type) -> type:
    """``cls`` (a frozen, slotted dataclass) with an ``__init__`` that sets each slot through
    its descriptor, bound once, instead of ``object.__setattr__`` looked up and called per
    field as the dataclass's own does: the same signature, defaults and result, half the
    cost (a ``Fact`` of 19 fields: 2.8 -> 1.3 µs; one is built for every fact recorded,
    and read from the log).  Instances stay frozen (``__setattr__`` still raises)."""
    names = [f.name for f in fields(cls)]
    assert list(cls.__slots__) == names and "__post_init__" not in vars(cls), "slots in field order, nothing after init"
    scope: dict[str, Any] = {f"_set_{n}": getattr(cls, n).__set__ for n in names}
    params = []
    for f in fields(cls):
        assert f.default_factory is MISSING and f.init and not f.kw_only, "plain fields only"
        if f.default is MISSING:
            params.append(f.name)
        else:
            scope[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
    body = "".join(f"    _set_{n}(self, {n})\n" for n in names)
    exec(f"def __init__(self, {', '.join(params)}):\n{body}", scope)  # noqa: S102  # made from the class's own field names
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init
    return cls


@_slot_setting_init
@dataclass(frozen=True, slots=True)
class Fact:
    """A recorded fact.  ``subject`` is the dotted key; ``seq`` orders recording (a later
    record wins a tie on ``at``).  Slotted: a long history holds many, and each is one
    object for the garbage collector to walk instead of two (with its ``__dict__``)."""

    id: str
    seq: int
    at: dt.datetime
    subject: str
    kind: Literal["state", "event", "statement"]
    value: Any
    actor: str | None = None
    target: str | None = None
    source: str = ""
    note: str = ""
    recorded_at: dt.datetime | None = None
    withdraws: str | None = None
    rules_version: int | None = None  # the version of the rule files it was checked against (``RulebookVersions``)
    count: int | None = None  # a counted event: the acts it stands for (None: one)
    since: dt.datetime | None = None  # a counted event's period starts here and ends at ``at``

    @property
    def acts(self) -> int:
        """How many acts the fact stands for: its ``count``, else one."""
        return 1 if self.count is None else self.count
    confidence: Confidence = "confirmed"
    claimed_by: tuple[str, ...] = ()
    denied_by: tuple[str, ...] = ()
    approx: bool = False  # its date is approximate: used as given, cited as "about" it (``cited_day``)

    @property
    def ts(self) -> int:
        return int(self.at.timestamp())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "at": self.at.isoformat(), "subject": self.subject, "kind": self.kind,
            "value": self.value, "actor": self.actor, "target": self.target,
            "source": self.source, "note": self.note,
            "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
            "withdraws": self.withdraws, "rules_version": self.rules_version,
            "count": self.count, "since": self.since.isoformat() if self.since else None, "confidence": self.confidence,
            "claimed_by": list(self.claimed_by), "denied_by": list(self.denied_by), "approx": self.approx,
        }


_FACT_SETTERS = tuple(getattr(Fact, f.name).__set__ for f in fields(Fact))


def facts_by_field(count: int, columns: Sequence[Iterable[Any]]) -> list[Fact]:
    """``count`` facts made field by field: ``columns`` holds, for each field of ``Fact`` in
    its order, an iterable of ``count`` values (the i-th fact's field its i-th value).  The
    same facts as ``Fact(*row)`` for each row of the columns, at a third of the cost (the
    slots set through their descriptors by C loops, no Python call a fact): what reading a
    whole log builds its facts with (``engine.store.log``).  No default is filled in: give
    every field."""
    assert len(columns) == len(_FACT_SETTERS), f"a column for each of the {len(_FACT_SETTERS)} fields of Fact"
    made = list(map(object.__new__, repeat(Fact, count)))
    for setter, column in zip(_FACT_SETTERS, columns):
        deque(map(setter, made, column), 0)
    assert not made or all(hasattr(made[-1], name) for name in Fact.__slots__), f"each column of {count} values"
    return made


def cited_day(at: dt.datetime, approx: bool = False) -> str:
    """A fact's day as a citation gives it: ``2019-11-19``, or ``about 2019-11-19`` when its
    date is approximate (``approx``)."""
    day = at.date().isoformat()
    return f"about {day}" if approx else day


@dataclass(frozen=True)
class ResolvedFact:
    """A valid input with its subject resolved against the rulebook.  A withdrawal alone
    has kind ``withdrawal`` and no subject (its target fact is checked by the session)."""

    input: FactInput
    subject: str
    kind: Literal["state", "event", "statement", "withdrawal"]
    where: str = ""


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


def read_fact_file(path: str | Path, rulebook: Rulebook) -> list[ResolvedFact]:
    """Facts from a ``.jsonl`` (one JSON object a line) or ``.yaml`` file (a list, or a
    mapping with a ``facts`` list).  Any bad line rejects the whole file."""
    items, problems = _read_items(Path(path))
    return parse_inputs(items, rulebook, problems)


def read_fact_items(path: str | Path) -> list[tuple[str, Any]]:
    """The raw items of a fact file, each with its file and line, not yet checked against a
    scenario.  Raises ``FactError`` if the file cannot be read or parsed."""
    items, problems = _read_items(Path(path))
    if problems:
        raise FactError(problems)
    return items


def _read_items(path: Path) -> tuple[list[tuple[str, Any]], list[Problem]]:
    limit, what = (MAX_JSONL_BYTES, "a .jsonl fact file") if path.suffix == ".jsonl" else (MAX_YAML_BYTES, YAML_FILE)
    try:
        text = read_limited(path, limit, what)
    except FileTooLarge as exc:
        raise FactError([Problem(str(path), "", str(exc))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FactError([Problem(str(path), "", f"cannot read the fact file: {exc}")]) from None
    if path.suffix == ".jsonl":
        return _jsonl_items(path, text)
    if path.suffix in (".yaml", ".yml"):
        return _yaml_items(path, text), []
    raise FactError([Problem(str(path), "", "expected a .jsonl, .yaml or .yml fact file")])


def _jsonl_items(path: Path, text: str) -> tuple[list[tuple[str, Any]], list[Problem]]:
    """Each line's JSON value with where it is, and the lines that are not JSON."""
    items: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append((f"{path}:{number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"{path}:{number}", "", f"not valid JSON: {exc.msg} at column {exc.colno}"))
    return items, problems


def _yaml_items(path: Path, text: str) -> list[tuple[str, Any]]:
    try:
        located = load_located(text)
    except YamlSyntaxError as exc:
        raise FactError([Problem(f"{path}:{exc.line}", "", str(exc))]) from None
    data, prefix = located.data, ()
    if isinstance(data, dict) and set(data) == {"facts"}:
        data, prefix = data["facts"], ("facts",)
    if data is None:
        return []
    if not isinstance(data, list):
        raise FactError([Problem(f"{path}:1", "", "expected a list of facts, or a mapping with a 'facts' list")])
    return [(f"{path}:{located.line_of(prefix + (i,))}", item) for i, item in enumerate(data)]
