"""A long analysis on a real server: writes go through meanwhile, and a client that goes
away stops it.  Only the order of events is asserted, never how long anything took."""

from __future__ import annotations

import datetime as dt
import select
import socket
import time

import httpx

from tests.e2e.server import ok

STRIKES = 2000  # with as many swings of enrichment, a timeline over them takes seconds


def analyses(client: httpx.Client) -> dict:
    return ok(client.get("/health"))["analyses"]


def until(client: httpx.Client, done, what: str) -> dict:
    for _ in range(1200):
        counts = analyses(client)
        if done(counts):
            return counts
        time.sleep(0.05)
    raise AssertionError(f"never {what}: {counts}")


def test_a_write_goes_through_while_a_timeline_runs_and_a_client_that_leaves_stops_it(serve):
    server = serve()
    start = dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc)
    sides = [("IRN", "USA"), ("USA", "IRN")]
    with server.client() as client:
        ok(client.post("/sessions/baseline/facts", json=[  # strikes, tit-for-tat, and enrichment in and out of the limits between them
            {"at": start.isoformat(), "actor": "IRN", "subject": "stockpile_kg_u", "value": 100, "source": "test"},
            *({"at": (start + dt.timedelta(hours=6 * i)).isoformat(), "actor": sides[i % 2][0], "target": sides[i % 2][1],
               "subject": "strike", "value": "drone", "source": "test"} for i in range(STRIKES)),
            *({"at": (start + dt.timedelta(hours=6 * i + 3)).isoformat(), "actor": "IRN", "subject": "enrichment_pct",
               "value": [3.67, 60][i % 2], "source": "test"} for i in range(STRIKES))]), 201)
        timeline = socket.create_connection(("127.0.0.1", server.port))
        try:
            timeline.sendall(f"GET /sessions/baseline/timeline HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
            until(client, lambda counts: counts["running"] == 1, "started the timeline")
            fact = {"at": "2023-01-01", "actor": "IRN", "subject": "enrichment_pct", "value": 60, "source": "test"}
            recorded = ok(client.post("/sessions/baseline/facts", json=fact), 201)
            assert not select.select([timeline], [], [], 0)[0], "the write was answered only after the timeline"
            assert analyses(client)["running"] == 1
            assert ok(client.get("/sessions/baseline/facts", params={"after": f"f{int(recorded['ids'][0][1:]) - 1}"}))["facts"][0]["value"] == 60
        finally:
            timeline.close()  # the client goes away
        counts = until(client, lambda counts: counts["running"] == 0, "stopped the timeline")
        assert counts["abandoned"] == 1 and counts["answered"] == 0, counts  # stopped, not run to its end
