"""The fact store's ports: what every backend promises, as typed Protocols.

    Store                  one database: its three ports, its shown URL, close()
    ├── FactLog            the append-only facts of every session, and the write transaction
    │   └── Writing        inside one write: sequence numbers, facts, idempotent requests
    ├── SessionRegistry    the sessions (lines of facts), with a tombstone on deletion
    └── Replies            the reply sent for each Idempotency-Key

Promises shared by every port:
- Nothing recorded is ever updated or deleted.  A correction is a new fact that withdraws
  the old one; deleting a session records a tombstone and keeps its facts.
- ``seq`` numbers every fact in recording order across the whole log (a fact's id is
  ``f{seq}``); reads come in recording order, so facts with equal times keep it.
- Times go in and come out as timezone-aware UTC datetimes, to the microsecond.
- A write is one transaction, all or nothing: when ``FactLog.writing`` leaves its ``with``
  block its facts and requests are committed; if the block raises, or the database refuses
  anything in it, nothing of it is stored (``StoreError`` for a refusal).
- Writes are serialised across every process writing the log (threads may call at once):
  each takes the log's position first, so sequence numbers are given and committed in
  order, and ``FactLog.position`` tells a reader how far it may read without skipping.
  Several processes (replicas) may write a PostgreSQL log; a SQLite log is held by one
  process, and another is refused when it opens it (``StoreError``, saying why).
- A write names the version of the session it expects (``Writing.expect``: its last fact),
  and is refused (``WriteConflict``) if another writer moved it, or (``SessionGone``) if
  the session was deleted.  Live sessions' names are unique in the database.
- Closing a store and opening it again on the same database reads the same facts, sessions
  and replies.

The backends: ``engine.store.database.SqlStore`` (SQLAlchemy Core: SQLite, PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from engine.facts import Fact


@dataclass(frozen=True)
class SessionRecord:
    """A session as the store knows it.  ``parent_id``/``fork_seq``/``fork_at`` are None for
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
class Position:
    """How far a log has come: every fact numbered up to ``last_seq`` is committed, and
    ``changes`` counts the write transactions (facts, sessions created or deleted)."""

    last_seq: int
    changes: int


View = list[Bound]  # the lines a session sees, itself first (SessionRegistry.view)


@dataclass(frozen=True)
class StoredRequest:
    """An idempotent request as stored: its body's hash, the facts it stored, and the reply
    sent (None until saved: the process may stop between the commit and the reply)."""

    body_hash: str
    seqs: list[int]
    reply: str | None


class Writing(Protocol):
    """Inside one write transaction (see ``FactLog.writing``).  ``taken``: the log's position
    as this write took it, once it did: the last fact before this write's, and ``changes``
    with this write counted (None: not known; ``Sessions`` then learns of its own write by
    following the log, as of another's)."""

    taken: Position | None
    last_seq: int  # the highest sequence number given, this write's included (the log's ``last_seq`` once it commits)

    def allocate(self, count: int) -> list[int]:
        """The next ``count`` sequence numbers, after every one given before by any process."""
        ...

    def expect(self, session_id: int, version: int) -> None:
        """Refuse the whole write unless the session is live (``SessionGone``) and its last
        own fact is numbered ``version`` (0: none; ``WriteConflict``).  A log may take the
        answer to be what this process's last write left and refuse the write at its commit
        if another write came in between (``WrittenBetween``, a ``WriteConflict``: nothing
        stored; made again, the write reads the log)."""
        ...

    def insert_facts(self, session_id: int, recorded: list[Fact]) -> None:
        """Append recorded facts (their ``seq`` allocated) to a session.  A ``seq`` already
        in the log is refused: the whole write fails."""
        ...

    def insert_request(self, session_id: int, key: str, body_hash: str, seqs: list[int]) -> None:
        """Remember an idempotent request with the facts it stored, in the same transaction
        as them.  A key already stored for the session is refused: the whole write fails."""
        ...

    def beside(self, start: Callable[[], None]) -> None:
        """Call ``start()`` once, when everything of the write was given and its commit is
        about to be sent, so that the caller can begin work in another thread while this
        one waits for the commit (the disk's fsync, the server's round trip).  Not called
        if the write fails before that; the commit may still fail after it."""
        ...


class FactLog(Protocol):
    """The facts of every session, appended, never changed.

    A session's *view* is its own facts plus, for a fork, its parent's view restricted to
    the facts recorded before the fork (``seq <= fork_seq``) and true by the fork time
    (``at <= fork_at``), recursively.  The withdrawals it sees are bounded by recording
    order only: a correction the parent recorded before the fork takes its fact away in the
    fork too, even when the corrected fact is dated after the fork time."""

    def writing(self) -> AbstractContextManager[Writing]:
        """One write transaction, all or nothing, serialised with every other write."""
        ...

    def load_all(self, view: View) -> Iterator[Fact]:
        """Every fact of the view, withdrawals included, in recording order.  A parent's
        correction dated after the fork time comes as a withdrawal alone."""
        ...

    def own_since(self, session_id: int, after_seq: int) -> list[Fact]:
        """A session's own facts numbered after ``after_seq`` (not its parent's), withdrawals
        included, in recording order."""
        ...

    def load_recent(self, view: View, at: dt.datetime, horizon: dt.timedelta, subjects: list[str]) -> list[Fact]:
        """What answers every question at or after ``at``: per state subject (of
        ``subjects``) the fact in force then and the one before it (and the latest confirmed
        one, when neither is: ``engine.facts``), every fact after ``at``, the events in
        ``(at - horizon, at]`` and every statement fact (they make the session's rulebook);
        withdrawn facts left out; in
        recording order.  Costs the subjects, the window and the withdrawals, not the
        length of history."""
        ...

    def load_at(self, view: View, at: dt.datetime, horizon: dt.timedelta, subjects: list[str]) -> list[Fact]:
        """What answers a question about ``at`` alone: ``load_recent`` without the facts after it
        (but with every statement fact)."""
        ...

    def statements(self, view: View) -> list[Fact]:
        """The statement facts of the view (``engine.statements``) that are not withdrawn,
        in recording order.  Costs the statement facts and withdrawals, not the log."""
        ...

    def scan(self, session_ids: list[int]) -> Iterator[Fact]:
        """Every fact recorded in these sessions that counts (neither a withdrawal nor
        withdrawn), in recording order: what is checked again when the rule files change."""
        ...

    def find(self, view: View, *, subject: str | None = None, actor: str | None = None,
             start: dt.datetime | None = None, end: dt.datetime | None = None,
             after_seq: int = 0, limit: int = 1000) -> tuple[list[Fact], dict[int, int]]:
        """Facts of the view matching the filters (``start <= at <= end``), withdrawals
        included, in recording order after ``after_seq``, at most ``limit``; and which of
        them were withdrawn in the view (seq of the fact -> seq of the withdrawal)."""
        ...

    def exists(self, view: View, fact: Fact) -> bool:
        """Whether the view holds a fact saying the same thing (time, subject, kind, value,
        actor, target and source), withdrawn or not."""
        ...

    def latest_at(self, session_id: int) -> dt.datetime | None:
        """The latest ``at`` among a session's own facts (None: it has none)."""
        ...

    def count(self, session_ids: Collection[int] | None = None) -> int:
        """How many facts the whole log holds (or these sessions' own), withdrawals included."""
        ...

    def position(self) -> Position:
        """How far the log has come, for a replica following it."""
        ...

    def written(self, after_seq: int, upto_seq: int) -> dict[int, int]:
        """The sessions with facts numbered in ``(after_seq, upto_seq]``, each with its last one."""
        ...

    def head(self, session_id: int, upto_seq: int | None = None) -> int:
        """A session's version: the number of its last own fact (at most ``upto_seq``; 0: none)."""
        ...


class SessionRegistry(Protocol):
    """The sessions of one scenario (a log may hold several scenarios' sessions: a registry
    lists and creates its own only; ``get`` and ``view`` take any session's number).
    Numbers are given in creation order across the log and never reused; a session, once
    created, never changes (deleting it records a tombstone)."""

    def create(self, name: str, *, created_at: dt.datetime, parent: SessionRecord | None = None,
               fork_at: dt.datetime | None = None, description: str = "", created_by: str = "") -> SessionRecord:
        """A new session; a fork sees its parent's facts recorded so far (``fork_seq``: the
        last sequence number in the log) and true by ``fork_at``.  A name a live session
        has is refused (``SessionError``), and so is a deleted parent (``SessionGone``)."""
        ...

    def live(self) -> list[SessionRecord]:
        """Every session not deleted, oldest first."""
        ...

    def get(self, session_id: int) -> SessionRecord:
        """A session by number, deleted or not (a what-if names its deleted parent)."""
        ...

    def delete(self, session_id: int, *, at: dt.datetime, by: str = "") -> None:
        """Record that a session was deleted (when, by whom); its facts stay in the log, its
        name is free again.  ``SessionGone`` if it was deleted already."""
        ...

    def since(self, session_id: int) -> list[SessionRecord]:
        """The sessions numbered after ``session_id``, deleted or not, oldest first."""
        ...

    def deleted(self) -> set[int]:
        """The numbers of every deleted session."""
        ...

    def view(self, record: SessionRecord) -> View:
        """The lines a session sees, itself first (see ``FactLog``)."""
        ...


class Replies(Protocol):
    """The replies to idempotent requests (the request itself is stored with its facts,
    ``Writing.insert_request``)."""

    def request(self, session_id: int, key: str) -> StoredRequest | None:
        """The request stored under a session's key, with its reply if saved."""
        ...

    def save_reply(self, session_id: int, key: str, reply: str) -> None:
        """The reply sent for a stored request (its facts were committed before)."""
        ...


@dataclass(frozen=True)
class RulebookVersion:
    """A version of a scenario's rule files: its number (1, 2, ... in the order first
    loaded, across the database), the rules as JSON text (``Rulebook.canonical``) and their
    SHA-256, and when first loaded."""

    version: int
    scenario: str
    fingerprint: str
    recorded_at: dt.datetime
    rules: str


class RulebookVersions(Protocol):
    """Which rule files facts were checked against.  Each fact records the version of the
    rule files loaded when it was recorded (``Fact.rules_version``)."""

    def record(self, scenario: str, fingerprint: str, rules: str, at: dt.datetime) -> RulebookVersion:
        """The version of these rules: the one they were given when first recorded (equal
        fingerprints, one version), or the next number.  Safe to call at every start."""
        ...

    def latest(self, scenario: str) -> RulebookVersion | None:
        """The scenario's most recently recorded version (None: none yet)."""
        ...

    def get(self, version: int) -> RulebookVersion | None: ...


class Store(Protocol):
    """One database holding a scenario's facts, sessions and replies (and maybe other
    scenarios' too, each seen through a store of its own over the same log)."""

    @property
    def url(self) -> str:
        """Where it is, as it may be printed: never the password."""
        ...

    @property
    def log(self) -> FactLog: ...

    @property
    def registry(self) -> SessionRegistry: ...

    @property
    def replies(self) -> Replies: ...

    @property
    def versions(self) -> RulebookVersions: ...

    def close(self) -> None: ...
