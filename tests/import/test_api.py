"""``POST /sessions/{sid}/imports`` through TestClient over a real SQLite log: uploads,
counts, re-imports, the session's write rules and problem+json for every bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.access import parse_tokens
from ripeness.bootstrap import Scenario, open_sessions
from tests.api.conftest import TOKENS, problem_of
from tests.conftest import NOW

DATA = Path(__file__).resolve().parent / "data"
EDITOR = {"Authorization": "Bearer editor-token-0000001"}
ANALYST = {"Authorization": "Bearer analyst-token-000001"}
READER = {"Authorization": "Bearer reader-token-0000001"}


@pytest.fixture
def client(docks: Scenario, tmp_path: Path) -> Iterator[TestClient]:
    sessions = open_sessions(docks, f"sqlite:///{tmp_path / 'log.db'}", NOW)
    try:
        yield TestClient(create_app(sessions, parse_tokens(TOKENS, "test tokens")), raise_server_exceptions=False)
    finally:
        sessions.close()


def upload(client: TestClient, source: str, *, mapping: str | None = "acled.yaml", headers=EDITOR, sid: str = "baseline",
           deletions: str | None = None, **data):
    files = {"source": (source, (DATA / source).read_bytes())}
    if mapping is not None:
        files["mapping"] = (mapping, (DATA / mapping).read_bytes())
    if deletions is not None:
        files["deletions"] = (deletions, (DATA / deletions).read_bytes())
    return client.post(f"/sessions/{sid}/imports", files=files, data=data, headers=headers)


def facts_of(client: TestClient, sid: str = "baseline") -> list[dict]:
    reply = client.get(f"/sessions/{sid}/facts", params={"limit": 10_000}, headers=READER)
    assert reply.status_code == 200, reply.text
    return reply.json()["facts"]


def test_an_upload_is_imported_and_a_second_one_stores_nothing(client: TestClient) -> None:
    first = upload(client, "acled.csv")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["stored"], body["rows"], body["outside_range"], body["unmatched"], len(body["ids"])) == (6, 8, 1, 1, 6)
    again = upload(client, "acled.csv")
    assert again.status_code == 200, again.text
    assert (again.json()["stored"], again.json()["already_there"], again.json()["ids"]) == (0, 6, [])
    assert len(facts_of(client)) == 6
    verdict = client.get("/sessions/baseline/verdict", params={"as_of": "2024-03-07"}, headers=READER)
    assert verdict.status_code == 200


def test_revised_and_deleted_rows_become_corrections_and_withdrawals(client: TestClient) -> None:
    upload(client, "acled.csv")
    reply = upload(client, "acled_updated.csv", deletions="acled_deletions.csv")
    assert reply.status_code == 201, reply.text
    assert (reply.json()["corrected"], reply.json()["withdrawn"], reply.json()["already_there"]) == (2, 1, 3)
    withdrawn = {f["source"].split("]")[0] for f in facts_of(client) if f["withdrawn_by"]}
    assert withdrawn == {"[acled_docks:record:WST1", "[acled_docks:record:WST4", "[acled_docks:monthly:fatalities:2024-03"}


def test_a_mapping_of_the_scenario_can_be_named(client: TestClient) -> None:
    reply = upload(client, "plover.jsonl", mapping=None, mapping_name="plover", format="plover")
    assert reply.status_code == 201, reply.text
    assert reply.json()["mapping"] == "plover_docks"
    missing = upload(client, "plover.jsonl", mapping=None, mapping_name="nothing_here", format="plover")
    assert "no mapping 'nothing_here'" in problem_of(missing, 422)["errors"][0]["detail"]
    neither = upload(client, "plover.jsonl", mapping=None)
    assert "send a mapping" in problem_of(neither, 422)["detail"]


def test_bad_rows_are_a_422_naming_each_line_and_nothing_is_stored(client: TestClient) -> None:
    body = problem_of(upload(client, "acled_bad.csv"), 422)
    assert body["type"] == "/problems/invalid-rows"
    details = [e["detail"] for e in body["errors"]]
    assert any(d.startswith("source:acled_bad.csv:3: event_date: expected a date") for d in details), details
    assert {e["pointer"] for e in body["errors"]} >= {"/source/event_date", "/source/fatalities", "/source"}
    assert facts_of(client) == []
    skipped = upload(client, "acled_bad.csv", skip_bad="true")
    assert skipped.status_code == 201, skipped.text
    # WST1 and WST7, and the fatalities of March and April (0 each: the riot row is bad)
    assert (skipped.json()["bad_rows"], skipped.json()["stored"]) == (5, 4)


def test_a_bad_mapping_is_a_422_with_its_line(client: TestClient, tmp_path: Path) -> None:
    files = {"source": ("acled.csv", (DATA / "acled.csv").read_bytes()),
             "mapping": ("m.yaml", b"import: {id: m, format: acled}\nrules:\n  - subject: walkotu\n")}
    body = problem_of(client.post("/sessions/baseline/imports", files=files, headers=EDITOR), 422)
    assert body["type"] == "/problems/invalid-mapping"
    assert body["errors"][0]["detail"].startswith("mapping:m.yaml:3: rules.0.subject: unknown subject 'walkotu'")
    files["mapping"] = ("m.yaml", b"import: {id: m\xff}\n")
    assert "not UTF-8 text" in problem_of(client.post("/sessions/baseline/imports", files=files, headers=EDITOR), 422)["errors"][0]["detail"]
    wrong_format = upload(client, "acled.csv", format="gdelt")
    assert "this mapping is for acled data" in problem_of(wrong_format, 422)["errors"][0]["detail"]
    assert problem_of(upload(client, "acled.csv", format="csv"), 422)["type"] == "/problems/invalid-request"


def test_imports_follow_the_sessions_write_rules(client: TestClient) -> None:
    assert problem_of(upload(client, "acled.csv", headers=READER), 403)["type"] == "/problems/forbidden"
    assert problem_of(upload(client, "acled.csv", headers=ANALYST), 403)["type"] == "/problems/forbidden"
    assert problem_of(upload(client, "acled.csv", headers={}), 401)["type"] == "/problems/unauthorized"
    assert problem_of(upload(client, "acled.csv", sid="nowhere"), 404)["type"] == "/problems/unknown-session"
    made = client.post("/sessions", json={"name": "annas_line"}, headers=ANALYST)
    assert made.status_code == 201, made.text
    mine = upload(client, "acled.csv", headers=ANALYST, sid="annas_line")
    assert mine.status_code == 201, mine.text
    assert facts_of(client) == [] and len(facts_of(client, "annas_line")) == 6
