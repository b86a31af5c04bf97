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

compares instead the page's first timeline walked in one process and in two (the service's
and a worker started with it, ``engine.segments.Pool``), alternately, each run in a fresh
process as the page benchmark's child (``analysis.forget()`` leaves what a process works out
once, so only a fresh one times a first timeline): the timeline view's first request after
the verdict and facts views, CPU of the service's process, CPU of the worker (from
``/proc``: to 10 ms), and the wall time, which only a quiet machine makes meaningful; the
page and the timeline's JSON compared across all runs (a difference stops it).
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


def first_timeline(workers: int) -> dict[str, Any]:
    """In this (fresh) process, as the page benchmark's child: the scenario served with
    ``workers`` timeline processes (the workers started as ``ripeness serve`` starts them, and
    ready), the verdict and facts views asked, then the timeline view's first request timed."""
    import hashlib
    import json

    folder = Path(tempfile.mkdtemp(prefix="page-workers-"))
    sessions, _, client, pairs, _ = page.served(SCENARIO, f"sqlite:///{folder / 'page.db'}")
    if workers < 2:
        sessions.stop_timeline_workers()
    sessions.timeline_workers = workers
    for view in ("verdict", "facts"):  # as the benchmark asks them before the timeline
        client.get(pairs[view][0])
        client.get(pairs[view][1])
    ready = sessions.wait_timeline_workers(60.0)
    pids = [p.pid for p in sessions.timeline_worker_processes()]
    before = [_cpu_of(pid) for pid in pids]
    start, wall = time.process_time(), time.perf_counter()
    reply = client.get(pairs["timeline"][0])
    cpu, wall = (time.process_time() - start) * 1000, (time.perf_counter() - wall) * 1000
    worker = sum(_cpu_of(pid) - b for pid, b in zip(pids, before)) * 1000
    assert reply.status_code == 200, reply.text[:300]
    entries = json.dumps([e.model_dump(mode="json") for e in sessions.timeline("baseline")], sort_keys=True)
    out = {"cpu": cpu, "wall": wall, "worker": worker, "processes": sessions.timeline_processes, "ready": ready,
           "page": hashlib.sha256(reply.content).hexdigest(), "entries": hashlib.sha256(entries.encode()).hexdigest()}
    sessions.close()
    return out


def timeline_workers(repeats: int) -> int:
    """The page's first timeline in one process and in two, each run in a fresh process,
    alternately (see the module's doc)."""
    import json

    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for _ in range(repeats):
        for workers in (1, 2):
            done = subprocess.run([sys.executable, "-W", "ignore", "-m", "benchmarks.page_before_after", "--first-timeline",
                                   str(workers)], cwd=ROOT, capture_output=True, text=True, check=True)
            runs[workers].append(json.loads(done.stdout.strip().splitlines()[-1]))
    digests = {(r["page"], r["entries"]) for rs in runs.values() for r in rs}
    if len(digests) != 1:
        raise SystemExit(f"the timelines differ between runs: {sorted(digests)}")
    print(f"| the page's first timeline (P={page.POSITIONS}), a fresh process each run, ms | median (min) |")
    print("| --- | ---: |")
    one, two = runs[1], runs[2]
    rows = [("one process: CPU", [r["cpu"] for r in one]), ("one process: wall", [r["wall"] for r in one]),
            (f"two processes ({sorted({r['processes'] for r in two})} walked): CPU of this process", [r["cpu"] for r in two]),
            ("two processes: CPU of the worker (/proc, 10 ms steps)", [r["worker"] for r in two]),
            ("two processes: wall", [r["wall"] for r in two])]
    for label, values in rows:
        print(f"| {label} | {statistics.median(values):,.1f} ({min(values):,.1f}) |")
    print(f"the page and its timeline's JSON the same in all {2 * repeats} runs: {next(iter(digests))[1][:16]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--before", default="1e0beff")
    args.add_argument("--repeats", type=int, default=9)
    args.add_argument("--timeline-workers", action="store_true",
                      help="the first timeline in one process and in two instead (see the module's doc)")
    args.add_argument("--first-timeline", type=int, metavar="PROCESSES", help=argparse.SUPPRESS)  # one run of the above
    opts = args.parse_args(argv)
    if opts.first_timeline is not None:
        import json

        print(json.dumps(first_timeline(opts.first_timeline)))
        return 0
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
