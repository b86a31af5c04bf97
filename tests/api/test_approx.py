"""Approximate dates through the API: recorded and listed on every backend, cited as "about"
in a verdict, malformed input refused at its field."""

from __future__ import annotations

import pytest

from tests.api.conftest import fact, problem_of
from tests.backends import BACKENDS

on_every_backend = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)


@on_every_backend
def test_an_approximate_date_is_recorded_and_listed(client):
    posted = client.post("/sessions/baseline/facts", json=fact(at="2021-06-02", approx=True))
    assert posted.status_code == 201, posted.text
    listed = client.get("/sessions/baseline/facts", params={"subject": "IRN.enrichment_pct", "from": "2021-06-02"}).json()["facts"]
    assert [(f["at"][:10], f["approx"]) for f in listed] == [("2021-06-02", True)]
    assert client.get("/sessions/baseline/facts", params={"limit": 1}).json()["facts"][0]["approx"] is False
    said = client.post("/sessions/baseline/facts", json={"at": "2021-06-03", "ends": "irn_no_talks_without_relief",
                                                         "approx": True, "source": "a later report"})
    assert said.status_code == 201, said.text
    [stated] = client.get("/sessions/baseline/facts", params={"from": "2021-06-03"}).json()["facts"]
    assert stated["approx"] is True


def test_a_verdict_cites_an_approximate_fact_as_about_its_date(client):
    assert client.post("/sessions/baseline/facts", json=fact(at="2021-06-02", value=63, approx=True)).status_code == 201
    verdict = client.get("/sessions/baseline/verdict", params={"as_of": "2021-06-03"}).json()
    cited = [u["fact"] for c in verdict["cycles"] for s in c["steps"] for u in s["unmet"]
             if u.get("fact") and u["fact"]["subject"] == "IRN.enrichment_pct"]
    assert cited and all(f["approx"] is True for f in cited)
    assert any("since about 2021-06-02" in line for line in verdict["summary"])


def test_a_malformed_approx_is_422_at_its_field_and_stores_nothing(client):
    before = len(client.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"])
    body = problem_of(client.post("/sessions/baseline/facts", json={"facts": [fact(approx="about"), fact(approx=1)]}), 422)
    assert {e["pointer"] for e in body["errors"]} == {"/facts/0/approx", "/facts/1/approx"}
    alone = problem_of(client.post("/sessions/baseline/facts", json={"withdraws": "f1", "approx": True}), 422)
    assert "withdrawal alone" in alone["detail"] or any("withdrawal alone" in e["detail"] for e in alone.get("errors", []))
    assert len(client.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"]) == before
