"""The fact log's tables (SQLAlchemy Core) and how facts and sessions become rows.

Times are stored as integer microseconds since the Unix epoch, UTC; a fact's value as JSON
text (keys sorted, so that equal values are equal text).  A fact's ``confidence`` is NULL
for confirmed (every fact of a log made before it existed reads so), its ``claimed_by`` and
``denied_by`` JSON lists of actors, NULL for none.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Connection, Index, Integer, MetaData, String, Table, Text, func, insert, select, text

from engine.errors import StoreError
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
                 Column("created_at", BigInteger, nullable=False),
                 # which scenario's line it is (migration step "scenarios"): one log holds several
                 Column("scenario", String(64), nullable=True),
                 Index("sessions_by_scenario", "scenario", "id"))
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
              Column("rules_version", Integer, nullable=True),  # the rule files it was checked against (None: before versions)
              Column("act_count", BigInteger, nullable=True),  # a counted event's count (NULL: one act)
              Column("since", BigInteger, nullable=True),  # a counted event's period start
              Column("confidence", String(16), nullable=True),
              Column("claimed_by", Text, nullable=True),
              Column("denied_by", Text, nullable=True),
              Column("approx", Boolean, nullable=True),  # its date is approximate (NULL: as given, as every older fact reads)
              Index("facts_by_subject", "session_id", "subject", "at", "seq"),
              Index("facts_by_time", "session_id", "at"),
              Index("facts_by_withdrawn", "withdraws"),
              Index("facts_withdrawals", "session_id", "withdraws"),
              Index("facts_by_session", "session_id", "seq"))
# the statement facts of a session (``FactLog.statements``): few, read at every start
Index("facts_statements", facts.c.session_id, facts.c.seq,
      sqlite_where=facts.c.kind == "statement", postgresql_where=facts.c.kind == "statement")
# each version of a scenario's rule files that facts were checked against (``RulebookVersions``)
rulebooks = Table("rulebooks", metadata,
                  Column("version", Integer, primary_key=True, autoincrement=False),
                  Column("scenario", String(64), nullable=False),
                  Column("fingerprint", String(64), nullable=False, unique=True),
                  Column("recorded_at", BigInteger, nullable=False),
                  Column("rules", Text, nullable=False))
# Several replicas on one log (schema version 2).  ``log_position`` is one row, updated by
# every write transaction (facts, a session created or deleted) before anything else: its
# row lock serialises the writers of every process, so sequence numbers are given, and
# committed, in order, and a reader that sees ``last_seq`` sees every fact up to it.
# ``changes`` counts those transactions (a replica polls it to learn that something moved).
# ``session_names`` claims the name of each live session, unique in the database; deleting
# the session releases it.  Neither is part of the log: they are updated in place.
POSITION_ROW = 1
log_position = Table("log_position", metadata,
                     Column("id", Integer, primary_key=True, autoincrement=False),
                     Column("last_seq", _Seq, nullable=False),
                     Column("changes", _Seq, nullable=False))
session_names = Table("session_names", metadata,
                      Column("scenario", String(64), primary_key=True),  # names are unique in each scenario
                      Column("name", String(64), primary_key=True),
                      Column("session_id", Integer, nullable=False))
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


def times_of_us(us: Sequence[int]) -> list[dt.datetime]:
    """``from_us`` of each, by C loops (a whole log's times: no Python call for each)."""
    count = len(us)
    return list(map(EPOCH.__add__, map(dt.timedelta, repeat(0, count), repeat(0, count), us)))


def last_seq(conn: Connection) -> int:
    """The highest sequence number in the log (0: none yet)."""
    return conn.execute(select(func.max(facts.c.seq))).scalar() or 0


# The write path's statements as the driver's SQL (``run_sql``): the same statements as
# SQLAlchemy Core would make, without building an expression, its cache key and its compiled
# parameters on every write (most of the CPU a single-fact write spent in SQLAlchemy).
_FACT_COLUMNS = tuple(c.name for c in facts.columns)
LOCK_POSITION_SQL = f"UPDATE {log_position.name} SET changes = changes + 1 WHERE id = ?"
LOCK_POSITION_RETURNING_SQL = LOCK_POSITION_SQL + " RETURNING last_seq, changes"  # one round trip, where the database has RETURNING
POSITION_SQL = f"SELECT last_seq FROM {log_position.name} WHERE id = ?"
SET_POSITION_SQL = f"UPDATE {log_position.name} SET last_seq = ? WHERE id = ?"
# whether a session is deleted, and its last fact (its version)
SESSION_HEAD_SQL = (f"SELECT (SELECT count(*) FROM {session_deletions.name} WHERE session_id = ?), "
                    f"(SELECT max(seq) FROM {facts.name} WHERE session_id = ?)")
# the same, only if the log's ``changes`` is not the one given (else no row): PostgreSQL evaluates the
# two subqueries when the row is written out, so not at all when it is filtered out (``PgWriting``)
SESSION_HEAD_UNLESS_SQL = f"{SESSION_HEAD_SQL} FROM {log_position.name} WHERE id = ? AND changes <> ?"
INSERT_FACT_SQL = f"INSERT INTO {facts.name} ({', '.join(_FACT_COLUMNS)}) VALUES ({', '.join('?' * len(_FACT_COLUMNS))})"
INSERT_REQUEST_SQL = f"INSERT INTO {requests.name} (session_id, key, body_hash, seqs, reply) VALUES (?, ?, ?, ?, NULL)"
_by_paramstyle: dict[tuple[str, str], str] = {}


def run_sql(conn: Connection, sql: str, params: tuple | list[tuple]) -> Any:
    """Run ``sql``, written with ``?`` for each parameter, with ``params`` (a list of tuples:
    once for each): as the driver's own SQL where its paramstyle is SQLite's ``?`` or
    psycopg's ``%s``, else through SQLAlchemy's ``text`` with named parameters."""
    style = conn.dialect.paramstyle
    key = (style, sql)
    found = _by_paramstyle.get(key)
    if found is None:
        if style == "qmark":
            found = sql
        elif style in ("format", "pyformat"):
            found = sql.replace("?", "%s")
        else:
            parts = sql.split("?")
            found = "".join(f"{part}:p{i}" for i, part in enumerate(parts[:-1])) + parts[-1]
        _by_paramstyle[key] = found
    if style in ("qmark", "format", "pyformat"):
        return conn.exec_driver_sql(found, params)
    named = [{f"p{i}": v for i, v in enumerate(row)} for row in (params if isinstance(params, list) else [params])]
    return conn.execute(text(found), named if isinstance(params, list) else named[0])


def fact_values(session_id: int, fact: Fact) -> tuple:
    """``fact_row`` in the order of ``INSERT_FACT_SQL``'s columns."""
    row = fact_row(session_id, fact)
    return tuple(row[c] for c in _FACT_COLUMNS)


def lock_position(conn: Connection) -> int:
    """Take the log's write position for this transaction (every other writer, in any
    process, waits until it ends) and count one more change; the last sequence number given."""
    if conn.dialect.update_returning:
        found = run_sql(conn, LOCK_POSITION_RETURNING_SQL, (POSITION_ROW,)).scalar()
    else:
        run_sql(conn, LOCK_POSITION_SQL, (POSITION_ROW,))
        found = run_sql(conn, POSITION_SQL, (POSITION_ROW,)).scalar()
    if found is None:
        raise StoreError("the fact log has no position row: it was not opened by this ripeness")
    return found


def init_position(conn: Connection) -> None:
    """Make the position row if missing, after every fact already in the log."""
    if conn.execute(select(log_position.c.id).where(log_position.c.id == POSITION_ROW)).first() is None:
        conn.execute(insert(log_position).values(id=POSITION_ROW, last_seq=last_seq(conn), changes=0))


def as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def fact_row(session_id: int, fact: Fact) -> dict[str, Any]:
    return {"seq": fact.seq, "session_id": session_id, "at": to_us(fact.at), "subject": fact.subject, "kind": fact.kind,
            "value": as_json(fact.value), "actor": fact.actor, "target": fact.target, "source": fact.source,
            "note": fact.note, "recorded_at": to_us(fact.recorded_at or EPOCH),
            "withdraws": int(fact.withdraws[1:]) if fact.withdraws else None, "rules_version": fact.rules_version,
            "act_count": fact.count, "since": to_us(fact.since) if fact.since else None,
            "confidence": None if fact.confidence == "confirmed" else fact.confidence,
            "claimed_by": json.dumps(list(fact.claimed_by)) if fact.claimed_by else None,
            "denied_by": json.dumps(list(fact.denied_by)) if fact.denied_by else None,
            "approx": True if fact.approx else None}


def fact_of(row: Any) -> Fact:
    return Fact(id=f"f{row.seq}", seq=row.seq, at=from_us(row.at), subject=row.subject, kind=row.kind,
                value=json.loads(row.value) if row.value is not None else None, actor=row.actor, target=row.target,
                source=row.source, note=row.note, recorded_at=from_us(row.recorded_at),
                withdraws=f"f{row.withdraws}" if row.withdraws is not None else None, rules_version=row.rules_version,
                count=row.act_count, since=from_us(row.since) if row.since is not None else None,
                confidence=row.confidence or "confirmed", claimed_by=tuple(json.loads(row.claimed_by or "[]")),
                denied_by=tuple(json.loads(row.denied_by or "[]")), approx=bool(row.approx))


def withdrawal_of(row: Any) -> Fact:
    """A correction as a withdrawal alone: what a view that does not see its new fact keeps of it."""
    return Fact(id=f"f{row.seq}", seq=row.seq, at=from_us(row.at), subject=row.subject, kind="withdrawal", value=None,
                source=row.source, note=row.note, recorded_at=from_us(row.recorded_at), withdraws=f"f{row.withdraws}")


def session_of(row: Any) -> SessionRecord:
    return SessionRecord(row.id, row.name, row.parent_id, row.fork_seq,
                         from_us(row.fork_at) if row.fork_at is not None else None,
                         row.description, row.created_by, from_us(row.created_at))
