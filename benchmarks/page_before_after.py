"""The page's views before and after a change, in one process (see ``benchmarks/RESULTS.md``,
"The web page, third pass"): the web package of an earlier commit (default 1e0beff, where
branch h-web3 started) is loaded beside the present one under the name ``web_before`` and
installed on a second app over the *same* sessions of workload 7's scenario; each view is
asked of both, alternately, and timed in CPU seconds of this process (``time.process_time``:
the other engineers' load on the machine does not count).

    .venv/bin/python -m benchmarks.page_before_after [--before REV] [--repeats N]

The timeline is timed apart: "first" works the whole timeline out (both pages did that on
every visit before); "again" is a second visit with nothing changed (the page now keeps it).

    .venv/bin/python -m benchmarks.page_before_after --timeline-workers [--repeats N]

compares instead the page's first timeline walked in one process and in two (this one and
a worker started with the service, ``engine.segments.Pool``), alternately, each run with
nothing kept by either process (``analysis.forget()`` here, a new pool of workers started
and ready, untimed): CPU of this process, CPU of the worker (from ``/proc``: to 10 ms), and
the wall time, which only a quiet machine makes meaningful; the entries' JSON compared at
every run (a difference stops it).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import page
from benchmarks.common import ROOT

SCENARIO = {"actors": 20, "positions": page.POSITIONS, "cycles": [2, 3, 4], "subjects": 2 * page.POSITIONS, "seed": 1}


def load_before(rev: str, folder: Path) -> Any:
    """The ``web`` package of ``rev`` as the package ``web_before``."""
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "web"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for name in files:
        target = folder / "web_before" / Path(name).relative_to("web")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=ROOT, capture_output=True, check=True).stdout
        if name.endswith(".py"):
            data = data.replace(b"from web import", b"from web_before import").replace(b"from web.", b"from web_before.")
        target.write_bytes(data)
    sys.path.insert(0, str(folder))
    import web_before  # type: ignore[import-not-found]

    return web_before


def cpu_ms(client: Any, url: str) -> tuple[float, int]:
    start = time.process_time()
    reply = client.get(url)
    took = (time.process_time() - start) * 1000
    assert reply.status_code == 200, (url, reply.status_code, reply.text[:300])
    return took, len(reply.content)


def _cpu_of(pid: int) -> float:
    """CPU seconds (user and system) of process ``pid`` so far, from ``/proc`` (Linux)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timeline_workers(repeats: int) -> int:
    """The page's first timeline in one process and in two, alternately (see the module's doc)."""
    import engine.analysis as analysis
    from engine import segments
    from engine.analyst import Analyst

    folder = Path(tempfile.mkdtemp(prefix="page-workers-"))
    sessions, _, client, pairs, _ = page.served(SCENARIO, f"sqlite:///{folder / 'page.db'}")
    for view in ("verdict", "facts"):  # as the benchmark asks them before the timeline
        client.get(pairs[view][0])
    with sessions._using("baseline") as session:  # the timeline's inputs, as ``Sessions.timeline`` takes them
        history = session.snapshot()
        source = sessions._source("baseline", history)
    now, rulebook, rules, port = sessions.clock.now(), sessions.rulebook, sessions._rules, sessions._port
    assert source is not None, "the page's log is a SQLite file: a worker can read it"
    one_cpu, one_wall, two_cpu, two_wall, worker_cpu, used = [], [], [], [], [], []
    for _ in range(repeats):
        analysis.forget()
        start, wall = time.process_time(), time.perf_counter()
        analyst = Analyst("baseline", rulebook, rules, port)
        try:
            alone = analyst.timeline_span(history, now).entries
        finally:
            analyst.close()
        one_cpu.append((time.process_time() - start) * 1000)
        one_wall.append((time.perf_counter() - wall) * 1000)
        sessions.stop_timeline_workers()
        sessions.start_timeline_workers()
        ready = sessions.wait_timeline_workers(60.0)
        assert ready, "no worker ready within 60 s"
        worker = sessions.timeline_worker_processes()[0]
        analysis.forget()
        before = _cpu_of(worker.pid)
        start, wall = time.process_time(), time.perf_counter()
        span = segments.timeline_in_processes("baseline", rulebook, rules, port, history, now, segments.NO_DEADLINE,
                                              "disputed", False, source, 2, pool=sessions._pool)
        two_cpu.append((time.process_time() - start) * 1000)
        two_wall.append((time.perf_counter() - wall) * 1000)
        worker_cpu.append((_cpu_of(worker.pid) - before) * 1000)
        assert span is not None, "the plan did not split the page's timeline"
        used.append(span.processes)
        if [e.model_dump_json() for e in span.entries] != [e.model_dump_json() for e in alone]:
            raise SystemExit("the timeline walked in two processes differs from the one walk")
    print(f"| the page's first timeline (P={page.POSITIONS}, {len(alone)} entries), ms | median (min) |")
    print("| --- | ---: |")
    for label, values in (("one process: CPU", one_cpu), ("one process: wall", one_wall),
                          (f"two processes ({', '.join(map(str, sorted(set(used))))} walked): CPU of this process", two_cpu),
                          ("two processes: CPU of the worker", worker_cpu), ("two processes: wall", two_wall)):
        print(f"| {label} | {statistics.median(values):,.1f} ({min(values):,.1f}) |")
    sessions.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--before", default="1e0beff")
    args.add_argument("--repeats", type=int, default=9)
    args.add_argument("--timeline-workers", action="store_true",
                      help="the first timeline in one process and in two instead (see the module's doc)")
    opts = args.parse_args(argv)
    if opts.timeline_workers:
        return timeline_workers(opts.repeats)
    from fastapi.testclient import TestClient

    folder = Path(tempfile.mkdtemp(prefix="page-before-after-"))
    before = load_before(opts.before, folder)
    sessions, app, client, pairs, _ = page.served(SCENARIO, f"sqlite:///{folder / 'page.db'}")
    from api import create_app

    old_app = create_app(sessions, None, analysis_budget=None)
    before.install(old_app)
    old = TestClient(old_app)
    rows = []
    # the timeline first: each page's first visit works it out; then a second visit each
    first_old, size_old = cpu_ms(old, pairs["timeline"][0])
    first_new, size_new = cpu_ms(client, pairs["timeline"][0])
    again_old, _ = cpu_ms(old, pairs["timeline"][0])
    again_new, _ = cpu_ms(client, pairs["timeline"][0])
    rows.append(("timeline, first visit (1 run)", [first_old], [first_new], size_old, size_new))
    rows.append(("timeline, second visit, nothing changed (1 run)", [again_old], [again_new], size_old, size_new))
    for _ in range(page.PAST_QUESTIONS):  # the what-if's whole history read, as a user's later comparisons find it
        client.get(pairs["compare"][0])
    for view in ("verdict", "evidence", "compare", "what-if", "facts", "brief"):
        url = pairs[view][0]
        cpu_ms(client, url)
        olds, news, size_old, size_new = [], [], 0, 0
        for _ in range(opts.repeats):
            if view == "evidence":  # before: the evidence came inside the verdict view
                took, size_old = cpu_ms(old, pairs["verdict"][0])
            else:
                took, size_old = cpu_ms(old, url)
            olds.append(took)
            took, size_new = cpu_ms(client, url)
            news.append(took)
        label = "evidence of one edge (before: in the verdict view)" if view == "evidence" else view
        rows.append((label, olds, news, size_old, size_new))
    print(f"| view (P={page.POSITIONS}, CPU ms of this process) | before ({opts.before}): median (min) | after: median (min) "
          "| after / before | bytes before | bytes after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, olds, news, size_old, size_new in rows:
        o, n = statistics.median(olds), statistics.median(news)
        print(f"| {label} | {o:,.1f} ({min(olds):,.1f}) | {n:,.1f} ({min(news):,.1f}) | {n / o:.2f} | {size_old:,} | {size_new:,} |")
    sessions.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
