"""Large uploads to ``POST /sessions/{sid}/imports`` run as jobs: 202 at once with the job,
``GET .../imports/{id}`` shows how far the reading has gone, then the counts or the
problem.  Through TestClient (one event loop kept for the client's life, as a server has)
over a real SQLite log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.access import parse_tokens
from api.imports import BACKGROUND_FROM
from ripeness.bootstrap import Scenario, open_sessions
from tests.api.conftest import TOKENS, problem_of
from tests.conftest import NOW

DATA = Path(__file__).resolve().parent / "data"
EDITOR = {"Authorization": "Bearer editor-token-0000001"}
READER = {"Authorization": "Bearer reader-token-0000001"}


@pytest.fixture
def client(docks: Scenario, tmp_path: Path) -> Iterator[TestClient]:
    sessions = open_sessions(docks, f"sqlite:///{tmp_path / 'log.db'}", NOW)
    try:
        with TestClient(create_app(sessions, parse_tokens(TOKENS, "test tokens")), raise_server_exceptions=False) as client:
            yield client
    finally:
        sessions.close()


def post(client: TestClient, source: bytes, name: str = "acled.csv", **data) -> dict:
    files = {"source": (name, source), "mapping": ("acled.yaml", (DATA / "acled.yaml").read_bytes())}
    reply = client.post("/sessions/baseline/imports", files=files, data=data, headers=EDITOR)
    assert reply.status_code == 202, reply.text
    job = reply.json()
    assert reply.headers["Location"] == f"/sessions/baseline/imports/{job['id']}"
    assert job["state"] in ("running", "done", "failed") and job["bytes_total"] == len(source)
    return job


def finished(client: TestClient, job: dict) -> dict:
    for _ in range(400):  # at most 20 s
        reply = client.get(f"/sessions/baseline/imports/{job['id']}", headers=READER)
        assert reply.status_code == 200, reply.text
        if reply.json()["state"] != "running":
            return reply.json()
        time.sleep(0.05)
    raise AssertionError(f"the import job {job['id']} did not finish: {reply.json()}")


def facts(client: TestClient) -> list[dict]:
    return client.get("/sessions/baseline/facts", headers=READER).json()["facts"]


def test_a_job_reads_its_source_then_shows_its_counts(client):
    source = (DATA / "acled.csv").read_bytes()
    done = finished(client, post(client, source, background="true"))
    assert done["state"] == "done" and done["bytes_read"] == done["bytes_total"] == len(source)
    assert done["lines_read"] == len(source.splitlines())
    assert (done["stored"], done["skipped"], done["result"]["stored"], done["result"]["rows"]) == (6, 0, 6, 8)
    assert done["finished_at"] >= done["started_at"]
    assert sorted(f["id"] for f in facts(client)) == sorted(done["result"]["ids"])


def test_a_failing_job_shows_the_problem_a_small_upload_gets_and_stores_nothing(client):
    done = finished(client, post(client, (DATA / "acled_bad.csv").read_bytes(), "acled_bad.csv", background="true"))
    assert done["state"] == "failed" and done["result"] is None
    assert done["problem"]["type"] == "/problems/invalid-rows" and done["problem"]["status"] == 422
    assert any("acled_bad.csv:3" in e["detail"] and "event_date" in e["detail"] for e in done["problem"]["errors"])
    assert facts(client) == []


def test_a_source_of_a_mebibyte_or_more_is_a_job_without_asking(client):
    header, *rows = (DATA / "acled.csv").read_text(encoding="utf-8").splitlines()
    old = [r.replace("2024-", "2023-", 1).replace("2024,", "2023,", 1) for r in rows if r.split(",")[1].startswith("2024-")]
    lines, n = [header], 0
    while sum(len(line) + 1 for line in lines) < BACKGROUND_FROM:  # rows of 2023: outside the mapping's dates
        n += 1
        lines.append(f"OLD{n}," + old[n % len(old)].split(",", 1)[1])
    source = ("\n".join(lines) + "\n").encode()
    done = finished(client, post(client, source))
    assert done["state"] == "done" and done["result"]["outside_range"] == n and done["stored"] == 0
    small = client.post("/sessions/baseline/imports", headers=EDITOR, files={
        "source": ("acled.csv", (DATA / "acled.csv").read_bytes()), "mapping": ("acled.yaml", (DATA / "acled.yaml").read_bytes())})
    assert small.status_code == 201  # a small one is answered at once, as before


def test_an_unknown_job_is_a_404_and_a_job_is_its_sessions_only(client):
    body = problem_of(client.get("/sessions/baseline/imports/i999", headers=READER), 404)
    assert body["type"] == "/problems/unknown-import" and "i999" in body["detail"]
    job = finished(client, post(client, (DATA / "acled.csv").read_bytes(), background="true"))
    assert client.post("/sessions", json={"name": "other"}, headers=EDITOR).status_code == 201
    problem_of(client.get(f"/sessions/other/imports/{job['id']}", headers=READER), 404)
    problem_of(client.get(f"/sessions/nowhere/imports/{job['id']}", headers=READER), 404)
