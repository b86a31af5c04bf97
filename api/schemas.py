"""Request and response bodies of the HTTP API (the verdict itself is ``engine.verdict``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.facts import Fact, FactInput, Time, text
from engine.sessions import SESSION_NAME, SESSION_NAME_RULE
from engine.store.ports import SessionRecord

MAX_FACTS = 10_000


class FactBatch(BaseModel):
    """A batch of facts: all are stored, or none."""

    model_config = ConfigDict(extra="forbid")
    facts: list[FactInput] = Field(max_length=MAX_FACTS)


class FactOut(BaseModel):
    id: str
    at: dt.datetime
    subject: str
    kind: str
    value: Any = None
    actor: str | None = None
    target: str | None = None
    source: str = ""
    note: str = ""
    recorded_at: dt.datetime | None = None
    withdraws: str | None = Field(None, description="the id of the fact this one withdraws (a correction)")
    withdrawn_by: str | None = Field(None, description="the id of the fact that withdrew this one; it no longer counts")
    rules_version: int | None = Field(None, description="the version of the scenario's rule files the fact was checked "
                                      "against (GET /rules shows the version loaded now); none for facts recorded before versions")
    count: int | None = Field(None, description="a counted event: how many acts it stands for (none: one)")
    since: dt.datetime | None = Field(None, description="a counted event's period: from here to 'at'")
    confidence: str = Field("confirmed", description="confirmed, reported or disputed")
    claimed_by: list[str] = Field(default_factory=list, description="the actors who claimed it")
    denied_by: list[str] = Field(default_factory=list, description="the actors who denied it")
    approx: bool = Field(False, description="its date ('at') is approximate: used as given, cited as 'about' it")

    @classmethod
    def of(cls, fact: Fact, withdrawn_by: str | None = None) -> FactOut:
        return cls(**fact.to_json(), withdrawn_by=withdrawn_by)


class FactList(BaseModel):
    session: str
    facts: list[FactOut]
    next_after: str | None = Field(None, description="more facts follow: ask again with after=this id")


class NewSession(BaseModel):
    """A what-if session to fork.  The body of ``POST /sessions`` (parsed by the route, like
    facts, to bound its size and nesting)."""

    model_config = ConfigDict(extra="forbid")
    # the pattern is for the schema; the validator says in words what is wrong
    name: str = Field(json_schema_extra={"pattern": SESSION_NAME.pattern}, max_length=64,
                      description="a letter, then up to 63 letters, digits, '_' or '-' (oil_eased)")
    parent: str = Field("baseline", max_length=64, description="the session to fork from")
    as_of: Time | None = Field(None, description="fork as of this date (default: now)")
    description: text(2000) = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not SESSION_NAME.fullmatch(value):
            raise ValueError(SESSION_NAME_RULE)
        return value


class SessionOut(BaseModel):
    name: str
    parent: str | None
    forked_at: dt.datetime | None = Field(description="the parent's facts true by this time are seen")
    description: str
    created_by: str
    created_at: dt.datetime

    @classmethod
    def of(cls, record: SessionRecord, parent: str | None) -> SessionOut:
        return cls(name=record.name, parent=parent, forked_at=record.fork_at, description=record.description,
                   created_by=record.created_by, created_at=record.created_at)


class Analyses(BaseModel):
    """Verdicts, timelines and comparisons: how many run now, and how the others ended."""

    running: int
    answered: int
    timed_out: int = Field(description="stopped past the time budget (answered 503)")
    abandoned: int = Field(description="stopped because their client went away")
    failed: int


class Health(BaseModel):
    status: str
    scenario: str
    sessions: int
    analyses: Analyses


class RulesOut(BaseModel):
    """The scenario as loaded from its rule files: everything an analyst wrote there, with
    quotes and sources.  A session's positions and offers as of a date, those stated by its
    facts included, are at ``GET /sessions/{sid}/statements``."""

    scenario: dict[str, Any]
    version: int = Field(description="the version of these rule files in the fact log (1, 2, ... as they changed); "
                         "each fact records the version it was checked against")
    fingerprint: str = Field(description="SHA-256 of the rules as loaded (the same rules, however laid out in files, "
                             "have the same fingerprint)")
    actors: list[dict[str, Any]]
    subjects: list[dict[str, Any]]
    conditions: list[dict[str, Any]]
    moves: list[dict[str, Any]]
    positions: list[dict[str, Any]]
    offers: list[dict[str, Any]] = []
    goals: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
