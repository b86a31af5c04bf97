"""Every session of a scenario, backed by the fact log: ``baseline`` and its what-ifs.

Promises:
- Recording is all or nothing, and committed to the log before the in-memory state moves:
  a returned ``Recorded`` means the facts are on disk.
- With an idempotency key, a retried request gets the first reply and stores nothing twice;
  the same key with a different body is refused (``IdempotencyKeyError``).
- Calls on one session are serialised by its lock, held only to read or change its facts:
  a verdict or a timeline is worked out afterwards, outside it, from a frame or a copy of
  the history taken under it (``engine.analyst``), so writes never wait for an analysis.
  Different sessions run concurrently (the rules engine serialises its own calls).
- A session is rebuilt from the log the first time it is used after a start, from the
  latest fact per subject and the windowed events only (``FactLog.load_recent``, ``engine.store.ports``); its whole
  history is read the first time an earlier date, the timeline or a withdrawal needs it.
- A what-if fork sees its parent's facts recorded before the fork and true by the fork time,
  and never the parent's later facts or withdrawals; then only its own.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, Field

from engine import segments
from engine.analyst import Analyst, KeptTimelines, Span, reads_alike
from engine.clock import Clock
from engine.comparison import Comparison, compare
from engine.compiler import CompiledRules
from engine.deadline import NO_DEADLINE, Deadline
from engine.errors import (
    AnalystClosed,
    FactError,
    IdempotencyKeyError,
    Misuse,
    Problem,
    RuleFileError,
    SessionError,
    SessionGone,
    UnknownNameError,
    WhatIfLimitError,
    WriteConflict,
    WrittenBetween,
    brief,
)
from engine.facts import Confidence, Fact, ResolvedFact, admitted, dated_after, parse_inputs, recheck
from engine.history import Frame, History
from engine.live_session import Session, horizon_of, marked_timeline, resting_on
from engine.reply_json import reply_json, write_ahead
from engine.rete import RulesPort
from engine.rulebook import Rulebook
from engine.statements import no_longer_accepted, stated_rulebook, statements_as_of, statements_of
from engine.store.ports import Position, SessionRecord, Store
from engine.store.reading import reading_url
from engine.verdict import StatementState, TimelineEntry, Verdict

log = logging.getLogger("ripeness.sessions")

BASELINE = "baseline"
MAX_REPORTED = 50  # recorded facts named when changed rule files no longer accept them (the first ones)
WRITE_ATTEMPTS = 5  # a write that another replica keeps overtaking is tried this many times (WriteConflict)
REPLY_THREADS = 2  # threads working out replies' verdicts beside their commits (more writes waiting: after their own commit)
FOLLOW_SECONDS = 0.2  # how often a following service reads the log's position (``Sessions.follow``)
SESSION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
SESSION_NAME_RULE = "a session name is a letter, then up to 63 letters, digits, '_' or '-' (no spaces), such as oil_eased or talks-2021"


class Recorded(BaseModel):
    """What recording facts answers: their ids, in the order given, the verdict now, and
    the verdict as of the latest of their dates (what they did then)."""

    session: str
    ids: list[str]
    skipped: int = 0
    verdict: Verdict = Field(description="the verdict now, after the facts")
    verdict_then: Verdict | None = Field(None, description=(
        "the verdict after the facts as of the latest 'at' among them (a withdrawal's is the date of the fact it "
        "withdraws): what they did then; its 'as_of' is that date, even when it is after now (a fact dated in the "
        "future: the verdict then, unless other facts come first). Null in a reply stored before this field "
        "existed, or not asked for (verdict_then=false)"))
    warnings: list[str] = Field(default_factory=list, description="what the facts were taken with: each fact dated after now")


@dataclass(frozen=True)
class FactPost:
    """One request's facts (each with where it came from), its Idempotency-Key and the hash
    of its body (a retry with the same key must carry the same body)."""

    items: list[tuple[str, Any]]
    key: str | None = None
    body_hash: str = ""
    skip_known: bool = False  # leave out facts the session already holds, withdrawn ones too (reloading a fact file)
    then: bool = True  # the reply also gives the verdict as of the latest fact's date (``Recorded.verdict_then``)
    sent: bool = False  # the reply is sent as JSON (the API): written beside the commit with its verdicts (``reply_json.write_ahead``)


@dataclass(frozen=True)
class SessionPage:
    """Sessions with their parents' names, and the cursor of the next page (None: the last)."""

    sessions: list[tuple[SessionRecord, str | None]]
    next_after: int | None


@dataclass(frozen=True)
class FactPage:
    facts: list[Fact]
    withdrawn_by: dict[str, str]
    next_after: str | None


@dataclass(frozen=True)
class TimelineBasis:
    """What a session's timeline up to now is worked out from, besides the rule files and the
    confidence asked: the session (its number: one deleted and made again under its name is
    another), its version (the number of its last own fact applied: a fact or a withdrawal
    recorded since changes it), and the first time after now at which a verdict can change
    (a fact dated then, an event leaving its window, a statement coming into or out of
    force, a deadline, a ripeness mark; None: none).  A timeline worked out at one now is
    the timeline of a later one while the session and its version are the same and the
    later now is before ``changes_at``."""

    session_id: int
    version: int
    changes_at: dt.datetime | None

    def still(self, later: TimelineBasis, now: dt.datetime) -> bool:
        """Whether a timeline worked out on this basis is the timeline on ``later`` at ``now``."""
        return ((self.session_id, self.version) == (later.session_id, later.version)
                and (self.changes_at is None or now < self.changes_at))


class Sessions:
    """The sessions of one scenario over one fact log.  A fact dated after the clock's now is
    recorded with a warning in the reply, or refused (``FactError``) with
    ``refuse_future_facts``."""

    def __init__(self, rulebook: Rulebook, rules: CompiledRules, port: RulesPort, store: Store, clock: Clock,
                 max_whatifs: int | None = None, *, refuse_future_facts: bool = False, timeline_workers: int | None = None,
                 timeline_split_facts: int | None = None):
        self.rulebook, self._rules, self._port, self.store, self.clock = rulebook, rules, port, store, clock
        self.log, self._registry, self._replies = store.log, store.registry, store.replies
        if max_whatifs is not None and max_whatifs < 0:
            raise Misuse(f"max_whatifs is a number of sessions, 0 or more; got {max_whatifs}")
        self.max_whatifs = max_whatifs  # what-if sessions one caller may have at once (None: any number)
        self.refuse_future_facts = refuse_future_facts
        # a timeline of ``timeline_split_facts`` facts or more is walked in segments by this many processes (``engine.segments``)
        self.timeline_workers = segments.workers_setting(timeline_workers)
        self.timeline_split_facts = segments.split_setting(timeline_split_facts)
        self._pool: segments.Pool | None = None  # worker processes started with the service (``start_timeline_workers``)
        self.timeline_processes = 1  # the processes the last timeline worked out was walked in (for the benchmarks)
        self._guard = threading.Lock()
        self._position = store.log.position()  # how far this process has followed the log (``catch_up``)
        self._following = threading.Lock()
        self._records: dict[str, SessionRecord] = {r.name: r for r in store.registry.live()}  # in creation order
        self._top_id = max((r.id for r in self._records.values()), default=0)  # the last session catch_up read, deleted or not
        self._heads: dict[str, int] = {}  # each session in memory: the number of its last own fact applied (its version)
        self._timelines = KeptTimelines()  # the latest timelines, until their session's facts change
        self._stop = threading.Event()
        self._follower: threading.Thread | None = None
        # where a write's reply verdicts are worked out while its commit waits (``_record_once``)
        self._replying = ThreadPoolExecutor(REPLY_THREADS, thread_name_prefix="ripeness-reply")
        self._by_id: dict[int, SessionRecord] = {r.id: r for r in self._records.values()}
        self._gone: dict[int, str] = {}  # names of deleted sessions that are some session's parent
        self._whatifs: Counter[str] = Counter(r.created_by for r in self._records.values() if r.parent_id is not None)
        self._live: dict[str, Session] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._states = [k for k, s in rulebook.subjects.items() if s.kind == "state"]
        if BASELINE not in self._records:
            try:
                self._add(self._registry.create(BASELINE, created_at=clock.now(), description="the live record"))
            except SessionError:  # another replica, starting at the same time, made it first
                self._add(next(r for r in self._registry.live() if r.name == BASELINE))
        latest = store.versions.latest(rulebook.id)
        if latest is None or latest.fingerprint != rulebook.fingerprint:
            self._check_recorded()  # before the new version is recorded: a refused start changes nothing
        self.rules_version = store.versions.record(rulebook.id, rulebook.fingerprint, rulebook.canonical, clock.now()).version

    def _check_recorded(self) -> None:
        """Refuse to start (``RuleFileError``, naming each session, fact and field) when the
        rule files, changed since the facts were recorded, no longer accept one of them: a
        state or event whose subject, actor or value the rules no longer have, or a statement
        fact that names a move, position or subject they no longer have."""
        problems: list[Problem] = []
        ids = sorted({b.session_id for r in self._records.values() for b in self._registry.view(r)})
        for fact in self.log.scan(ids):
            problems += [Problem(f"fact {p.where}", p.field, f"{p.message} (the rule files no longer accept this recorded fact)")
                         for p in recheck(fact, self.rulebook)]
            if len(problems) >= MAX_REPORTED:
                break
        for record in self._records.values():
            stated = self.log.statements(self._registry.view(record))
            if stated and len(problems) < MAX_REPORTED:
                _, found = stated_rulebook(self.rulebook, statements_of(stated))
                problems += no_longer_accepted(record.name, found)
        if problems:
            raise RuleFileError(problems[:MAX_REPORTED])

    # the set of sessions ----------------------------------------------------------------
    def names(self) -> list[str]:
        with self._guard:
            return list(self._records)

    def record_of(self, name: str) -> SessionRecord:
        with self._guard:
            if name not in self._records:
                raise UnknownNameError("session", name, list(self._records))
            return self._records[name]

    def parent_name(self, record: SessionRecord) -> str | None:
        if record.parent_id is None:
            return None
        with self._guard:
            parent = self._by_id.get(record.parent_id)
            if parent is not None:
                return parent.name
            if record.parent_id in self._gone:
                return self._gone[record.parent_id]
        name = self._registry.get(record.parent_id).name  # deleted: the log keeps it
        with self._guard:
            self._gone[record.parent_id] = name
        return name

    def page(self, after: int | None = None, limit: int = 1000) -> SessionPage:
        """The sessions in creation order, after the one numbered ``after`` (a cursor: the
        ``next_after`` of the page before; it may have been deleted since), at most
        ``limit``, each with its parent's name.  Costs the page plus one pass over the
        sessions' numbers."""
        if limit < 1:
            raise Misuse(f"limit is at least 1; got {limit}")
        with self._guard:
            records = list(self._records.values())
        start = 0 if after is None else bisect.bisect_right(records, after, key=lambda r: r.id)
        found = records[start:start + limit + 1]
        shown = found[:limit]
        return SessionPage([(r, self.parent_name(r)) for r in shown], shown[-1].id if len(found) > limit else None)

    def fact_count(self) -> int:
        """How many facts the sessions not deleted recorded, withdrawals included."""
        with self._guard:
            ids = [r.id for r in self._records.values()]
        return self.log.count(ids)

    def whatifs_of(self, who: str) -> int:
        """How many what-if sessions ``who`` created that are not deleted."""
        with self._guard:
            return self._whatifs[who]

    def fork(self, name: str, parent: str = BASELINE, as_of: dt.datetime | None = None,
             description: str = "", created_by: str = "") -> SessionRecord:
        """A what-if line: ``parent``'s facts recorded so far and true by ``as_of`` (default
        now), then only its own."""
        if not SESSION_NAME.fullmatch(name):
            raise SessionError(f"{SESSION_NAME_RULE}; got {brief(name)}")
        with self._guard:
            if name in self._records:
                raise SessionError(f"a session named {name!r} exists already")
            self._check_whatifs(created_by)
        with self._using(parent) as source:  # no write to the parent in flight: the fork sees all it committed
            fork_at = as_of or self.clock.now()
            seed = source.history.moment(fork_at, source.horizon) if source.history.covers(fork_at) else None
            with self._guard:
                if name in self._records:
                    raise SessionError(f"a session named {name!r} exists already")
                self._check_whatifs(created_by)
                parent_record = self._records[parent]
            try:
                record = self._registry.create(name, created_at=self.clock.now(), parent=parent_record,
                                               fork_at=fork_at, description=description, created_by=created_by)
            except SessionGone:  # deleted by another replica
                self._drop(parent_record)
                raise UnknownNameError("session", parent, self.names()) from None
            with self._guard:
                self._add(record)
            # the parent's memory holds what the fork sees only if no other replica wrote it meanwhile
            if seed is not None and self.log.head(parent_record.id, record.fork_seq) != self._heads.get(parent, -1):
                seed = None
        # recent state only, the rest on demand: from the parent's memory when it holds that
        # moment, else from the log as a restart does
        if seed is None:
            session = self._rebuild(record)
        else:
            session = self._session(record, History(complete_from=fork_at))
            session.apply(seed)
            with self._guard:
                self._heads[name] = 0
        with self._guard:
            kept = self._live.setdefault(name, session)
        if kept is not session:  # a reader rebuilt it first
            session.close()
        return record

    def delete(self, name: str, by: str = "") -> None:
        if name == BASELINE:
            raise SessionError("baseline is the live record and cannot be deleted")
        with self._using(name):
            with self._guard:
                record = self._records[name]
            try:
                self._registry.delete(record.id, at=self.clock.now(), by=by)
            except SessionGone:  # another replica deleted it first
                self._drop(record)
                raise UnknownNameError("session", name, self.names()) from None
            self._drop(record)

    # one session ------------------------------------------------------------------------
    def record(self, name: str, items: list[tuple[str, Any]], *, key: str | None = None,
               body_hash: str = "", skip_known: bool = False, then: bool = True) -> Recorded:
        """Record raw facts (each with where it came from); all or nothing.  ``skip_known``
        leaves out facts the session already holds, withdrawn ones too (reloading a fact
        file must not undo a withdrawal).  ``then``: the reply also gives the verdict as of
        the latest fact's date (a past date may need the whole history read)."""
        result = self.record_many(name, [FactPost(items, key, body_hash, skip_known, then)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def record_many(self, name: str, posts: list[FactPost]) -> list[Recorded | Exception]:
        """Several requests to one session, in the order given, written in one transaction
        (see ``_record_once``).  When another replica wrote the session since this one read
        it (``WriteConflict``), the session takes in what was written (``_advance``) and the write is tried
        again, up to ``WRITE_ATTEMPTS`` times; a session deleted elsewhere is unknown here.  A
        write refused at its commit because it took the log to be as this process's last write
        left it (``WrittenBetween``) is tried again besides: the next one reads the log first."""
        attempts = guesses = 0  # writes overtaken; guesses missed (never two in a row: a failed write leaves no guess)
        while attempts < WRITE_ATTEMPTS:
            results = self._record_once(name, posts)
            if not any(isinstance(r, WriteConflict) for r in results):
                return results
            if any(isinstance(r, WrittenBetween) for r in results) and guesses < WRITE_ATTEMPTS:
                guesses += 1
            else:
                attempts += 1
        overtaken = WriteConflict(f"session {name!r} was written by another replica each of the {WRITE_ATTEMPTS} times this "
                                  "one tried to write it; nothing of this request was stored: send it again")
        return [overtaken if isinstance(r, WriteConflict) else r for r in results]

    def _record_once(self, name: str, posts: list[FactPost]) -> list[Recorded | Exception]:
        """Several requests to one session, in the order given, written in one transaction
        (one commit, one fsync).  Each is still all or nothing on its own: a request whose
        facts are wrong gets its error and changes nothing, and each reply carries the
        verdict after its own facts, now and (``FactPost.then``) as of the latest of their
        dates: its frames taken before the commit, the verdicts worked out from them in
        another thread while the commit waits for the disk or the server (``_verdicts``,
        started by ``Writing.beside``), outside the locks, and answered only once the commit
        is done.  A retry with a known Idempotency-Key gets the first reply; keys must differ
        within a call.  If the write fails, every request in it gets that error, the verdicts
        worked out meanwhile are thrown away (waited for first: the session's analysts that
        worked them out are closed with it), and the session is read again from the log when
        next used (its memory had moved ahead)."""
        if len({p.key for p in posts if p.key is not None}) < sum(p.key is not None for p in posts):
            raise Misuse("record_many: an Idempotency-Key appears twice in one call")
        results: list[Recorded | Exception | None] = [None] * len(posts)
        with self._using(name) as session:
            record = self._records[name]
            for i, post in enumerate(posts):
                if post.key is not None:
                    try:
                        results[i] = self._replay(record, post, session)
                    except IdempotencyKeyError as exc:
                        results[i] = exc
            parsed: dict[int, list[ResolvedFact]] = {}
            for i, post in enumerate(posts):
                if results[i] is None:
                    try:
                        parsed[i] = parse_inputs(post.items, self.rulebook)
                    except FactError as exc:
                        results[i] = exc
            # the whole history, if a withdrawal needs it, read before any fact is written: read inside
            # the transaction it would lack the facts written so far
            if any(f.input.withdraws is not None for resolved in parsed.values() for f in resolved):
                session.complete()
            # a verdict as of a date before what is loaded reads that moment of the log, read now for the same
            # reason; the facts of this write dated by then are added to it as they are built
            moments: dict[int, tuple[dt.datetime, History]] = {}
            for i, resolved in parsed.items():
                dates = [f.input.at for f in resolved if f.input.at is not None]
                if posts[i].then and dates:
                    at = max(dates)
                    moment = session.moment(at)
                    if moment is not None:
                        moments[i] = (at, moment)
            built_so_far: list[Fact] = []
            written: list[int] = []
            stored: dict[int, tuple[list[Fact], int, Frame, Frame | None, list[str], tuple[Analyst, Analyst]]] = {}
            replying: list[Future] = []  # the reply's verdicts being worked out beside the commit
            sent = {i for i, p in enumerate(posts) if p.sent}  # replies whose JSON is written beside them
            view = self._registry.view(record) if any(p.skip_known for p in posts) else []
            try:
                with self.log.writing() as write:
                    write.expect(record.id, self._heads[name])
                    now = self.clock.now()
                    for i, resolved in parsed.items():
                        post = posts[i]
                        given: list[Fact] | None = None  # with skip_known: every fact asked for, the known ones too
                        if post.skip_known:  # before the check: a statement already recorded is known, not a second use of its id
                            given = session.build(resolved, [2**62 + n for n in range(len(resolved))], now, self.rules_version)
                            resolved = [r for r, f in zip(resolved, given) if not self.log.exists(view, f)]
                        try:
                            session.check(resolved)
                            ahead = dated_after(resolved, now)
                            if ahead and self.refuse_future_facts:
                                raise FactError([Problem(p.where, p.field, p.message + "; this service takes no facts dated in the future")
                                                 for p in ahead])
                        except FactError as exc:
                            results[i] = exc
                            continue
                        written.append(i)
                        facts = session.build(resolved, write.allocate(len(resolved)), now, self.rules_version)
                        given = facts if given is None else given
                        write.insert_facts(record.id, facts)
                        if post.key is not None:
                            write.insert_request(record.id, post.key, post.body_hash, [f.seq for f in facts])
                        session.apply(facts)
                        built_so_far += facts
                        if i in moments:
                            at, moment = moments[i]
                            for fact in built_so_far:  # this request's facts, and those of the requests before it
                                if fact.at <= at and fact.kind != "withdrawal":
                                    moment.add(fact)
                            then = session.frame_in(moment, max(f.at for f in given))
                        else:
                            then = session.frame(max(f.at for f in given)) if post.then else None
                        # the analysts of the rulebook after this request's statements (a later one may change it)
                        analysts = (session.analyst, session.past_analyst if then is not None else session.analyst)
                        stored[i] = (facts, len(given) - len(facts), session.frame(), then, [str(p) for p in ahead], analysts)
                    if stored:
                        write.beside(lambda: self._start_verdicts(name, stored, replying, sent))
            except Exception as exc:  # nothing of this transaction was stored
                for job in replying:  # its verdicts never answered, and done before its analysts are closed
                    if not job.cancel():
                        wait([job])
                # overtaken at ``expect``: the memory is as the log was; a guess missed at the commit: it may
                # hold this write's facts, and is read again
                if not (isinstance(exc, WriteConflict) and not isinstance(exc, WrittenBetween) and self._advance(name, record, session)):
                    self._forget(name, session)
                if isinstance(exc, SessionGone):  # deleted by another replica
                    self._drop(record)
                    exc = UnknownNameError("session", name, self.names())
                for i in range(len(posts)):
                    if i in written or results[i] is None or isinstance(exc, WriteConflict):
                        results[i] = exc
                written = []
            else:
                if built_so_far:
                    with self._guard:
                        self._heads[name] = max(f.seq for f in built_so_far)
                self._followed(write.taken, write.last_seq)
        # committed: each reply's verdicts, worked out beside the commit, or now if their thread had not begun
        # them (outside every lock: writes go on)
        if written:
            job = replying[0] if replying else None
            answers = (job.result() if job is not None and not job.cancel()
                       else self._verdicts(name, stored, sent))
            for i in written:
                results[i] = answers[i]
                if posts[i].key is not None and not isinstance(answers[i], Exception):
                    self._replies.save_reply(record.id, posts[i].key, reply_json(answers[i]).decode())
        return results  # type: ignore[return-value]  # every entry is set

    def _start_verdicts(self, name: str, stored: dict, into: list[Future], sent: set[int]) -> None:
        """``_verdicts`` begun in the reply's thread (``Writing.beside``: the commit is being
        sent); a closed ``Sessions`` takes no new work there, and they are worked out after."""
        try:
            into.append(self._replying.submit(self._verdicts, name, stored, sent))
        except RuntimeError:  # shut down
            pass

    def _verdicts(self, name: str, stored: dict, sent: set[int]) -> dict[int, Recorded | Exception]:
        """Each written request's reply, from the frames taken under the session's lock: the
        verdict now and (its ``then`` frame) as of the latest of its facts' dates, and for
        those ``sent`` (``FactPost.sent``) its JSON too (``reply_json.write_ahead``: the
        response and the idempotent reply saved take it); an error in its place if that
        fails (the facts are stored: a retry with its key answers again)."""
        answers: dict[int, Recorded | Exception] = {}
        for i, (facts, skipped, frame, then, warnings, (analyst, past_analyst)) in stored.items():
            try:
                verdict = self._answer(analyst, frame)
                if then is None:
                    verdict_then = None
                elif reads_alike(then, frame, self.rulebook):  # a fact of today, nothing due since: the same verdict
                    verdict_then = verdict.model_copy(update={"as_of": then.as_of})
                else:
                    verdict_then = self._answer(past_analyst, then, beside=analyst)
                answers[i] = Recorded(session=name, ids=[f.id for f in facts], skipped=skipped,
                                      verdict=verdict, verdict_then=verdict_then, warnings=warnings)
                if i in sent:
                    write_ahead(answers[i])
            except Exception as exc:  # noqa: BLE001  # stored; the reply failed (a retry with its key answers again)
                answers[i] = exc
        return answers

    def verdict(self, name: str, as_of: dt.datetime | None = None, deadline: Deadline = NO_DEADLINE,
                admit: Confidence = "disputed") -> Verdict:
        """The verdict now or as of a time, worked out from a frame of the session taken
        under its lock, then outside it: a write to the session goes on meanwhile.
        ``admit``: the lowest confidence of the facts it reads (``disputed``: all)."""
        with self._using(name) as session:
            frame, analyst = session.frame(as_of, admit), session.analyst_for(admit)
            unsure = [f for f in session.unsure_statements(frame.as_of) if admitted(f.confidence, admit)]
            sure = session.analyst_for("confirmed") if unsure else analyst
        return resting_on(self._answer(analyst, frame, deadline), unsure, lambda: self._answer(sure, frame, deadline).status,
                          analyst.rulebook)

    def timeline(self, name: str, deadline: Deadline = NO_DEADLINE, admit: Confidence = "disputed",
                 verdicts: bool = False) -> list[TimelineEntry]:
        """The timeline of a copy of the session's whole history, by an analyst of its own
        (the session's stays free for its verdicts); writes go on meanwhile.  The latest
        timelines are kept until their session's facts or rule files change, or a change
        time passes (``analyst.KeptTimelines``).  ``verdicts``: each entry with its verdict."""
        with self._using(name) as session:
            session.complete()  # first: it may bring statement facts, and so other rule files
            chosen = session.analyst_for(admit)  # the session's own, unless statements less sure are left out
            now, rulebook, rules = self.clock.now(), chosen.rulebook, chosen.rules
            live, version = session.history, session.history.version
            kept = self._timelines.get(name, live, rulebook, admit, now, verdicts)  # nothing changed since it was worked out
            if kept is not None:
                return kept
            history = session.snapshot()
            unsure = [f for f in session.unsure_statements() if admitted(f.confidence, admit)]
            sure = session.analyst_for("confirmed") if unsure else None
            source = self._source(name, history)
        span = self._span(name, rulebook, rules, history, now, deadline, admit, verdicts, source)
        if sure is not None:  # what the entries rest on among the statements less than confirmed
            without = self._span(name, sure.rulebook, sure.rules, history, now, deadline, admit, source=source)
            span = replace(span, entries=marked_timeline(span.entries, without.entries, unsure, rulebook))
        self._timelines.put(name, live, version, rulebook, admit, span, verdicts)
        return list(span.entries)

    def _source(self, name: str, history: History) -> segments.Source | None:
        """Where a worker process reads the session's facts for a timeline of ``history`` (its
        copy taken under the session's lock, held by the caller), if the timeline is to be
        walked in segments: ``timeline_workers`` above 1, workers started with the service
        (``start_timeline_workers``: then the walk's estimated cost decides) or
        ``timeline_split_facts`` facts or more, and a log another process can read (not one
        in memory)."""
        if self.timeline_workers < 2 or (self._pool is None and len(history) < self.timeline_split_facts):
            return None
        url = reading_url(self.log)
        if url is None:
            return None
        with self._guard:
            record, head = self._records[name], self._heads.get(name, 0)
        return segments.Source(url, self._registry.view(record), head or None, len(history), history.version)

    def _span(self, name: str, rulebook: Rulebook, rules: CompiledRules, history: History, now: dt.datetime,
              deadline: Deadline, admit: Confidence, verdicts: bool = False, source: segments.Source | None = None) -> Span:
        """The timeline of ``history`` up to ``now`` by an analyst of its own, or in segments by
        several processes (``source``: see ``_source``; ``engine.segments``)."""
        self.timeline_processes = 1
        if source is not None:
            span = segments.timeline_in_processes(name, rulebook, rules, self._port, history, now, deadline, admit, verdicts,
                                                  source, self.timeline_workers, always=self.timeline_split_facts == 0,
                                                  pool=self._pool, split_facts=self.timeline_split_facts)
            if span is not None:
                self.timeline_processes = span.processes
                return span
        analyst = Analyst(name, rulebook, rules, self._port)
        try:
            return analyst.timeline_span(history, now, deadline, admit, verdicts)
        finally:
            analyst.close()

    def start_timeline_workers(self) -> None:
        """Start the worker processes timelines are walked in beside this one (``timeline_workers``
        less one; none if that is 0 or the log is in memory), spawned now and kept until
        ``close``, each with the rule files loaded: a timeline then splits by its walk's
        estimated cost (``segments.plan_warm``), a short one of a large rulebook too, without
        paying a process's start-up.  What each worker keeps between timelines is bounded as
        in this process (``engine.analysis``).  Called once, by the service at start."""
        url = reading_url(self.log)
        if self._pool is None and self.timeline_workers >= 2 and url is not None:
            self._pool = segments.Pool(self.timeline_workers - 1, self.rulebook, self._rules, url)

    def timeline_worker_processes(self) -> list:
        """The worker processes started with ``start_timeline_workers`` (none if not started)."""
        return self._pool.processes() if self._pool is not None else []

    def wait_timeline_workers(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for the workers to be ready (started and loaded); how many are."""
        return self._pool.wait_ready(timeout) if self._pool is not None else 0

    def stop_timeline_workers(self) -> None:
        """Stop the workers ``start_timeline_workers`` started (``close`` does it too)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def timeline_basis(self, name: str) -> TimelineBasis:
        """What the session's timeline up to now rests on besides the rule files and the
        confidence asked (``TimelineBasis``), read under its lock: for a caller that keeps
        a timeline until it no longer holds.  Reads the session's whole history, as a
        timeline does."""
        with self._using(name) as session:
            now = self.clock.now()
            due = next((t for t in session.change_times() if t > now), None)
            with self._guard:
                return TimelineBasis(self._records[name].id, self._heads.get(name, 0), due)

    def statements(self, name: str, as_of: dt.datetime | None = None) -> list[StatementState]:
        """The session's positions and offers (the rule files' and those stated by its
        facts) as of a time (now by default): in force or not, since when, stated and ended
        by which facts (``engine.statements``)."""
        with self._using(name) as session:
            return statements_as_of(session.rulebook, session.history.statements(), as_of or self.clock.now())

    def facts(self, name: str, *, subject: str | None = None, actor: str | None = None, start: dt.datetime | None = None,
              end: dt.datetime | None = None, after: str | None = None, limit: int = 1000) -> FactPage:
        """The facts a session sees (its own and, for a fork, its parent's up to the fork),
        withdrawn ones included and marked, in recording order."""
        if subject is not None:
            try:
                subject = self._subject_key(subject, actor)
            except UnknownNameError:  # a position's or offer's id finds the statement facts that stated or ended it
                if subject not in {s.id for s in self.statements(name)}:
                    raise
        if actor is not None:
            self.rulebook.actor(actor)
        cursor = re.fullmatch(r"f([0-9]{1,18})", after) if after is not None else None
        if after is not None and cursor is None:
            raise FactError([Problem("query", "after", f"'after' takes a fact id such as f12; got {after!r}")])
        after_seq = int(cursor.group(1)) if cursor else 0
        view = self._registry.view(self.record_of(name))
        found, withdrawn = self.log.find(view, subject=subject, actor=actor, start=start, end=end,
                                         after_seq=after_seq, limit=limit + 1)
        page = found[:limit]
        return FactPage(page, {f"f{k}": f"f{v}" for k, v in withdrawn.items()},
                        page[-1].id if len(found) > limit else None)

    def compare(self, a: str, b: str, as_of: dt.datetime | None = None, deadline: Deadline = NO_DEADLINE,
                admit: Confidence = "disputed") -> Comparison:
        """Both verdicts as of the same time: ``as_of``, or by default the earlier of the two
        lines' presents (see ``present``): a what-if forked as of 2021-03-07 is compared with
        its parent as it stood then, not with the parent's later history."""
        when = as_of or min(self.present(a), self.present(b))
        return compare(self.verdict(a, when, deadline, admit), self.verdict(b, when, deadline, admit))

    def present(self, name: str) -> dt.datetime:
        """Now, for a line forked now (or baseline); for a what-if forked as of a past date,
        its own present: the later of the fork time and its latest own fact."""
        record = self.record_of(name)
        now = self.clock.now()
        if record.fork_at is None or record.fork_at >= now:
            return now
        latest = self.log.latest_at(record.id)
        return max(record.fork_at, latest) if latest else record.fork_at

    # other replicas ---------------------------------------------------------------------
    def catch_up(self) -> bool:
        """Follow the log from where this process last read it: sessions created or deleted
        elsewhere appear or go, and each session in memory that another replica wrote is
        brought up to the log (``_advance``), or dropped to be read again when next used.
        Whether anything moved."""
        with self._following:
            position = self.log.position()
            with self._guard:
                start = self._position  # this process's own writes since may move it on (``_followed``)
            if position == start:
                return False
            deleted = self._registry.deleted()
            with self._guard:
                gone = [r for r in self._records.values() if r.id in deleted]
            for record in gone:
                self._drop(record)
            with self._guard:
                added = False
                for record in self._registry.since(self._top_id):
                    self._top_id = max(self._top_id, record.id)
                    # not one deleted since ``deleted`` was read: this replica's own deletion in between
                    if (record.id not in deleted and record.id not in self._gone and record.id not in self._by_id
                            and record.name not in self._records):
                        self._add(record)
                        added = True
                if added:  # kept in creation order (``page`` relies on it), whichever replica made them
                    self._records = dict(sorted(self._records.items(), key=lambda item: item[1].id))
            for session_id, seq in self.log.written(start.last_seq, position.last_seq).items():
                with self._guard:
                    record = self._by_id.get(session_id)
                if record is not None:
                    self._refresh(record.name, seq)
            with self._guard:
                if position.changes > self._position.changes:  # not back before an own write followed meanwhile
                    self._position = position
            return True

    def _followed(self, taken: Position | None, last_seq: int) -> None:
        """This process's write, committed, taken at the log's position ``taken``: if the
        log was followed right up to it (nothing of another replica's, nor a session created
        or deleted, came in between), the log is followed past it too, so that ``catch_up``
        reads nothing for it (its session is already up to date)."""
        if taken is None:
            return
        with self._guard:
            if self._position == Position(taken.last_seq, taken.changes - 1):
                self._position = Position(last_seq, taken.changes)

    def follow(self, every: float = FOLLOW_SECONDS) -> None:
        """Catch up with the log every ``every`` seconds, in a thread, until ``close``."""
        if self._follower is not None:
            return

        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.catch_up()
                except Exception:  # noqa: BLE001  # the database may be away a moment: try again next time
                    log.exception("catching up with the fact log failed; trying again")

        self._follower = threading.Thread(target=loop, name="ripeness-follower", daemon=True)
        self._follower.start()

    def close(self) -> None:
        self._stop.set()
        if self._follower is not None:
            self._follower.join(5)
        self._replying.shutdown()  # a write still in flight works out its verdicts in its own thread
        self.stop_timeline_workers()
        with self._guard:
            live, self._live = list(self._live.values()), {}
        for session in live:
            session.close()
        self.store.close()

    # inside -----------------------------------------------------------------------------
    def _add(self, record: SessionRecord) -> None:
        """A new session in the set (hold ``_guard``)."""
        self._records[record.name] = record
        self._by_id[record.id] = record
        if record.parent_id is not None:
            self._whatifs[record.created_by] += 1

    def _check_whatifs(self, who: str) -> None:
        """Raise ``WhatIfLimitError`` if ``who`` may not create another what-if (hold ``_guard``)."""
        if self.max_whatifs is not None and self._whatifs[who] >= self.max_whatifs:
            raise WhatIfLimitError(who, self.max_whatifs)

    @contextmanager
    def _using(self, name: str) -> Iterator[Session]:
        with self._guard:
            if name not in self._records:
                raise UnknownNameError("session", name, list(self._records))
            lock = self._locks.setdefault(name, threading.RLock())
        with lock:
            with self._guard:
                if name not in self._records:  # deleted while we waited
                    raise UnknownNameError("session", name, list(self._records))
                session = self._live.get(name)
            if session is None:
                session = self._rebuild(self.record_of(name))
                with self._guard:
                    self._live[name] = session
            yield session

    @contextmanager
    def using(self, name: str) -> Iterator[Session]:
        """The session ``name`` in memory (read from the log if it is not), held under its lock
        while the block runs: for tools and tests that look inside a session.  Raises
        ``UnknownNameError`` for a session that does not exist."""
        with self._using(name) as session:
            yield session

    def _answer(self, analyst: Analyst, frame: Frame, deadline: Deadline = NO_DEADLINE, beside: Analyst | None = None) -> Verdict:
        """The verdict of a frame by the session's analyst, or, if that was closed meanwhile
        (its session dropped after a failed write, or deleted), by one of its own.  ``beside``:
        an analyst whose last verdict may give what the blocking model gives (a reply's
        ``verdict_then`` beside its ``verdict``: ``Analyst.verdict_beside``)."""
        try:
            return analyst.verdict(frame, deadline) if beside is None else analyst.verdict_beside(frame, beside, deadline)
        except AnalystClosed:
            spare = Analyst(analyst.name, analyst.rulebook, analyst.rules, self._port)
            try:
                return spare.verdict(frame, deadline)
            finally:
                spare.close()

    def _drop(self, record: SessionRecord) -> None:
        """A deleted session out of the set and out of memory (waits for its lock)."""
        with self._guard:
            lock = self._locks.setdefault(record.name, threading.RLock())
        with lock:
            with self._guard:
                if record.id not in self._by_id:
                    return  # dropped already
                del self._records[record.name], self._by_id[record.id]
                if record.parent_id is not None:
                    self._whatifs[record.created_by] -= 1
                self._gone[record.id] = record.name  # its what-ifs still name it as their parent
                session = self._live.pop(record.name, None)
                self._locks.pop(record.name, None)
                self._heads.pop(record.name, None)
            if session is not None:
                session.close()

    def _refresh(self, name: str, seq: int) -> None:
        """Drop a session from memory if it has not applied its fact ``seq`` (another replica wrote it)."""
        with self._guard:
            session = self._live.get(name)
            if session is None:
                return
            lock = self._locks.setdefault(name, threading.RLock())
        with lock:
            with self._guard:
                if self._live.get(name) is not session or self._heads.get(name, 0) >= seq:
                    return
                record = self._records.get(name)
            if record is None or not self._advance(name, record, session):
                self._forget(name, session)

    def _advance(self, name: str, record: SessionRecord, session: Session) -> bool:
        """Bring a session in memory up to the log with the facts another replica wrote into
        it since this one read it (a write refused as overtaken, or the log followed), instead
        of reading the whole session again: whether that could be done.  Not when one of them
        withdraws a fact (it may need the whole history, and the session is read again); the
        caller holds the session's lock."""
        with self._guard:
            head = self._heads.get(name, 0)
        written = self.log.own_since(record.id, head)
        if not written or any(f.withdraws is not None for f in written):
            return False
        session.apply(written)
        with self._guard:
            self._heads[name] = written[-1].seq
        return True

    def _forget(self, name: str, session: Session) -> None:
        """Drop a session from memory (it is rebuilt from the log when next used)."""
        with self._guard:
            if self._live.get(name) is session:
                del self._live[name]
        session.close()

    def _rebuild(self, record: SessionRecord) -> Session:
        """From the log: recent state only; the rest on demand."""
        now = self.clock.now()
        view = self._registry.view(record)
        head = self.log.head(record.id)  # read first: a fact written meanwhile makes the next write read it again
        with self._guard:
            self._heads[record.name] = head
        session = self._session(record, History(complete_from=now))
        session.apply(self.log.load_recent(view, now, session.horizon, self._states))
        return session

    def _session(self, record: SessionRecord, history: History) -> Session:
        view_of, horizon = self._registry.view, horizon_of(self.rulebook)
        return Session(record.name, self.rulebook, self._rules, self._port, self.clock, history=history,
                       load_all=lambda: self.log.load_all(view_of(record)),
                       load_at=lambda at: self.log.load_at(view_of(record), at, horizon, self._states))

    def _replay(self, record: SessionRecord, post: FactPost, session: Session) -> Recorded | None:
        key = post.key
        assert key is not None
        stored = self._replies.request(record.id, key)
        if stored is None:
            return None
        if stored.body_hash != post.body_hash:
            raise IdempotencyKeyError(f"the Idempotency-Key {key!r} was used before with a different body; "
                                      "use a new key for a new request")
        if stored.reply is not None:
            return Recorded.model_validate_json(stored.reply)
        # committed, but the process stopped before the reply was saved: answer now, once
        then = self._then(session, stored.seqs) if post.then else None
        reply = Recorded(session=record.name, ids=[f"f{s}" for s in stored.seqs], verdict_then=then, verdict=session.verdict())
        self._replies.save_reply(record.id, key, reply.model_dump_json())
        return reply

    def _then(self, session: Session, seqs: list[int]) -> Verdict | None:
        """The verdict as of the latest date among recorded facts that still count (None if
        none does: all withdrawn since)."""
        session.complete()
        dates = [fact.at for fact in map(session.history.get, (f"f{s}" for s in seqs)) if fact is not None]
        return session.past_analyst.verdict(session.frame(max(dates))) if dates else None

    def _subject_key(self, subject: str, actor: str | None) -> str:
        if subject in self.rulebook.subjects:
            return subject
        if actor and f"{actor}.{subject}" in self.rulebook.subjects:
            return f"{actor}.{subject}"
        return self.rulebook.subject(subject).key
