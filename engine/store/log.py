"""The append-only facts in SQL (``engine.store.ports.FactLog``): reads over a session's view,
and the write transaction (``SqlWriting``)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import threading
from collections import namedtuple
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from sqlalchemy import Connection, Integer, Select, and_, bindparam, func, insert, or_, select, true, union_all
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from engine.errors import SessionGone, StoreError, WriteConflict, WrittenBetween
from engine.facts import Fact, facts_by_field
from engine.store.ports import Position, View
from engine.store.schema import (
    INSERT_FACT_SQL,
    INSERT_REQUEST_SQL,
    LOCK_POSITION_RETURNING_SQL,
    LOCK_POSITION_SQL,
    POSITION_ROW,
    SESSION_HEAD_SQL,
    SESSION_HEAD_UNLESS_SQL,
    SET_POSITION_SQL,
    as_json,
    fact_of,
    fact_values,
    facts,
    from_us,
    lock_position,
    log_position,
    requests,
    run_sql,
    times_of_us,
    to_us,
    withdrawal_of,
)


class SqlFactLog:
    """``writes``: on PostgreSQL through psycopg 3, the engine whose connections the write
    transactions take (``PgWriting``).  On SQLite through Python's ``sqlite3``,
    ``SqliteWriting`` over ``engine``'s connections; elsewhere SQLAlchemy's ``SqlWriting``."""

    def __init__(self, engine: Engine, write: threading.Lock, writes: Engine | None = None):
        self._engine, self._write, self._writes = engine, write, writes
        # the connection the write transactions take, kept from one write to the next (taken and kept under
        # ``write``): the pool's checkout and check-in were 40-70 us of every single-fact POST (RESULTS.md, h-post14)
        self._held: Any = None
        # PostgreSQL: the session the last write checked, as that write left the log (``PgWriting.left``)
        self._left: Left | None = None

    def close(self) -> None:
        """Give the connection the writes keep back to its pool, before the pool is disposed."""
        with self._write:
            held, self._held = self._held, None
        if held is not None:
            (held[0] if isinstance(held, tuple) else held).close()  # PostgreSQL's: the connection and its cursor

    @property
    def url(self) -> URL:
        """Where the log is (``engine.store.reading``: another process reads it there)."""
        return self._engine.url

    @contextmanager
    def writing(self) -> Iterator[SqlWriting | SqliteWriting | PgWriting]:
        """The log's position is taken first, so that writes of every process are serialised
        (``schema.log_position``); it is set past the numbers given as the write ends."""
        with self._write:
            if self._writes is not None:
                held, self._held = self._held, None
                left, self._left = self._left, None  # kept again only once this write is committed
                with PgWriting.transaction(self._writes, held, left) as writing:
                    yield writing
                self._held = writing.kept  # a write that failed gave its connection back to the pool, or threw it away
                self._left = writing.left
                return
            if (self._engine.dialect.name, self._engine.dialect.driver) == ("sqlite", "pysqlite"):  # Python's sqlite3
                fairy, self._held = self._held if self._held is not None else self._engine.raw_connection(), None
                try:
                    with SqliteWriting.transaction(fairy.driver_connection) as writing:
                        yield writing
                except BaseException:
                    fairy.close()  # back to the pool (rolled back), the next write takes one from there
                    raise
                self._held = fairy
                return
            try:
                with self._engine.begin() as conn:
                    writing = SqlWriting(conn, lock_position(conn))
                    yield writing
                    writing.finish()
                    writing.committing()
            except SQLAlchemyError as exc:
                raise StoreError(f"the fact log refused the write: {exc.__class__.__name__}") from exc

    def position(self) -> Position:
        """How far the log has come: every fact up to ``last_seq`` is committed and readable."""
        with self._engine.connect() as conn:
            row = conn.execute(select(log_position.c.last_seq, log_position.c.changes)
                               .where(log_position.c.id == POSITION_ROW)).one()
        return Position(row.last_seq, row.changes)

    def written(self, after_seq: int, upto_seq: int) -> dict[int, int]:
        """The sessions with facts numbered in ``(after_seq, upto_seq]``, each with the last of them."""
        query = (select(facts.c.session_id, func.max(facts.c.seq)).where(facts.c.seq > after_seq, facts.c.seq <= upto_seq)
                 .group_by(facts.c.session_id))
        with self._engine.connect() as conn:
            return {session_id: seq for session_id, seq in conn.execute(query)}

    def head(self, session_id: int, upto_seq: int | None = None) -> int:
        """A session's version: the number of its last own fact (at most ``upto_seq``; 0: none)."""
        query = select(func.max(facts.c.seq)).where(facts.c.session_id == session_id)
        if upto_seq is not None:
            query = query.where(facts.c.seq <= upto_seq)
        with self._engine.connect() as conn:
            return conn.execute(query).scalar() or 0

    def own_since(self, session_id: int, after_seq: int) -> list[Fact]:
        """A session's own facts numbered after ``after_seq``, withdrawals included, in
        recording order (what another replica wrote into it since this one read it)."""
        query = select(facts).where(facts.c.session_id == session_id, facts.c.seq > after_seq).order_by(facts.c.seq)
        with self._engine.connect() as conn:
            return [fact_of(row) for row in conn.execute(query)]

    def load_all(self, view: View) -> Iterator[Fact]:
        """Every fact of the view, withdrawals included, in recording order.  A parent's
        correction dated after the fork time comes as a withdrawal alone (see the module
        docstring)."""
        limits = {b.session_id: to_us(b.max_at) for b in view if b.max_at is not None}
        seen = or_(_in_view(view), _withdrawing(view)) if limits else _in_view(view)
        query = select(facts).where(seen).order_by(facts.c.seq)
        read = _Reader()
        with self._engine.connect() as conn:
            for rows in _batches(conn, query):
                found = read.batch(rows)
                if limits:  # rows: (seq, session_id, at, ...), as ``facts``' columns
                    for i in [i for i, row in enumerate(rows) if row[2] > limits.get(row[1], row[2])]:
                        found[i] = withdrawal_of(_Row._make(rows[i]))
                yield from found

    def load_recent(self, view: View, at: dt.datetime, horizon: dt.timedelta, subjects: list[str]) -> list[Fact]:
        """What answers every question at or after ``at``: per state subject the fact in
        force then and the one before it (and the latest confirmed one, when neither is), every fact after ``at``, the
        events after ``at - horizon`` and every statement fact; withdrawn facts left out.  Costs the number of subjects, events in
        the window and withdrawals, not the length of history."""
        return self._load(view, at, horizon, subjects, later=True)

    def load_at(self, view: View, at: dt.datetime, horizon: dt.timedelta, subjects: list[str]) -> list[Fact]:
        """What answers a question about ``at`` alone: as ``load_recent`` without the facts after it."""
        return self._load(view, at, horizon, subjects, later=False)

    def _load(self, view: View, at: dt.datetime, horizon: dt.timedelta, subjects: list[str], later: bool) -> list[Fact]:
        in_view = _in_view(view)
        with self._engine.connect() as conn:
            withdrawn = _withdrawn(conn, view)
            found: dict[int, Fact] = {}
            latest = self._latest_two(conn, view, subjects, at, withdrawn)
            for subject in subjects:
                candidates = latest.get(subject, [])
                found.update((row.seq, fact_of(row)) for row in candidates[:2])
                if candidates and all(row.confidence is not None for row in candidates[:2]):
                    found.update((row.seq, fact_of(row)) for row in self._confirmed(conn, view, subject, at, withdrawn))
            start = to_us(at) - horizon // dt.timedelta(microseconds=1)
            # one query a kind, each through its index (one query with OR read every fact of the session)
            parts = [select(facts).where(in_view, facts.c.kind == "event", facts.c.at > start, facts.c.at <= to_us(at)),
                     select(facts).where(in_view, facts.c.kind == "statement")]  # every one: they make the session's rulebook
            if later:
                parts.append(select(facts).where(in_view, facts.c.kind != "withdrawal", facts.c.at > to_us(at)))
            for part in parts:
                found.update((row.seq, fact_of(row)) for row in conn.execute(part) if row.seq not in withdrawn)
        return sorted(found.values(), key=lambda f: f.seq)

    def scan(self, session_ids: list[int]) -> Iterator[Fact]:
        """Every fact of these sessions that counts, in recording order (``FactLog.scan``)."""
        mine = facts.c.session_id.in_(session_ids)
        with self._engine.connect() as conn:
            withdrawn = set(conn.execute(select(facts.c.withdraws).where(mine, facts.c.withdraws.is_not(None))).scalars())
            query = select(facts).where(mine, facts.c.kind != "withdrawal").order_by(facts.c.seq)
            for row in conn.execute(query).yield_per(5000):
                if row.seq not in withdrawn:
                    yield fact_of(row)

    def statements(self, view: View) -> list[Fact]:
        """The statement facts of the view not withdrawn, in recording order."""
        with self._engine.connect() as conn:
            withdrawn = _withdrawn(conn, view)
            query = select(facts).where(_in_view(view), facts.c.kind == "statement").order_by(facts.c.seq)
            return [fact_of(row) for row in conn.execute(query) if row.seq not in withdrawn]

    @staticmethod
    def _latest_two(conn: Connection, view: View, subjects: list[str], at: dt.datetime, withdrawn: set[int]) -> dict[str, list]:
        """Per subject, the two latest state rows not after ``at`` and not withdrawn, latest
        first: a few statements of many small parts (a subject in a line of the view each,
        read through the index on subject and time), not a round trip per part, each statement
        made once per shape (``_latest_statement``) and given its values as parameters."""
        if not view or not subjects:
            return {}
        shape = tuple((b.max_seq is not None, b.max_at is not None) for b in view)
        bounds: dict[str, Any] = {"at": to_us(at), "n": 2 + len(withdrawn)}
        for j, b in enumerate(view):
            bounds |= {f"b{j}_id": b.session_id, f"b{j}_seq": b.max_seq, f"b{j}_at": to_us(b.max_at) if b.max_at is not None else None}
        step = max(1, LATEST_PARTS // max(1, len(view)))
        rows: dict[str, list] = {}
        for start in range(0, len(subjects), step):
            chunk = subjects[start:start + step]
            statement = _latest_statement(len(chunk), shape)
            for row in conn.execute(statement, bounds | {f"s{i}": subject for i, subject in enumerate(chunk)}):
                if row.seq not in withdrawn:
                    rows.setdefault(row.subject, []).append(row)
        for found in rows.values():
            found.sort(key=lambda r: (r.at, r.seq), reverse=True)
        return rows

    @staticmethod
    def _confirmed(conn: Connection, view: View, subject: str, at: dt.datetime, withdrawn: set[int]) -> list:
        """The latest confirmed fact on ``subject`` not after ``at`` (what a verdict leaving the
        less-than-confirmed facts out reads), when the two latest are not confirmed."""
        rows = []
        for bound in view:
            query = (select(facts).where(_in_view([bound]), facts.c.subject == subject, facts.c.kind == "state",
                                         facts.c.at <= to_us(at), facts.c.confidence.is_(None), facts.c.seq.not_in(withdrawn))
                     .order_by(facts.c.at.desc(), facts.c.seq.desc()).limit(1))
            rows += list(conn.execute(query))
        return sorted(rows, key=lambda r: (r.at, r.seq))[-1:]

    def find(self, view: View, *, subject: str | None = None, actor: str | None = None,
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
        return _Reader().batch(rows), {w: s for w, s in withdrawals}  # as ``fact_of`` makes them, a column at a time

    def exists(self, view: View, fact: Fact) -> bool:
        """Whether the view already holds a fact saying the same thing (same time, subject,
        value, actor, target, source and count with its period), withdrawn or not: a fact an analyst withdrew is
        known, and loading a fact file again must not bring it back."""
        query = select(facts.c.seq).where(
            _in_view(view), facts.c.subject == fact.subject, facts.c.at == to_us(fact.at), facts.c.kind == fact.kind,
            facts.c.value == as_json(fact.value), _same(facts.c.actor, fact.actor), _same(facts.c.target, fact.target),
            facts.c.source == fact.source, _same(facts.c.act_count, fact.count),
            _same(facts.c.since, to_us(fact.since) if fact.since else None)).limit(1)
        with self._engine.connect() as conn:
            return conn.execute(query).first() is not None

    def latest_at(self, session_id: int) -> dt.datetime | None:
        """The latest ``at`` among a session's own facts."""
        with self._engine.connect() as conn:
            us = conn.execute(select(func.max(facts.c.at)).where(facts.c.session_id == session_id)).scalar()
        return from_us(us) if us is not None else None

    def count(self, session_ids: Collection[int] | None = None) -> int:
        query = select(func.count()).select_from(facts)
        if session_ids is not None:
            query = query.where(facts.c.session_id.in_(list(session_ids)))
        with self._engine.connect() as conn:
            return conn.execute(query).scalar() or 0


BATCH = 5000  # rows of a whole log read and decoded at a time
_Row = namedtuple("_Row", [c.name for c in facts.columns])  # type: ignore[misc]  # a row by name, from the driver's tuple


def _batches(conn: Connection, query: Select) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of ``query``, ``BATCH`` at a time, as the driver's own tuples: on SQLite
    (Python's ``sqlite3``) and PostgreSQL (psycopg 3, through a server-side cursor: a long
    log is never held whole in memory) its cursor under SQLAlchemy's connection, so that no
    ``Row`` is made for each (that was a third of the rows' cost); elsewhere SQLAlchemy's
    rows, which the reader takes as well."""
    dialect = conn.dialect
    kind = (dialect.name, dialect.driver)
    if kind not in (("sqlite", "pysqlite"), ("postgresql", "psycopg")):
        yield from conn.execute(query).yield_per(BATCH).partitions()
        return
    compiled = query.compile(dialect=dialect)
    params = compiled.construct_params()
    bound = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
    driver = conn.connection.driver_connection
    cursor = driver.cursor() if kind[0] == "sqlite" else driver.cursor(name=f"ripeness_read_{next(_cursor_names)}")
    try:
        cursor.execute(str(compiled), bound)
        while rows := cursor.fetchmany(BATCH):
            yield rows
    finally:
        cursor.close()


_cursor_names = itertools.count()  # server-side cursors' names (one connection may hold several read at once)


class _Reader:
    """Rows of ``select(facts)`` as facts, as ``schema.fact_of`` makes them, for reading a
    whole log: a batch of rows at a time, column by column (``facts_by_field``: C loops over
    a column instead of Python code per row).  The JSON of a value decoded once per distinct
    text (values are scalars, but a statement's, decoded each time: a dict) and a plain
    string (no escape in it: an event's text, nearly every one distinct) cut out of its
    quotes instead; a recording time once per distinct number of microseconds when it
    repeats (``recorded_at``: a write's facts share one; it is the fact's own ``at`` when
    both are the same number); a text (subject, kind, actor, source...) kept once per
    distinct text while few are (a long log repeats them: memory); no JSON read for an
    empty attribution, no work for a column that is empty throughout the batch."""

    def __init__(self) -> None:
        self._values: dict[str | None, Any] = {None: None}
        self._recorded: dict[int, dt.datetime] = {}
        self._texts: dict[str | None, str | None] = {}

    def batch(self, rows: Sequence[Sequence[Any]]) -> list[Fact]:
        """The facts of ``rows`` (tuples, or rows, in the columns' order of ``facts``)."""
        n = len(rows)
        if not n:
            return []
        (seqs, _, ats, subjects, kinds, values, actors, targets, sources, notes, recorded_ats, withdraws, versions,
         counts, sinces, confidences, claimed_by, denied_by, approx) = zip(*rows)
        when = times_of_us(ats)
        if recorded_ats == ats:
            recorded: list[dt.datetime] = when
        else:
            recorded = [w if r == a else self._recorded_at(r) for w, r, a in zip(when, recorded_ats, ats)]
        text = self._kept_texts
        return facts_by_field(n, (
            map("f%d".__mod__, seqs), seqs, when, text(subjects), text(kinds), self._decoded(values, kinds), text(actors),
            text(targets), text(sources), text(notes), recorded,
            repeat(None, n) if _empty(withdraws) else [None if w is None else f"f{w}" for w in withdraws],
            versions, counts,
            repeat(None, n) if _empty(sinces) else [None if s is None else from_us(s) for s in sinces],
            repeat("confirmed", n) if _empty(confidences) else text([c or "confirmed" for c in confidences]),
            repeat((), n) if _empty(claimed_by) else [tuple(json.loads(c)) if c else () for c in claimed_by],
            repeat((), n) if _empty(denied_by) else [tuple(json.loads(d)) if d else () for d in denied_by],
            repeat(False, n) if _empty(approx) else list(map(bool, approx))))

    def _decoded(self, texts: tuple, kinds: tuple) -> list[Any]:
        cache = self._values
        decoded = list(map(cache.get, texts, repeat(_MISSING)))
        if _MISSING in decoded:
            for i in [i for i, v in enumerate(decoded) if v is _MISSING]:
                value = texts[i]
                if value[0] == '"' and "\\" not in value:  # a JSON string with no escape: the text between its quotes
                    decoded[i] = value[1:-1]
                else:
                    if len(cache) > _KEPT:
                        cache.clear()
                        cache[None] = None
                    decoded[i] = cache[value] = json.loads(value)
        if "statement" in kinds:  # a dict of its own each (never one kept: the caller may change it)
            for i, kind in enumerate(kinds):
                if kind == "statement" and texts[i] is not None:
                    decoded[i] = json.loads(texts[i])
        return decoded

    def _recorded_at(self, us: int) -> dt.datetime:
        found = self._recorded.get(us)
        if found is None:
            if len(self._recorded) > _KEPT:
                self._recorded.clear()
            found = self._recorded[us] = from_us(us)
        return found

    def _kept_texts(self, texts: Sequence[str | None]) -> list[str | None]:
        if len(self._texts) > _KEPT:
            self._texts.clear()
        return list(map(self._texts.setdefault, texts, texts))


def _empty(column: tuple) -> bool:
    """Whether a batch's column is NULL throughout."""
    return column.count(None) == len(column)


_MISSING = object()
_KEPT = 4096  # distinct values (and recording times, and texts) a _Reader keeps at once


class _Beside:
    """``Writing.beside``: what to start as the commit is sent, called once by ``committing``."""

    _start: Callable[[], None] | None = None
    taken: Position | None = None  # the log's position as the write took it (``Writing.taken``)

    def beside(self, start: Callable[[], None]) -> None:
        self._start = start

    def committing(self) -> None:
        start, self._start = self._start, None
        if start is not None:
            start()


class SqlWriting(_Beside):
    """Inside one write transaction, the log's position held (``lock_position``)."""

    def __init__(self, conn: Connection, last_seq: int):
        self._conn = conn
        self.last_seq = last_seq  # the highest sequence number given, this write's included
        self._given = last_seq

    def allocate(self, count: int) -> list[int]:
        first = self.last_seq + 1
        self.last_seq += count
        return list(range(first, first + count))

    def expect(self, session_id: int, version: int) -> None:
        """Refuse the write unless the session is live and its last fact is still ``version``."""
        deleted, found = run_sql(self._conn, SESSION_HEAD_SQL, (session_id, session_id)).one()
        if deleted:
            raise SessionGone(session_id)
        found = found or 0
        if found != version:
            raise WriteConflict(f"session {session_id} is at version {found}, not {version}: it was written elsewhere since read")

    def finish(self) -> None:
        if self.last_seq != self._given:
            run_sql(self._conn, SET_POSITION_SQL, (self.last_seq, POSITION_ROW))

    def insert_facts(self, session_id: int, recorded: list[Fact]) -> None:
        if len(recorded) == 1:
            run_sql(self._conn, INSERT_FACT_SQL, fact_values(session_id, recorded[0]))
        elif recorded:
            run_sql(self._conn, INSERT_FACT_SQL, [fact_values(session_id, fact) for fact in recorded])

    def insert_request(self, session_id: int, key: str, body_hash: str, seqs: list[int]) -> None:
        self._conn.execute(insert(requests).values(session_id=session_id, key=key, body_hash=body_hash,
                                                   seqs=json.dumps(seqs), reply=None))


class SqliteWriting(_Beside):
    """``SqlWriting``'s statements on SQLite's own connection (``sqlite3``), taken from the
    engine's pool: SQLAlchemy's execution of them (its connection and cursor result objects,
    events, the paramstyle) was most of the CPU of a single-fact write outside its commit.
    The transaction is the driver's, as under SQLAlchemy: begun by the first statement (the
    position taken), ended by ``commit`` (an fsync: ``synchronous=FULL``) or ``rollback``."""

    def __init__(self, con: Any):
        self._con = con
        found = con.execute(LOCK_POSITION_RETURNING_SQL, (POSITION_ROW,)).fetchall()
        if not found:
            raise StoreError("the fact log has no position row: it was not opened by this ripeness")
        self.last_seq = self._given = found[0][0]  # the highest sequence number given, this write's included
        self.taken = Position(found[0][0], found[0][1])

    @classmethod
    @contextmanager
    def transaction(cls, con: Any) -> Iterator[SqliteWriting]:
        """One write transaction on ``con`` (a ``sqlite3`` connection with none open), committed or rolled back."""
        import sqlite3

        try:
            writing = cls(con)
            yield writing
            writing.finish()
            writing.committing()
            con.commit()  # the fsync: sqlite3 lets go of the GIL meanwhile, for what ``beside`` started
        except sqlite3.Error as exc:
            con.rollback()
            raise StoreError(f"the fact log refused the write: {exc.__class__.__name__}") from exc
        except BaseException:
            con.rollback()
            raise

    def allocate(self, count: int) -> list[int]:
        first = self.last_seq + 1
        self.last_seq += count
        return list(range(first, first + count))

    def expect(self, session_id: int, version: int) -> None:
        """Refuse the write unless the session is live and its last fact is still ``version``."""
        deleted, found = self._con.execute(SESSION_HEAD_SQL, (session_id, session_id)).fetchone()
        if deleted:
            raise SessionGone(session_id)
        found = found or 0
        if found != version:
            raise WriteConflict(f"session {session_id} is at version {found}, not {version}: it was written elsewhere since read")

    def insert_facts(self, session_id: int, recorded: list[Fact]) -> None:
        if len(recorded) == 1:
            self._con.execute(INSERT_FACT_SQL, fact_values(session_id, recorded[0]))
        elif recorded:
            self._con.executemany(INSERT_FACT_SQL, [fact_values(session_id, fact) for fact in recorded])

    def insert_request(self, session_id: int, key: str, body_hash: str, seqs: list[int]) -> None:
        self._con.execute(INSERT_REQUEST_SQL, (session_id, key, body_hash, json.dumps(seqs)))

    def finish(self) -> None:
        if self.last_seq != self._given:
            self._con.execute(SET_POSITION_SQL, (self.last_seq, POSITION_ROW))


@dataclass(frozen=True)
class Left:
    """How a committed write left the log (PostgreSQL's ``PgWriting``): ``changes`` as it
    counted that write (``Position.changes``), and the head of the one session it checked
    (``Writing.expect``), its own facts included; that session was live then."""

    changes: int
    session_id: int
    head: int
    last_seq: int  # the log's last sequence number as that write set it


class PgWriting(_Beside):
    """Inside one write transaction on PostgreSQL, in two round trips: ``BEGIN``, taking the
    log's position and reading the session's version (``expect``) in one, the facts, the
    requests, the new position and ``COMMIT`` in the other (SQLAlchemy's ``SqlWriting`` makes
    six, and the pool's check of the connection a seventh).  Each round trip is one simple
    query of several statements, its parameters bound by psycopg on the client
    (``psycopg.ClientCursor``); each statement still sees what was committed before it began
    (read committed), so the version is read after the position is held.  Nothing is sent
    until the first call that needs an answer (``expect`` or ``allocate``).

    The connection is not checked when taken from the pool (that check is a round trip of its
    own): a connection found dropped by that first round trip, when nothing of the write was
    sent yet, is thrown away and the round trip made again on another (``RETRIES``).

    ``left``: how this process's last committed write left the log (``Left``).  When this
    write checks that same session, the first round trip reads its deletion and version only
    if some other write came in between (``changes`` moved on by more than this write's own
    step: every write transaction of every process, facts, sessions created or deleted,
    steps it, ``LOCK_POSITION_SQL``); else they are the ones that write left.  Reading them
    was most of that round trip's time on a log whose statistics PostgreSQL had not gathered
    yet (a new database: the version read by scanning every fact of the session; RESULTS.md,
    h-post19).

    When this write checks that session first, at the version that write left, it is made in
    one round trip (``_guess``): the position taken to be where that write left it, and
    ``BEGIN``, a guard, the facts, the requests, the new position and ``COMMIT`` sent
    together.  The guard steps ``changes`` only if it is still the count that write left, and
    fails the transaction otherwise (``GUARD_SQL``): then nothing is stored and the write is
    refused at its commit (``WrittenBetween``: the caller reads the session again and tries
    anew, and the next write, leaving nothing before it, takes two round trips).  Not when the
    kept connection has something to read while idle (the server dropped it, or says something
    unasked): then the first round trip is made as above, and finds a dropped one."""

    RETRIES = 3  # connections found dropped, one after another, before the write gives up

    def __init__(self, writes: Engine, held: tuple[Any, Any] | None = None, left: Left | None = None):
        self._writes = writes
        self._left = left
        self._checked: tuple[int, int] | None = None  # the session ``expect`` found at its version, and its head since
        self._checks = 0  # sessions checked in this write (``left`` is kept of one only)
        self.left: Left | None = None  # how this write left the log, once committed
        self._fairy: Any = None if held is None else held[0]
        self._cursor: Any = None if held is None else held[1]
        self.kept: tuple[Any, Any] | None = None  # the connection and its cursor, once the write is done (``release``)
        self.last_seq = 0  # the highest sequence number given, this write's included (once begun)
        self._given: int | None = None  # the log's position when taken (None: not taken yet)
        self._queued: list[str] = []
        self._open = False  # a transaction begun on the server and not ended
        self._guessing = False  # made in one round trip (``_guess``): its ``BEGIN`` and guard queued, maybe sent

    @classmethod
    @contextmanager
    def transaction(cls, writes: Engine, held: tuple[Any, Any] | None = None, left: Left | None = None) -> Iterator[PgWriting]:
        """One write, on ``held`` (a connection and its cursor, kept from the write before:
        not checked, as one from the pool is not) or on one of ``writes``'s pool; once it
        is committed, its connection is ``kept`` for the next write, else given back, and
        how it ``left`` the log is set (``left``: the write before's)."""
        import psycopg

        writing = cls(writes, held, left)
        try:
            yield writing
            writing.finish()
        except psycopg.Error as exc:
            writing.abort()
            writing.release()
            raise StoreError(f"the fact log refused the write: {exc.__class__.__name__}") from exc
        except BaseException:
            writing.abort()
            writing.release()
            raise
        writing.kept = (writing._fairy, writing._cursor) if writing._fairy is not None else None
        if writing._checked is not None and writing._checks == 1 and writing.taken is not None:
            writing.left = Left(writing.taken.changes, *writing._checked, writing.last_seq)

    def _connection(self) -> Any:
        import psycopg

        if self._fairy is None:
            self._fairy = self._writes.raw_connection()
            self._cursor = psycopg.ClientCursor(self._fairy.driver_connection)
        return self._cursor

    def _first(self, sql: str, params: tuple) -> Any:
        """The write's first round trip, made again on another connection while the one
        taken from the pool turns out dropped (nothing was sent on it before)."""
        import psycopg

        for attempt in range(self.RETRIES + 1):
            cursor = self._connection()
            try:
                cursor.execute(sql, params)
                return cursor
            except psycopg.OperationalError:
                if not cursor.connection.broken or attempt == self.RETRIES:
                    raise
                self._fairy.invalidate()  # dropped (the server restarted, or killed it): never handed out again
                self._fairy = self._cursor = None
        raise AssertionError("unreachable")

    def _begin(self, head_of: int | None = None) -> tuple | None:
        """``BEGIN``, the position taken, and (``head_of``) that session's deletion and version."""
        sql, params = f"BEGIN; {_pg(LOCK_POSITION_RETURNING_SQL)}", (POSITION_ROW,)
        left = self._left if head_of is not None and self._left is not None and self._left.session_id == head_of else None
        if left is not None:  # read only if another write came in between (none: no row)
            sql, params = f"{sql}; {_pg(SESSION_HEAD_UNLESS_SQL)}", (*params, head_of, head_of, POSITION_ROW, left.changes + 1)
        elif head_of is not None:
            sql, params = f"{sql}; {_pg(SESSION_HEAD_SQL)}", (*params, head_of, head_of)
        self._open = True
        cursor = self._first(sql, params)
        cursor.nextset()  # BEGIN's
        found = cursor.fetchone()
        if found is None:
            raise StoreError("the fact log has no position row: it was not opened by this ripeness")
        self.last_seq = self._given = found[0]
        self.taken = Position(found[0], found[1])
        if head_of is None:
            return None
        cursor.nextset()
        found = cursor.fetchone()
        return (0, left.head) if found is None and left is not None else found

    def _guess(self, left: Left) -> bool:
        """Take the log to be as ``left`` says (no round trip), ``BEGIN`` and the guard queued,
        if the kept connection has nothing to read (else: False, nothing done)."""
        if self._cursor is None or _readable(self._cursor.connection):
            return False
        self._guessing = True
        self.last_seq = self._given = left.last_seq
        self.taken = Position(left.last_seq, left.changes + 1)
        self._queued.append("BEGIN")
        self._queued.append(self._cursor.mogrify(GUARD_SQL, (POSITION_ROW, left.changes)))
        return True

    def _began(self) -> None:
        if self._given is None:
            self._begin()

    def allocate(self, count: int) -> list[int]:
        self._began()
        first = self.last_seq + 1
        self.last_seq += count
        return list(range(first, first + count))

    def expect(self, session_id: int, version: int) -> None:
        """Refuse the write unless the session is live and its last fact is still ``version``."""
        left = self._left
        if self._given is None and left is not None and (left.session_id, left.head) == (session_id, version) and self._guess(left):
            row = (0, version)  # as that write left it, or the guard refuses the write at its commit
        elif self._given is None:
            row = self._begin(session_id)
        else:
            self._send()  # a guessed write's ``BEGIN`` and guard first
            cursor = self._connection()
            cursor.execute(_pg(SESSION_HEAD_SQL), (session_id, session_id))
            row = cursor.fetchone()
        deleted, found = row
        if deleted:
            raise SessionGone(session_id)
        found = found or 0
        if found != version:
            raise WriteConflict(f"session {session_id} is at version {found}, not {version}: it was written elsewhere since read")
        self._checks += 1
        self._checked = (session_id, version)

    def insert_facts(self, session_id: int, recorded: list[Fact]) -> None:
        """A few facts are queued as one statement, sent with the ``COMMIT``; more (a batch)
        go at once, bound by the server and pipelined by psycopg (``executemany``): binding
        thousands of values on the client, and parsing them on the server, costs more than
        the round trips it saves."""
        self._began()
        if not recorded:
            return
        if self._checked is not None and self._checked[0] == session_id:
            self._checked = (session_id, max(self._checked[1], *(fact.seq for fact in recorded)))
        if len(recorded) <= PG_QUEUED:
            rows = [fact_values(session_id, fact) for fact in recorded]
            self._queued.append(self._cursor.mogrify(_pg_insert(len(rows)), [v for row in rows for v in row]))
            return
        self._send()
        with self._cursor.connection.cursor() as cursor:
            cursor.executemany(_pg(INSERT_FACT_SQL), [fact_values(session_id, fact) for fact in recorded])

    def insert_request(self, session_id: int, key: str, body_hash: str, seqs: list[int]) -> None:
        self._began()
        self._queued.append(self._cursor.mogrify(_pg(INSERT_REQUEST_SQL), (session_id, key, body_hash, json.dumps(seqs))))

    def finish(self) -> None:
        """The queued statements, the new position and ``COMMIT``, in one round trip."""
        self._began()
        if self.last_seq != self._given:
            self._queued.append(self._cursor.mogrify(_pg(SET_POSITION_SQL), (self.last_seq, POSITION_ROW)))
        self._queued.append("COMMIT")
        self.committing()
        self._send()  # the round trip: psycopg lets go of the GIL while it waits, for what ``beside`` started
        self._open = False

    def _send(self) -> None:
        """The statements queued so far, in one round trip (a guessed write's guard may refuse it: ``WrittenBetween``)."""
        if self._queued:
            statements, self._queued = self._queued, []
            if not self._guessing:
                self._cursor.execute("; ".join(statements))
                return
            import psycopg

            self._open = True
            try:
                self._cursor.execute("; ".join(statements))
            except psycopg.errors.DivisionByZero:  # the guard's: nothing after it ran
                raise WrittenBetween("the fact log was written by another process since this one's last write, "
                                     "which this write took it to be as; nothing was stored: try again") from None

    def abort(self) -> None:
        """Nothing of the write stored: ``ROLLBACK`` if it began; a dropped connection has
        lost it already, and is thrown away rather than given back to the pool."""
        if self._cursor is not None and self._cursor.connection.broken:
            self._fairy.invalidate()
            self._fairy = self._cursor = None
        elif self._open and self._cursor is not None:
            try:
                self._cursor.execute("ROLLBACK")
            except Exception:  # noqa: BLE001  # the connection is unusable: thrown away
                self._fairy.invalidate()
                self._fairy = self._cursor = None
        self._open = False

    def release(self) -> None:
        if self._fairy is not None:
            self._fairy.close()  # back to the pool
            self._fairy = self._cursor = None


PG_QUEUED = 16  # facts of one insert that ``PgWriting`` queues as one statement (more: sent at once, bound by the server)


def _readable(connection: Any) -> bool:
    """Whether an idle connection has something to read (a dropped one: the server's last
    word, or the end of the stream), without waiting."""
    import select

    return bool(select.select([connection.fileno()], [], [], 0)[0])


def _pg(sql: str) -> str:
    """A statement written with ``?`` as psycopg's client-side binding takes it."""
    return sql.replace("?", "%s")


# a guessed write's guard (``PgWriting._guess``): the position taken, as a write's first statement does,
# only while ``changes`` is the count given; else a division by zero (the count of rows updated) fails the
# transaction, and nothing after it runs
GUARD_SQL = (f"WITH taken AS ({_pg(LOCK_POSITION_SQL)} AND changes = %s RETURNING 1) "
             "SELECT 1 / count(*) FROM taken")


@functools.lru_cache(maxsize=8)
def _pg_insert(rows: int) -> str:
    """``INSERT_FACT_SQL`` for ``rows`` rows in one statement."""
    head, values = INSERT_FACT_SQL.split(" VALUES ")
    return f"{head} VALUES {', '.join([_pg(values)] * rows)}"


LATEST_PARTS = 200  # parts of one statement reading a moment (SQLite allows 500 in a compound select)


@functools.lru_cache(maxsize=32)
def _latest_statement(subjects: int, shape: tuple[tuple[bool, bool], ...]):
    """The statement ``_latest_two`` runs for ``subjects`` subjects (parameters ``s0``, ``s1``,
    ...) and a view of this shape (per line: whether it has a ``max_seq`` and a ``max_at``;
    parameters ``b0_id``, ``b0_seq``, ``b0_at``, ...): per subject and line, the ``n``
    latest state rows not after ``at``, latest first, as ``_in_view`` sees them."""
    parts = []
    for i in range(subjects):
        for j, (has_seq, has_at) in enumerate(shape):
            where = [facts.c.session_id == bindparam(f"b{j}_id"), facts.c.subject == bindparam(f"s{i}"),
                     facts.c.kind == "state", facts.c.at <= bindparam("at")]
            where += [facts.c.seq <= bindparam(f"b{j}_seq")] if has_seq else []
            where += [facts.c.at <= bindparam(f"b{j}_at")] if has_at else []
            parts.append(select(facts).where(*where).order_by(facts.c.at.desc(), facts.c.seq.desc())
                         .limit(bindparam("n", type_=Integer)).subquery().select())
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _in_view(view: View, *, by_time: bool = True):
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


def _withdrawing(view: View):
    """The withdrawals and corrections that count in a view: recorded in it, whatever their
    time (a parent's correction dated after the fork still took its fact away before it)."""
    # withdraws > 0 (a fact's number), not IS NOT NULL: SQLite then reads the index on session
    # and withdrawn fact instead of every fact of the session up to the line's number
    return and_(facts.c.withdraws > 0, _in_view(view, by_time=False))


def _withdrawn(conn: Connection, view: View) -> set[int]:
    """The numbers of the facts the view's withdrawals take away: a query a line of the view,
    each through the index on session and withdrawn fact (one with OR read every fact)."""
    parts = [select(facts.c.withdraws).where(_withdrawing([bound])) for bound in view]
    return set(conn.execute(union_all(*parts) if len(parts) > 1 else parts[0]).scalars()) if parts else set()


def _same(column, value):
    return column.is_(None) if value is None else column == value
