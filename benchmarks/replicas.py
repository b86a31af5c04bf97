"""9. Replicas: three ``ripeness serve`` processes on one PostgreSQL log against one, at 32
clients (``--replica-clients``), each for ``--api-seconds``.  Goals (issue 15): aggregate
write throughput at least 1.5x one replica's, reads at least 2.5x.

The three replicas run throughout on one fresh database (the generated scenario of the API
workload, ``--no-load-facts``); "one replica" sends every client to the first of them (the
two others idle, following the log), "three" deals the clients' keep-alive connections over
the three in turn, as a load balancer deals connections.  No balancer process is in the way:
``scripts/replicas.py``'s is written in Python and would cost about as much CPU per request
as a replica.  Each case runs one, three, one replica (the ratio uses the mean of the two
single runs), each run after every replica read once the sessions its clients use:
- writes: single-fact ``POST /sessions/baseline/facts?verdict_then=false`` (the reply carries
  the verdict now), the bodies of the API workload's stream, all into ``baseline``;
- writes, one what-if per client: the same POSTs, client ``i`` into what-if ``w{i}`` (each
  written through one replica, as a team of analysts each on their own what-if);
- reads of the kept verdict: ``GET /sessions/baseline/verdict`` with nothing written
  meanwhile: the session gives its kept verdict (routing, the JSON reply, no analysis);
- reads worked out: ``GET /sessions/baseline/verdict?as_of=`` a later day at each request,
  so every verdict is worked out (``common.worked_out``'s way).
Beside each: the CPU seconds per request of the replicas, of PostgreSQL (its server and
connection processes, read from ``/proc``) and of the load generator, and what they make the
ceiling of this machine: cores / CPU per request.  And a second row, the ratio that CPU per
request projects for a machine with a core for each replica (``_rows``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import statistics
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from benchmarks import cluster, generate
from benchmarks.common import Row, percentile

WORKLOAD = "9 replicas"
COUNT = 3
POST = "/sessions/{sid}/facts?verdict_then=false"
READ = "/sessions/{sid}/verdict"


def run(cfg: Any, folder: Path) -> list[Row]:
    with cluster.postgresql() as (server, reason):
        if server is None:
            return [Row(WORKLOAD, "all", "3 replicas against 1", "req/s", None, None, min_ratio=1.5,
                        note=f"PostgreSQL not available: {reason}")]
        url = server.fresh_url()
        try:
            return _run(cfg, folder / "replicas", url, make_url(url).port)
        finally:
            server.drop(url)


def _run(cfg: Any, folder: Path, url: str, pg_port: int | None) -> list[Row]:
    folder.mkdir(parents=True, exist_ok=True)
    scn = generate.scenario(generate.ScenarioSize(**{k: tuple(v) if k == "cycles" else v for k, v in cfg.scenario.items()}))
    rules = scn.write_rules(folder / "rules")
    clients = cfg.replica_clients
    replicas = [cluster.replica(url, folder, f"replica-{i + 1}", rules) for i in range(COUNT)]
    try:
        replicas[0].start()  # makes the tables; then the others
        for one in replicas[1:]:
            one.start()
        facts = generate.stream(scn, generate.StreamSize(facts=10**7, subjects=cfg.stream_subjects, events=10**7 // 20, seed=cfg.seed))
        bodies = (json.dumps(f).encode() for f in facts)
        with replicas[0].client() as http:
            for i in range(clients):
                reply = http.post("/sessions", json={"name": f"w{i}", "description": "replicas benchmark"})
                if reply.status_code != 201:
                    raise RuntimeError(f"creating what-if w{i} answered {reply.status_code}: {reply.text[:300]}")
        meter = cluster.CpuMeter(replicas, pg_port)
        each = max(100, cfg.api_requests // clients)  # more than a run can send
        later = itertools.count(1)
        today = dt.datetime.now(dt.timezone.utc).date()

        def writes(port: int, i: int, sid: str) -> list[bytes]:
            return cluster.posts(port, POST.format(sid=sid), list(itertools.islice(bodies, each)))

        def worked_out(port: int, _i: int, sid: str) -> list[bytes]:
            return [cluster.get(port, f"{READ.format(sid=sid)}?as_of={today + dt.timedelta(days=next(later))}") for _ in range(each)]

        def kept(port: int, _i: int, sid: str) -> list[bytes]:
            return [cluster.get(port, READ.format(sid=sid))] * 100_000

        cases = [("single-fact POST into baseline (?verdict_then=false)", "writes", writes, lambda i: "baseline", 1.5),
                 ("single-fact POST, each client into its own what-if (?verdict_then=false)", "writes", writes, lambda i: f"w{i}", 1.5),
                 ("verdict GET now (the kept verdict: no analysis)", "reads", kept, lambda i: "baseline", 2.5),
                 ("verdict GET as of a later day each time (worked out)", "reads", worked_out, lambda i: "baseline", 2.5)]
        rows = []
        for label, kind, requests, session_of, goal in cases:
            runs = {n: [] for n in (1, COUNT)}
            for n in (1, COUNT, 1):
                _warm([(replicas[i % n], session_of(i)) for i in range(clients)])
                ports = [r.port for r in replicas[:n]]
                dealt = [requests(ports[i % n], i, session_of(i)) for i in range(clients)]
                meter.start()
                load = cluster.drive(ports, dealt, cfg.api_seconds)
                runs[n].append((load, meter.stop()))
            rows += _rows(label, kind, goal, clients, runs, cfg.api_seconds)
        return rows
    finally:
        for one in replicas:
            one.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _warm(pairs: list[tuple[cluster.Server, str]]) -> None:
    """Each replica has the sessions its clients use in memory before a run: the first use of
    a session after another replica wrote it reads it again from the log, once."""
    with httpx.Client(timeout=60) as http:
        for one, sid in dict.fromkeys(pairs):
            reply = http.get(one.url + READ.format(sid=sid))
            if reply.status_code != 200:
                raise RuntimeError(f"{one.url}{READ.format(sid=sid)} answered {reply.status_code}: {reply.text[:300]}")


def _rows(label: str, kind: str, goal: float, clients: int, runs: dict[int, list], seconds: float) -> list[Row]:
    """The measured ratio, and the one the CPU per request projects for a machine with a core
    for each replica: a replica is one Python process, so at most one core's worth of its
    requests at a time (the GIL), and three replicas at most three times that."""
    def rate(n: int) -> float:
        return statistics.mean(load.throughput for load, _ in runs[n])

    def per_request(n: int) -> dict[str, float]:
        count = sum(len(load.latencies) for load, _ in runs[n])
        return {k: sum(cpu[k] for _, cpu in runs[n]) / max(1, count) * 1000 for k in ("replicas", "postgres", "loadgen")}

    notes = []
    for n in (1, COUNT):
        cpu = per_request(n)
        total = sum(v for v in cpu.values() if v == v)  # PostgreSQL's is NaN when it is not a process of this machine
        lat = [x for load, _ in runs[n] for x in load.latencies]
        errors = [e for load, _ in runs[n] for e in load.errors]
        notes.append(f"{n} replica{'s' if n > 1 else ''}: {rate(n):,.0f} req/s (runs: {', '.join(f'{load.throughput:,.0f}' for load, _ in runs[n])}), "
                     f"p50 {percentile(lat, 50) * 1000:.0f} ms, p99 {percentile(lat, 99) * 1000:.0f} ms; CPU per request "
                     f"{cpu['replicas']:.2f} ms replicas + {cpu['postgres']:.2f} ms PostgreSQL + {cpu['loadgen']:.2f} ms load generator "
                     f"= {total:.2f} ms, a ceiling of {(os.cpu_count() or 1) / total * 1000:,.0f} req/s on {os.cpu_count()} cores"
                     + (f"; {len(errors)} errors, e.g. {errors[0][:120]}" if errors else ""))
    one, three = per_request(1)["replicas"], per_request(COUNT)["replicas"]
    case = f"{clients} clients, {seconds:g} s a run"
    return [Row(WORKLOAD, case, f"{kind}: {label}", "req/s", rate(COUNT), rate(1), "one replica, same log", min_ratio=goal,
                note="; ".join(notes)),
            Row(WORKLOAD, case, f"{kind}: projected ratio, a core for each replica", "x", COUNT * one / three if three else None,
                min_value=goal, note=f"{COUNT} x (replica CPU per request with one replica / with {COUNT}) = {COUNT} x {one:.2f} / "
                                     f"{three:.2f} ms; PostgreSQL and the clients on cores of their own; writes also wait for "
                                     "the log's position row, held by one write at a time of all replicas")]
