"""Counted events through the API: one fact standing for many acts (``count``), spread over a
period (``since`` to ``at``), stored, listed, cited, and added up by escalation by intensity
now, as of a date, in the timeline and in a what-if; every malformed one a 422 at its field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ripeness.bootstrap import load_scenario, open_sessions
from tests.api.conftest import client_for, problem_of
from tests.conftest import NOW

STRIKE = Path(__file__).resolve().parents[2] / "rules" / "strike"
# 180 walkouts over the 90 days before 2024-06-30: 28 in any 14 days of the period
QUARTER = {"at": "2024-06-30", "since": "2024-04-01", "count": 180, "actor": "UNI", "subject": "walkout",
           "value": "walkouts and pickets at the gates", "source": "union bulletin, July 2024"}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """The strike scenario (``intensity: 20``: twenty walkouts within its 14-day window)."""
    sessions = open_sessions(load_scenario(STRIKE), db_url, NOW)
    yield client_for(sessions)
    sessions.close()


def verdict(client: TestClient, as_of: str, session: str = "baseline") -> dict:
    reply = client.get(f"/sessions/{session}/verdict", params={"as_of": as_of})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_a_counted_event_is_stored_listed_and_cited_with_its_count(client):
    reply = client.post("/sessions/baseline/facts", json=QUARTER)
    assert reply.status_code == 201, reply.text
    [listed] = client.get("/sessions/baseline/facts").json()["facts"]
    assert listed["count"] == 180 and listed["since"].startswith("2024-04-01") and listed["at"].startswith("2024-06-30")
    then = verdict(client, "2024-06-30")
    assert then["escalation"] is True
    [chain] = then["escalation_chains"]
    cited = {e["id"]: e for e in then["escalation_events"]}
    assert [(cited[i]["count"], cited[i]["since"][:10]) for i in chain["events"]] == [(180, "2024-04-01")]
    assert "standing for 180 acts" in " ".join(then["summary"])
    # dated at the end of its period: a verdict during the period does not see it yet
    assert verdict(client, "2024-06-29")["escalation"] is False
    # 14 days (and a second) after its date, no act is left within the window
    assert verdict(client, "2024-07-14")["escalation"] is True
    assert verdict(client, "2024-07-15")["escalation"] is False
    timeline = client.get("/sessions/baseline/timeline").json()
    changes = [(e["at"][:19], e["escalation"]) for e in timeline]
    assert ("2024-06-30T00:00:00", True) in changes and ("2024-07-14T00:00:01", False) in changes


def test_too_few_acts_inside_the_window_are_no_escalation_and_one_more_fact_makes_it(client):
    thin = {**QUARTER, "count": 60}  # 60 over 90 days: about 9 in any 14
    assert client.post("/sessions/baseline/facts", json=thin).status_code == 201
    assert verdict(client, "2024-06-30")["escalation"] is False
    more = {"at": "2024-07-02", "count": 12, "actor": "UNI", "subject": "walkout", "value": "blockade, twelve gates"}
    assert client.post("/sessions/baseline/facts", json=more).status_code == 201
    # window 2024-06-18 to 07-02: 12 of the 90 days' 60 (8) and 12 more: 20
    on = verdict(client, "2024-07-02")
    cited = {e["id"]: e for e in on["escalation_events"]}
    assert on["escalation"] is True and [cited[i]["count"] for i in on["escalation_chains"][0]["events"]] == [60, 12]


def test_a_what_if_with_a_smaller_count_is_not_escalating_where_its_parent_is(client):
    assert client.post("/sessions", json={"name": "fewer", "as_of": "2024-06-01"}).status_code == 201
    assert client.post("/sessions/baseline/facts", json=QUARTER).status_code == 201
    assert client.post("/sessions/fewer/facts", json={**QUARTER, "count": 30}).status_code == 201
    assert verdict(client, "2024-06-30")["escalation"] is True
    assert verdict(client, "2024-06-30", "fewer")["escalation"] is False
    # a correction of the count is a new fact that withdraws the old one
    [old] = client.get("/sessions/fewer/facts").json()["facts"]
    assert client.post("/sessions/fewer/facts", json={**QUARTER, "withdraws": old["id"]}).status_code == 201
    assert verdict(client, "2024-06-30", "fewer")["escalation"] is True


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"count": 0}, "count", "greater than or equal to 1"),
    ({"count": 1_000_001}, "count", "less than or equal to 1000000"),
    ({"count": 2.5}, "count", "valid integer"),
    ({"count": "many"}, "count", "valid integer"),
    ({"count": True}, "count", "valid integer"),
    ({"since": "2024-07-01"}, "since", "not before 'at'"),
    ({"since": "2024-06-30"}, "since", "not before 'at'"),
    ({"since": "April"}, "since", "ISO 8601"),
    ({"count": None}, "since", "give its 'count' too"),
    ({"subject": "on_strike", "value": True}, "count", "is for counted events; UNI.on_strike is a state subject"),
])
def test_a_malformed_counted_event_is_422_at_its_field_and_stores_nothing(client, change, field, words):
    good = {"at": "2024-01-01", "actor": "UNI", "subject": "walkout", "value": "one walkout"}
    body = problem_of(client.post("/sessions/baseline/facts", json={"facts": [good, {**QUARTER, **change}]}), 422)
    details = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert f"/facts/1/{field}" in details and words in details[f"/facts/1/{field}"], details
    assert client.get("/sessions/baseline/facts").json()["facts"] == []


def test_a_withdrawal_alone_carries_no_count(client):
    assert client.post("/sessions/baseline/facts", json=QUARTER).status_code == 201
    body = problem_of(client.post("/sessions/baseline/facts", json={"withdraws": "f1", "count": 3}), 422)
    assert "a withdrawal alone carries only" in body["errors"][0]["detail"]


def test_openapi_documents_count_and_since(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    fact = schema["FactInput"]["properties"]
    assert "acts" in str(fact["count"]) and fact["since"]["anyOf"][0]["format"] == "date"
    assert {"count", "since"} <= set(schema["FactOut"]["properties"])


def test_openapi_documents_chains_naming_their_events_by_id(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    chain = schema["EscalationChain"]["properties"]
    assert chain["events"]["items"] == {"type": "string"} and "ids of the verdict's escalation_events" in chain["events"]["description"]
    assert {"first_at", "last_at"} <= set(schema["EscalationChain"]["required"])
    assert schema["Stalemate"]["properties"]["escalation"]["items"] == {"type": "string"}
    assert "cited once" in schema["Verdict"]["properties"]["escalation_events"]["description"]
