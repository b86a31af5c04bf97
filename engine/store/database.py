"""Opening a fact log through SQLAlchemy: SQLite (WAL, ``synchronous=FULL``) by default, or
any database SQLAlchemy reaches with its driver installed (PostgreSQL through psycopg 3:
``postgresql+psycopg://user:password@host/db``).  ``SqlStore`` is the one backend of the
ports in ``engine.store.ports``."""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from engine.errors import StoreError
from engine.store.log import SqlFactLog
from engine.store.migrations import SCHEMA_VERSION, migrate
from engine.store.registry import SqlSessionRegistry
from engine.store.replies import SqlReplies
from engine.store.schema import facts, init_position, meta, metadata, sessions
from engine.store.versions import SqlRulebookVersions


class SqlStore:
    """A scenario's fact log, sessions and replies in one database (``engine.store.ports.Store``).
    Opening creates the tables if missing and refuses a database of another schema version,
    or one made for another scenario that holds none of this one's sessions unless
    ``several`` (a service of several scenarios over one log) (``StoreError``, never showing
    the password).  ``scoped`` gives another scenario's sessions over the same log."""

    def __init__(self, url: str, scenario: str, *, several: bool = False):
        self._sqlite_lock = _SqliteLock.take(url)  # before anything is read: a second process is refused here
        try:
            self._engine = _connect(url)
            with _OPENING if self._engine.dialect.name == "sqlite" else nullcontext(), self._engine.begin() as conn:
                # one process at a time makes the tables and brings the schema up, in one
                # transaction (PostgreSQL's DDL is transactional): replicas may start at once
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OPENING_LOCK})
                metadata.create_all(conn)
                for index in facts.indexes:  # an index added since the log was made
                    index.create(conn, checkfirst=True)
                _check_meta(conn, scenario, several)
        except (SQLAlchemyError, ImportError) as exc:  # ImportError: no driver for the URL's database
            self._release()
            raise StoreError(_open_failure(url, exc)) from None
        except BaseException:
            self._release()
            raise
        self._url = shown_url(url)
        write = threading.Lock()  # one write at a time in this process, whichever port it comes through
        self._write = write
        self._registry = SqlSessionRegistry(self._engine, write, scenario)
        # PostgreSQL through psycopg 3: the write transactions take connections of their own, in
        # autocommit (each write sends its BEGIN and COMMIT with its statements: ``log.PgWriting``),
        # not checked when taken from the pool (a dropped one is found by the write's first round trip)
        dialect = self._engine.dialect
        self._writes = _connect(url, writes=True) if (dialect.name, dialect.driver) == ("postgresql", "psycopg") else None
        self._log = SqlFactLog(self._engine, write, self._writes)
        self._replies = SqlReplies(self._engine, write)
        self._versions = SqlRulebookVersions(self._engine, write)

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

    @property
    def versions(self) -> SqlRulebookVersions:
        return self._versions

    def close(self) -> None:
        self._log.close()
        self._engine.dispose()
        if self._writes is not None:
            self._writes.dispose()
        self._release()

    def scoped(self, scenario: str) -> ScopedStore:
        """The same log and replies with ``scenario``'s sessions: closing it leaves this
        store open (its owner closes it)."""
        return ScopedStore(self._url, self._log, SqlSessionRegistry(self._engine, self._write, scenario), self._replies,
                           self._versions)

    def _release(self) -> None:
        if self._sqlite_lock is not None:
            self._sqlite_lock.release()
            self._sqlite_lock = None


_OPENING_LOCK = 0x72697065  # PostgreSQL advisory lock held while a process makes or migrates the tables
_OPENING = threading.Lock()  # the same for SQLite within this process (its DDL is not transactional under Python's driver)


class _SqliteLock:
    """One process per SQLite log: an exclusive ``flock`` on ``LOG.lock`` beside the file,
    held while any store of this process has the log open (shared by them, counted), and
    let go by the system when the process ends, even by SIGKILL.  Another process opening
    the log is refused (``StoreError``), saying which process holds it and why."""

    _held: dict[Path, _SqliteLock] = {}
    _guard = threading.Lock()

    def __init__(self, path: Path, fd: int):
        self.path, self.fd, self.users = path, fd, 0

    @classmethod
    def take(cls, url: str) -> _SqliteLock | None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            return None  # refused when the engine is made, with the URL's problem
        database = parsed.database or ""
        if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
            return None
        path = Path(database).resolve()
        if not path.parent.is_dir():
            return None  # SQLite refuses it, saying so
        with cls._guard:
            held = cls._held.get(path)
            if held is None:
                lock_file = path.with_name(path.name + ".lock")
                fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
                    os.close(fd)
                    raise StoreError(
                        f"the SQLite fact log {path} is open in process {holder} ({lock_file} is locked): a SQLite log "
                        "is written by one process at a time. Stop that process first, or move the log to PostgreSQL "
                        "to run several replicas (docs/deploy.md)") from None
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
                held = cls._held[path] = cls(path, fd)
            held.users += 1
            return held

    def release(self) -> None:
        with self._guard:
            self.users -= 1
            if self.users == 0:
                del self._held[self.path]
                os.close(self.fd)  # the flock goes with it


@dataclass(frozen=True)
class ScopedStore:
    """One scenario's sessions over a store that holds several (``SqlStore.scoped``)."""

    url: str
    log: SqlFactLog
    registry: SqlSessionRegistry
    replies: SqlReplies
    versions: SqlRulebookVersions

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
        init_position(conn)
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


def _connect(url: str, *, writes: bool = False) -> Engine:
    """The engine of a URL; ``writes``: the one of ``log.PgWriting`` (PostgreSQL), in
    autocommit and without the pool's check (one write at a time in a process: one connection)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")  # a 2xx reply means the fact is on disk
            cursor.close()

        return engine
    if writes:
        return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
    return create_engine(url, pool_pre_ping=True)
