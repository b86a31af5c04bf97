"""What the PostgreSQL workloads (9 replicas, 10 catch-up) share: a PostgreSQL server found
or started the way the tests find one (``tests/backends.py``), ``ripeness serve`` replicas on
it (the tests' ``tests.e2e.server.Server``, which ``scripts/replicas.py`` starts too), the CPU
time of processes (``/proc``), and a load generator whose keep-alive clients are dealt over
several replicas, as a load balancer deals connections."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.loadgen import Load, client, request
from tests.backends import Postgres, StartFailed, Unavailable, postgres
from tests.e2e.server import Server

TICK = os.sysconf("SC_CLK_TCK")


@contextmanager
def postgresql() -> Iterator[tuple[Postgres | None, str]]:
    """A PostgreSQL server and ``""``, or ``None`` and why there is none (the workload then
    reports a "PostgreSQL not available" row)."""
    try:
        with postgres() as server:
            yield server, ""
    except Unavailable as exc:
        yield None, str(exc)
    except StartFailed as exc:
        yield None, f"PostgreSQL's programs are installed but the server did not start: {str(exc)[:300]}"


def replica(db_url: str, folder: Path, name: str, rules: Path) -> Server:
    """A ``ripeness serve`` on ``db_url`` (not started), its log ``folder/name.log``."""
    return Server(db_url, folder / f"{name}.log", rules=str(rules))


def first_verdict(server: Server, timeout: float = 120.0, every: float = 0.01) -> tuple[float, float]:
    """Seconds until ``GET /sessions/baseline/verdict`` on ``server`` first answers 200,
    asked every ``every`` seconds (a refused connection costs far less than that), and the
    CPU seconds its process had spent by then (its own work, whatever the machine's load)."""
    started = time.perf_counter()
    deadline = started + timeout
    with httpx.Client(timeout=60) as http:
        while time.perf_counter() < deadline:
            if server.process is not None and server.process.poll() is not None:
                raise RuntimeError(f"the replica exited with {server.process.returncode}: {server.stderr()[-500:]}")
            try:
                if http.get(f"{server.url}/sessions/baseline/verdict").status_code == 200:
                    assert server.process is not None
                    return time.perf_counter() - started, cpu_seconds(server.process.pid)
            except httpx.TransportError:
                pass
            time.sleep(every)
    raise RuntimeError(f"no verdict from {server.url} within {timeout:.0f} s")


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system CPU seconds of a process (all its threads); ``children``: also of its
    children that ended and were waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return ticks / TICK


def postgres_pids(port: int) -> list[int]:
    """The PostgreSQL server listening on ``port`` of this machine (its postmaster, first)
    and its processes (connections, writers), or [] when it is not a process here."""
    postmaster = None
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if args and args[0].endswith(b"postgres") and b"-p" in args and str(port).encode() in args:
            postmaster = int(entry.name)
    if postmaster is None:
        return []
    return [postmaster] + [pid for pid, parent in parents.items() if parent == postmaster]


class CpuMeter:
    """CPU seconds spent by the replicas, by PostgreSQL and by this process (the load
    generator) between ``start`` and ``stop``."""

    def __init__(self, replicas: list[Server], pg_port: int | None):
        self.replicas, self.pg_port = replicas, pg_port

    def _read(self) -> dict[str, float]:
        pg = postgres_pids(self.pg_port) if self.pg_port else []
        return {"replicas": sum(cpu_seconds(r.process.pid) for r in self.replicas if r.process is not None),
                "postgres": (cpu_seconds(pg[0], children=True) + sum(cpu_seconds(p) for p in pg[1:])) if pg else float("nan"),
                "loadgen": time.process_time()}

    def start(self) -> None:
        self._before = self._read()

    def stop(self) -> dict[str, float]:
        after = self._read()
        return {k: after[k] - self._before[k] for k in after}


def get(port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


async def _drive(ports: list[int], per_client: list[list[bytes]], seconds: float) -> Load:
    load = Load()
    start = time.perf_counter()
    await asyncio.gather(*(client(ports[i % len(ports)], raws, start + seconds, load) for i, raws in enumerate(per_client)))
    load.seconds = time.perf_counter() - start
    return load


def drive(ports: list[int], per_client: list[list[bytes]], seconds: float) -> Load:
    """Client ``i`` keeps one connection to ``ports[i % len(ports)]`` and sends its requests
    (raw HTTP/1.1, each as soon as the last was answered) for at most ``seconds``."""
    return asyncio.run(_drive(ports, per_client, seconds))


def posts(port: int, path: str, bodies: list[bytes]) -> list[bytes]:
    return [request(port, path, body) for body in bodies]
