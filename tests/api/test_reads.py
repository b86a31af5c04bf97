"""Reads that analyse within the server's time budget, and the list of sessions: pages of
it, and the number of what-ifs one caller may have."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from api.access import parse_tokens
from engine.sessions import BASELINE, Sessions
from tests.api.conftest import TOKENS, client_for, problem_of

ANNA, OMAR = "analyst-token-000001", "analyst-token-000002"

STRIKES = 2000  # with as many swings of enrichment, a timeline over them takes seconds


def strikes(sessions: Sessions, count: int = STRIKES) -> None:
    """``count`` strikes, six hours apart, the two sides in turn (tit-for-tat all along), and
    between them Iran's enrichment back within the limits and out of them again: each swing
    a change of the timeline, with a verdict citing the strikes' chains."""
    start = dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc)
    sides = [("IRN", "USA"), ("USA", "IRN")]
    sessions.record(BASELINE, [(f"[{i}]", fact) for i, fact in enumerate([
        {"at": start.isoformat(), "actor": "IRN", "subject": "stockpile_kg_u", "value": 100, "source": "test"},
        *({"at": (start + dt.timedelta(hours=6 * i)).isoformat(), "actor": sides[i % 2][0], "target": sides[i % 2][1],
           "subject": "strike", "value": "drone", "source": "test"} for i in range(count)),
        *({"at": (start + dt.timedelta(hours=6 * i + 3)).isoformat(), "actor": "IRN", "subject": "enrichment_pct",
           "value": [3.67, 60][i % 2], "source": "test"} for i in range(count))])])


def settled(client) -> dict:
    """The analysis counts once no analysis runs any more."""
    for _ in range(2000):
        counts = client.get("/health").json()["analyses"]
        if counts["running"] == 0:
            return counts
        time.sleep(0.05)
    raise AssertionError(f"an analysis still runs: {counts}")


def test_an_analysis_past_the_time_budget_is_a_503_with_retry_after_and_really_stops(sessions):
    strikes(sessions)
    with client_for(sessions, analysis_budget=0.2) as client:
        reply = client.get("/sessions/baseline/timeline")
        body = problem_of(reply, 503)
        assert body["type"] == "/problems/analysis-budget-exceeded" and "budget" in body["detail"]
        assert int(reply.headers["Retry-After"]) >= 1
        counts = settled(client)
        assert counts["timed_out"] == 1 and counts["answered"] == 0, counts  # it stopped, it did not run to its end
        # the session is still whole: a write and a verdict answer as usual
        assert client.post("/sessions/baseline/facts", json={"at": "2023-01-01", "actor": "IRN", "subject": "enrichment_pct",
                                                             "value": 60}).status_code == 201
    with client_for(sessions) as client:  # the default budget: plenty for a verdict
        assert client.get("/sessions/baseline/verdict").json()["escalation"] is False


def test_the_list_of_sessions_comes_in_pages_linked_by_a_next_cursor(sessions, client):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert client.post("/sessions", json={"name": name}).status_code == 201
    assert client.post("/sessions", json={"name": "a6", "parent": "a1"}).status_code == 201
    seen, url = [], "/sessions?limit=2"
    while url:
        reply = client.get(url)
        assert reply.status_code == 200 and len(reply.json()) <= 2
        seen += reply.json()
        link = reply.headers.get("Link")
        url = link[1:link.index(">")] if link else None
        if len(seen) == 2:
            assert client.delete("/sessions/a2").status_code == 204  # the cursor names a2: it still leads on
            assert client.delete("/sessions/a1").status_code == 204  # a6's parent, gone
    assert [s["name"] for s in seen] == ["baseline", "a1", "a3", "a4", "a5", "a6"]
    assert seen[-1]["parent"] == "a1"
    assert [s["name"] for s in client.get("/sessions").json()] == ["baseline", "a3", "a4", "a5", "a6"]
    assert "Link" not in client.get("/sessions").headers
    problem_of(client.get("/sessions", params={"limit": 0}), 422)
    problem_of(client.get("/sessions", params={"after": "a3"}), 422)


def test_an_analyst_may_have_only_so_many_what_ifs(sessions):
    sessions.max_whatifs = 2
    client = client_for(sessions, parse_tokens(TOKENS, "test tokens"))
    anna, omar = ({"Authorization": f"Bearer {token}"} for token in (ANNA, OMAR))
    for name in ("w1", "w2"):
        assert client.post("/sessions", json={"name": name}, headers=anna).status_code == 201
    body = problem_of(client.post("/sessions", json={"name": "w3"}, headers=anna), 409)
    assert body["type"] == "/problems/too-many-whatifs" and "anna" in body["detail"] and "2" in body["detail"]
    assert client.post("/sessions", json={"name": "o1"}, headers=omar).status_code == 201  # a limit per analyst
    assert client.delete("/sessions/w1", headers=anna).status_code == 204
    assert client.post("/sessions", json={"name": "w3"}, headers=anna).status_code == 201
    assert [s["name"] for s in client.get("/sessions", headers=anna).json()] == ["baseline", "w2", "o1", "w3"]


def test_serve_takes_the_what_if_limit_and_the_time_budget_and_refuses_wrong_ones(db_url):
    from fastapi.testclient import TestClient

    from ripeness.service import ServeError, build_app

    db = db_url
    for wrong in ({"max_whatifs": -1}, {"analysis_budget": 0}, {"analysis_budget": -5}):
        with pytest.raises(ServeError, match="--max-whatifs|--analysis-budget"):
            build_app("jcpoa", db, None, "127.0.0.1", False, **wrong)
    app, _ = build_app("jcpoa", db, None, "127.0.0.1", False, max_whatifs=1, analysis_budget=30)
    with TestClient(app) as client:
        assert client.post("/sessions", json={"name": "one"}).status_code == 201
        assert problem_of(client.post("/sessions", json={"name": "two"}), 409)["type"] == "/problems/too-many-whatifs"
        assert client.get("/sessions/one/verdict").status_code == 200
