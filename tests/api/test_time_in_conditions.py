"""Time in conditions through HTTP: the verdict's ``deadlines``, the timeline's ``lapsed``,
an unmet comparison of two subjects and an unmet trend with the facts they cite, and a
what-if, as JSON; the fields are in the OpenAPI schema."""

from __future__ import annotations

import pytest

from ripeness.bootstrap import load_scenario, open_sessions
from tests.api.conftest import client_for
from tests.conftest import NOW
from tests.unit import test_lapses, test_subject_pairs, test_trends


@pytest.fixture
def client_of(tmp_path):
    opened = []

    def open_(rules: str, facts: list[dict]):
        folder = tmp_path / f"s{len(opened)}"
        folder.mkdir()
        (folder / "rules.yaml").write_text(rules, encoding="utf-8")
        sessions = open_sessions(load_scenario(folder), f"sqlite:///{folder / 'log.db'}", NOW)
        opened.append(sessions)
        client = client_for(sessions)
        assert client.post("/sessions/baseline/facts", json=facts).status_code == 201
        return client

    yield open_
    for sessions in opened:
        sessions.close()


def test_deadlines_and_lapses_as_json(client_of):
    client = client_of(test_lapses.RULES, test_lapses.FACTS)
    verdict = client.get("/sessions/baseline/verdict", params={"as_of": "2024-02-01"}).json()
    assert [(d["kind"], d["id"], d["on"], d["days_left"], d["then"]) for d in verdict["deadlines"]] == [
        ("offer", "a_interim", "2024-04-09", 68, "A no longer offers A.allow"),
        ("position", "b_access_first", "2024-12-31", 334, "B no longer withholds B.relieve")]
    entries = {e["at"][:10]: e for e in client.get("/sessions/baseline/timeline").json()}
    assert [x["id"] for x in entries["2024-04-09"]["lapsed"]] == ["a_interim"] and entries["2024-04-09"]["causes"] == []
    assert client.post("/sessions", json={"name": "renewed", "as_of": "2024-03-01"}).status_code == 201
    renewal = {"at": "2024-04-01", "subject": "understanding", "value": "signed", "source": "renewal"}
    assert client.post("/sessions/renewed/facts", json=renewal).status_code == 201
    renewed = client.get("/sessions/renewed/verdict", params={"as_of": "2024-04-20"}).json()
    assert renewed["status"] == "opening" and renewed["deadlines"][0]["on"] == "2024-06-30"


def test_two_subjects_and_a_trend_cite_their_facts_as_json(client_of):
    pairs = client_of(test_subject_pairs.RULES, test_subject_pairs.FACTS)
    verdict = pairs.get("/sessions/baseline/verdict", params={"as_of": "2024-02-01"}).json()
    unmet = [u for c in verdict["cycles"] for s in c["steps"] for u in s["unmet"] if u["test"] == "A.stockpile ≤ B.cap"]
    assert unmet and (unmet[0]["fact"]["value"], unmet[0]["other"]["value"]) == (300, 200)
    trends = client_of(test_trends.RULES, test_trends.FACTS)
    grown = trends.get("/sessions/baseline/verdict", params={"as_of": "2024-02-15"}).json()
    [unmet] = grown["refusals"][0]["unmet"]
    assert (unmet["fact"]["value"], unmet["previous"]["value"]) == (20, 10)


def test_the_new_fields_are_in_the_openapi_schema(client_of):
    schemas = client_of(test_trends.RULES, test_trends.FACTS).get("/openapi.json").json()["components"]["schemas"]
    assert {"deadlines"} <= schemas["Verdict"]["properties"].keys()
    assert {"other", "previous"} <= schemas["Unmet"]["properties"].keys()
    assert {"lapsed"} <= schemas["TimelineEntry"]["properties"].keys()
    assert {"kind", "id", "on", "days_left", "what", "then"} <= schemas["Deadline"]["properties"].keys()
