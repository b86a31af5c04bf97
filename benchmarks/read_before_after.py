"""Reading a whole log into a history before and after a change, in one process (see
``benchmarks/RESULTS.md``, "Reading the log, ninth pass"): ``engine/store/log.py`` and
``engine/history.py`` of an earlier commit (default b09c177, where branch h-readlog9
started) are loaded beside the present ones under other module names.  The earlier side
reads the log with its ``SqlFactLog.load_all`` and adds each fact to its ``History`` as
``Session.apply`` did then; the present side is ``Session.complete`` itself (a session
opened as a restarted server opens it, then made whole).  Alternately, CPU seconds of this
process (``time.process_time``: the other engineers' load on the machine does not count),
with the full collection of the garbage collector right after each read counted apart;
the two histories compared (every fact, the series of each subject, the events, the state
and its order at several times: a difference stops the run).

    .venv/bin/python -m benchmarks.read_before_after [--before REV] [--runs N] [--facts 100000,1000000]
        [--folder DIR]

Logs as workload 6 writes them (scenario A=6, P=12, cycles 2/3/4, S=100, seed 1; F facts of
which 5 % events), written once into ``--folder`` (default a new temporary folder) and
reused from there when already written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT
from benchmarks.timeline_before_after import SCENARIO


def load_before(rev: str) -> tuple[types.ModuleType, types.ModuleType]:
    """``engine/store/log.py`` and ``engine/history.py`` of ``rev``, as ``before_log`` and
    ``before_history`` (the other modules they import are the present ones)."""
    loaded = []
    for name, path in (("before_log", "engine/store/log.py"), ("before_history", "engine/history.py")):
        source = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, check=True).stdout
        module = types.ModuleType(name)
        module.__file__ = f"{rev}:{path}"
        sys.modules[name] = module
        exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102  # our own earlier source
        loaded.append(module)
    return loaded[0], loaded[1]


def prepared(facts: int, folder: Path) -> dict[str, Any]:
    """The log of ``facts`` facts in ``folder`` (written the first time), with its info."""
    from benchmarks import logdb

    info_file = folder / f"log-{facts}.json"
    if info_file.exists():
        return json.loads(info_file.read_text())
    stream = dict(facts=facts, subjects=SCENARIO["subjects"], events=max(1, facts * 5 // 100), seed=SCENARIO["seed"])
    info = logdb.prepare(str(folder / f"log-{facts}.db"), SCENARIO, stream, str(folder / f"rules-{facts}"))
    info |= {"url": f"sqlite:///{folder / f'log-{facts}.db'}", "rules": str(folder / f"rules-{facts}")}
    info_file.write_text(json.dumps(info))
    return info


def shape(history: Any, times: list[dt.datetime]) -> list[Any]:
    """What a history holds, read through its public methods, in their order."""
    subjects = sorted({f.subject for f in history.state_as_of(times[-1]).values()})
    return [len(history), history.version, history.latest_state_at, history.all_confirmed(),
            [f.id for f in history.statements()], [f.id for f in history.events()],
            [[f.id for f in history.facts_of(s)] for s in subjects],
            [[(s, f.id) for s, f in history.state_as_of(t).items()] for t in times]]


def compare(label: str, before: Any, after: Any, times: list[dt.datetime]) -> None:
    if shape(before, times) != shape(after, times):
        raise SystemExit(f"{label}: the histories differ")
    if [before.get(f.id) for f in after.events()] != after.events():
        raise SystemExit(f"{label}: the facts read differ")
    for s in {f.subject for f in after.state_as_of(times[-1]).values()}:
        if after.facts_of(s) != [before.get(f.id) for f in after.facts_of(s)]:
            raise SystemExit(f"{label}: the facts of {s} differ")


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--before", default="b09c177")
    args.add_argument("--runs", type=int, default=3)
    args.add_argument("--facts", default="100000")
    args.add_argument("--folder", default="")
    opts = args.parse_args(argv)
    from engine.clock import FixedClock
    from engine.store import open_store
    from ripeness.bootstrap import load_scenario, open_sessions

    before_log, before_history = load_before(opts.before)
    folder = Path(opts.folder or tempfile.mkdtemp(prefix="read-before-after-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"| reading a whole log into a history (CPU seconds of this process) | before ({opts.before}): median (min) "
          "| after: median (min) | after / before | facts | the full collection after it, before / after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for facts in [int(f) for f in opts.facts.split(",") if f]:
        info = prepared(facts, folder)
        now = dt.datetime.fromisoformat(info["now"])
        first, last = dt.datetime.fromisoformat(info["first"]), dt.datetime.fromisoformat(info["last"])
        times = [first + (last - first) * k / 4 for k in range(5)] + [now]
        sessions = open_sessions(load_scenario(info["rules"]), info["url"], FixedClock(now))
        store = open_store(info["url"], load_scenario(info["rules"]).rulebook.id)
        earlier = before_log.SqlFactLog(store.log._engine, threading.Lock())  # the same database, read by the earlier code
        view = store.registry.view(next(r for r in store.registry.live() if r.name == "baseline"))
        took: dict[str, list[float]] = {"before": [], "after": []}
        collected: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(opts.runs):
            for side in ("before", "after"):
                gc.collect()
                if side == "before":
                    start = time.process_time()
                    history = before_history.History()
                    for fact in earlier.load_all(view):  # as ``Session.apply`` added them at ``rev``
                        if fact.withdraws is not None:
                            history.withdraw(fact.withdraws)
                        if fact.kind != "withdrawal":
                            history.add(fact)
                    took[side].append(time.process_time() - start)
                    kept_before = history
                else:
                    with sessions.using("baseline") as session:
                        session.history.complete_from = now  # as a restarted server's: made whole by the next call
                        start = time.process_time()
                        session.complete()
                        took[side].append(time.process_time() - start)
                        history = session.history
                start = time.process_time()
                gc.collect()
                collected[side].append(time.process_time() - start)
            compare(f"{facts:,} facts", kept_before, history, times)
            del history, kept_before
        sessions.close()
        store.close()
        b, a = statistics.median(took["before"]), statistics.median(took["after"])
        print(f"| {facts:,} facts ({info['events']:,} events) | {b:.3f} ({min(took['before']):.3f}) | {a:.3f} "
              f"({min(took['after']):.3f}) | {a / b:.2f} | {facts:,} | {statistics.median(collected['before']):.3f} / "
              f"{statistics.median(collected['after']):.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
