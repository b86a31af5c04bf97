"""3. Verdict: the time to compute a verdict with its explanation, ranked openings and
concession sets (``Session.verdict``) for generated scenarios of P positions, loaded from
rule files with ``engine.rulebook.load_rulebook``.  Beside it, in the same process, the
status alone (``analysis.bare_status`` of the session's situation: the blocking model
without explanation, worked out each time), the cheapest answer ripeness gives.  Goal: under 100 ms at 1,000 positions.

Each verdict is asked as of another day, so none is the session's kept verdict; the analysis
keeps parts of the verdict before that read the same inputs (blocks, citations, concession
searches, openings' words, and the stances, cycles, openings and ripeness built of them), as
it does between a timeline's verdicts or a reply's two.  The
note gives the time with none of them kept (``analysis.forget`` before each), as the first
verdict of a process.

Every subject has a fact (the start of a stream: every move undone, so the scenario is in
deadlock with all its cycles) and the escalation window holds a few events.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from typing import Any

from benchmarks import world
from benchmarks.common import Row, in_child, worked_out


def verdict_child(scenario: dict[str, Any], budget: float) -> dict[str, Any]:
    from engine.analysis import bare_status, forget

    started = time.perf_counter()
    loaded = world.load(scenario)
    load_seconds = time.perf_counter() - started
    session, head = world.verdict_session(loaded)
    session.status()  # the working memory synced: what follows is the analysis
    verdict = session.verdict()
    def status(day: dt.datetime) -> Any:
        # worked out, not the kept one: a status is kept on what the model reads, which a new day alone does not change
        return bare_status(session.analyst.situation(session.frame(day)))

    times, status_times, day = [], [], head
    deadline = time.perf_counter() + budget
    while len(times) < 5 and (not times or time.perf_counter() < deadline):
        times += worked_out(session.verdict, day, 1)
        status_times += worked_out(status, day, 1)
        day += dt.timedelta(days=1)
    nothing_kept = []
    for _ in range(3):  # the same, with none of the parts an analysis keeps from the verdict before (analysis.forget)
        forget()
        nothing_kept += worked_out(session.verdict, day, 1)
        day += dt.timedelta(days=1)
    session.verdict()
    kept = worked_out(lambda _: session.verdict(), head, 1)  # asked again with nothing changed: the kept verdict
    return {"verdict_ms": statistics.median(times) * 1000, "status_ms": statistics.median(status_times) * 1000, "runs": len(times),
            "kept_ms": kept[0] * 1000, "nothing_kept_ms": statistics.median(nothing_kept) * 1000,
            "load_s": load_seconds, "status": verdict.status, "cycles": len(verdict.cycles), "openings": len(verdict.openings),
            "concessions": f"size {verdict.concessions.size}, {'exact' if verdict.concessions.exact else 'greedy'}",
            "positions": len(loaded.rulebook.positions), "moves": len(loaded.rulebook.moves), "rules": len(loaded.rules.rules)}


def run(cfg: Any) -> list[Row]:
    rows = []
    for positions in cfg.verdict_positions:
        scenario = dict(cfg.scenario, positions=positions, actors=max(cfg.scenario["actors"], positions // 10),
                        subjects=max(cfg.stream_subjects, positions * 2), cycles=list(cfg.verdict_cycles))
        out = in_child("verdict:verdict_child", cfg.verdict_timeout, scenario=scenario, budget=2.0)
        case = f"P={positions:,}"
        if not out.ok:
            rows.append(Row("3 verdict", case, "verdict with explanation", "ms", None, None, "status alone", higher_is_better=False,
                            max_value=100.0 if positions >= 1000 else None,
                            note=f"did not finish: {out.error} (rule files loaded and a session filled within that time)"))
            continue
        v = out.value
        rows.append(Row("3 verdict", case, "verdict with explanation", "ms", v["verdict_ms"], v["status_ms"], "status alone",
                        higher_is_better=False, max_value=100.0 if positions >= 1000 else None,
                        note=f"{v['status']}, {v['cycles']} cycles, {v['openings']} openings, concessions {v['concessions']}; "
                             f"{v['moves']} moves, {v['rules']} rules; median of {v['runs']}, each as of another day, with the parts of the verdict "
                             f"before that the analysis keeps (blocks, citations, concession searches, openings' words, the stances, "
                             f"cycles, openings and ripeness built of them; with none "
                             f"kept, as the first verdict of a process: {v['nothing_kept_ms']:.0f} ms; a verdict asked "
                             f"again with nothing changed is the kept one: {v['kept_ms']:.2f} ms); rule files loaded in {v['load_s']:.2f} s"))
    return rows
