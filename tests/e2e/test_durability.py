"""A 2xx reply means the facts are on disk: a server killed with SIGKILL in the middle of a
stream of writes loses none of the facts it acknowledged, stores none twice, keeps each
batch whole or not at all, and after a restart on the same fact log answers the same
verdicts, keeps its what-if sessions, and answers a retried Idempotency-Key with the first
reply without storing anything again."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.e2e.server import Server, all_facts, ok

START = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
STEP = dt.timedelta(hours=6)
FORK = {"name": "w1", "as_of": "2021-03-07", "description": "made before the kill"}
FORK_AS_OF = "2021-03-07"
CHECKPOINT = 40  # requests acknowledged before the verdict and the fork are taken
KILL_AFTER = 150  # requests acknowledged before the SIGKILL
MAX_REQUESTS = 5000  # the stream runs until the kill; this only bounds it


def stream_fact(n: int, note: str) -> dict[str, Any]:
    """The n-th fact of the stream: states and tit-for-tat strikes, one every six hours."""
    at = (START + n * STEP).isoformat()
    kind = n % 5
    if kind == 0:
        body = {"actor": "IRN", "subject": "enrichment_pct", "value": [3.67, 4.5, 20, 60][n // 5 % 4]}
    elif kind == 1:
        body = {"actor": "USA", "subject": "strike", "target": "IRN", "value": f"US strike {n}"}
    elif kind == 2:
        body = {"actor": "IRN", "subject": "strike", "target": "USA", "value": f"Iranian strike {n}"}
    elif kind == 3:
        body = {"actor": "IRN", "subject": "stockpile_kg_u", "value": 150 + n}
    else:
        body = {"actor": "USA", "subject": "oil_sanctions", "value": ["in_force", "eased", "in_force", "lifted"][n // 5 % 4]}
    return {"at": at, **body, "source": "e2e stream", "note": note}


@dataclass
class Request:
    """One POST of the stream: a single fact or a batch, with or without a key."""

    number: int
    facts: list[dict[str, Any]]
    single: bool
    key: str | None
    status: int | None = None  # None: no reply (the server died under it)
    ids: list[str] = field(default_factory=list)

    @property
    def body(self) -> Any:
        return self.facts[0] if self.single else {"facts": self.facts}

    def headers(self) -> dict[str, str]:
        return {"Idempotency-Key": self.key} if self.key else {}

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def plan(seed: int = 7) -> list[Request]:
    rng, requests, n = random.Random(seed), [], 0
    for number in range(MAX_REQUESTS):
        # from the kill on, keyed batches: the one the server dies under is retried whole
        size = rng.randint(2, 8) if number >= KILL_AFTER or rng.random() < 0.5 else 1
        facts = [stream_fact(n + j, f"stream r{number} f{j}") for j in range(size)]
        n += size
        key = f"stream-{number}" if number >= KILL_AFTER or rng.random() < 0.6 else None
        requests.append(Request(number, facts, single=size == 1 and rng.random() < 0.7, key=key))
    return requests


class Writer(threading.Thread):
    """Posts the planned requests one after another until the server stops answering; at
    the checkpoint, takes a verdict as of the last acknowledged fact and forks ``w1``."""

    def __init__(self, server: Server, requests: list[Request]):
        super().__init__(daemon=True)
        self.server, self.requests = server, requests
        self.acknowledged = 0
        self.checkpoint: dict[str, Any] = {}
        self.checkpoint_taken = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        with self.server.client(timeout=10) as client:
            for request in self.requests:
                try:
                    reply = client.post("/sessions/baseline/facts", json=request.body, headers=request.headers())
                except httpx.TransportError:
                    return  # killed: this request has no reply
                request.status = reply.status_code
                if not request.acknowledged:
                    self.error = AssertionError(f"request {request.number} answered {reply.status_code}: {reply.text}")
                    return
                request.ids = reply.json()["ids"]
                self.acknowledged += 1
                if self.acknowledged == CHECKPOINT:
                    self.take_checkpoint(client, request.facts[-1]["at"])

    def take_checkpoint(self, client: httpx.Client, last_at: str) -> None:
        # Every fact up to last_at is acknowledged (one writer, sent in date order), so the
        # verdict as of then cannot change, whatever the kill leaves of later requests.
        try:
            self.checkpoint["as_of"] = last_at
            self.checkpoint["baseline"] = ok(client.get("/sessions/baseline/verdict", params={"as_of": last_at}))
            self.checkpoint["fork"] = ok(client.post("/sessions", json=FORK), 201)
            self.checkpoint["w1"] = ok(client.get("/sessions/w1/verdict", params={"as_of": FORK_AS_OF}))
            self.checkpoint["w1_facts"] = all_facts(client, "w1")
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc
        finally:
            self.checkpoint_taken.set()


def kill_mid_stream(server: Server, writer: Writer) -> None:
    deadline = time.monotonic() + 60
    while writer.acknowledged < KILL_AFTER and writer.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()
    writer.join(timeout=30)
    assert not writer.is_alive(), "the writer did not stop after the kill"
    if writer.error is not None:
        raise AssertionError(f"the stream failed before the kill:\n{server.stderr()}") from writer.error
    assert writer.acknowledged >= KILL_AFTER, f"only {writer.acknowledged} requests acknowledged before the deadline:\n{server.stderr()}"


def check_each_fact_once(facts: list[dict[str, Any]], requests: list[Request], bundled: list[dict[str, Any]]) -> None:
    ids = Counter(f["id"] for f in facts)
    assert [i for i, n in ids.items() if n > 1] == [], "an id appears twice"
    by_note = {}
    for fact in facts:
        if fact["source"] == "e2e stream":
            assert fact["note"] not in by_note, f"{fact['note']} stored twice"
            by_note[fact["note"]] = fact
    assert [f for f in facts if f["source"] != "e2e stream"] == bundled, "the bundled facts changed"
    sent_notes = {f["note"] for request in requests for f in request.facts}
    assert set(by_note) <= sent_notes, f"facts no request sent: {sorted(set(by_note) - sent_notes)[:5]}"
    for request in requests:
        stored = [by_note.get(f["note"]) for f in request.facts]
        if request.acknowledged:
            assert all(stored), f"request {request.number} was acknowledged, but facts of it are missing"
            assert [f["id"] for f in stored] == request.ids, f"request {request.number}: the ids differ from the reply"
            for sent, kept in zip(request.facts, stored):
                assert (kept["value"], kept["note"]) == (sent["value"], sent["note"])
        else:
            assert all(stored) or not any(stored), f"request {request.number} (no reply) was stored in part: {stored}"


# PostgreSQL with the bundled facts only: the case that does more, at half the time
@pytest.mark.parametrize(("load_facts", "db_url"), [(False, "sqlite"), (True, "sqlite"), (True, "postgresql")],
                         ids=["empty-sqlite", "bundled-facts-sqlite", "bundled-facts-postgresql"], indirect=["db_url"])
def test_a_killed_server_keeps_every_acknowledged_fact_once(serve, load_facts: bool) -> None:
    server = serve(load_facts=load_facts)
    with server.client() as client:
        bundled = all_facts(client, "baseline")
    assert (len(bundled) > 0) == load_facts
    requests = plan()
    writer = Writer(server, requests)
    writer.start()
    assert writer.checkpoint_taken.wait(60), f"the stream never reached the checkpoint:\n{server.stderr()}"
    kill_mid_stream(server, writer)
    in_flight = next(i for i, r in enumerate(requests) if r.status is None)  # killed under it, or just before
    sent = requests[:in_flight + 1]

    restarted = serve(load_facts=load_facts)
    with restarted.client() as client:
        facts = all_facts(client, "baseline")
        check_each_fact_once(facts, sent, bundled)
        assert ok(client.get("/sessions/baseline/verdict", params={"as_of": writer.checkpoint["as_of"]})) == writer.checkpoint["baseline"]
        assert ok(client.get("/sessions/w1")) == writer.checkpoint["fork"]
        assert ok(client.get("/sessions/w1/verdict", params={"as_of": FORK_AS_OF})) == writer.checkpoint["w1"]
        assert all_facts(client, "w1") == writer.checkpoint["w1_facts"]

        # every keyed request again, the unanswered one included: the first reply's ids,
        # and nothing stored twice
        for request in [r for r in sent if r.key]:
            reply = ok(client.post("/sessions/baseline/facts", json=request.body, headers=request.headers()), 201)
            if request.acknowledged:
                assert reply["ids"] == request.ids, f"request {request.number} retried: other ids"
            else:
                request.status, request.ids = 201, reply["ids"]
        check_each_fact_once(all_facts(client, "baseline"), sent, bundled)
        assert ok(client.get("/sessions/baseline/verdict", params={"as_of": writer.checkpoint["as_of"]})) == writer.checkpoint["baseline"]
