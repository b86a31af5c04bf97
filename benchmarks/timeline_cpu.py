"""CPU of each process of a timeline walked in segments (``engine.segments``), beside the one
walk, on a generated log of F facts read from SQLite: for a machine loaded by others, where
wall times say little, the projection of the wall time on a quiet one.

    .venv/bin/python -m benchmarks.timeline_cpu 100000 [--folder DIR] [--workers 2]

Each measurement in a fresh process (as the benchmark's timeline is), one process and
``--workers`` alternating, ``--rounds`` times: in CPU seconds (``time.process_time``; the
workers' from ``RUSAGE_CHILDREN``), reading the log into a history (``Session.complete``),
then ``Sessions.timeline``: in this process (the walk, or the first segment's walk, the
spawning and the join), in the workers (each: starting, its own read of the log, its
segment), and the wall time.  Projected wall time on a quiet machine: the read, then the
longer of this process's timeline and a worker's CPU (they run at once).  The timelines
must be the same (a digest of their JSON).  The log is written once into ``--folder``
(default a temporary one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(db: Path, rules: Path, now: dt.datetime, workers: int) -> dict[str, float]:
    """In this (fresh) process: the read, then the timeline in ``workers`` processes."""
    from engine.clock import FixedClock
    from engine.sessions import BASELINE, Sessions
    from engine.store import open_store
    from ripeness.bootstrap import load_scenario, rules_engine

    scenario = load_scenario(rules)
    sessions = Sessions(scenario.rulebook, scenario.rules, rules_engine(), open_store(f"sqlite:///{db}", scenario.rulebook.id),
                        FixedClock(now), timeline_workers=workers)
    with sessions.using(BASELINE) as session:
        cpu = time.process_time()
        session.complete()
        read = time.process_time() - cpu
    cpu, children, wall = time.process_time(), children_cpu(), time.perf_counter()
    entries = sessions.timeline(BASELINE)
    here, there, wall = time.process_time() - cpu, children_cpu() - children, time.perf_counter() - wall
    sessions.close()
    digest = hashlib.sha256(json.dumps([e.model_dump(mode="json") for e in entries]).encode()).hexdigest()
    return {"read": read, "here": here, "workers": there, "wall": wall, "entries": len(entries), "digest": digest}


def main() -> None:
    from benchmarks import logdb
    from benchmarks.run import Config

    p = argparse.ArgumentParser()
    p.add_argument("facts", type=int)
    p.add_argument("--folder", type=Path)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)  # one measurement, in a fresh process
    args = p.parse_args()
    cfg = Config()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="timeline-cpu-"))
    folder.mkdir(parents=True, exist_ok=True)
    events = max(1, args.facts * cfg.event_share_pct // 100)
    db, rules = folder / f"log-{args.facts}-{events}.db", folder / f"rules-{args.facts}-{events}"
    if not db.exists():
        stream = dict(facts=args.facts, subjects=cfg.stream_subjects, events=events, seed=cfg.seed)
        info = logdb.prepare(str(db), cfg.scenario, stream, str(rules))
        (folder / f"now-{args.facts}").write_text(info["now"])
    now = dt.datetime.fromisoformat((folder / f"now-{args.facts}").read_text())
    if args.child is not None:
        print(json.dumps(measure(db, rules, now, args.child)))
        return
    found: dict[int, list[dict[str, float]]] = {1: [], args.workers: []}
    for _ in range(args.rounds):  # alternating: the machine's load moves
        for workers in (1, args.workers):
            out = subprocess.run([sys.executable, "-m", "benchmarks.timeline_cpu", str(args.facts), "--folder", str(folder),
                                  "--child", str(workers)], capture_output=True, text=True, check=True)
            found[workers].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(workers, found[workers][-1], flush=True)
    digests = {r["digest"] for rows in found.values() for r in rows}
    assert len(digests) == 1, "the timelines differ"
    one, split = found[1], found[args.workers]
    med = statistics.median
    print(f"{args.facts:,} facts, {one[0]['entries']:,} entries (the same timeline in both)")
    print(f"one process: read {med(r['read'] for r in one):.2f} s CPU, timeline {med(r['here'] for r in one):.2f} s CPU "
          f"(min {min(r['here'] for r in one):.2f}), wall {med(r['wall'] for r in one):.2f} s")
    print(f"{args.workers} processes: read {med(r['read'] for r in split):.2f} s CPU, timeline here {med(r['here'] for r in split):.2f} s CPU "
          f"(min {min(r['here'] for r in split):.2f}), workers {med(r['workers'] for r in split):.2f} s CPU in all "
          f"(min {min(r['workers'] for r in split):.2f}), wall {med(r['wall'] for r in split):.2f} s")
    worker = med(r["workers"] for r in split) / max(1, args.workers - 1)
    quiet_one = med(r["read"] + r["here"] for r in one)
    quiet_split = med(r["read"] for r in split) + max(med(r["here"] for r in split), worker)
    print(f"projected on a quiet machine: one process {quiet_one:.2f} s; {args.workers} processes "
          f"read + max(this process, a worker) = {quiet_split:.2f} s")


if __name__ == "__main__":
    main()
