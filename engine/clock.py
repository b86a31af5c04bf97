"""What time it is for a service: the system's clock, or a fixed one (tests, benchmarks,
a replay as of a date)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from engine.facts import to_utc

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class FixedClock:
    def __init__(self, at: dt.datetime | dt.date):
        self.at = to_utc(at)

    def now(self) -> dt.datetime:
        return self.at
