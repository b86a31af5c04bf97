"""Request and response bodies of the HTTP API (the verdict itself is ``engine.verdict``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.facts import Fact, FactInput, to_utc
from engine.sessions import SESSION_NAME
from engine.store import SessionRecord

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

    @classmethod
    def of(cls, fact: Fact, withdrawn_by: str | None = None) -> FactOut:
        return cls(**fact.to_json(), withdrawn_by=withdrawn_by)


class FactList(BaseModel):
    session: str
    facts: list[FactOut]
    next_after: str | None = Field(None, description="more facts follow: ask again with after=this id")


class NewSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=SESSION_NAME.pattern, description="letters, digits, '_' or '-', starting with a letter")
    parent: str = Field("baseline", description="the session to fork from")
    as_of: dt.datetime | dt.date | None = Field(None, description="fork as of this date (default: now)")
    description: str = Field("", max_length=2000)

    @field_validator("as_of")
    @classmethod
    def _utc(cls, value: dt.datetime | dt.date | None) -> dt.datetime | None:
        return None if value is None else to_utc(value)


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
    """The scenario as loaded: everything an analyst wrote, with quotes and sources."""

    scenario: dict[str, Any]
    actors: list[dict[str, Any]]
    subjects: list[dict[str, Any]]
    conditions: list[dict[str, Any]]
    moves: list[dict[str, Any]]
    positions: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
