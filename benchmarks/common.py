"""What every workload shares: result rows, running a measurement in a fresh process, the
machine's description, a load indicator, resident memory."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULT_TAG = "BENCH-RESULT "


@dataclass
class Row:
    """One measurement beside its baseline.  ``ratio`` is ripeness relative to the baseline,
    as "how many times as good": rate / rate for rates, baseline time / ripeness time for
    times.  ``goal`` is a ratio (``min_ratio``) or an absolute bound (``max_value``, in the
    row's unit, lower is better) or ``min_value`` (a floor on the ripeness value itself)."""

    workload: str
    case: str
    metric: str
    unit: str
    ripeness: float | None
    baseline: float | None = None
    baseline_name: str = ""
    higher_is_better: bool = True
    min_ratio: float | None = None
    max_value: float | None = None
    min_value: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ripeness is None or self.baseline is None or not self.ripeness or not self.baseline:
            return None
        return self.ripeness / self.baseline if self.higher_is_better else self.baseline / self.ripeness

    @property
    def goal(self) -> str:
        if self.min_ratio is not None:
            return f"≥ {self.min_ratio:g}x"
        if self.max_value is not None:
            return f"< {self.max_value:g} {self.unit}"
        if self.min_value is not None:
            return f"≥ {self.min_value:g}"
        return ""

    @property
    def met(self) -> bool | None:
        if self.min_ratio is not None:
            return None if self.ratio is None else self.ratio >= self.min_ratio
        if self.max_value is not None:
            return None if self.ripeness is None else self.ripeness < self.max_value
        if self.min_value is not None:
            return None if self.ripeness is None else self.ripeness >= self.min_value
        return None

    def to_json(self) -> dict[str, Any]:
        return dict(asdict(self), ratio=self.ratio, goal=self.goal, met=self.met)


@dataclass
class Outcome:
    """What a child process returned, or why it returned nothing."""

    value: Any = None
    error: str = ""
    seconds: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return not self.error and not self.timed_out


def in_child(target: str, timeout: float, **kwargs: Any) -> Outcome:
    """Run ``module:function(**kwargs)`` in a fresh interpreter (its own durable-rules, its
    own heap), at most ``timeout`` seconds; its JSON result."""
    cmd = [sys.executable, "-m", "benchmarks.child", target, json.dumps(kwargs)]
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    except subprocess.TimeoutExpired:
        return Outcome(error=f"stopped after {timeout:.0f} s", seconds=timeout, timed_out=True)
    seconds = time.perf_counter() - start
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return Outcome(value=json.loads(line[len(RESULT_TAG):]), seconds=seconds)
    tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
    return Outcome(error=f"exit {done.returncode}: " + " | ".join(tail), seconds=seconds)


def rss_mb() -> float:
    """Resident memory of this process, MiB (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def calibrate() -> float:
    """Milliseconds for a fixed pure-Python workload (dicts, tuples, sorting): taken at the
    start and the end of a run, it shows how busy the machine was."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        table: dict[int, tuple[int, int]] = {}
        for i in range(200_000):
            table[i * 7919 % 100_003] = (i, i * i)
        sorted(table.items(), key=lambda kv: kv[1][1] % 1009)
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


@dataclass
class Machine:
    cores: int = field(default_factory=lambda: os.cpu_count() or 0)
    python: str = field(default_factory=lambda: platform.python_version())
    implementation: str = field(default_factory=platform.python_implementation)
    system: str = field(default_factory=lambda: f"{platform.system()} {platform.release()} {platform.machine()}")
    cpu: str = field(default_factory=lambda: _cpu_name())
    memory_gib: float = field(default_factory=lambda: _memory_gib())
    date: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def commit() -> str:
    """The commit measured (read-only git), with ``+changes`` when the work tree differs."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "engine", "api", "ripeness"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return (head or "?") + (" +uncommitted changes in engine/api/ripeness" if dirty else "")


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def worked_out(ask: Callable[[dt.datetime], Any], after: dt.datetime, count: int) -> list[float]:
    """Seconds for ``count`` answers each worked out afresh: asked as of a later day each
    time (nothing recorded after ``after``, so the same facts), because a session keeps its
    last verdict with what it was worked out from, the day included, and gives it again when
    nothing of it changed.  (Its last status is kept on what the model reads, which a new
    day alone does not change: ``verdict.py`` times the status worked out.)"""
    times = []
    for k in range(count):
        start = time.perf_counter()
        ask(after + dt.timedelta(days=k + 1))
        times.append(time.perf_counter() - start)
    return times
