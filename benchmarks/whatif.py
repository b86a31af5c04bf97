"""4. What-if: on a log of F facts (100,000 by default), fork ``baseline`` into a what-if,
record one hypothetical fact in it, and compare it with ``baseline`` (``Sessions.fork``,
``Sessions.record``, ``Sessions.compare``), reported as one figure, what an analyst waits
for (issue 15), its three parts in the notes.  Goal: under 50 ms.  Measured
with the parent's whole history in memory (a server that has been running, or that was
asked about the past), and beside it the cheapest answer in the same process: a verdict on
``baseline`` now.

Then many what-ifs alive at once (5,000 in full mode): resident memory per session, each
forked from a freshly started ``baseline`` (recent state only), holding one hypothetical
fact and its verdict; beside it, durable-rules alone holding the same current facts in as
many sessions.  And the memory per fork when the parent's whole history is in memory.
"""

from __future__ import annotations

import datetime as dt
import gc
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks import generate, logdb, world
from benchmarks.common import Row, in_child, rss_mb, worked_out


def _open(url: str, rules: str, now: str):
    from engine.clock import FixedClock
    from ripeness.bootstrap import load_scenario, open_sessions

    scenario = load_scenario(rules)
    return scenario, open_sessions(scenario, url, FixedClock(dt.datetime.fromisoformat(now)))


def _hypothesis(scenario: Any, now: str) -> dict[str, Any]:
    """A move made: the first move of the first goal done an hour before now."""
    rb = scenario.rulebook
    move = rb.moves[next(iter(rb.goals.values())).needs[0]]
    subject = sorted(rb.subjects_of(move.done_when))[0]
    kind = rb.subjects[subject].type
    value = 60 if kind == "number" else "full" if kind == "enum" else True
    at = dt.datetime.fromisoformat(now) - dt.timedelta(hours=1)
    return {"at": at.isoformat(), "subject": subject, "value": value, "source": "what-if"}


def fork_child(url: str, rules: str, now: str, first: str, repeats: int) -> dict[str, Any]:
    scenario, sessions = _open(url, rules, now)
    sessions.verdict("baseline", dt.datetime.fromisoformat(first) + dt.timedelta(days=1))  # the whole history in memory
    sessions.verdict("baseline")
    fact = _hypothesis(scenario, now)
    fork, record, compare, total, now_verdict = [], [], [], [], []
    for k in range(repeats):
        now_verdict += worked_out(lambda day: sessions.verdict("baseline", day), dt.datetime.fromisoformat(now) + dt.timedelta(days=k), 1)
        start = time.perf_counter()
        sessions.fork(f"w{k}")
        forked = time.perf_counter()
        sessions.record(f"w{k}", [("what-if", fact)])
        recorded = time.perf_counter()
        comparison = sessions.compare("baseline", f"w{k}")
        done = time.perf_counter()
        fork.append(forked - start)
        record.append(recorded - forked)
        compare.append(done - recorded)
        total.append(done - start)
        sessions.delete(f"w{k}")
    sessions.close()
    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    return {"fork_ms": ms(fork), "record_ms": ms(record), "compare_ms": ms(compare), "total_ms": ms(total), "now_ms": ms(now_verdict),
            "differs": comparison.differs, "summary": comparison.summary[:2]}


def memory_child(url: str, rules: str, now: str, first: str, alive: int, whole_history: bool) -> dict[str, Any]:
    scenario, sessions = _open(url, rules, now)
    if whole_history:
        sessions.verdict("baseline", dt.datetime.fromisoformat(first) + dt.timedelta(days=1))
    sessions.verdict("baseline")
    fact = _hypothesis(scenario, now)
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    prefix = "h" if whole_history else "m"
    for k in range(alive):
        sessions.fork(f"{prefix}{k}")
        sessions.record(f"{prefix}{k}", [("what-if", fact)])
    seconds = time.perf_counter() - started
    gc.collect()
    return {"per_session_kb": (rss_mb() - before) * 1024 / alive, "seconds": seconds, "rss_mb": rss_mb()}


def raw_memory_child(scenario: dict[str, Any], stream: dict[str, Any], now: str, alive: int) -> dict[str, Any]:
    """The current facts (latest per subject, events inside the horizon) of the same stream,
    held by ``alive`` plain durable-rules sessions."""
    from benchmarks.raw_durable import fleet_memory

    scn = generate.scenario(generate.ScenarioSize(**{k: tuple(v) if k == "cycles" else v for k, v in scenario.items()}))
    kinds = {k: s.get("kind", "state")[0] for k, s in scn.subjects.items()}
    horizon_start = dt.datetime.fromisoformat(now) - scn.horizon
    latest: dict[str, tuple] = {}
    events = []
    for seq, fact in enumerate(generate.stream(scn, world.stream_size(stream)), start=1):
        at = dt.datetime.fromisoformat(fact["at"])
        row = (seq, kinds[fact["subject"]], fact["subject"], fact.get("value"), fact.get("actor"), int(at.timestamp()))
        if row[1] == "e":
            if at > horizon_start:
                events.append(row)
        elif fact["subject"] not in latest or (at, seq) >= latest[fact["subject"]][0]:
            latest[fact["subject"]] = ((at, seq), row)
    current = [row for _, row in latest.values()] + events
    return dict(fleet_memory(scn, current, alive), facts=len(current))


def run(cfg: Any, folder: Path) -> list[Row]:
    log = logdb.copy(logdb.ensure(cfg, cfg.whatif_facts, folder), folder / "whatif.db")  # what-ifs are written to the log
    case = f"{log['facts']:,} facts in the log"
    args = dict(url=log["url"], rules=log["rules"], now=log["now"], first=log["first"])
    rows = []
    out = in_child("whatif:fork_child", cfg.timeout, repeats=cfg.whatif_repeats, **args)
    if out.ok:
        v = out.value
        rows.append(Row("4 what-if", case, "fork + record one fact + compare", "ms", v["total_ms"], v["now_ms"], "one verdict worked out",
                        higher_is_better=False, max_value=50.0,
                        note=f"median of {cfg.whatif_repeats}; medians of the parts: fork {v['fork_ms']:.1f} ms, recording the "
                             f"hypothetical fact {v['record_ms']:.1f} ms, compare {v['compare_ms']:.1f} ms"))
    else:
        rows.append(Row("4 what-if", case, "fork + record one fact + compare", "ms", None, None, "one verdict worked out", higher_is_better=False,
                        max_value=50.0, note=out.error))
    stream = dict(facts=cfg.whatif_facts, subjects=cfg.stream_subjects,
                  events=max(1, cfg.whatif_facts * cfg.event_share_pct // 100), seed=cfg.seed)
    raw = in_child("whatif:raw_memory_child", cfg.timeout, scenario=cfg.scenario, stream=stream, now=log["now"], alive=cfg.whatif_alive)
    for alive, whole in ((cfg.whatif_alive, False), (cfg.whatif_alive_whole, True)):
        out = in_child("whatif:memory_child", cfg.timeout, alive=alive, whole_history=whole, **args)
        label = f"{alive:,} what-ifs alive" + (" (parent's whole history in memory)" if whole else "")
        if out.ok:
            v = out.value
            rows.append(Row("4 what-if", label, "resident memory per what-if session", "KiB", v["per_session_kb"],
                            raw.value["per_session_kb"] if raw.ok and not whole else None,
                            f"durable-rules alone, {raw.value['facts'] if raw.ok else '?'} current facts a session" if not whole else "",
                            higher_is_better=False,
                            note=f"created in {v['seconds']:.1f} s ({v['seconds'] / alive * 1000:.1f} ms each: fork, one fact, "
                                 f"its verdict); RSS {v['rss_mb']:.0f} MiB" + ("" if raw.ok or whole else f"; raw: {raw.error}")))
        else:
            rows.append(Row("4 what-if", label, "resident memory per what-if session", "KiB", None, None, higher_is_better=False,
                            note=out.error))
    return rows
