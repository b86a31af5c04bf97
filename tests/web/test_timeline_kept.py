"""The timeline view keeps the session's timeline until what it rests on changes: the
session's facts (a fact or a withdrawal), a time at which the verdict can change passing
(a fact dated in the future coming due), the session deleted and made again."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import web
from api import create_app
from api.access import parse_tokens
from engine.clock import FixedClock
from ripeness.bootstrap import Scenario, load_bundled_facts, open_sessions
from tests.api.conftest import TOKENS

EDITOR, ANALYST = "editor-token-0000001", "analyst-token-000001"
NOW = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)


@pytest.fixture
def served(jcpoa: Scenario, db_url: str) -> Iterator[tuple[TestClient, FixedClock]]:
    clock = FixedClock(NOW)
    sessions = open_sessions(jcpoa, db_url, clock)
    load_bundled_facts(sessions, jcpoa)
    app = create_app(sessions, parse_tokens(TOKENS, "test tokens"))
    web.install(app)
    yield TestClient(app, headers={"Authorization": f"Bearer {EDITOR}"}), clock
    sessions.close()


def analyses(client: TestClient) -> int:
    """How many analyses the server worked out (``GET /health``)."""
    return client.get("/health").json()["analyses"]["answered"]


def entry_dates(html: str) -> list[str]:
    return re.findall(r'<li class="entry" data-at="([^"]+)"', html)


def test_a_second_view_of_an_unchanged_session_works_nothing_out_again(served):
    client, _ = served
    before = analyses(client)
    first = client.get("/web/timeline")
    assert analyses(client) == before + 1
    second = client.get("/web/timeline")
    assert analyses(client) == before + 1  # kept
    assert second.text == first.text and entry_dates(first.text)
    assert second.text == client.get("/web/timeline").text


def test_a_fact_recorded_since_is_in_the_next_view(served):
    client, _ = served
    first = entry_dates(client.get("/web/timeline").text)
    reply = client.post("/sessions/baseline/facts", json={"at": "2022-03-01", "actor": "USA", "subject": "relief_policy",
                                                          "value": "compliance_for_compliance"})
    assert reply.status_code == 201
    counted = analyses(client)
    after = entry_dates(client.get("/web/timeline").text)
    assert analyses(client) == counted + 1 and "2022-03-01" in after and "2022-03-01" not in first
    withdrawn = client.post("/sessions/baseline/facts", json={"withdraws": reply.json()["ids"][0]})
    assert withdrawn.status_code == 201
    assert entry_dates(client.get("/web/timeline").text) == first  # the withdrawal too


def test_a_fact_dated_after_now_comes_in_when_its_day_comes(served):
    client, clock = served
    reply = client.post("/sessions/baseline/facts", json={"at": "2026-12-10", "actor": "USA", "subject": "relief_policy",
                                                          "value": "compliance_for_compliance"})
    assert reply.status_code == 201 and reply.json()["warnings"]
    assert "2026-12-10" not in entry_dates(client.get("/web/timeline").text)
    clock.at = dt.datetime(2026, 12, 9, tzinfo=dt.timezone.utc)
    counted = analyses(client)
    assert "2026-12-10" not in entry_dates(client.get("/web/timeline").text)
    assert analyses(client) == counted  # nothing can change before its day: kept
    clock.at = dt.datetime(2026, 12, 11, tzinfo=dt.timezone.utc)
    assert "2026-12-10" in entry_dates(client.get("/web/timeline").text)


def test_a_whatif_deleted_and_made_again_under_its_name_is_worked_out_afresh(served):
    client, _ = served
    assert client.post("/sessions", json={"name": "relief", "as_of": "2021-03-07"}).status_code == 201
    client.post("/sessions/relief/facts", json={"at": "2021-03-08", "actor": "USA", "subject": "relief_policy",
                                               "value": "compliance_for_compliance"})
    with_relief = entry_dates(client.get("/web/timeline", params={"session": "relief"}).text)
    assert "2021-03-08" in with_relief
    assert client.delete("/sessions/relief").status_code == 204
    assert client.post("/sessions", json={"name": "relief", "as_of": "2021-03-07"}).status_code == 201
    assert "2021-03-08" not in entry_dates(client.get("/web/timeline", params={"session": "relief"}).text)
