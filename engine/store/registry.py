"""The sessions of a scenario in SQL (``engine.store.ports.SessionRegistry``)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.engine import Engine

from engine.errors import SessionError, SessionGone
from engine.store.ports import Bound, SessionRecord, View
from engine.store.schema import lock_position, session_deletions, session_names, session_of, sessions, to_us


class SqlSessionRegistry:
    """The sessions of one scenario (``scenario``); the log may hold others' too, never seen here."""

    def __init__(self, engine: Engine, write: threading.Lock, scenario: str):
        self._engine, self._write, self.scenario = engine, write, scenario
        self._views: dict[int, tuple[Bound, ...]] = {}

    def live(self) -> list[SessionRecord]:
        deleted = select(session_deletions.c.session_id)
        with self._engine.connect() as conn:
            rows = conn.execute(select(sessions).where(sessions.c.scenario == self.scenario, sessions.c.id.not_in(deleted))
                                .order_by(sessions.c.id))
            return [session_of(row) for row in rows]

    def get(self, session_id: int) -> SessionRecord:
        with self._engine.connect() as conn:
            return session_of(conn.execute(select(sessions).where(sessions.c.id == session_id)).one())

    def create(self, name: str, *, created_at: dt.datetime, parent: SessionRecord | None = None,
               fork_at: dt.datetime | None = None, description: str = "", created_by: str = "") -> SessionRecord:
        with self._write, self._engine.begin() as conn:
            position = lock_position(conn)  # serialised with every write of every process
            if parent is not None and _is_deleted(conn, parent.id):
                raise SessionGone(parent.id)
            taken = conn.execute(select(session_names.c.session_id).where(session_names.c.scenario == self.scenario,
                                                                            session_names.c.name == name)).first()
            if taken is not None:
                raise SessionError(f"a session named {name!r} exists already")
            new_id = (conn.execute(select(func.max(sessions.c.id))).scalar() or 0) + 1
            fork_seq = position if parent else None
            conn.execute(insert(sessions).values(
                id=new_id, name=name, parent_id=parent.id if parent else None, fork_seq=fork_seq,
                fork_at=to_us(fork_at) if fork_at else None, description=description, created_by=created_by,
                created_at=to_us(created_at), scenario=self.scenario))
            conn.execute(insert(session_names).values(scenario=self.scenario, name=name, session_id=new_id))
        return SessionRecord(new_id, name, parent.id if parent else None, fork_seq, fork_at, description, created_by, created_at)

    def delete(self, session_id: int, *, at: dt.datetime, by: str = "") -> None:
        with self._write, self._engine.begin() as conn:
            lock_position(conn)
            if _is_deleted(conn, session_id):
                raise SessionGone(session_id)
            conn.execute(insert(session_deletions).values(session_id=session_id, deleted_at=to_us(at), deleted_by=by))
            conn.execute(delete(session_names).where(session_names.c.session_id == session_id))

    def since(self, session_id: int) -> list[SessionRecord]:
        """This scenario's sessions numbered after ``session_id``, deleted or not, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(sessions).where(sessions.c.id > session_id, sessions.c.scenario == self.scenario)
                                .order_by(sessions.c.id))
            return [session_of(row) for row in rows]

    def deleted(self) -> set[int]:
        """The numbers of every deleted session."""
        with self._engine.connect() as conn:
            return set(conn.execute(select(session_deletions.c.session_id)).scalars())

    def view(self, record: SessionRecord) -> View:
        """A session and its ancestors never change, so each view is read from the database once."""
        if record.id not in self._views:
            self._views[record.id] = tuple(self._read_view(record))
        return list(self._views[record.id])

    def _read_view(self, record: SessionRecord) -> View:
        bounds = [Bound(record.id)]
        max_seq, max_at, parent_id = record.fork_seq, record.fork_at, record.parent_id
        while parent_id is not None:
            bounds.append(Bound(parent_id, max_seq, max_at))
            parent = self.get(parent_id)
            max_seq = _least(max_seq, parent.fork_seq)
            max_at = _least(max_at, parent.fork_at)
            parent_id = parent.parent_id
        return bounds


def _is_deleted(conn: Connection, session_id: int) -> bool:
    return conn.execute(select(session_deletions.c.session_id).where(session_deletions.c.session_id == session_id)).first() is not None


def _least(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)
