"""6. As-of: verdicts as of random past dates on a log of F facts, in a fresh process that
opened the log as a restarted server does (recent state only).  The first such question
reads the whole history (``Session.complete``); later ones are answered from memory.
Goal: under 100 ms.  Beside it, the verdict *now* in the same process (warm), so the ratio
is what going back in time costs over asking about the present.

The full timeline of that log (``Sessions.timeline``: every change of status or escalation
with its verdict) is timed in its own process, from a fresh start too.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks import logdb
from benchmarks.common import Row, in_child, percentile, worked_out


def asof_child(url: str, rules: str, now: str, first: str, last: str, dates: int, seed: int) -> dict[str, Any]:
    from engine.session import FixedClock
    from ripeness.bootstrap import load_scenario, open_sessions

    sessions = open_sessions(load_scenario(rules), url, FixedClock(dt.datetime.fromisoformat(now)))
    sessions.verdict("baseline")
    now_times = worked_out(lambda day: sessions.verdict("baseline", day), dt.datetime.fromisoformat(now), 5)
    rng = random.Random(seed)
    lo, hi = dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last)
    moments = [lo + (hi - lo) * rng.random() for _ in range(dates + 1)]
    start = time.perf_counter()
    sessions.verdict("baseline", moments[0])
    first_seconds = time.perf_counter() - start
    times = []
    for moment in moments[1:]:
        start = time.perf_counter()
        sessions.verdict("baseline", moment)
        times.append(time.perf_counter() - start)
    sessions.close()
    return {"first_ms": first_seconds * 1000, "median_ms": statistics.median(times) * 1000, "p95_ms": percentile(times, 95) * 1000,
            "now_ms": statistics.median(now_times) * 1000, "count": len(times)}


def timeline_child(url: str, rules: str, now: str) -> dict[str, Any]:
    from engine.session import FixedClock
    from ripeness.bootstrap import load_scenario, open_sessions

    sessions = open_sessions(load_scenario(rules), url, FixedClock(dt.datetime.fromisoformat(now)))
    start = time.perf_counter()
    entries = sessions.timeline("baseline")
    seconds = time.perf_counter() - start
    with sessions._using("baseline") as session:  # benchmark-only: how many moments the timeline looked at
        moments = len(session.change_times())
    sessions.close()
    return {"seconds": seconds, "entries": len(entries), "moments": moments}


def run(cfg: Any, folder: Path) -> list[Row]:
    rows = []
    for facts in cfg.history_facts:
        log = logdb.ensure(cfg, facts, folder)
        case = f"{log['facts']:,} facts in the log"
        out = in_child("asof:asof_child", cfg.timeout, url=log["url"], rules=log["rules"], now=log["now"], first=log["first"],
                       last=log["last"], dates=cfg.asof_dates, seed=cfg.seed)
        if out.ok:
            v = out.value
            rows.append(Row("6 as-of", case, "first verdict as of a past date after a start", "ms", v["first_ms"], v["now_ms"],
                            "a verdict worked out", higher_is_better=False, max_value=100.0,
                            note="answered from that moment in the log (the whole history loads after several such questions)"))
            rows.append(Row("6 as-of", case, "verdict as of a random past date (then)", "ms", v["median_ms"], v["now_ms"],
                            "a verdict worked out", higher_is_better=False, max_value=100.0,
                            note=f"median of {v['count']} dates; p95 {v['p95_ms']:.1f} ms"))
        else:
            rows.append(Row("6 as-of", case, "verdict as of a random past date", "ms", None, None, "a verdict worked out",
                            higher_is_better=False, max_value=100.0, note=out.error))
    for facts in cfg.timeline_facts:
        log = logdb.ensure(cfg, facts, folder)
        case = f"{log['facts']:,} facts in the log"
        out = in_child("asof:timeline_child", cfg.timeline_timeout, url=log["url"], rules=log["rules"], now=log["now"])
        if out.ok:
            v = out.value
            rows.append(Row("6 as-of", case, "full timeline", "s", v["seconds"], None, higher_is_better=False,
                            note=f"{v['entries']:,} changes found among {v['moments']:,} moments "
                                 f"({v['seconds'] / max(1, v['moments']) * 1e6:.0f} µs a moment)"))
        else:
            rows.append(Row("6 as-of", case, "full timeline", "s", None, None, higher_is_better=False, note=out.error))
    return rows
