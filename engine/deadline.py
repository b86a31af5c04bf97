"""How long one analysis may run, and a switch to stop it sooner.

A verdict, a timeline or a comparison runs in a worker thread; Python cannot stop a thread
from outside, so the analysis stops itself: it calls ``Deadline.check()`` between its steps
(each moment of a timeline, each stage of a verdict), which raises ``AnalysisStopped`` once
the budget is spent or someone called ``cancel()`` (the client went away).  The work then
ends at its next check, and what it was holding (a lock, a working memory) is released.
"""

from __future__ import annotations

import time

from engine.errors import AnalysisStopped, Misuse

DEFAULT_BUDGET = 60.0  # seconds a verdict, timeline or comparison of the API may take, unless configured


class Deadline:
    """A time budget in seconds from creation (None: no limit), and a cancel switch.
    Safe to share between threads: ``cancel`` from one, ``check`` in another."""

    def __init__(self, seconds: float | None = None, what: str = "the analysis"):
        if seconds is not None and seconds <= 0:
            raise Misuse(f"a time budget is a positive number of seconds; got {seconds}")
        self.budget, self.what = seconds, what
        self._ends = None if seconds is None else time.monotonic() + seconds
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def expired(self) -> bool:
        return self._ends is not None and time.monotonic() >= self._ends

    def remaining(self) -> float | None:
        """Seconds left (0 when spent), or None without a budget."""
        return None if self._ends is None else max(0.0, self._ends - time.monotonic())

    def check(self) -> None:
        """Raise ``AnalysisStopped`` if cancelled or past the budget."""
        if self._cancelled or self.expired:
            raise self.stopped()

    def stopped(self) -> AnalysisStopped:
        return AnalysisStopped(self.what, budget=self.budget, cancelled=self._cancelled)


NO_DEADLINE = Deadline()  # never expires; nobody cancels it
