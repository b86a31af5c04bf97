"""Run the benchmarks: ripeness beside its baselines, in the same run, reported as ratios.

    .venv/bin/python -m benchmarks.run            # quick mode (about two minutes of measuring on 2 cores)
    .venv/bin/python -m benchmarks.run --full     # full sizes (1M facts)
    .venv/bin/python -m benchmarks.run --only verdict --positions 10,100

Each measurement runs in a fresh process.  Results are printed and written to
benchmarks/RESULTS.md (the section of the mode run; the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmarks import api_ingest, asof, catchup, coldstart, ingest, page, replicas, verdict, whatif
from benchmarks.common import Machine, Row, calibrate, commit, load_average
from benchmarks.report import render, write_results

WORKLOADS = ("ingest", "api", "verdict", "whatif", "coldstart", "asof", "page", "replicas", "catchup")


@dataclass
class Config:
    mode: str = "quick"
    seed: int = 1
    scenario: dict[str, Any] = field(default_factory=lambda: {"actors": 6, "positions": 12, "cycles": [2, 3, 4], "subjects": 100, "seed": 1})
    stream_subjects: int = 100
    event_share_pct: int = 5
    ingest_facts: tuple[int, ...] = (10_000, 100_000)
    ingest_every: tuple[int, ...] = (100,)
    per_fact_facts: int = 5_000
    api_clients: tuple[int, ...] = (1, 8, 32)
    api_seconds: float = 4.0
    api_requests: int = 20_000
    api_warmup: int = 100
    api_batch_repeats: int = 2
    api_postgres: str = "auto"  # the API workload on PostgreSQL too: auto (a server as the tests find one), a server's URL, or off
    verdict_positions: tuple[int, ...] = (10, 100, 1_000)
    verdict_cycles: tuple[int, ...] = (2, 3, 4, 6)
    verdict_timeout: float = 20.0
    whatif_facts: int = 100_000
    whatif_repeats: int = 5
    whatif_alive: int = 500
    whatif_alive_whole: int = 20
    history_facts: tuple[int, ...] = (100_000,)
    asof_dates: int = 20
    timeline_facts: tuple[int, ...] = (10_000,)
    timeline_events: tuple[int, ...] = (10_000,)
    timeline_timeout: float = 120.0
    replica_clients: int = 32  # 9 replicas (PostgreSQL)
    catchup_facts: tuple[int, ...] = (100_000,)  # 10 catch-up (PostgreSQL)
    timeout: float = 300.0
    setup_timeout: float = 900.0

    @classmethod
    def full(cls) -> Config:
        return cls(mode="full", ingest_facts=(10_000, 100_000, 1_000_000), per_fact_facts=10_000, api_seconds=15.0, api_requests=100_000,
                   api_batch_repeats=3, verdict_timeout=300.0, whatif_repeats=20, whatif_alive=5_000, whatif_alive_whole=50,
                   history_facts=(1_000_000,), asof_dates=50, timeline_facts=(10_000, 100_000, 1_000_000), timeline_events=(100_000,), timeline_timeout=900.0,
                   catchup_facts=(1_000_000,),
                   timeout=1800.0, setup_timeout=1800.0)


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(x.replace("_", "")) for x in text.split(",") if x)


def parse(argv: list[str]) -> tuple[Config, list[str], argparse.Namespace]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smaller sizes (up to 100k facts); the default")
    mode.add_argument("--full", action="store_true", help="full sizes (1M facts, 5,000 what-ifs)")
    p.add_argument("--only", action="append", choices=WORKLOADS, help="run only this workload (repeatable)")
    p.add_argument("--seed", type=int, help="seed of every generated scenario and stream")
    g = p.add_argument_group("scenario of the ingest, API, what-if and history workloads")
    g.add_argument("--actors", type=int, help="A: actors")
    g.add_argument("--scenario-positions", type=int, help="P: positions")
    g.add_argument("--cycles", type=_ints, help="lengths of the blocking cycles, e.g. 2,3,4")
    g.add_argument("--subjects", type=int, help="S: state subjects the streams touch")
    g.add_argument("--events-pct", type=int, help="E as a percentage of F")
    g = p.add_argument_group("sizes")
    g.add_argument("--facts", type=_ints, help="F of engine ingest, e.g. 10000,100000,1000000")
    g.add_argument("--every", type=_ints, help="N: facts per batch after which the verdict is current, e.g. 1,100")
    g.add_argument("--per-fact-facts", type=int, help="F of the extra engine-ingest case with N=1 (0: none)")
    g.add_argument("--clients", type=_ints, help="concurrent API clients, e.g. 1,8,32")
    g.add_argument("--api-seconds", type=float, help="seconds of load per client count")
    g.add_argument("--postgres", help="API ingest on PostgreSQL too: auto (the default: a server as the tests find one, "
                                      "tests/backends.py), a server's SQLAlchemy URL (a role that may create databases), or off")
    g.add_argument("--positions", type=_ints, help="P of the verdict workload, e.g. 10,100,1000")
    g.add_argument("--whatif-facts", type=int, help="facts in the log the what-ifs fork from")
    g.add_argument("--alive", type=int, help="what-if sessions alive at once")
    g.add_argument("--history-facts", type=_ints, help="facts in the log for cold start and as-of")
    g.add_argument("--timeline-facts", type=_ints, help="facts in the log whose full timeline is timed")
    g.add_argument("--timeline-events", type=_ints, help="events in the log (with a tenth as many state facts) whose full timeline is timed")
    g.add_argument("--replica-clients", type=int, help="concurrent clients of the replicas workload (default 32)")
    g.add_argument("--catchup-facts", type=_ints, help="facts in the PostgreSQL log a replica restarts on")
    p.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md", help="results file (default benchmarks/RESULTS.md)")
    p.add_argument("--no-write", action="store_true", help="print only; RESULTS.md is left alone")
    args = p.parse_args(argv)
    cfg = Config.full() if args.full else Config()
    scenario = dict(cfg.scenario)
    for name, key in (("actors", "actors"), ("scenario_positions", "positions"), ("cycles", "cycles"), ("seed", "seed")):
        if getattr(args, name) is not None:
            scenario[key] = list(getattr(args, name)) if key == "cycles" else getattr(args, name)
    if args.subjects is not None:
        scenario["subjects"] = max(scenario["subjects"], args.subjects)
    cfg = replace(cfg, scenario=scenario)
    for name, key in (("seed", "seed"), ("subjects", "stream_subjects"), ("events_pct", "event_share_pct"), ("facts", "ingest_facts"),
                      ("every", "ingest_every"), ("per_fact_facts", "per_fact_facts"), ("clients", "api_clients"),
                      ("api_seconds", "api_seconds"), ("postgres", "api_postgres"), ("positions", "verdict_positions"), ("whatif_facts", "whatif_facts"),
                      ("alive", "whatif_alive"), ("history_facts", "history_facts"), ("timeline_facts", "timeline_facts"),
                      ("timeline_events", "timeline_events"), ("replica_clients", "replica_clients"), ("catchup_facts", "catchup_facts")):
        if getattr(args, name) is not None:
            cfg = replace(cfg, **{key: getattr(args, name)})
    return cfg, list(args.only or WORKLOADS), args


def run_workload(name: str, cfg: Config, folder: Path) -> list[Row]:
    if name == "ingest":
        rows = ingest.run(cfg)
        if cfg.per_fact_facts:
            rows += ingest.run(replace(cfg, ingest_facts=(cfg.per_fact_facts,), ingest_every=(1,)))
        return rows
    if name == "api":
        return api_ingest.run(cfg)
    if name == "verdict":
        return verdict.run(cfg)
    if name == "whatif":
        return whatif.run(cfg, folder)
    if name == "coldstart":
        return coldstart.run(cfg, folder)
    if name == "page":
        return page.run(cfg, folder)
    if name == "replicas":
        return replicas.run(cfg, folder)
    if name == "catchup":
        return catchup.run(cfg, folder)
    return asof.run(cfg, folder)


def main(argv: list[str] | None = None) -> int:
    cfg, only, args = parse(sys.argv[1:] if argv is None else argv)
    machine = Machine()
    print(f"ripeness benchmarks, {cfg.mode} mode: {', '.join(only)}; {machine.cores} cores, Python {machine.python}", flush=True)
    before, load_before = calibrate(), load_average()
    started = time.perf_counter()
    rows: list[Row] = []
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ripeness-bench-") as tmp:
        for name in only:
            t = time.perf_counter()
            print(f"\n== {name} ...", flush=True)
            try:
                found = run_workload(name, cfg, Path(tmp))
            except Exception as exc:  # one broken workload must not lose the others' results
                found = [Row(name, "all", "could not run", "", None, note=f"{exc.__class__.__name__}: {exc}"[:400])]
            timings[name] = time.perf_counter() - t
            rows += found
            print(render(found, header=False), flush=True)
    meta = {"mode": cfg.mode, "machine": asdict(machine), "commit": commit(), "seconds": time.perf_counter() - started, "timings": timings,
            "calibration_ms": (before, calibrate()), "load": (load_before, load_average()), "only": only, "workloads": list(WORKLOADS),
            "config": asdict(cfg), "argv": sys.argv[1:] if argv is None else argv}
    print(f"\nall done in {meta['seconds']:.0f} s", flush=True)
    if not args.no_write:
        write_results(args.output, cfg.mode, rows, meta)
        print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
