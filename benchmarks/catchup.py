"""10. Catch-up: a replica SIGKILLed and started again on a PostgreSQL log of F facts
(100,000 quick, 1,000,000 full, ``--catchup-facts``) is serving again: seconds from its start
to its first successful ``GET /sessions/baseline/verdict``.  Goal (issue 15): under 5 s at
1M facts.  Another replica keeps serving the whole time and records a few facts while the
killed one is down, so the one that comes back has a log that moved; its verdict is then
checked byte for byte against the other's.

A replica keeps nothing of its own: a restart is a fresh process reading the log (recent
state only, ``FactLog.load_recent``), so beside it a third, fresh replica's cold start on the
same log is timed the same way.  Baseline for both: the bare read of the log, every row of
its ``facts`` table fetched in order by psycopg (``pglog.read_all``), what any start that
replays the log would at least cost.  The log is written for set-up by ``pglog.prepare``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from benchmarks import cluster, generate
from benchmarks.common import Row, in_child

WORKLOAD = "10 catch-up"
MOVED = 20  # facts recorded on the other replica while the killed one is down


def run(cfg: Any, folder: Path) -> list[Row]:
    with cluster.postgresql() as (server, reason):
        if server is None:
            return [Row(WORKLOAD, "all", "restarted replica serving again", "s", None, None, higher_is_better=False, max_value=5.0,
                        note=f"PostgreSQL not available: {reason}")]
        rows = []
        for facts in cfg.catchup_facts:
            url = server.fresh_url()
            try:
                rows += _measure(cfg, folder / f"catchup-{facts}", url, facts)
            finally:
                server.drop(url)
        return rows


def _measure(cfg: Any, folder: Path, url: str, facts: int) -> list[Row]:
    folder.mkdir(parents=True, exist_ok=True)
    stream = dict(facts=facts, subjects=cfg.stream_subjects, events=max(1, facts * cfg.event_share_pct // 100), seed=cfg.seed)
    rules = folder / "rules"
    made = in_child("pglog:prepare", cfg.setup_timeout, url=url, scenario=cfg.scenario, stream=stream, rules_dir=str(rules))
    if not made.ok:
        raise RuntimeError(f"writing a PostgreSQL log of {facts:,} facts failed: {made.error}")
    log = made.value
    case = f"{log['facts']:,} facts in the PostgreSQL log"
    survivor, killed, fresh = (cluster.replica(url, folder, name, rules) for name in ("survivor", "killed", "fresh"))
    try:
        survivor.start()
        killed.start()
        first = [cluster.first_verdict(survivor)[0], cluster.first_verdict(killed)[0]]  # each has read the log once
        bare = in_child("pglog:read_all", cfg.timeout, url=url)
        killed.kill()
        moved = _record(survivor, cfg.scenario, log["last"], MOVED)
        meter = cluster.CpuMeter([], make_url(url).port)
        meter.start()
        killed.launch()
        restart, restart_cpu = cluster.first_verdict(killed)
        pg_cpu = meter.stop()["postgres"]
        same = _same_verdicts([survivor, killed], moved)
        fresh.launch()
        cold, cold_cpu = cluster.first_verdict(fresh)
    finally:
        for one in (survivor, killed, fresh):
            one.stop()
        shutil.rmtree(rules, ignore_errors=True)
    baseline = bare.value["seconds"] if bare.ok else None
    read = f"bare read of the log: {bare.value['rows']:,} rows" if bare.ok else f"bare read failed: {bare.error}"
    setup = (f"log written in {log['seconds']:.0f} s (COPY {log['copy_s']:.0f} s, then indexes and ANALYZE); "
             f"the two replicas' first verdict after their start {first[0]:.2f} / {first[1]:.2f} s")
    return [Row(WORKLOAD, case, "SIGKILL, start, first verdict GET answered", "s", restart, baseline,
                "bare read of the log (psycopg, every row in order)", higher_is_better=False, max_value=5.0,
                note=f"{MOVED} facts recorded on the other replica while it was down; {same}; {read}; {setup}"),
            Row(WORKLOAD, case, "CPU until then: the restarted process + PostgreSQL", "s", restart_cpu + (pg_cpu if pg_cpu == pg_cpu else 0),
                None, higher_is_better=False, max_value=5.0,
                note=f"the process {restart_cpu:.2f} s (Python's imports, the rule files, opening the log, reading its recent state, "
                     f"the verdict), PostgreSQL {pg_cpu:.2f} s (all its processes, the other replica's polling included): what the "
                     "restart takes with a core of its own, the wall time above being the machine's load as much as ripeness's"),
            Row(WORKLOAD, case, "fresh replica: start, first verdict GET answered", "s", cold, baseline,
                "bare read of the log (psycopg, every row in order)", higher_is_better=False,
                note=f"the process's CPU by then {cold_cpu:.2f} s; a third process on the same log, while the two others serve: "
                     "a replica keeps nothing of its own, so a restart is this")]


def _record(server: cluster.Server, scenario: dict[str, Any], last: str, count: int) -> list[str]:
    """``count`` facts on a numeric subject recorded through ``server``, one POST each, dated
    after the log's last fact; their ids."""
    scn = generate.scenario(generate.ScenarioSize(**{k: tuple(v) if k == "cycles" else v for k, v in scenario.items()}))
    subject = next(key for key in scn.state_subjects if scn.subjects[key]["type"] == "number")
    at = dt.datetime.fromisoformat(last)
    ids = []
    with server.client() as http:
        for k in range(count):
            body = {"at": (at + dt.timedelta(minutes=k + 1)).isoformat(), "subject": subject, "value": k % 50, "source": "catch-up"}
            reply = http.post("/sessions/baseline/facts", json=body, params={"verdict_then": "false"})
            if reply.status_code != 201:
                raise RuntimeError(f"recording a fact on the surviving replica answered {reply.status_code}: {reply.text[:300]}")
            ids += reply.json()["ids"]
    return ids


def _same_verdicts(servers: list[cluster.Server], moved: list[str]) -> str:
    """Whether the replicas answer byte-identical verdicts as of the last moved fact, and
    each lists that fact (a few words for the row's note)."""
    with httpx.Client(timeout=60) as http:
        facts = [http.get(f"{s.url}/sessions/baseline/facts", params={"after": moved[-2], "limit": 5}).json() for s in servers]
        seen = all([f["id"] for f in found["facts"]] == [moved[-1]] for found in facts)
        last = facts[0]["facts"][0]["at"] if seen else None
        verdicts = {http.get(f"{s.url}/sessions/baseline/verdict", params={"as_of": last}).content for s in servers} if last else set()
    if seen and len(verdicts) == 1:
        return "then both listed the last of them and answered byte-identical verdicts as of its date"
    return "**the replicas differed**: " + json.dumps({"last fact listed by both": seen, "distinct verdicts": len(verdicts)})
