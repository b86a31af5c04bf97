"""2. API ingest: single-fact POSTs through uvicorn on loopback with 1, 8 and 32 concurrent
clients, and one POST of a 10,000-fact batch, beside a bare FastAPI endpoint run the same
way that validates the same body and inserts the same row (see ``benchmarks.servers``).

Both servers start on an empty SQLite log in a temporary folder; each gets the same bodies
(facts of one generated stream, in order).  A ripeness reply is committed *and* carries the
verdict after the fact: by default two verdicts, now and as of the fact's date
(``verdict_then``; the stream's facts are dated years before the server's clock, so the two
differ and each is worked out), and measured again with ``?verdict_then=false`` (the verdict
now only, what a bulk load asks for); the bare reply carries the new id.

With PostgreSQL (``Config.api_postgres``: ``auto``, the default, finds a server as the tests
do, ``tests/backends.py``: ``RIPENESS_TEST_POSTGRES_URL``, else a throwaway server started
from PostgreSQL's programs for the run, with fsync off; or a server's URL; or ``off``), the
single-fact POSTs are measured again with both servers on a fresh database of that server
each: ripeness's log, and the bare endpoint inserting the same row.
"""

from __future__ import annotations

import itertools
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import generate, loadgen
from benchmarks.common import ROOT, Row, percentile

PATH = "/sessions/baseline/facts"
BARE_SQLITE = "bare FastAPI + SQLite, a commit per request"
BARE_POSTGRES = "bare FastAPI + PostgreSQL, a commit per request"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(kind: str, folder: Path, rules: Path, db: str):
    port = _free_port()
    log = open(folder / f"{kind}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.servers", kind, "--port", str(port), "--db", db, "--rules", str(rules)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the {kind} server exited: {(folder / f'{kind}.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the {kind} server did not listen within 120 s") from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _measure(kind: str, folder: Path, rules: Path, singles: list[bytes], batch: bytes, cfg: Any, path: str = PATH,
             db: str | None = None) -> dict[str, Any]:
    """``db``: an empty database's URL (None: a SQLite file in ``folder``, made empty)."""
    result: dict[str, Any] = {"levels": {}, "batch": []}
    feed = iter(singles)
    if db is None:
        for suffix in (".db", ".db-wal", ".db-shm"):  # each measurement starts on an empty log
            (folder / f"{kind}{suffix}").unlink(missing_ok=True)
        db = f"sqlite:///{folder / f'{kind}.db'}"
    with server(kind, folder, rules, db) as port:
        warm = loadgen.drive(port, path, list(itertools.islice(feed, cfg.api_warmup)), 1, 60)
        if warm.errors:
            raise RuntimeError(f"{kind}: {warm.errors[0]}")
        for clients in cfg.api_clients:
            bodies = list(itertools.islice(feed, cfg.api_requests))
            load = loadgen.drive(port, path, bodies, clients, cfg.api_seconds)
            result["levels"][clients] = {"throughput": load.throughput, "p50": percentile(load.latencies, 50) * 1000,
                                         "p99": percentile(load.latencies, 99) * 1000, "count": len(load.latencies),
                                         "errors": load.errors[:3]}
        for _ in range(cfg.api_batch_repeats):
            status, reply, seconds = loadgen.post_once(port, path, batch)
            if status != 201:
                raise RuntimeError(f"{kind}: batch POST answered {status}: {reply[:300]!r}")
            result["batch"].append(seconds)
    return result


def run(cfg: Any) -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="ripeness-bench-api-"))
    try:
        return _run(cfg, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _inputs(cfg: Any, folder: Path) -> tuple[Path, list[bytes], bytes]:
    """The scenario's rule folder, the single-fact bodies and the batch body."""
    scn = generate.scenario(generate.ScenarioSize(**{k: tuple(v) if k == "cycles" else v for k, v in cfg.scenario.items()}))
    rules = scn.write_rules(folder / "rules")
    total = cfg.api_warmup + cfg.api_requests * len(cfg.api_clients) + 10_000
    facts = list(generate.stream(scn, generate.StreamSize(facts=total, subjects=cfg.stream_subjects, events=total // 20, seed=cfg.seed)))
    return rules, [json.dumps(f).encode() for f in facts[:-10_000]], json.dumps({"facts": facts[-10_000:]}).encode()


def _run(cfg: Any, folder: Path) -> list[Row]:
    rules, singles, batch = _inputs(cfg, folder)
    rows = _sqlite(cfg, folder, rules, singles, batch)
    if getattr(cfg, "api_postgres", "off") != "off":
        rows += _postgres(cfg, folder, rules, singles, batch)
    return rows


def _sqlite(cfg: Any, folder: Path, rules: Path, singles: list[bytes], batch: bytes) -> list[Row]:
    measured: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for kind, label, path in (("bare", "bare", PATH), ("ripeness", "ripeness", PATH),
                              ("ripeness", "now only", PATH + "?verdict_then=false")):
        try:
            measured[label] = _measure(kind, folder, rules, singles, batch, cfg, path)
        except Exception as exc:  # a failed side is reported, not fatal to the run
            errors[label] = str(exc)[:300]
    if errors:
        return [Row("2 API ingest", "all", "single-fact POST/s", "req/s", None, None, BARE_SQLITE, min_ratio=0.7,
                    note="; ".join(f"{k}: {v}" for k, v in errors.items()))]
    rows = []
    r, b, n = measured["ripeness"], measured["bare"], measured["now only"]
    for clients in cfg.api_clients:
        lr, lb, ln = r["levels"][clients], b["levels"][clients], n["levels"][clients]
        note = f"{lr['count']} vs {lb['count']} requests in {cfg.api_seconds:g} s"
        if lr["errors"] or lb["errors"]:
            note += f"; errors: {lr['errors'] or lb['errors']}"
        case = f"{clients} client{'s' if clients > 1 else ''}"
        rows.append(Row("2 API ingest", case, "single-fact POST throughput (reply: verdict now and as of the fact's date)", "req/s",
                        lr["throughput"], lb["throughput"], BARE_SQLITE, min_ratio=0.7, note=note))
        rows.append(Row("2 API ingest", case, "single-fact POST throughput (?verdict_then=false: verdict now only)", "req/s",
                        ln["throughput"], lb["throughput"], BARE_SQLITE, min_ratio=0.7,
                        note=f"{ln['count']} vs {lb['count']} requests in {cfg.api_seconds:g} s"))
        rows.append(Row("2 API ingest", case, "p50 latency", "ms", lr["p50"], lb["p50"], BARE_SQLITE, higher_is_better=False))
        rows.append(Row("2 API ingest", case, "p99 latency", "ms", lr["p99"], lb["p99"], BARE_SQLITE, higher_is_better=False))
    best = min(r["batch"]), min(b["batch"])
    rows.append(Row("2 API ingest", "one POST of 10,000 facts", "batch facts/s", "facts/s", 10_000 / best[0], 10_000 / best[1],
                    BARE_SQLITE, note=f"best of {cfg.api_batch_repeats}: {best[0]:.2f} s vs {best[1]:.2f} s"))
    return rows


@contextmanager
def _postgres_server(where: str) -> Iterator[Any]:
    """The PostgreSQL server to measure on (``tests.backends.Postgres``): as the tests find
    one (``auto``), or the one at the URL given; raises ``tests.backends.Unavailable``."""
    from sqlalchemy.engine import make_url

    from tests.backends import Postgres, postgres

    if where == "auto":
        with postgres() as found:
            yield found
        return
    given = Postgres(make_url(where))
    try:
        yield given
    finally:
        given.close()


def _postgres(cfg: Any, folder: Path, rules: Path, singles: list[bytes], batch: bytes) -> list[Row]:
    """Single-fact POSTs and the batch with both servers on PostgreSQL, each on a fresh database."""
    import os

    from tests.backends import ENV, Unavailable

    where = cfg.api_postgres
    which = ("the server given" if where != "auto" else f"the server {ENV} names" if os.environ.get(ENV)
             else "a throwaway server started for the run (fsync off: the same for both)")
    measured: dict[str, dict[str, Any]] = {}
    try:
        with _postgres_server(where) as pg:
            for kind in ("bare", "ripeness"):
                url = pg.fresh_url()
                try:
                    measured[kind] = _measure(kind, folder, rules, singles, batch, cfg, PATH, url)
                except Exception as exc:  # a failed side is reported, not fatal to the run
                    return [Row("2 API ingest", "PostgreSQL", "single-fact POST/s", "req/s", None, None, BARE_POSTGRES, min_ratio=0.7,
                                note=f"{kind}: {str(exc)[:300]}")]
                finally:
                    pg.drop(url)
    except Unavailable as exc:
        return [Row("2 API ingest", "PostgreSQL", "single-fact POST/s", "req/s", None, None, BARE_POSTGRES, min_ratio=0.7,
                    note=f"not measured: {exc}")]
    rows = []
    r, b = measured["ripeness"], measured["bare"]
    for clients in cfg.api_clients:
        lr, lb = r["levels"][clients], b["levels"][clients]
        note = f"{lr['count']} vs {lb['count']} requests in {cfg.api_seconds:g} s; {which}"
        if lr["errors"] or lb["errors"]:
            note += f"; errors: {lr['errors'] or lb['errors']}"
        case = f"{clients} client{'s' if clients > 1 else ''}, PostgreSQL"
        rows.append(Row("2 API ingest", case, "single-fact POST throughput (reply: verdict now and as of the fact's date)", "req/s",
                        lr["throughput"], lb["throughput"], BARE_POSTGRES, min_ratio=0.7, note=note))
        rows.append(Row("2 API ingest", case, "p50 latency", "ms", lr["p50"], lb["p50"], BARE_POSTGRES, higher_is_better=False))
        rows.append(Row("2 API ingest", case, "p99 latency", "ms", lr["p99"], lb["p99"], BARE_POSTGRES, higher_is_better=False))
    best = min(r["batch"]), min(b["batch"])
    rows.append(Row("2 API ingest", "one POST of 10,000 facts, PostgreSQL", "batch facts/s", "facts/s", 10_000 / best[0], 10_000 / best[1],
                    BARE_POSTGRES, note=f"best of {cfg.api_batch_repeats}: {best[0]:.2f} s vs {best[1]:.2f} s"))
    return rows
