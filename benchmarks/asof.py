"""6. As-of: verdicts as of random past dates on a log of F facts, in a fresh process that
opened the log as a restarted server does (recent state only).  The first past-date
questions each read their moment from the log (``Session.moment``: that moment's state and
events, ``engine.live_session.PAST_QUESTIONS`` of them); the next one reads the whole history
(``Session.complete``), and later ones are answered from memory.  Goal: under 100 ms.  Beside it, the verdict *now* in the same process (warm), so the ratio
is what going back in time costs over asking about the present.

The full timeline of a log (``Sessions.timeline``: every change of status, a goal's status,
what blocks the goals, or escalation, with its verdict) is timed in its own process, from a
fresh start too, reading the whole log included; beside it, in the same process, reading
the whole log into a history alone.  A long one is walked in segments by several processes
(``engine.segments``: as many as the cores, ``RIPENESS_TIMELINE_WORKERS``); the row's label
says how many.  Logs of F facts (5 % events), and logs of E events
(with E/10 state facts): the issue's goals are a 1,000,000-fact timeline under 60 s and a
100,000-event one under 5 s.
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
    from engine.clock import FixedClock
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
    times, whole_at = [], None
    for k, moment in enumerate(moments[1:]):
        start = time.perf_counter()
        sessions.verdict("baseline", moment)
        times.append(time.perf_counter() - start)
        if whole_at is None:
            with sessions.using("baseline") as session:  # benchmark-only: which question read the whole history
                whole_at = k if session.history.complete_from is None else None
    sessions.close()
    return {"first_ms": first_seconds * 1000, "median_ms": statistics.median(times) * 1000, "p95_ms": percentile(times, 95) * 1000,
            "now_ms": statistics.median(now_times) * 1000, "count": len(times),
            "whole_at": whole_at, "whole_ms": times[whole_at] * 1000 if whole_at is not None else None}


def timeline_child(url: str, rules: str, now: str) -> dict[str, Any]:
    from engine import segments
    from engine.clock import FixedClock
    from ripeness.bootstrap import load_scenario, open_sessions

    scenario = load_scenario(rules)
    clock = FixedClock(dt.datetime.fromisoformat(now))
    sessions = open_sessions(scenario, url, clock)  # the baseline first: reading the whole log into a history
    with sessions.using("baseline") as session:  # benchmark-only: the read alone, and how many moments the timeline looks at
        start = time.perf_counter()
        session.complete()
        load_seconds = time.perf_counter() - start
        moments = len(session.change_times())
        facts = len(session.history)
    # the processes the timeline is walked in (``engine.segments``: the first segment here, the others in workers)
    processes = 1 + len(segments.plan(moments, facts, sessions.timeline_workers)) if facts >= sessions.timeline_split_facts else 1
    sessions.close()
    sessions = open_sessions(scenario, url, clock)  # then the timeline from a fresh start (it reads the log again)
    start = time.perf_counter()
    entries = sessions.timeline("baseline")
    seconds = time.perf_counter() - start
    sessions.close()
    return {"seconds": seconds, "load_seconds": load_seconds, "entries": len(entries), "moments": moments, "processes": processes}


def _timeline_row(cfg: Any, log: dict[str, Any], case: str, goal: float | None) -> Row:
    out = in_child("asof:timeline_child", cfg.timeline_timeout, url=log["url"], rules=log["rules"], now=log["now"])
    if not out.ok:
        return Row("6 as-of", case, "full timeline", "s", None, None, higher_is_better=False, max_value=goal, note=out.error)
    v = out.value
    processes = f"{v['processes']} processes" if v["processes"] > 1 else "1 process"
    return Row("6 as-of", case, f"full timeline ({processes})", "s", v["seconds"], v["load_seconds"], "reading the whole log into a history",
               higher_is_better=False, max_value=goal,
               note=f"{v['entries']:,} changes found among {v['moments']:,} moments "
                    f"({v['seconds'] / max(1, v['moments']) * 1e6:.0f} µs a moment, reading the log included)")


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
                            note="its moment read from the log: per subject the fact in force and the one before, the events in the window"))
            whole = (f"the {v['whole_at'] + 2}th question read the whole history, {v['whole_ms']:,.0f} ms (one of these dates), "
                     "the ones before it their moment from the log, the ones after from memory"
                     if v["whole_at"] is not None else "each read its moment from the log (the whole history was never read)")
            rows.append(Row("6 as-of", case, "verdict as of a random past date (then)", "ms", v["median_ms"], v["now_ms"],
                            "a verdict worked out", higher_is_better=False, max_value=100.0,
                            note=f"median of {v['count']} further dates; p95 {v['p95_ms']:.1f} ms; {whole}"))
        else:
            rows.append(Row("6 as-of", case, "verdict as of a random past date", "ms", None, None, "a verdict worked out",
                            higher_is_better=False, max_value=100.0, note=out.error))
    for facts in cfg.timeline_facts:
        log = logdb.ensure(cfg, facts, folder)
        rows.append(_timeline_row(cfg, log, f"{log['facts']:,} facts in the log ({log['events']:,} events)",
                                  60.0 if facts >= 1_000_000 else None))
    for events in cfg.timeline_events:
        log = logdb.ensure(cfg, events + events // 10, folder, events=events)  # nearly all events: a hostile act an hour
        rows.append(_timeline_row(cfg, log, f"{log['events']:,} events in a log of {log['facts']:,} facts",
                                  5.0 if events >= 100_000 else None))
    return rows
