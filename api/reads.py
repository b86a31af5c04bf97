"""Reads that analyse (verdict, timeline, compare): worked out off the event loop within the
server's time budget, and stopped when nobody waits for them any more.

The work runs in a worker thread with a ``Deadline`` (``engine.deadline``) that it checks
between its steps.  Meanwhile the request polls its connection: a client that went away
cancels the deadline, and the work stops at its next check.  Past the budget the reply is a
503 at once (``AnalysisStopped``, with ``Retry-After``); the work stops at its next check.
``AnalysisCounts`` counts how each analysis really ended, for ``GET /health``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.schemas import Analyses
from engine.deadline import Deadline
from engine.errors import AnalysisStopped

T = TypeVar("T")
POLL_SECONDS = 0.05  # how often a waiting request looks whether its client is still there


class AnalysisCounts:
    """How many analyses run now, and how those that ended did: answered, stopped past the
    budget, stopped because their client went away (counted when the work really ends)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = Analyses(running=0, answered=0, timed_out=0, abandoned=0, failed=0)

    def now(self) -> Analyses:
        with self._lock:
            return self._counts.model_copy()

    def started(self) -> None:
        with self._lock:
            self._counts.running += 1

    def ended(self, task: asyncio.Future) -> None:
        error = task.exception() if not task.cancelled() else None
        with self._lock:
            self._counts.running -= 1
            if isinstance(error, AnalysisStopped):
                if error.cancelled:
                    self._counts.abandoned += 1
                else:
                    self._counts.timed_out += 1
            elif error is not None or task.cancelled():
                self._counts.failed += 1
            else:
                self._counts.answered += 1


async def analysed(request: Request, what: str, work: Callable[[Deadline], T]) -> T:
    """``work(deadline)`` in a worker thread, within the app's budget (``analysis_budget``,
    seconds or None), cancelled if the client goes away."""
    deadline = Deadline(request.app.state.analysis_budget, what)
    counts: AnalysisCounts = request.app.state.analyses
    counts.started()
    task = asyncio.ensure_future(run_in_threadpool(work, deadline))
    task.add_done_callback(counts.ended)
    try:
        while True:
            remaining = deadline.remaining()
            done, _ = await asyncio.wait({task}, timeout=POLL_SECONDS if remaining is None else min(POLL_SECONDS, remaining))
            if done:
                return task.result()
            if deadline.expired:
                raise deadline.stopped()  # the work stops at its next check
            if await request.is_disconnected():
                deadline.cancel()
                raise deadline.stopped()
    finally:  # also when this request itself is cancelled (shutdown): nobody waits for the work
        if not task.done() and not deadline.expired:  # past the budget it stops on its own
            deadline.cancel()
