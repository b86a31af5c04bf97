"""Opening a fact log through SQLAlchemy: SQLite (WAL, ``synchronous=FULL``) by default, or
any database SQLAlchemy reaches with its driver installed (PostgreSQL through psycopg 3:
``postgresql+psycopg://user:password@host/db``).  ``SqlStore`` is the one backend of the
ports in ``engine.store.ports``."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Connection, create_engine, event, insert, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from engine.errors import StoreError
from engine.store.log import SqlFactLog
from engine.store.migrations import SCHEMA_VERSION, migrate
from engine.store.registry import SqlSessionRegistry
from engine.store.replies import SqlReplies
from engine.store.schema import facts, meta, metadata, sessions


class SqlStore:
    """A scenario's fact log, sessions and replies in one database (``engine.store.ports.Store``).
    Opening creates the tables if missing and refuses a database of another schema version,
    or one made for another scenario that holds none of this one's sessions unless
    ``several`` (a service of several scenarios over one log) (``StoreError``, never showing
    the password).  ``scoped`` gives another scenario's sessions over the same log."""

    def __init__(self, url: str, scenario: str, *, several: bool = False):
        try:
            self._engine = _connect(url)
            metadata.create_all(self._engine)
            for index in facts.indexes:  # an index added since the log was made
                index.create(self._engine, checkfirst=True)
            with self._engine.begin() as conn:
                _check_meta(conn, scenario, several)
        except (SQLAlchemyError, ImportError) as exc:  # ImportError: no driver for the URL's database
            raise StoreError(_open_failure(url, exc)) from None
        self._url = shown_url(url)
        write = threading.Lock()  # one write at a time in this process, whichever port it comes through
        self._write = write
        self._registry = SqlSessionRegistry(self._engine, write, scenario)
        self._log = SqlFactLog(self._engine, write)
        self._replies = SqlReplies(self._engine, write)

    @property
    def url(self) -> str:
        return self._url

    @property
    def log(self) -> SqlFactLog:
        return self._log

    @property
    def registry(self) -> SqlSessionRegistry:
        return self._registry

    @property
    def replies(self) -> SqlReplies:
        return self._replies

    def close(self) -> None:
        self._engine.dispose()

    def scoped(self, scenario: str) -> ScopedStore:
        """The same log and replies with ``scenario``'s sessions: closing it leaves this
        store open (its owner closes it)."""
        return ScopedStore(self._url, self._log, SqlSessionRegistry(self._engine, self._write, scenario), self._replies)


@dataclass(frozen=True)
class ScopedStore:
    """One scenario's sessions over a store that holds several (``SqlStore.scoped``)."""

    url: str
    log: SqlFactLog
    registry: SqlSessionRegistry
    replies: SqlReplies

    def close(self) -> None:
        """Nothing: the store it shares is closed by its owner."""


def shown_url(url: str) -> str:
    """The URL as it may be printed: its password masked (``postgresql://u:***@host/db``);
    a URL that does not parse is not shown at all."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a URL that does not parse as dialect+driver://user:password@host/database)"


def _check_meta(conn: Connection, scenario: str, several: bool) -> None:
    found = {key: value for key, value in conn.execute(select(meta.c.key, meta.c.value))}
    if not found:
        conn.execute(insert(meta), [{"key": "schema_version", "value": str(SCHEMA_VERSION)},
                                    {"key": "scenario", "value": scenario}])
        return
    version = found.get("schema_version", "")
    if not version.isdigit():
        raise StoreError(f"the fact log's schema version is {version!r}, not a number: is this a ripeness log?")
    if int(version) != SCHEMA_VERSION:  # older: brought up here, in this transaction; newer: refused
        migrate(conn, int(version))
    if found.get("scenario") != scenario and not several and conn.execute(
            select(sessions.c.id).where(sessions.c.scenario == scenario).limit(1)).first() is None:
        raise StoreError(f"the fact log holds facts of scenario {found.get('scenario')!r}, not {scenario!r}: "
                         "give each scenario its own database, or serve them together (ripeness serve --rules over "
                         "the folder that holds their folders)")


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
