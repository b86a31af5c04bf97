"""``FactInput``: a fact as it arrives from outside (a fact file, an HTTP body, a Gherkin
step), checked field by field before anything is recorded.

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
is a correction that replaces it; alone (with an optional source and note) it only withdraws."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, WithJsonSchema, field_validator, model_validator

from engine.facts.times import TIME_SCHEMA, parse_time
from engine.rulebook.models import DottedName, Identifier, Offer, Position, Scalar

Confidence = Literal["confirmed", "reported", "disputed"]
CONFIDENCE_LEVELS: tuple[Confidence, ...] = ("confirmed", "reported", "disputed")  # most sure first


def admitted(confidence: str, lowest: Confidence) -> bool:
    """Whether a fact of ``confidence`` counts when only facts at least ``lowest`` are admitted."""
    return CONFIDENCE_LEVELS.index(confidence) <= CONFIDENCE_LEVELS.index(lowest)  # type: ignore[arg-type]


FactId = Annotated[str, Field(pattern=r"^f[0-9]+$", description="a recorded fact's id, e.g. f12")]


MAX_COUNT = 1_000_000  # acts one counted event may stand for


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
