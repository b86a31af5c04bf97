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
import logging
import multiprocessing
import os
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
    for n in range(processes, 1, -1):
        each = int((moments - startup) / n)
        if each >= MIN_MOMENTS:
            first = moments - (n - 1) * each
            return [first + k * each for k in range(n - 1)]
    return []


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
    rulebook: Rulebook
    rules: CompiledRules
    source: Source
    end: dt.datetime
    cut: Cut
    budget: float | None
    admit: Confidence
    verdicts: bool


def _work(job: _Job, conn: Any) -> None:
    """A worker process: read the facts, walk one segment, send its part (or why not)."""
    try:
        from engine.analyst import Analyst
        from engine.history import History
        from engine.rete import DurableRules
        from engine.store.reading import read_view

        history = History()
        history.extend(read_view(job.source.url, job.source.view, job.source.last_seq))
        if (len(history), history.version) != (job.source.facts, job.source.version):
            conn.send(("failed", "the log holds other facts than the timeline's copy (written meanwhile)"))
            return
        analyst = Analyst(job.name, job.rulebook, job.rules, DurableRules())
        try:
            deadline = Deadline(job.budget) if job.budget is not None else NO_DEADLINE
            part = analyst.timeline_part(history, job.end, job.cut, deadline, job.admit, job.verdicts)
        finally:
            analyst.close()
        conn.send(("done", part))
    except AnalysisStopped:
        conn.send(("stopped", None))
    except Exception as exc:  # noqa: BLE001  # the parent walks this segment itself: it raises the same error there
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def timeline_in_processes(name: str, rulebook: Rulebook, rules: CompiledRules, port: RulesPort, history: History,
                          end: dt.datetime, deadline: Deadline, admit: Confidence, verdicts: bool, source: Source,
                          processes: int, always: bool = False) -> Span | None:
    """``Analyst.timeline_span`` of ``history`` up to ``end``, its first segment walked here
    and the others by ``processes - 1`` worker processes at once (``plan``); None when it
    does not pay (then the caller walks it in one piece), or when the parts did not meet
    (``join``).  A worker that fails has its segment walked here (raising the error the
    walk raises); the deadline stops the workers too; none is left running on return."""
    from engine.analyst import Span, change_times

    admitted = history.admitting(admit) if admit != "disputed" else history
    times = change_times(admitted, rulebook)
    within = bisect.bisect_right(times, end)
    looked = times[within - 1] if within else None
    after_end = times[within] if within < len(times) else None
    starts = [times[i] for i in plan(within, len(history), processes, always)]
    if not starts:
        return None
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
        for cut, (process, receive) in zip(cuts[1:], running):
            status, found = _receive(process, receive, deadline)
            if status != "done":
                log.warning("a timeline worker of session %r gave no part (%s): its segment is walked here", name, found)
                found = _walk_here(name, rulebook, rules, port, history, end, cut, deadline, admit, verdicts)
            parts.append(found)
    finally:
        for process, receive in running:
            if process.is_alive():
                process.terminate()
            process.join()
            receive.close()
    entries = join(parts, rulebook.stance_of)
    if entries is None:
        log.warning("the timeline segments of session %r did not meet: walked in one piece", name)
        return None
    return Span(entries, looked, after_end)


def _walk_here(name: str, rulebook: Rulebook, rules: CompiledRules, port: RulesPort, history: History, end: dt.datetime,
               cut: Cut, deadline: Deadline, admit: Confidence, verdicts: bool, times: list[dt.datetime] | None = None) -> Part:
    from engine.analyst import Analyst

    analyst = Analyst(name, rulebook, rules, port)
    try:
        return analyst.timeline_part(history, end, cut, deadline, admit, verdicts, times)
    finally:
        analyst.close()


def _receive(process: Any, receive: Any, deadline: Deadline) -> tuple[str, Any]:
    """A worker's answer, the deadline checked meanwhile."""
    while not receive.poll(POLL_SECONDS):
        deadline.check()
        if not process.is_alive() and not receive.poll(0):
            return "failed", f"the worker ended (exit code {process.exitcode}) without an answer"
    try:
        return receive.recv()
    except EOFError:
        return "failed", f"the worker ended (exit code {process.exitcode}) without an answer"
