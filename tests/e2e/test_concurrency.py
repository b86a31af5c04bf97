"""Many clients writing at once to one server: each fact is stored exactly once, each
client's facts keep the order it sent them in, and the verdict the server holds in memory
is the verdict of replaying the log one fact after another in recording order.

The facts of different clients collide on purpose: the i-th fact of every client has the
same time and subject, with a value of its own, so which one is in force is decided by
recording order alone (a later record wins a tie), and a server that applied facts in
another order than it numbered them would answer a different verdict."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from engine.clock import FixedClock
from engine.verdict import Verdict
from ripeness.bootstrap import Scenario, open_sessions
from tests.e2e.server import Server, all_facts, ok

CLIENTS = 8
FACTS_PER_CLIENT = 500
START = dt.datetime(2021, 6, 1, tzinfo=dt.timezone.utc)
THEN_ASKED = 25  # replies of client 0 that give the verdict as of the fact's date


def client_fact(client: int, i: int) -> dict[str, Any]:
    at = (START + dt.timedelta(hours=i)).isoformat()
    note = f"client {client} fact {i}"
    kind = i % 4
    if kind == 0:
        body = {"actor": "IRN", "subject": "enrichment_pct", "value": [3.5, 3.67, 4.5, 20, 60, 2.5, 90, 3.6][client]}
    elif kind == 1:
        side = [("USA", "IRN"), ("IRN", "USA"), ("MIL", "USA")][client % 3]
        body = {"actor": side[0], "subject": "strike", "target": side[1], "value": note}
    elif kind == 2:
        body = {"actor": "USA", "subject": "oil_sanctions", "value": ["in_force", "eased", "lifted"][client % 3]}
    else:
        body = {"subject": "talks", "value": ["none", "indirect", "direct"][(client + i) % 3]}
    return {"at": at, **body, "source": f"client {client}", "note": note}


class Client(threading.Thread):
    def __init__(self, server: Server, number: int, start: threading.Barrier):
        super().__init__(daemon=True)
        self.server, self.number, self.barrier = server, number, start
        self.ids: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.server.client() as http:
                self.barrier.wait(timeout=30)
                for i in range(FACTS_PER_CLIENT):
                    # a verdict as of a date among hundreds of strikes costs a long analysis: only the
                    # first facts of client 0 ask for it (written in groups with the others' that do not)
                    asks = self.number == 0 and i < THEN_ASKED
                    params = {} if asks else {"verdict_then": "false"}
                    reply = http.post("/sessions/baseline/facts", json=client_fact(self.number, i), params=params)
                    assert reply.status_code == 201, f"client {self.number} fact {i}: {reply.status_code} {reply.text}"
                    then = reply.json()["verdict_then"]
                    assert (then is not None) == asks, f"client {self.number} fact {i}: verdict_then {then!r}"
                    at = dt.datetime.fromisoformat(client_fact(self.number, i)["at"])
                    assert then is None or dt.datetime.fromisoformat(then["as_of"]) == at, f"client {self.number} fact {i}"
                    self.ids += reply.json()["ids"]
        except BaseException as exc:
            self.error = exc


def seq(fact_id: str) -> int:
    return int(fact_id[1:])


def replayed_verdicts(jcpoa: Scenario, db_url: str, facts: list[dict[str, Any]], times: list[dt.datetime]) -> list[dict[str, Any]]:
    """The verdicts as of ``times`` of a fresh line that records ``facts`` in this order,
    in-process on a new fact log (one call: recorded and applied one after another)."""
    sessions = open_sessions(jcpoa, db_url, FixedClock(times[0]))
    try:
        fields = ("at", "actor", "subject", "value", "target", "source", "note")
        items = [(f"replay[{i}]", {k: f[k] for k in fields if f.get(k) is not None}) for i, f in enumerate(facts)]
        recorded = sessions.record("baseline", items)
        assert recorded.ids == [f["id"] for f in facts], "the replay numbered the facts differently"
        return [sessions.verdict("baseline", t).model_dump(mode="json") for t in times]
    finally:
        sessions.close()


def test_concurrent_writers_store_each_fact_once_in_a_replayable_order(serve, jcpoa: Scenario, tmp_path) -> None:
    server = serve()
    barrier = threading.Barrier(CLIENTS)
    clients = [Client(server, c, barrier) for c in range(CLIENTS)]
    began = time.monotonic()
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=300)
    elapsed = time.monotonic() - began
    errors = [c.error for c in clients if c.error is not None or c.is_alive()]
    assert not errors, f"{errors[0]!r}\n{server.stderr()}"
    print(f"{CLIENTS * FACTS_PER_CLIENT} single-fact POSTs from {CLIENTS} clients in {elapsed:.1f} s")

    with server.client() as http:
        facts = all_facts(http, "baseline", page=1000)
        now = ok(http.get("/sessions/baseline/verdict"))
        last = (START + dt.timedelta(hours=FACTS_PER_CLIENT - 1)).isoformat()
        middle = (START + dt.timedelta(hours=FACTS_PER_CLIENT // 2, minutes=30)).isoformat()
        as_of = {t: ok(http.get("/sessions/baseline/verdict", params={"as_of": t})) for t in (last, middle)}

    # each fact exactly once, under the id its client was given
    assert len(facts) == CLIENTS * FACTS_PER_CLIENT
    assert len({f["id"] for f in facts}) == len(facts), "an id appears twice"
    notes = [f["note"] for f in facts]
    assert sorted(notes) == sorted(f"client {c} fact {i}" for c in range(CLIENTS) for i in range(FACTS_PER_CLIENT))
    stored_id = {f["note"]: f["id"] for f in facts}
    for client in clients:
        assert client.ids == [stored_id[f"client {client.number} fact {i}"] for i in range(FACTS_PER_CLIENT)]
        # sent one after another, so recorded one after another
        assert [seq(i) for i in client.ids] == sorted(seq(i) for i in client.ids), f"client {client.number}'s facts out of order"
    assert [seq(f["id"]) for f in facts] == list(range(1, len(facts) + 1)), "the log's ids have gaps or are out of order"

    # the verdicts equal those of a sequential replay in recording order: now (from the
    # server's memory, as the writes left it) and as of two past times (from the log)
    now_at = Verdict.model_validate(now).as_of
    times = [now_at, *(dt.datetime.fromisoformat(t) for t in as_of)]
    expected = replayed_verdicts(jcpoa, f"sqlite:///{tmp_path / 'replay.db'}", facts, times)
    got = [Verdict.model_validate(v).model_dump(mode="json") for v in (now, *as_of.values())]
    assert got[1:] == expected[1:]
    assert got[0] == expected[0]
