"""CPU per single-fact POST at one client, in the server process, with a real server and a
real client: the bare endpoint and ripeness (``benchmarks.servers``), each in its own
uvicorn process, driven one request at a time by ``benchmarks.loadgen`` over loopback.
The server's CPU (user + system, ``/proc/PID/stat``) over the measured requests, divided
by their count, is what a request costs the server whatever the machine's load (the event
loop's thread, uvicorn, FastAPI and the route, shown apart from the worker threads).  With
``--sample``, after the warm-up: the server samples its threads' stacks (busy frames, waits
such as a commit's fsync included), profiles the event loop's thread and (ripeness) each
``Sessions.record_many`` with cProfile, and prints the three.

    python -m benchmarks.post_cpu --requests 400 --rounds 3 [--sample] [--kinds bare,ripeness] [--postgres auto|URL]

With ``--postgres``, both servers write to PostgreSQL (each to a fresh database of a server
found as the API benchmark finds one: ``auto``, as the tests do, or the URL given) instead
of a SQLite file.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from benchmarks import api_ingest, loadgen
from benchmarks.common import ROOT, percentile

TICK = os.sysconf("SC_CLK_TCK")
RESET = threading.Event()
RESETS = [0]  # how many times the warm-up ended (SIGUSR1)
IDLE = ("select", "wait", "_worker", "get", "acquire", "sleep", "poll", "run_forever")


def cpu_seconds(pid: int) -> float:
    return _ticks(Path(f"/proc/{pid}/stat"))


def _ticks(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each of the process's threads (the event loop's is ``pid``)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found[int(task.name)] = _ticks(task / "stat")
        except OSError:  # ended meanwhile
            pass
    return found


def _sampler(out: Path, period: float, stop: threading.Event) -> None:
    """Counts, per thread that is not idle, the functions on its stack (inclusive) and the
    frame it is in (exclusive), every ``period`` seconds; written to ``out`` when stopped."""
    me = threading.get_ident()
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    samples, written = 0, time.monotonic()
    while not stop.wait(period):
        if RESET.is_set():  # the warm-up is over (SIGUSR1)
            RESET.clear()
            inclusive.clear()
            exclusive.clear()
            samples = 0
        if time.monotonic() - written > 1:  # uvicorn ends the process on SIGTERM: written as it goes
            _write(out, samples, inclusive, exclusive)
            written = time.monotonic()
        for ident, frame in sys._current_frames().items():
            if ident == me or frame.f_code.co_name in IDLE:
                continue
            samples += 1
            exclusive[f"{frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_code.co_name}"] += 1
            seen = set()
            while frame is not None:
                key = f"{frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_code.co_name}"
                if key not in seen:
                    seen.add(key)
                    inclusive[key] += 1
                frame = frame.f_back


def _write(out: Path, samples: int, inclusive: collections.Counter, exclusive: collections.Counter) -> None:
    with out.open("w") as f:
        f.write(f"busy samples {samples}\n-- inclusive\n")
        for key, n in inclusive.most_common(70):
            f.write(f"{n / max(samples, 1):6.1%}  {key}\n")
        f.write("-- exclusive\n")
        for key, n in exclusive.most_common(40):
            f.write(f"{n / max(samples, 1):6.1%}  {key}\n")


def serve(kind: str, port: int, db: str, rules: str, sample: str) -> None:
    import uvicorn

    from benchmarks.servers import bare_app, ripeness_app

    app = ripeness_app(db, rules) if kind == "ripeness" else bare_app(db)
    if sample and kind == "ripeness":
        _profile_writes(Path(sample + ".prof"))
    stop = threading.Event()
    if sample:
        import cProfile

        loop_prof = cProfile.Profile()

        def measured(*_):  # the event loop's thread (the main one, where handlers run) profiled from now on
            RESET.set()
            RESETS[0] += 1
            loop_prof.enable()

        def done(*_):
            loop_prof.disable()
            loop_prof.dump_stats(sample + ".loop")

        signal.signal(signal.SIGUSR1, measured)
        signal.signal(signal.SIGUSR2, done)
        sys.setswitchinterval(0.0002)  # so the sampler gets the GIL while the server runs Python
        thread = threading.Thread(target=_sampler, args=(Path(sample), 0.0005, stop), daemon=True)
        thread.start()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _profile_writes(out: Path) -> None:
    """``Sessions.record_many`` (the lane's job: the write and the reply's verdicts) under
    cProfile, one call at a time, the stats written every 50 calls (after SIGUSR1 only)."""
    import cProfile

    from engine.sessions import Sessions

    original = Sessions.record_many
    state = {"prof": cProfile.Profile(), "calls": 0}

    def record_many(self, name, posts):
        if state.get("reset") != RESETS[0]:
            state["reset"], state["prof"], state["calls"] = RESETS[0], cProfile.Profile(), 0
        prof = state["prof"]
        prof.enable()
        try:
            return original(self, name, posts)
        finally:
            prof.disable()
            state["calls"] += 1
            if state["calls"] % 50 == 0:
                prof.dump_stats(out)

    Sessions.record_many = record_many


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--kinds", default="bare,ripeness")
    p.add_argument("--query", default="", help="e.g. ?verdict_then=false for ripeness")
    p.add_argument("--sample", action="store_true")
    p.add_argument("--postgres", default="", help="auto, or a server's SQLAlchemy URL: PostgreSQL instead of SQLite")
    p.add_argument("--serve", nargs=5, metavar=("KIND", "PORT", "DB", "RULES", "SAMPLE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        kind, port, db, rules, sample = args.serve
        serve(kind, int(port), db, rules, sample if sample != "-" else "")
        return
    cfg = SimpleNamespace(scenario={"actors": 6, "positions": 12, "cycles": [2, 3, 4], "subjects": 100, "seed": 1}, stream_subjects=100,
                          seed=1, api_warmup=100, api_requests=args.requests * args.rounds, api_clients=(1,))
    folder = Path(tempfile.mkdtemp(prefix="ripeness-postcpu-"))
    try:
        if args.postgres:
            from benchmarks.api_ingest import _postgres_server

            with _postgres_server(args.postgres) as pg:
                _compare(args, cfg, folder, pg)
        else:
            _compare(args, cfg, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _compare(args: argparse.Namespace, cfg: SimpleNamespace, folder: Path, pg: object = None) -> None:
    rules, singles, _ = api_ingest._inputs(cfg, folder)
    for kind in args.kinds.split(","):
        db = f"sqlite:///{folder / f'{kind}.db'}" if pg is None else pg.fresh_url()  # type: ignore[attr-defined]
        sample = str(folder / f"{kind}.sample") if args.sample else "-"
        port = api_ingest._free_port()
        log = open(folder / f"{kind}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.post_cpu", "--serve", kind, str(port), db, str(rules), sample],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait(proc, port, folder / f"{kind}.log")
            path = api_ingest.PATH + (args.query if kind == "ripeness" else "")
            feed = iter(singles)
            loadgen.drive(port, path, [next(feed) for _ in range(100)], 1, 60)
            cpus, p50s, loops, means = [], [], [], []
            if args.sample:
                proc.send_signal(signal.SIGUSR1)
                time.sleep(0.2)
            for _ in range(args.rounds):
                before, loop_before = cpu_seconds(proc.pid), thread_cpu(proc.pid)[proc.pid]
                load = loadgen.drive(port, path, [next(feed) for _ in range(args.requests)], 1, 600)
                cpus.append((cpu_seconds(proc.pid) - before) / len(load.latencies) * 1000)
                loops.append((thread_cpu(proc.pid)[proc.pid] - loop_before) / len(load.latencies) * 1000)
                p50s.append(percentile(load.latencies, 50) * 1000)
                means.append(statistics.fmean(load.latencies) * 1000)
                if load.errors:
                    print(kind, "errors", load.errors[:2])
            print(f"{kind}{path[len(api_ingest.PATH):]}: server CPU per POST {statistics.median(cpus):.3f} ms (min {min(cpus):.3f}); "
                  f"of it the event loop's thread {statistics.median(loops):.3f} ms; "
                  f"mean latency {statistics.median(means):.2f} ms; p50 {statistics.median(p50s):.2f} ms (min {min(p50s):.2f}); "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
        finally:
            if args.sample:
                proc.send_signal(signal.SIGUSR2)
                time.sleep(1.5)
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
            if pg is not None:
                pg.drop(db)  # type: ignore[attr-defined]
        if args.sample:
            print((folder / f"{kind}.sample").read_text())
            if (folder / f"{kind}.sample.loop").exists():
                import pstats

                print("-- the event loop's thread")
                pstats.Stats(str(folder / f"{kind}.sample.loop")).sort_stats("tottime").print_stats(45)
            if (folder / f"{kind}.sample.prof").exists():
                import pstats

                stats = pstats.Stats(str(folder / f"{kind}.sample.prof"))
                stats.sort_stats("cumulative").print_stats(60)


def _wait(proc: subprocess.Popen, port: int, log: Path) -> None:
    import socket

    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not listen") from None
            time.sleep(0.1)


if __name__ == "__main__":
    main()
