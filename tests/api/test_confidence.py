"""How sure a fact is, through the API: recorded and listed, malformed input refused at its
field, and verdicts and timelines read with or without the less-than-confirmed facts."""

from __future__ import annotations

import pytest

from tests.api.conftest import fact, problem_of
from tests.backends import BACKENDS

on_every_backend = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)


@on_every_backend
def test_confidence_and_attribution_are_recorded_and_listed(client):
    posted = client.post("/sessions/baseline/facts", json=fact(
        at="2021-06-02", confidence="disputed", claimed_by=["USA"], denied_by=["IRN"]))
    assert posted.status_code == 201, posted.text
    listed = client.get("/sessions/baseline/facts", params={"subject": "IRN.enrichment_pct", "from": "2021-06-02"}).json()["facts"]
    assert [(f["confidence"], f["claimed_by"], f["denied_by"]) for f in listed] == [("disputed", ["USA"], ["IRN"])]
    plain = client.get("/sessions/baseline/facts", params={"limit": 1}).json()["facts"][0]
    assert (plain["confidence"], plain["claimed_by"], plain["denied_by"]) == ("confirmed", [], [])


def test_a_malformed_confidence_or_attribution_is_422_at_its_field_and_stores_nothing(client):
    before = len(client.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"])
    body = problem_of(client.post("/sessions/baseline/facts", json={"facts": [
        fact(confidence="sure"), fact(denied_by=["IRN"]), fact(confidence="disputed", claimed_by=["XX"]),
        fact(confidence="disputed", claimed_by=["USA"], denied_by=["USA"])]}), 422)
    pointers = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert set(pointers) == {"/facts/0/confidence", "/facts/1/confidence", "/facts/2/claimed_by/0", "/facts/3/denied_by"}
    assert "is disputed" in pointers["/facts/1/confidence"] and "unknown actor 'XX'" in pointers["/facts/2/claimed_by/0"]
    assert len(client.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"]) == before


def test_openapi_documents_confidence_and_attribution(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["FactInput"]["properties"]
    assert schema["confidence"]["enum"] == ["confirmed", "reported", "disputed"]
    assert schema["claimed_by"]["type"] == schema["denied_by"]["type"] == "array"


EASED = {"at": "2021-03-08", "actor": "USA", "subject": "oil_sanctions", "value": "eased", "source": "a leak",
         "confidence": "reported", "claimed_by": ["IRN"]}


def test_a_whatif_verdict_rests_on_its_reported_fact_and_can_be_read_without_it(client):
    assert client.post("/sessions", json={"name": "oil_eased", "as_of": "2021-03-07"}).status_code == 201
    posted = client.post("/sessions/oil_eased/facts", json=EASED)
    assert posted.status_code == 201, posted.text
    [fid] = posted.json()["ids"]
    assert [f["id"] for f in posted.json()["verdict_then"]["rests_on_unconfirmed"]] == [fid]
    verdict = client.get("/sessions/oil_eased/verdict", params={"as_of": "2021-03-09"}).json()
    assert verdict["status"] == "opening" and verdict["admits"] == "disputed"
    assert [(f["id"], f["confidence"], f["claimed_by"]) for f in verdict["rests_on_unconfirmed"]] == [(fid, "reported", ["IRN"])]
    sure = client.get("/sessions/oil_eased/verdict", params={"as_of": "2021-03-09", "confidence": "confirmed"}).json()
    assert (sure["status"], sure["admits"], sure["rests_on_unconfirmed"]) == ("deadlock", "confirmed", [])
    assert client.get("/sessions/oil_eased/verdict", params={"as_of": "2021-03-09", "confidence": "reported"}).json()["status"] == "opening"
    compared = client.get("/sessions/baseline/compare/oil_eased", params={"as_of": "2021-03-09", "confidence": "confirmed"}).json()
    assert compared["b"]["status"] == compared["a"]["status"] == "deadlock"
    baseline = client.get("/sessions/baseline/verdict", params={"as_of": "2021-03-09"}).json()
    assert baseline["status"] == "deadlock" and baseline["rests_on_unconfirmed"] == []


def test_the_timeline_marks_a_change_resting_on_a_reported_fact_and_leaves_it_out_on_request(client):
    client.post("/sessions", json={"name": "oil_eased", "as_of": "2021-03-07"})
    [fid] = client.post("/sessions/oil_eased/facts", json=EASED).json()["ids"]
    entries = {e["at"][:10]: e for e in client.get("/sessions/oil_eased/timeline").json()}
    assert [f["id"] for f in entries["2021-03-08"]["rests_on_unconfirmed"]] == [fid]
    assert any(c.startswith("rests on facts not confirmed") for c in entries["2021-03-08"]["changes"])
    sure = client.get("/sessions/oil_eased/timeline", params={"confidence": "confirmed"}).json()
    assert "2021-03-08" not in {e["at"][:10] for e in sure}


@pytest.mark.parametrize("path", ["/sessions/baseline/verdict", "/sessions/baseline/timeline", "/sessions/baseline/compare/baseline"])
def test_an_unknown_confidence_level_is_422_naming_the_query_parameter(client, path):
    body = problem_of(client.get(path, params={"confidence": "sure"}), 422)
    assert body["errors"][0]["pointer"].endswith("confidence") and "'confirmed', 'reported' or 'disputed'" in body["errors"][0]["detail"]
