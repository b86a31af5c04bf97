"""Writes to one session, in the order they arrived: one lane (a FIFO queue) per session.

A lane runs its jobs one after another, off the event loop.  Fact POSTs queued one behind
another are written together, ``Sessions.record_many``: one transaction and one commit
(one fsync) for all of them, each still all or nothing with its own reply (the verdict
after its own facts), given only once the commit is done.  With one client a lane holds one
POST at a time and nothing changes; with several, the commit that dominated each request is
shared.  Forks and deletions go through the same lane, alone.

A job that finds its lane idle (nothing queued, nothing running) is run by the request's own
task, with no worker task made for it (one hand-over on the event loop fewer, what a lone
client's POST pays); jobs that arrive meanwhile queue behind it, and a worker task takes
them once it is done.

The sessions a job runs on are looked up when it runs, so a scenario reloaded meanwhile
(``quiesced``: no job runs while it is swapped) takes the jobs queued after it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from engine.sessions import FactPost, Recorded, Sessions

MAX_GROUP = 64  # POSTs written in one transaction at most


@dataclass
class _Job:
    future: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    post: FactPost | None = None  # a fact POST, written together with the POSTs queued right behind it
    run: Callable[[], Any] | None = None  # anything else, run alone


class Lanes:
    """The write lanes of one scenario's sessions (``sessions``: them, or where to find them now)."""

    def __init__(self, sessions: Sessions | Callable[[], Sessions]):
        self._current: Callable[[], Sessions] = sessions if callable(sessions) else (lambda: sessions)
        self._queues: dict[str, deque[_Job]] = {}
        self._workers: dict[str, asyncio.Future] = {}  # a worker task, or a job run alone (``_alone``)
        self._paused = False

    @property
    def _sessions(self) -> Sessions:
        return self._current()

    async def quiesced(self, fn: Callable[[], Any]) -> Any:
        """``fn()`` (in a worker thread) once every job in flight has ended, with no job
        started until it returns; jobs that arrive meanwhile wait, then run in order."""
        self._paused = True
        try:
            while self._workers:
                await asyncio.gather(*self._workers.values(), return_exceptions=True)
            return await run_in_threadpool(fn)
        finally:
            self._paused = False
            for sid in list(self._queues):
                self._start(sid)

    def _start(self, sid: str) -> None:
        if sid not in self._workers and not self._paused:
            self._workers[sid] = asyncio.get_running_loop().create_task(self._drain(sid))

    async def record(self, sid: str, post: FactPost) -> Recorded:
        return await self._submit(sid, _Job(post=post))

    async def run(self, sid: str, fn: Callable[[], Any]) -> Any:
        return await self._submit(sid, _Job(run=fn))

    async def _submit(self, sid: str, job: _Job) -> Any:
        queue = self._queues.setdefault(sid, deque())
        queue.append(job)
        if len(queue) == 1 and sid not in self._workers and not self._paused:
            await self._alone(sid, queue)
        else:
            self._start(sid)
        return await job.future

    async def _alone(self, sid: str, queue: deque[_Job]) -> None:
        """The lane's one job, run by the calling task (the lane marked busy meanwhile, so
        jobs that arrive queue behind it, and ``quiesced`` waits for it); then a worker
        task for the jobs that arrived meanwhile, if any (also when the caller was
        cancelled: the lane goes on)."""
        running: asyncio.Future = asyncio.get_running_loop().create_future()
        self._workers[sid] = running  # awaited as a worker task is (``quiesced``)
        try:
            await self._run(sid, [queue.popleft()])
        finally:
            del self._workers[sid]
            if not running.done():
                running.set_result(None)
            if queue:
                self._start(sid)  # while paused, ``quiesced`` starts it once done
            else:
                del self._queues[sid]

    async def _drain(self, sid: str) -> None:
        queue = self._queues[sid]
        stopped = True
        try:
            await self._work(sid, queue)
            stopped = False
        finally:  # also when cancelled (shutdown): nobody waits forever on a lane that stopped
            del self._workers[sid]
            if stopped:
                for job in queue:
                    job.future.cancel()
            if stopped or not queue:  # else paused: its jobs wait for the lane to start again
                del self._queues[sid]

    async def _work(self, sid: str, queue: deque[_Job]) -> None:
        while queue and not self._paused:
            group = [queue.popleft()]
            if group[0].post is not None:
                keys = {group[0].post.key}
                while queue and queue[0].post is not None and len(group) < MAX_GROUP and (
                        queue[0].post.key is None or queue[0].post.key not in keys):
                    group.append(queue.popleft())
                    keys.add(group[-1].post.key)  # type: ignore[union-attr]
            await self._run(sid, group)

    async def _run(self, sid: str, group: list[_Job]) -> None:
        """One group in a worker thread: fact POSTs written together, or one other job; each
        job's future given its result or its error."""
        if group[0].post is None:
            call: Callable[[], Any] = group[0].run  # type: ignore[assignment]
        else:
            posts = [job.post for job in group]

            def call(posts: list = posts) -> list[Recorded | Exception]:
                return self._sessions.record_many(sid, posts)
        try:
            outcome = await run_in_threadpool(call)
            results = outcome if group[0].post is not None else [outcome]
        except Exception as exc:  # noqa: BLE001  # each waiting request answers with it
            results = [exc] * len(group)
        except BaseException:  # cancelled: so are the requests of this group
            for job in group:
                job.future.cancel()
            raise
        for job, result in zip(group, results, strict=True):
            if job.future.done():  # the client went away
                continue
            if isinstance(result, Exception):
                job.future.set_exception(result)
            else:
                job.future.set_result(result)
