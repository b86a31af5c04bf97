"""The fact log: append-only, through SQLAlchemy Core, in SQLite (WAL) by default or any
database SQLAlchemy reaches.

Promises:
- A fact, once written, is never updated or deleted.  A correction is a new fact that
  withdraws the old one (``withdraws`` holds the old fact's ``seq``); deleting a session
  appends to ``session_deletions`` and keeps its facts.
- ``seq`` numbers every fact in recording order across the whole log; a fact's id is
  ``f{seq}``.  Writes are serialised in this process and each is one transaction: when
  ``Writing`` leaves its ``with`` block, its facts are committed.
- A session's *view* is its own facts plus, for a fork, its parent's view restricted to the
  facts recorded before the fork (``seq <= fork_seq``) and true by the fork time
  (``at <= fork_at``), recursively.  The withdrawals it sees are bounded by recording order
  only: a correction the parent recorded before the fork takes its fact away in the fork
  too, even when the corrected fact is dated after the fork time (and so is not seen).
  Times are stored as integer microseconds since the Unix epoch, UTC.
- One server process writes a log at a time (several readers are fine).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from engine.errors import StoreError
from engine.facts import Fact

SCHEMA_VERSION = 1
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


@dataclass(frozen=True)
class SessionRecord:
    """A session as the log knows it.  ``parent_id``/``fork_seq``/``fork_at`` are None for
    a root line such as ``baseline``."""

    id: int
    name: str
    parent_id: int | None
    fork_seq: int | None
    fork_at: dt.datetime | None
    description: str
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Bound:
    """One line of a session's view: facts of ``session_id`` with ``seq <= max_seq`` and
    ``at <= max_at`` (None: no limit); its withdrawals with ``seq <= max_seq`` whatever
    their ``at``."""

    session_id: int
    max_seq: int | None = None
    max_at: dt.datetime | None = None


@dataclass(frozen=True)
class StoredRequest:
    body_hash: str
    seqs: list[int]
    reply: str | None


class FactLog:
    """The append-only log of every session's facts."""

    def __init__(self, url: str, scenario: str):
        try:
            self._engine = _connect(url)
            metadata.create_all(self._engine)
            for index in facts.indexes:  # an index added since the log was made
                index.create(self._engine, checkfirst=True)
            with self._engine.begin() as conn:
                self._check_meta(conn, scenario)
        except (SQLAlchemyError, ImportError) as exc:  # ImportError: no driver for the URL's database
            raise StoreError(_open_failure(url, exc)) from None
        self.url = shown_url(url)  # printed at start-up: never the password
        self._write = threading.Lock()
        self._last_seq: int | None = None  # see writing()
        self._views: dict[int, tuple[Bound, ...]] = {}

    def close(self) -> None:
        self._engine.dispose()

    # sessions ---------------------------------------------------------------------------
    def sessions(self) -> list[SessionRecord]:
        """Every session not deleted, oldest first."""
        deleted = select(session_deletions.c.session_id)
        with self._engine.connect() as conn:
            rows = conn.execute(select(sessions).where(sessions.c.id.not_in(deleted)).order_by(sessions.c.id))
            return [_session(row) for row in rows]

    def session(self, session_id: int) -> SessionRecord:
        with self._engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id == session_id)).one()
            return _session(row)

    def create_session(self, name: str, *, created_at: dt.datetime, parent: SessionRecord | None = None,
                       fork_at: dt.datetime | None = None, description: str = "", created_by: str = "") -> SessionRecord:
        """A new session; a fork sees its parent's facts recorded so far and true by ``fork_at``."""
        with self._write, self._engine.begin() as conn:
            new_id = (conn.execute(select(func.max(sessions.c.id))).scalar() or 0) + 1
            fork_seq = _last_seq(conn) if parent else None
            conn.execute(insert(sessions).values(
                id=new_id, name=name, parent_id=parent.id if parent else None, fork_seq=fork_seq,
                fork_at=to_us(fork_at) if fork_at else None, description=description, created_by=created_by,
                created_at=to_us(created_at)))
        return SessionRecord(new_id, name, parent.id if parent else None, fork_seq, fork_at, description, created_by, created_at)

    def delete_session(self, session_id: int, *, at: dt.datetime, by: str = "") -> None:
        with self._write, self._engine.begin() as conn:
            conn.execute(insert(session_deletions).values(session_id=session_id, deleted_at=to_us(at), deleted_by=by))

    def view(self, record: SessionRecord) -> list[Bound]:
        """The lines a session sees, itself first (see the module docstring).  A session and
        its ancestors never change, so each view is read from the database once."""
        if record.id not in self._views:
            self._views[record.id] = tuple(self._read_view(record))
        return list(self._views[record.id])

    def _read_view(self, record: SessionRecord) -> list[Bound]:
        bounds = [Bound(record.id)]
        max_seq, max_at, parent_id = record.fork_seq, record.fork_at, record.parent_id
        while parent_id is not None:
            bounds.append(Bound(parent_id, max_seq, max_at))
            parent = self.session(parent_id)
            max_seq = _least(max_seq, parent.fork_seq)
            max_at = _least(max_at, parent.fork_at)
            parent_id = parent.parent_id
        return bounds

    # writing ----------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[Writing]:
        """One transaction, serialised with every other write of this process.  The last
        sequence number is read from the database once and then kept (one process writes a
        log); a write that fails makes the next one read it again."""
        with self._write:
            try:
                with self._engine.begin() as conn:
                    writing = Writing(conn, self._last_seq)
                    yield writing
                self._last_seq = writing.last_seq
            except SQLAlchemyError as exc:
                self._last_seq = None
                raise StoreError(f"the fact log refused the write: {exc.__class__.__name__}") from exc

    def request(self, session_id: int, key: str) -> StoredRequest | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(requests).where(requests.c.session_id == session_id, requests.c.key == key)).first()
        return StoredRequest(row.body_hash, json.loads(row.seqs), row.reply) if row else None

    def save_reply(self, session_id: int, key: str, reply: str) -> None:
        """The reply sent for an idempotent request (the facts were committed before)."""
        with self._write, self._engine.begin() as conn:
            conn.execute(update(requests).where(requests.c.session_id == session_id, requests.c.key == key).values(reply=reply))

    # reading ----------------------------------------------------------------------------
    def load_all(self, view: list[Bound]) -> Iterator[Fact]:
        """Every fact of the view, withdrawals included, in recording order.  A parent's
        correction dated after the fork time comes as a withdrawal alone (see the module
        docstring)."""
        limits = {b.session_id: to_us(b.max_at) for b in view if b.max_at is not None}
        seen = or_(_in_view(view), _withdrawing(view)) if limits else _in_view(view)
        query = select(facts).where(seen).order_by(facts.c.seq)
        with self._engine.connect() as conn:
            for row in conn.execute(query).yield_per(5000):
                yield _withdrawal(row) if row.at > limits.get(row.session_id, row.at) else _fact(row)

    def load_recent(self, view: list[Bound], at: dt.datetime, horizon: dt.timedelta, subjects: list[str]) -> list[Fact]:
        """What answers every question at or after ``at``: per state subject the fact in
        force then and the one before it, every fact after ``at``, and the events after
        ``at - horizon``; withdrawn facts left out.  Costs the number of subjects, events in
        the window and withdrawals, not the length of history."""
        return self._load(view, at, horizon, subjects, later=True)

    def load_at(self, view: list[Bound], at: dt.datetime, horizon: dt.timedelta, subjects: list[str]) -> list[Fact]:
        """What answers a question about ``at`` alone: as ``load_recent`` without the facts after it."""
        return self._load(view, at, horizon, subjects, later=False)

    def _load(self, view: list[Bound], at: dt.datetime, horizon: dt.timedelta, subjects: list[str], later: bool) -> list[Fact]:
        in_view = _in_view(view)
        with self._engine.connect() as conn:
            withdrawn = set(conn.execute(select(facts.c.withdraws).where(_withdrawing(view))).scalars())
            found: dict[int, Fact] = {}
            for subject in subjects:
                candidates = []
                for bound in view:
                    query = (select(facts).where(_in_view([bound]), facts.c.subject == subject, facts.c.kind == "state",
                                                 facts.c.at <= to_us(at))
                             .order_by(facts.c.at.desc(), facts.c.seq.desc()).limit(2 + len(withdrawn)))
                    candidates += [row for row in conn.execute(query) if row.seq not in withdrawn][:2]
                candidates.sort(key=lambda r: (r.at, r.seq), reverse=True)
                found.update((row.seq, _fact(row)) for row in candidates[:2])
            start = to_us(at) - horizon // dt.timedelta(microseconds=1)
            window = and_(facts.c.kind == "event", facts.c.at > start, facts.c.at <= to_us(at))
            rest = select(facts).where(in_view, facts.c.kind != "withdrawal", or_(facts.c.at > to_us(at), window) if later else window)
            found.update((row.seq, _fact(row)) for row in conn.execute(rest) if row.seq not in withdrawn)
        return sorted(found.values(), key=lambda f: f.seq)

    def find(self, view: list[Bound], *, subject: str | None = None, actor: str | None = None,
             start: dt.datetime | None = None, end: dt.datetime | None = None,
             after_seq: int = 0, limit: int = 1000) -> tuple[list[Fact], dict[int, int]]:
        """Facts of the view matching the filters (``start <= at <= end``), in recording
        order after ``after_seq``, at most ``limit``; and which of them were withdrawn (seq of
        the fact -> seq of the withdrawal)."""
        conditions = [_in_view(view), facts.c.seq > after_seq]
        if subject is not None:
            conditions.append(facts.c.subject == subject)
        if actor is not None:
            conditions.append(facts.c.actor == actor)
        if start is not None:
            conditions.append(facts.c.at >= to_us(start))
        if end is not None:
            conditions.append(facts.c.at <= to_us(end))
        with self._engine.connect() as conn:
            rows = list(conn.execute(select(facts).where(*conditions).order_by(facts.c.seq).limit(limit)))
            seqs = [row.seq for row in rows]
            withdrawals = conn.execute(select(facts.c.withdraws, facts.c.seq)
                                       .where(_withdrawing(view), facts.c.withdraws.in_(seqs))).all() if seqs else []
        return [_fact(row) for row in rows], {w: s for w, s in withdrawals}

    def exists(self, view: list[Bound], fact: Fact) -> bool:
        """Whether the view already holds a fact saying the same thing (same time, subject,
        value, actor, target and source), withdrawn or not: a fact an analyst withdrew is
        known, and loading a fact file again must not bring it back."""
        query = select(facts.c.seq).where(
            _in_view(view), facts.c.subject == fact.subject, facts.c.at == to_us(fact.at), facts.c.kind == fact.kind,
            facts.c.value == _json(fact.value), _same(facts.c.actor, fact.actor), _same(facts.c.target, fact.target),
            facts.c.source == fact.source).limit(1)
        with self._engine.connect() as conn:
            return conn.execute(query).first() is not None

    def latest_at(self, session_id: int) -> dt.datetime | None:
        """The latest ``at`` among a session's own facts."""
        with self._engine.connect() as conn:
            us = conn.execute(select(func.max(facts.c.at)).where(facts.c.session_id == session_id)).scalar()
        return from_us(us) if us is not None else None

    def count(self) -> int:
        with self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(facts)).scalar() or 0

    def _check_meta(self, conn: Connection, scenario: str) -> None:
        found = {key: value for key, value in conn.execute(select(meta.c.key, meta.c.value))}
        if not found:
            conn.execute(insert(meta), [{"key": "schema_version", "value": str(SCHEMA_VERSION)},
                                        {"key": "scenario", "value": scenario}])
            return
        if found.get("schema_version") != str(SCHEMA_VERSION):
            raise StoreError(f"the fact log has schema version {found.get('schema_version')}; this ripeness reads {SCHEMA_VERSION}")
        if found.get("scenario") != scenario:
            raise StoreError(f"the fact log holds facts of scenario {found.get('scenario')!r}, not {scenario!r}: "
                             "give each scenario its own database")


class Writing:
    """Inside one write transaction."""

    def __init__(self, conn: Connection, last_seq: int | None):
        self._conn = conn
        self.last_seq = last_seq  # the highest sequence number in the log, once known

    def allocate(self, count: int) -> list[int]:
        if self.last_seq is None:
            self.last_seq = _last_seq(self._conn)
        first = self.last_seq + 1
        self.last_seq += count
        return list(range(first, first + count))

    def insert_facts(self, session_id: int, recorded: list[Fact]) -> None:
        if recorded:
            self._conn.execute(insert(facts), [_row(session_id, fact) for fact in recorded])

    def insert_request(self, session_id: int, key: str, body_hash: str, seqs: list[int]) -> None:
        self._conn.execute(insert(requests).values(session_id=session_id, key=key, body_hash=body_hash,
                                                   seqs=json.dumps(seqs), reply=None))


def shown_url(url: str) -> str:
    """The URL as it may be printed: its password masked (``postgresql://u:***@host/db``);
    a URL that does not parse is not shown at all."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a URL that does not parse as dialect+driver://user:password@host/database)"


def _open_failure(url: str, exc: Exception) -> str:
    """Why the log cannot be opened, with the URL shown and the password nowhere (a
    driver's message may quote the URL it was given)."""
    reason = f"{exc.__class__.__name__}: {exc.orig if getattr(exc, 'orig', None) is not None else exc}"
    try:
        password = make_url(url).password
    except ArgumentError:
        password = None
    for secret in (url, password):
        if secret:
            reason = reason.replace(str(secret), "***")
    return f"cannot open the fact log at {shown_url(url)}: {reason}"


def _connect(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")  # a 2xx reply means the fact is on disk
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _last_seq(conn: Connection) -> int:
    return conn.execute(select(func.max(facts.c.seq))).scalar() or 0


def _least(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _in_view(view: list[Bound], *, by_time: bool = True):
    """The facts a view sees (``by_time=False``: leaving out each line's time limit)."""
    parts = []
    for bound in view:
        part = [facts.c.session_id == bound.session_id]
        if bound.max_seq is not None:
            part.append(facts.c.seq <= bound.max_seq)
        if by_time and bound.max_at is not None:
            part.append(facts.c.at <= to_us(bound.max_at))
        parts.append(and_(*part))
    return or_(*parts) if len(parts) > 1 else parts[0] if parts else true()


def _withdrawing(view: list[Bound]):
    """The withdrawals and corrections that count in a view: recorded in it, whatever their
    time (a parent's correction dated after the fork still took its fact away before it)."""
    return and_(facts.c.withdraws.is_not(None), _in_view(view, by_time=False))


def _same(column, value):
    return column.is_(None) if value is None else column == value


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _row(session_id: int, fact: Fact) -> dict[str, Any]:
    return {"seq": fact.seq, "session_id": session_id, "at": to_us(fact.at), "subject": fact.subject, "kind": fact.kind,
            "value": _json(fact.value), "actor": fact.actor, "target": fact.target, "source": fact.source,
            "note": fact.note, "recorded_at": to_us(fact.recorded_at or EPOCH),
            "withdraws": int(fact.withdraws[1:]) if fact.withdraws else None}


def _fact(row: Any) -> Fact:
    return Fact(id=f"f{row.seq}", seq=row.seq, at=from_us(row.at), subject=row.subject, kind=row.kind,
                value=json.loads(row.value) if row.value is not None else None, actor=row.actor, target=row.target,
                source=row.source, note=row.note, recorded_at=from_us(row.recorded_at),
                withdraws=f"f{row.withdraws}" if row.withdraws is not None else None)


def _withdrawal(row: Any) -> Fact:
    """A correction as a withdrawal alone: what a view that does not see its new fact keeps of it."""
    return Fact(id=f"f{row.seq}", seq=row.seq, at=from_us(row.at), subject=row.subject, kind="withdrawal", value=None,
                source=row.source, note=row.note, recorded_at=from_us(row.recorded_at), withdraws=f"f{row.withdraws}")


def _session(row: Any) -> SessionRecord:
    return SessionRecord(row.id, row.name, row.parent_id, row.fork_seq,
                         from_us(row.fork_at) if row.fork_at is not None else None,
                         row.description, row.created_by, from_us(row.created_at))
