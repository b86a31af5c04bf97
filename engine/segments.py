"""A long timeline walked in segments, in worker processes, and joined into exactly the
timeline the one walk gives (``Analyst.timeline_span``; benchmarks/RESULTS.md, "The timeline
in segments").

What the walk carries from one moment to the next, and how a segment's walk gets it:
- the working memory, the walk's state, escalation's watches, the kept standings and
  chains: the state as of a moment is a function of the facts up to it, and what is kept
  are answers kept on what they were worked out from.  A segment's walk begins at the
  change time just before its start, bringing everything in up to there, as the first
  moment of the whole walk does from nothing;
- ``last`` and ``made_last`` (the standing, escalation's levels and the moves made at the
  moment before): the same once that first moment is walked;
- ``latest`` and ``pending`` (the last verdict worked out, on which a ripeness-only entry is
  built, and the situation it is due at): set anew at each *re-basing* moment, where the
  standing, the levels or the moves made differ from the moment before.  Which moments
  re-base depends only on ``last`` and ``made_last``: so from its first re-basing moment at
  or after its start (``Part.first``), a segment's walk is the sequential one, and it walks
  on past its segment's end until the first re-basing moment at or after it
  (``Part.next``), the next segment's ``first``;
- ``previous`` (the last entry's verdict, which the next entry is compared with): a part
  gives every moment at which an entry can be made (a *candidate*, entry or not) with the
  verdict compared; ``join`` compares the candidates again with the last entry before
  them, from the part's start, until the part itself made an entry where the join does:
  from there on the part's own entries are the sequential ones.

``Analyst.timeline_part`` walks one segment (in this process: the tests split at any
points); ``timeline_in_processes`` walks the first segment in this process and the others
in worker processes (spawned, never forked: the server and the analyst have threads, and
the rules engine C state), each reading the session's facts from the log itself
(``engine.store.reading``), in parallel.  A timeline is split only where that pays:
``split_facts`` facts or more (default ``SPLIT_FACTS``) and enough moments per process.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import gc
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.deadline import NO_DEADLINE, Deadline
from engine.errors import AnalysisStopped, Misuse

if TYPE_CHECKING:
    from engine.analyst import Analyst, Span
    from engine.compiler import CompiledRules
    from engine.facts import Confidence
    from engine.history import History
    from engine.rete import RulesPort
    from engine.rulebook import Rulebook
    from engine.store.ports import View
    from engine.verdict import TimelineEntry

log = logging.getLogger("ripeness.segments")

KEPT_VERDICTS = 64  # a part keeps the verdicts compared of its first candidates (the join compares at most these)
SPLIT_FACTS = 50_000  # a timeline of fewer facts stays in one process (spawning and reading the log do not pay)
WORKERS_ENV = "RIPENESS_TIMELINE_WORKERS"  # processes a long timeline is walked in (default: the cores this process may use)
SPLIT_ENV = "RIPENESS_TIMELINE_SPLIT_FACTS"  # the size from which it is (default SPLIT_FACTS; 0: every timeline, in equal parts)
# what a worker costs before it walks, and a moment's walk: measured at 100,000 facts (benchmarks/RESULTS.md, tenth pass)
STARTUP_SECONDS = 1.2  # spawning a process, importing the engine, compiling the rules
READ_SECONDS_PER_FACT = 10e-6  # reading the log into a history, and what a walk works out first (its change times, watches)
WALK_SECONDS_PER_MOMENT = 65e-6
MIN_MOMENTS = 20_000  # a worker walks at least this many moments, else fewer workers
POLL_SECONDS = 0.05  # how often the parent looks at its deadline while waiting for a worker
# a worker of a pool started with the service (``Pool``): what a segment costs it besides its walk, and a moment's walk
# at the rulebook's size (measured at 200 positions: benchmarks/RESULTS.md, eleventh pass)
WARM_SECONDS = 0.03  # the job sent, the part pickled and received, the analyst made
MOMENT_SECONDS_PER_POSITION = 6e-6  # a moment's walk, per position of the rulebook (at least ``WALK_SECONDS_PER_MOMENT``)
MIN_WARM_SECONDS = 0.1  # a warm worker walks at least this long (estimated), else fewer workers
YOUNG_COLLECTION = 10_000  # a pool worker's youngest generation threshold, as the service's (``ripeness.bootstrap``)


@dataclass(frozen=True)
class Cut:
    """Where one segment's walk gives its candidates: from its first re-basing moment at or
    after ``start`` (None: from the first moment) to before its first at or after ``stop``
    (None: to the end)."""

    start: dt.datetime | None
    stop: dt.datetime | None


@dataclass
class Part:
    """One segment's walk: its candidates, each ``(entry, note, made, verdict, stances)``
    (the entry as the part made it, marked; the note of what it rests on that the marking
    added to its changes, or None; whether the part made it an entry; the verdict compared,
    or None where the join does not need it; its stances), from ``first`` to before
    ``next`` (the re-basing moments; None: none at or after the start, or none at or after
    the stop: the part walked to the end)."""

    candidates: list[tuple]
    first: dt.datetime | None
    next: dt.datetime | None


def cuts_at(starts: Sequence[dt.datetime]) -> list[Cut]:
    """The segments split at ``starts`` (ascending): before the first, between, after the last."""
    bounds: list[dt.datetime | None] = [None, *starts, None]
    return [Cut(a, b) for a, b in zip(bounds, bounds[1:])]


def join(parts: Sequence[Part], stance_of: Mapping[str, str] | None) -> list[TimelineEntry] | None:
    """The timeline of ``parts`` (of the cuts of one split, in order): each part's candidates
    compared with the last entry before them (``changes.differences``) until the part made
    an entry where the join makes one, its own entries from there on.  None when the parts
    do not meet (one's ``next`` is not the next one's ``first``) or a part's verdicts kept
    ran out before that (``KEPT_VERDICTS``): the caller walks the timeline in one piece."""
    from engine.analysis.changes import differences

    entries: list[TimelineEntry] = []
    previous: Any = None
    previous_stances: Mapping[str, str] = {}
    for k, part in enumerate(parts):
        if k and parts[k - 1].next != part.first:
            return None
        settled = False
        for entry, note, made, verdict, stances in part.candidates:
            if settled:
                if made:
                    entries.append(entry)
                    if verdict is not None:  # kept for the last entry the part made: the next part is compared with it
                        previous, previous_stances = verdict, stances
                continue
            if verdict is None:
                return None
            changes = differences(previous, verdict, (previous_stances, stances), stance_of)
            if previous is not None and not changes:
                continue
            if changes != entry.changes[:len(entry.changes) - (note is not None)]:
                entry = entry.model_copy(update={"changes": [*changes, *([note] if note is not None else [])]})
            entries.append(entry)
            previous, previous_stances = verdict, stances
            settled = made  # the part's last entry is this one's verdict too: its next ones are the sequential ones
    return entries


def walk_in_segments(make_analyst: Callable[[], Analyst], history: History, end: dt.datetime, starts: Sequence[dt.datetime],
                     deadline: Deadline = NO_DEADLINE, admit: Confidence = "disputed", verdicts: bool = False) -> list[TimelineEntry] | None:
    """The timeline of ``history`` up to ``end`` split at ``starts``, each segment walked by a
    fresh analyst (``make_analyst``) in this process, then joined (``join``; None: see there)."""
    parts, stance_of = [], None
    for cut in cuts_at(starts):
        analyst = make_analyst()
        try:
            stance_of = analyst.rulebook.stance_of
            parts.append(analyst.timeline_part(history, end, cut, deadline, admit, verdicts))
        finally:
            analyst.close()
    return join(parts, stance_of)


# settings ---------------------------------------------------------------------------------
def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every system
        return os.cpu_count() or 1


def workers_setting(given: int | None) -> int:
    """The processes a long timeline is walked in: ``given``, else ``RIPENESS_TIMELINE_WORKERS``,
    else the cores (1: one process, the walk as it always was)."""
    return _setting(given, WORKERS_ENV, cores, 1, "the timeline's workers are", "a number of processes")


def split_setting(given: int | None) -> int:
    """The number of facts from which a timeline is split: ``given``, else
    ``RIPENESS_TIMELINE_SPLIT_FACTS``, else ``SPLIT_FACTS``."""
    return _setting(given, SPLIT_ENV, lambda: SPLIT_FACTS, 0, "the size from which a timeline is split is", "a number of facts")


def _setting(given: int | None, env: str, default: Callable[[], int], least: int, name: str, what: str) -> int:
    """A whole-number setting: ``given``, else the environment variable ``env``, else ``default()``;
    at least ``least``, else ``Misuse`` saying ``what`` it is (``name``: how it is called) and what it got."""
    if given is None:
        text = os.environ.get(env, "").strip()
        if not text:
            return default()
        try:
            given = int(text)
        except ValueError:
            raise Misuse(f"{env} is {what}, {least} or more; got {text!r}") from None
    if given < least:
        raise Misuse(f"{name} {what}, {least} or more; got {given}")
    return given


def plan(moments: int, facts: int, processes: int, always: bool = False) -> list[int]:
    """Where to split ``moments`` change times among ``processes`` (this one first): the
    index of each worker's first moment.  This process walks more, as long as a worker
    takes to start and read ``facts`` facts; fewer workers when each would walk fewer than
    ``MIN_MOMENTS``; none (``[]``) when one process is as fast.  ``always``: in equal parts
    of at least one moment, whatever it costs (the tests' small timelines)."""
    if always:
        n = max(1, min(processes, moments))
        return [moments * k // n for k in range(1, n)]
    startup = (STARTUP_SECONDS + READ_SECONDS_PER_FACT * facts) / WALK_SECONDS_PER_MOMENT  # in moments
    return _split(moments, startup, processes, lambda each: each >= MIN_MOMENTS)


def _split(moments: int, startup: float, processes: int, enough: Callable[[int], bool]) -> list[int]:
    """The index of each worker's first moment among ``moments``, in as many processes as
    ``processes`` or fewer such that each worker's share (``each`` moments, after a start-up
    worth ``startup`` moments, this process walking that much more) is ``enough``; ``[]``
    when no split of two or more is."""
    for n in range(processes, 1, -1):
        each = int((moments - startup) / n)
        if enough(each):
            first = moments - (n - 1) * each
            return [first + k * each for k in range(n - 1)]
    return []


def moment_seconds(rulebook: Rulebook) -> float:
    """What a moment of a timeline's walk is estimated to cost under ``rulebook``: the
    verdicts and standings worked out on the way grow with its positions."""
    return max(WALK_SECONDS_PER_MOMENT, MOMENT_SECONDS_PER_POSITION * len(rulebook.positions))


def plan_warm(moments: int, facts: int, processes: int, per_moment: float, always: bool = False) -> list[int]:
    """``plan`` for workers already started (``Pool``): each costs ``WARM_SECONDS`` and its read
    of ``facts`` facts before it walks, and a moment is estimated at ``per_moment`` seconds
    (``moment_seconds``); fewer workers when each would walk less than ``MIN_WARM_SECONDS``;
    none (``[]``) when one process is as fast.  So the split is by the walk's estimated cost,
    not by the number of facts: a short log of a large rulebook pays."""
    if always:
        return plan(moments, facts, processes, True)
    startup = (WARM_SECONDS + READ_SECONDS_PER_FACT * facts) / per_moment  # in moments
    return _split(moments, startup, processes, lambda each: each * per_moment >= MIN_WARM_SECONDS)


# in processes -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """Where a worker reads the session's facts: the log's URL (with its password), the
    session's view, the number of its last fact applied (None: all), and what it must then
    hold (``len`` and ``version`` of the history the parent walks; else it was written
    meanwhile, and the parent walks that segment itself)."""

    url: str
    view: View
    last_seq: int | None
    facts: int
    version: int


@dataclass(frozen=True)
class _Job:
    name: str
    rulebook: Rulebook | None  # None: a pool's worker walks under the rule files it was started with
    rules: CompiledRules | None
    source: Source
    end: dt.datetime
    cut: Cut
    budget: float | None
    admit: Confidence
    verdicts: bool


def _work(job: _Job, conn: Any) -> None:
    """A worker process: read the facts, walk one segment, send its part (or why not)."""
    try:
        from engine.rete import DurableRules

        conn.send(_walked(job, job.rulebook, job.rules, DurableRules()))
    finally:
        conn.close()


def _walked(job: _Job, rulebook: Rulebook, rules: CompiledRules, port: RulesPort,
            read: Callable[[Source], list] | None = None) -> tuple[str, Any]:
    """A worker's answer to ``job``: read the facts (``read``, default ``read_view``), walk
    its segment under ``rulebook``; ``("done", part)``, ``("stopped", None)`` or ``("failed", why)``."""
    try:
        from engine.analyst import Analyst
        from engine.history import History
        from engine.store.reading import read_view

        history = History()
        history.extend(read(job.source) if read is not None else read_view(job.source.url, job.source.view, job.source.last_seq))
        if (len(history), history.version) != (job.source.facts, job.source.version):
            return "failed", "the log holds other facts than the timeline's copy (written meanwhile)"
        analyst = Analyst(job.name, rulebook, rules, port)
        try:
            deadline = Deadline(job.budget) if job.budget is not None else NO_DEADLINE
            return "done", analyst.timeline_part(history, job.end, job.cut, deadline, job.admit, job.verdicts)
        finally:
            analyst.close()
    except AnalysisStopped:
        return "stopped", None
    except Exception as exc:  # noqa: BLE001  # the parent walks this segment itself: it raises the same error there
        return "failed", f"{type(exc).__name__}: {exc}"


class _Reader:
    """A worker's reads of the log: one engine per URL, opened once and kept (at most
    ``MOST``), where a worker spawned for one timeline opens its own for the one read."""

    MOST = 4

    def __init__(self) -> None:
        self._engines: dict[str, Any] = {}

    def open(self, url: str) -> Any:
        from sqlalchemy import create_engine

        engine = self._engines.get(url)
        if engine is None:
            if len(self._engines) >= self.MOST:
                self._engines.pop(next(iter(self._engines))).dispose()
            engine = self._engines[url] = create_engine(url)
        return engine

    def __call__(self, source: Source) -> list:
        from engine.store.log import SqlFactLog

        found = SqlFactLog(self.open(source.url), threading.Lock()).load_all(source.view)
        return [f for f in found if source.last_seq is None or f.seq <= source.last_seq]

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()


def _serve(conn: Any, rulebook: Rulebook, rules: CompiledRules, url: str | None) -> None:
    """A worker process of a ``Pool``: started as the service starts, it loads what any
    timeline's walk needs before the first one comes: the engine's modules, the service's
    rule files in the rules engine (an analyst made), the log opened (``url``) and read once
    as a job's read reads it, of a view no session has (the fact store's modules, which a
    job's view brings when it is unpickled, and the query compiled: about 0.1 s at the first
    job otherwise), and one verdict of the rule files with no facts, as of the start (what the analysis works out
    once per rulebook, and the first use of each part of it in the process); then each job's
    segment walked (``_walked``) and its answer sent, until ``None`` comes or the pipe
    closes.  A job under other rule files (a session whose statement facts bring others)
    carries them; the service's own are not sent again.  What the analysis keeps from one
    verdict to the next is kept here as in the service (``engine.analysis``: bounded, keyed
    on what it was worked out from): the start's verdict keeps nothing a session's facts
    then read (every value it compares is unset)."""
    import datetime as _dt

    from engine.analyst import Analyst, frame_of, horizon_of
    from engine.history import History
    from engine.rete import DurableRules

    port = DurableRules()
    reader = _Reader()
    try:
        if url is not None:
            from engine.store import reading  # noqa: F401  # what ``_walked`` imports
            from engine.store.ports import Bound

            reader(Source(url, [Bound(session_id=0)], None, 0, 0))  # ids start at 1: no fact is read
        analyst = Analyst("", rulebook, rules, port)
        try:
            analyst.verdict(frame_of(History(), _dt.datetime.now(_dt.timezone.utc), horizon_of(rulebook)))
        finally:
            analyst.close()
    except Exception:  # noqa: BLE001  # a start that cannot warm up still walks: the first job pays it
        log.exception("a timeline worker could not load everything at start")
    # the cyclic garbage collector set as the service sets its own (``ripeness.bootstrap.settle``): what is alive now
    # (the rule files, the engine) out of its walks, the youngest generation collected every ``YOUNG_COLLECTION`` allocations
    gc.freeze()
    young, *older = gc.get_threshold()
    if 0 < young < YOUNG_COLLECTION:
        gc.set_threshold(YOUNG_COLLECTION, *older)
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            reader.close()
            return
        if job is None:
            reader.close()
            return
        conn.send(_walked(job, job.rulebook or rulebook, job.rules or rules, port, reader))


class Pool:
    """Worker processes started once with the service (``Sessions.start_timeline_workers``):
    spawned (never forked), each with the service's rule files loaded, kept between
    timelines and stopped with the service (``close``).  A timeline takes the workers that
    are ready and idle (``take``) and gives them back (``give_back``); one that failed, or
    was left walking when the parent's deadline ran out, is stopped and another started in
    its place (``replace``)."""

    def __init__(self, workers: int, rulebook: Rulebook, rules: CompiledRules, url: str | None = None):
        self._rulebook, self._rules, self._url = rulebook, rules, url
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._closed = False
        for _ in range(workers):
            self._start()

    def _start(self) -> None:
        here, there = self._context.Pipe(duplex=True)
        process = self._context.Process(target=_serve, args=(there, self._rulebook, self._rules, self._url), daemon=True,
                                        name="ripeness-timeline-worker")
        process.start()
        there.close()
        worker = _Worker(process, here)
        with self._lock:
            self._idle.append(worker)
            self._all.append(worker)

    def take(self, most: int) -> list[_Worker]:
        """Up to ``most`` workers ready (started and loaded) and idle, now taken."""
        taken: list[_Worker] = []
        with self._lock:
            for worker in list(self._idle):
                if len(taken) >= most:
                    break
                if worker.is_ready():
                    self._idle.remove(worker)
                    taken.append(worker)
        return taken

    def give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        worker.stop()

    def replace(self, worker: _Worker) -> None:
        """Stop ``worker`` (failed, or left walking) and start another in its place."""
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            if self._closed:
                return
        self._start()

    def rules_for(self, rulebook: Rulebook, rules: CompiledRules) -> tuple[Rulebook | None, CompiledRules | None]:
        """What a job carries of its rule files: nothing when they are the workers' own."""
        return (None, None) if rulebook is self._rulebook and rules is self._rules else (rulebook, rules)

    def wait_ready(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for every worker to be ready; how many are."""
        import time

        until = time.monotonic() + timeout
        while True:
            with self._lock:
                workers = list(self._all)
            ready = sum(w.is_ready() for w in workers)
            if ready == len(workers) or time.monotonic() >= until:
                return ready
            time.sleep(0.05)

    def processes(self) -> list[Any]:
        """The worker processes now (for the tests and the benchmarks)."""
        with self._lock:
            return [w.process for w in self._all]

    def close(self) -> None:
        """Stop every worker (each asked to end; one still walking is terminated)."""
        with self._lock:
            self._closed = True
            workers, self._all, self._idle = self._all, [], []
        for worker in workers:
            worker.stop()


class _Worker:
    """One worker process of a ``Pool`` and the parent's end of its pipe."""

    def __init__(self, process: Any, conn: Any):
        self.process, self.conn = process, conn
        self._ready = False

    def is_ready(self) -> bool:
        """Whether it said it is ready (read from the pipe without waiting)."""
        if not self._ready and self.process.is_alive() and self.conn.poll(0):
            try:
                self._ready = self.conn.recv() == ("ready", None)
            except (EOFError, OSError):
                return False
        return self._ready and self.process.is_alive()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(1)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self.conn.close()


def timeline_in_processes(name: str, rulebook: Rulebook, rules: CompiledRules, port: RulesPort, history: History,
                          end: dt.datetime, deadline: Deadline, admit: Confidence, verdicts: bool, source: Source,
                          processes: int, always: bool = False, pool: Pool | None = None,
                          split_facts: int = SPLIT_FACTS) -> Span | None:
    """``Analyst.timeline_span`` of ``history`` up to ``end``, its first segment walked here
    and the others by up to ``processes - 1`` worker processes at once; None when it does not
    pay (then the caller walks it in one piece), or when the parts did not meet (``join``).
    The workers are those of ``pool`` that are ready and idle (``plan_warm``: by the walk's
    estimated cost); with none, workers spawned for this timeline alone, from
    ``split_facts`` facts (``plan``).  A worker that fails has its segment walked here
    (raising the error the walk raises); the deadline stops the workers too; none is left
    walking on return (a pool's worker left walking is stopped and replaced)."""
    from engine.analyst import Span, change_times

    admitted = history.admitting(admit) if admit != "disputed" else history
    times = change_times(admitted, rulebook)
    within = bisect.bisect_right(times, end)
    looked = times[within - 1] if within else None
    after_end = times[within] if within < len(times) else None
    warm = pool.take(processes - 1) if pool is not None else []
    if warm:
        starts = [times[i] for i in plan_warm(within, len(history), 1 + len(warm), moment_seconds(rulebook), always)]
        for worker in warm[len(starts):]:
            pool.give_back(worker)  # type: ignore[union-attr]  # warm: a pool
        warm = warm[:len(starts)]
        if not starts:
            return None
        parts, helped = _walk_warm(name, rulebook, rules, port, history, end, deadline, admit, verdicts, source, times, starts, warm,
                                   pool)
    else:
        if not always and len(history) < split_facts:
            return None
        starts = [times[i] for i in plan(within, len(history), processes, always)]
        if not starts:
            return None
        parts, helped = _walk_spawned(name, rulebook, rules, port, history, end, deadline, admit, verdicts, source, times, starts)
    entries = join(parts, rulebook.stance_of)
    if entries is None:
        log.warning("the timeline segments of session %r did not meet: walked in one piece", name)
        return None
    return Span(entries, looked, after_end, 1 + helped)


def _walk_spawned(name: str, rulebook: Rulebook, rules: CompiledRules, port: RulesPort, history: History, end: dt.datetime,
                  deadline: Deadline, admit: Confidence, verdicts: bool, source: Source, times: list[dt.datetime],
                  starts: list[dt.datetime]) -> tuple[list[Part], int]:
    """The parts of the segments split at ``starts``: the first walked here, the others by
    worker processes spawned for them, each ended on return; and how many workers gave theirs."""
    cuts = cuts_at(starts)
    context = multiprocessing.get_context("spawn")
    running: list[tuple[Any, Any]] = []
    try:
        for cut in cuts[1:]:
            receive, send = context.Pipe(duplex=False)
            job = _Job(name, rulebook, rules, source, end, cut, deadline.remaining(), admit, verdicts)
            process = context.Process(target=_work, args=(job, send), name=f"ripeness-timeline-{name}", daemon=True)
            process.start()
            send.close()
            running.append((process, receive))
        parts = [_walk_here(name, rulebook, rules, port, history, end, cuts[0], deadline, admit, verdicts, times)]
        helped = 0
        for cut, (process, receive) in zip(cuts[1:], running):
            status, found = _receive(process, receive, deadline)
            helped += status == "done"
            parts.append(_answered(name, status, found, functools.partial(_walk_here, name, rulebook, rules, port, history,
                                                                          end, cut, deadline, admit, verdicts)))
    finally:
        for process, receive in running:
            if process.is_alive():
                process.terminate()
            process.join()
            receive.close()
    return parts, helped


def _walk_warm(name: str, rulebook: Rulebook, rules: CompiledRules, port: RulesPort, history: History, end: dt.datetime,
               deadline: Deadline, admit: Confidence, verdicts: bool, source: Source, times: list[dt.datetime],
               starts: list[dt.datetime], warm: list[_Worker], pool: Pool | None) -> tuple[list[Part], int]:
    """``_walk_spawned`` by ``pool``'s workers ``warm`` (one a segment after the first), each
    given back once it answered, or replaced if it did not."""
    assert pool is not None
    cuts = cuts_at(starts)
    carried, carried_rules = pool.rules_for(rulebook, rules)
    pending = list(warm)
    try:
        for cut, worker in zip(cuts[1:], warm):
            worker.conn.send(_Job(name, carried, carried_rules, source, end, cut, deadline.remaining(), admit, verdicts))
        parts = [_walk_here(name, rulebook, rules, port, history, end, cuts[0], deadline, admit, verdicts, times)]
        helped = 0
        for cut, worker in zip(cuts[1:], warm):
            status, found = _receive(worker.process, worker.conn, deadline)
            pending.remove(worker)
            helped += status == "done"
            if status == "done" or found != _ENDED:
                pool.give_back(worker)
            else:
                pool.replace(worker)
            parts.append(_answered(name, status, found, functools.partial(_walk_here, name, rulebook, rules, port, history,
                                                                          end, cut, deadline, admit, verdicts)))
    finally:
        for worker in pending:  # still walking (the deadline, or an error here): stopped, another started
            pool.replace(worker)
    return parts, helped


def _walk_here(name: str, rulebook: Rulebook, rules: CompiledRules, port: RulesPort, history: History, end: dt.datetime,
               cut: Cut, deadline: Deadline, admit: Confidence, verdicts: bool, times: list[dt.datetime] | None = None) -> Part:
    from engine.analyst import Analyst

    analyst = Analyst(name, rulebook, rules, port)
    try:
        return analyst.timeline_part(history, end, cut, deadline, admit, verdicts, times)
    finally:
        analyst.close()


def _answered(name: str, status: str, found: Any, here: Callable[[], Part]) -> Part:
    """A worker's part (``status`` done), or, when it gave none, its segment walked ``here``."""
    if status == "done":
        return found
    log.warning("a timeline worker of session %r gave no part (%s): its segment is walked here", name, found)
    return here()


_ENDED = "the worker ended without an answer"


def _receive(process: Any, receive: Any, deadline: Deadline) -> tuple[str, Any]:
    """A worker's answer, the deadline checked meanwhile (``("failed", _ENDED)``: it ended
    without one; its exit code is logged)."""
    while not receive.poll(POLL_SECONDS):
        deadline.check()
        if not process.is_alive() and not receive.poll(0):
            log.warning("a timeline worker ended (exit code %s) without an answer", process.exitcode)
            return "failed", _ENDED
    try:
        return receive.recv()
    except (EOFError, OSError):
        log.warning("a timeline worker ended (exit code %s) without an answer", process.exitcode)
        return "failed", _ENDED
