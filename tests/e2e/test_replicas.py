"""Three ``ripeness serve`` replicas on one PostgreSQL log, eight clients writing round-robin
across them, one replica SIGKILLed in the middle of the stream and restarted: nothing
acknowledged is lost or stored twice, and every replica converges to the same facts and
byte-identical verdicts for every session.  Skipped, saying why, where no PostgreSQL can be
started (``tests/backends.py``)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.store import open_store
from tests.e2e.server import Server, all_facts, ok

REPLICAS = 3
CLIENTS = 8
REQUESTS_PER_CLIENT = 12
KILL_AFTER = 30  # requests acknowledged before replica 1 is killed
SESSIONS = ["baseline", "oil", "talks"]
# the facts' dates end a day ago, so that the strikes are live in the verdict of the present,
# which each replica works out from its memory: one that missed a fact would answer another
START = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
AS_OF = [(START + dt.timedelta(days=d)).date().isoformat() for d in (0, 2, 3)]
CONVERGE_SECONDS = 5


def request_fact(client: int, n: int) -> dict[str, Any]:
    at = (START + dt.timedelta(hours=client * REQUESTS_PER_CLIENT + n)).isoformat()
    note = f"client {client} request {n}"
    if n % 3 == 0:
        body = {"actor": "IRN", "subject": "enrichment_pct", "value": [3.5, 3.67, 4.5, 20, 60, 2.5, 90, 3.6][client]}
    elif n % 3 == 1:
        # up and down: the verdict's trend reads the stockpile in force and the one before it
        body = {"actor": "IRN", "subject": "stockpile_kg_u", "value": [900, 2500, 1500, 3000][(client + n) % 4] + client}
    else:
        side = ("USA", "IRN") if (client + n) % 2 else ("IRN", "USA")  # tit for tat: each strike is in the verdict's chains
        body = {"actor": side[0], "subject": "strike", "target": side[1], "value": note}
    return {"at": at, **body, "source": f"client {client}", "note": note}


class Client(threading.Thread):
    """Posts its requests round-robin across the replicas, each with an Idempotency-Key; a
    request with no answer (a replica killed under it, or restarting) goes again, same key,
    to the next replica."""

    def __init__(self, number: int, replicas: list[Server], acknowledged: Counter):
        super().__init__(daemon=True)
        self.number, self.replicas, self.acknowledged = number, replicas, acknowledged
        self.ids: dict[str, list[str]] = {}  # note -> ids acknowledged
        self.sessions: dict[str, str] = {}  # note -> session
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with httpx.Client(timeout=30) as http:
                for n in range(REQUESTS_PER_CLIENT):
                    fact = request_fact(self.number, n)
                    session = SESSIONS[(self.number + n) % len(SESSIONS)]
                    self.sessions[fact["note"]] = session
                    self.ids[fact["note"]] = self.post(http, n, session, fact)
                    self.acknowledged["n"] += 1
        except BaseException as exc:  # noqa: BLE001  # reported by the test
            self.error = exc

    def post(self, http: httpx.Client, n: int, session: str, fact: dict[str, Any]) -> list[str]:
        key = f"c{self.number}-r{n}"
        deadline = time.monotonic() + 60
        attempt = 0
        while time.monotonic() < deadline:
            replica = self.replicas[(self.number + n + attempt) % len(self.replicas)]
            attempt += 1
            try:
                reply = http.post(f"{replica.url}/sessions/{session}/facts", json=fact, headers={"Idempotency-Key": key},
                                  params={"verdict_then": "false"})
            except httpx.TransportError:
                continue  # that replica is down: the next one
            if reply.status_code == 503:
                time.sleep(0.05)
                continue
            assert reply.status_code == 201, f"{key} on {replica.url}: {reply.status_code} {reply.text}"
            return reply.json()["ids"]
        raise AssertionError(f"{key} was never acknowledged")


@pytest.fixture
def replicas(tmp_path: Path, postgres_server) -> list[Server]:
    url = postgres_server.fresh_url()
    servers = [Server(url, tmp_path / f"replica{i}.log") for i in range(REPLICAS)]
    starting = [threading.Thread(target=s.start) for s in servers]  # all at once: they race to make the tables
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join(120)
    yield servers
    for server in servers:
        server.stop()
    postgres_server.drop(url)


def converged(replicas: list[Server]) -> dict[str, list[dict[str, Any]]] | None:
    """Every session's facts, if every replica lists the same sessions and facts (else None)."""
    with httpx.Client(timeout=30) as http:
        lists = [ok(http.get(f"{r.url}/sessions")) for r in replicas]
    if any(found != lists[0] for found in lists):
        return None
    facts = {}
    for session in [s["name"] for s in lists[0]]:
        seen = []
        for replica in replicas:
            with replica.client() as http:
                seen.append(all_facts(http, session))
        if any(found != seen[0] for found in seen):
            return None
        facts[session] = seen[0]
    return facts


def test_three_replicas_one_killed_lose_nothing_double_nothing_and_converge(replicas):
    first, killed, _ = replicas
    with first.client() as http:
        for name in SESSIONS[1:]:
            ok(http.post("/sessions", json={"name": name, "as_of": (START - dt.timedelta(days=1)).isoformat()}), 201)
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline and converged(replicas) is None:  # what-ifs appear on every replica within 1 s
        time.sleep(0.05)
    assert converged(replicas) is not None, "the what-ifs did not appear on every replica within 1 s"

    acknowledged: Counter = Counter()
    clients = [Client(n, replicas, acknowledged) for n in range(CLIENTS)]
    for client in clients:
        client.start()
    while acknowledged["n"] < KILL_AFTER and any(c.is_alive() for c in clients):
        time.sleep(0.01)
    killed.kill()  # SIGKILL, mid-stream
    restart = threading.Thread(target=killed.start)  # and back, on the same port and log, while the others serve
    restart.start()
    for client in clients:
        client.join(120)
        assert client.error is None, client.error
    restart.join(120)
    assert killed.process is not None and killed.process.poll() is None, killed.stderr()
    assert acknowledged["n"] == CLIENTS * REQUESTS_PER_CLIENT

    deadline, facts = time.monotonic() + CONVERGE_SECONDS, None
    while time.monotonic() < deadline and (facts := converged(replicas)) is None:
        time.sleep(0.1)
    assert facts is not None, f"the replicas did not converge within {CONVERGE_SECONDS} s"

    # nothing acknowledged lost, nothing doubled: each request's fact once, in its session, with the ids answered
    stored = Counter(f["note"] for name in SESSIONS for f in facts[name] if f["source"].startswith("client "))
    assert all(count == 1 for count in stored.values()), [note for note, count in stored.items() if count > 1]
    for client in clients:
        for note, ids in client.ids.items():
            assert [f["id"] for f in facts[client.sessions[note]] if f["note"] == note] == ids
    assert sum(stored.values()) == CLIENTS * REQUESTS_PER_CLIENT
    every = [f["id"] for name in SESSIONS for f in facts[name] if f["source"].startswith("client ")]
    assert len(every) == len(set(every))

    # byte-identical verdicts on every replica: as of past dates, and now (its instant aside) from memory
    with httpx.Client(timeout=60) as http:
        for name in SESSIONS:
            for as_of in AS_OF:
                replies = {http.get(f"{r.url}/sessions/{name}/verdict", params={"as_of": as_of}).content for r in replicas}
                assert len(replies) == 1, f"{name} as of {as_of}: the replicas differ"
            now = [ok(http.get(f"{r.url}/sessions/{name}/verdict")) for r in replicas]
            assert all({**v, "as_of": None} == {**now[0], "as_of": None} for v in now), f"{name} now: the replicas differ"
            timelines = {http.get(f"{r.url}/sessions/{name}/timeline").content for r in replicas}
            assert len(timelines) == 1, f"{name}: the replicas' timelines differ"


def test_a_second_server_on_one_sqlite_log_refuses_to_start_and_says_why(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    held = open_store(url, "jcpoa")  # this process writes the log
    try:
        with pytest.raises(AssertionError, match="exited with 1") as refused:
            Server(url, tmp_path / "second.log").start()
        assert f"is open in process {os.getpid()}" in str(refused.value)
        assert "written by one process at a time" in str(refused.value) and "PostgreSQL" in str(refused.value)
    finally:
        held.close()
