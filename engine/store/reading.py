"""A session's facts read by another process (``engine.segments``' workers): the log's URL
with what opens it (its password), and the facts of a view read through an engine of the
reader's own, without the SQLite log's one-process lock (a reader writes nothing)."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine

from engine.facts import Fact
from engine.store.log import SqlFactLog
from engine.store.ports import View


def reading_url(log: object) -> str | None:
    """The URL another process reads ``log`` (an ``SqlFactLog``) through; None when it
    cannot (a log in memory, or not in SQL)."""
    if not isinstance(log, SqlFactLog):
        return None
    url = log.url
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and (database in ("", ":memory:") or database.startswith("file:")):
        return None
    return url.render_as_string(hide_password=False)


def read_view(url: str, view: View, last_seq: int | None) -> list[Fact]:
    """``FactLog.load_all(view)``, of the facts numbered up to ``last_seq`` (None: all)."""
    engine = create_engine(url)
    try:
        found = SqlFactLog(engine, threading.Lock()).load_all(view)
        return [f for f in found if last_seq is None or f.seq <= last_seq]
    finally:
        engine.dispose()
