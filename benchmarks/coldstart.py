"""5. Cold start: a fresh process opens the scenario and its fact log of F facts and answers
the first verdict (``load_scenario``, ``open_sessions``, ``Sessions.verdict("baseline")``),
with the log rebuilt from recent state only (``FactLog.load_recent``).  Goal: under 5 s.

Baseline, in the same kind of fresh process: replaying the whole log (every fact read with
``FactLog.load_all`` into the session) before the same first verdict, which is what a start
would cost if it read history.  Python's own start and imports are timed apart.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from benchmarks import logdb
from benchmarks.common import Row, in_child, rss_mb


def start_child(url: str, rules: str, now: str, replay: bool) -> dict[str, Any]:
    started = time.perf_counter()
    from engine.clock import FixedClock
    from ripeness.bootstrap import load_scenario, open_sessions

    imported = time.perf_counter()
    scenario = load_scenario(rules)
    sessions = open_sessions(scenario, url, FixedClock(dt.datetime.fromisoformat(now)))
    if replay:
        with sessions.using("baseline") as session:  # benchmark-only: the naive start, replaying the whole log
            session.complete()
    verdict = sessions.verdict("baseline")
    done = time.perf_counter()
    sessions.close()
    return {"imports_s": imported - started, "start_s": done - imported, "status": verdict.status, "rss_mb": rss_mb()}


def run(cfg: Any, folder: Path) -> list[Row]:
    rows = []
    for facts in cfg.history_facts:
        log = logdb.ensure(cfg, facts, folder)
        args = dict(url=log["url"], rules=log["rules"], now=log["now"])
        cold = in_child("coldstart:start_child", cfg.timeout, replay=False, **args)
        full = in_child("coldstart:start_child", cfg.timeout, replay=True, **args)
        case = f"{log['facts']:,} facts in the log"
        if not cold.ok:
            rows.append(Row("5 cold start", case, "open + first verdict", "s", None, None, "replay of the whole log", higher_is_better=False,
                            max_value=5.0, note=cold.error))
            continue
        c = cold.value
        rows.append(Row("5 cold start", case, "open + first verdict", "s", c["start_s"], full.value["start_s"] if full.ok else None,
                        "replay of the whole log", higher_is_better=False, max_value=5.0,
                        note=f"imports {c['imports_s']:.2f} s more; RSS {c['rss_mb']:.0f} MiB"
                             + (f" vs {full.value['rss_mb']:.0f} MiB replayed" if full.ok else f"; replay: {full.error}")))
    return rows
