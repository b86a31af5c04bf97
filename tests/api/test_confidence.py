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
