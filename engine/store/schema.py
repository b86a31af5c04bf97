"""The fact log's tables (SQLAlchemy Core) and how facts and sessions become rows.

Times are stored as integer microseconds since the Unix epoch, UTC; a fact's value as JSON
text (keys sorted, so that equal values are equal text).  A fact's ``confidence`` is NULL
for confirmed (every fact of a log made before it existed reads so), its ``claimed_by`` and
``denied_by`` JSON lists of actors, NULL for none.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, MetaData, String, Table, Text, func, select

from engine.facts import Fact
from engine.store.ports import SessionRecord

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_Seq = BigInteger().with_variant(Integer, "sqlite")  # SQLite's INTEGER is already 64-bit

metadata = MetaData()
meta = Table("ripeness_meta", metadata,
             Column("key", String(64), primary_key=True),
             Column("value", Text, nullable=False))
sessions = Table("sessions", metadata,
                 Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("name", String(64), nullable=False),
                 Column("parent_id", Integer, nullable=True),
                 Column("fork_seq", _Seq, nullable=True),
                 Column("fork_at", BigInteger, nullable=True),
                 Column("description", Text, nullable=False),
                 Column("created_by", String(200), nullable=False),
                 Column("created_at", BigInteger, nullable=False))
session_deletions = Table("session_deletions", metadata,
                          Column("session_id", Integer, primary_key=True, autoincrement=False),
                          Column("deleted_at", BigInteger, nullable=False),
                          Column("deleted_by", String(200), nullable=False))
facts = Table("facts", metadata,
              Column("seq", _Seq, primary_key=True, autoincrement=False),
              Column("session_id", Integer, nullable=False),
              Column("at", BigInteger, nullable=False),
              Column("subject", String(200), nullable=False),
              Column("kind", String(16), nullable=False),
              Column("value", Text, nullable=True),
              Column("actor", String(64), nullable=True),
              Column("target", String(64), nullable=True),
              Column("source", Text, nullable=False),
              Column("note", Text, nullable=False),
              Column("recorded_at", BigInteger, nullable=False),
              Column("withdraws", _Seq, nullable=True),
              Column("confidence", String(16), nullable=True),
              Column("claimed_by", Text, nullable=True),
              Column("denied_by", Text, nullable=True),
              Index("facts_by_subject", "session_id", "subject", "at", "seq"),
              Index("facts_by_time", "session_id", "at"),
              Index("facts_by_withdrawn", "withdraws"),
              Index("facts_withdrawals", "session_id", "withdraws"))
requests = Table("requests", metadata,
                 Column("session_id", Integer, primary_key=True, autoincrement=False),
                 Column("key", String(200), primary_key=True),
                 Column("body_hash", String(64), nullable=False),
                 Column("seqs", Text, nullable=False),
                 Column("reply", Text, nullable=True))


def to_us(at: dt.datetime) -> int:
    return (at - EPOCH) // dt.timedelta(microseconds=1)


def from_us(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def last_seq(conn: Connection) -> int:
    """The highest sequence number in the log (0: none yet)."""
    return conn.execute(select(func.max(facts.c.seq))).scalar() or 0


def as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def fact_row(session_id: int, fact: Fact) -> dict[str, Any]:
    return {"seq": fact.seq, "session_id": session_id, "at": to_us(fact.at), "subject": fact.subject, "kind": fact.kind,
            "value": as_json(fact.value), "actor": fact.actor, "target": fact.target, "source": fact.source,
            "note": fact.note, "recorded_at": to_us(fact.recorded_at or EPOCH),
            "withdraws": int(fact.withdraws[1:]) if fact.withdraws else None,
            "confidence": None if fact.confidence == "confirmed" else fact.confidence,
            "claimed_by": json.dumps(list(fact.claimed_by)) if fact.claimed_by else None,
            "denied_by": json.dumps(list(fact.denied_by)) if fact.denied_by else None}


def fact_of(row: Any) -> Fact:
    return Fact(id=f"f{row.seq}", seq=row.seq, at=from_us(row.at), subject=row.subject, kind=row.kind,
                value=json.loads(row.value) if row.value is not None else None, actor=row.actor, target=row.target,
                source=row.source, note=row.note, recorded_at=from_us(row.recorded_at),
                withdraws=f"f{row.withdraws}" if row.withdraws is not None else None,
                confidence=row.confidence or "confirmed", claimed_by=tuple(json.loads(row.claimed_by or "[]")),
                denied_by=tuple(json.loads(row.denied_by or "[]")))


def withdrawal_of(row: Any) -> Fact:
    """A correction as a withdrawal alone: what a view that does not see its new fact keeps of it."""
    return Fact(id=f"f{row.seq}", seq=row.seq, at=from_us(row.at), subject=row.subject, kind="withdrawal", value=None,
                source=row.source, note=row.note, recorded_at=from_us(row.recorded_at), withdraws=f"f{row.withdraws}")


def session_of(row: Any) -> SessionRecord:
    return SessionRecord(row.id, row.name, row.parent_id, row.fork_seq,
                         from_us(row.fork_at) if row.fork_at is not None else None,
                         row.description, row.created_by, from_us(row.created_at))
