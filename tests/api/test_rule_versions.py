"""The fact log records which version of the rule files each fact was checked against; a
start with changed rule files that no longer accept a recorded fact is refused, naming it."""

from __future__ import annotations

import shutil

import pytest

from engine.errors import RuleFileError
from ripeness.bootstrap import load_scenario, open_sessions
from tests.api.conftest import client_for
from tests.backends import BACKENDS
from tests.conftest import NOW

on_every_backend = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
SIXTY = {"at": "2021-05-01", "actor": "IRN", "subject": "enrichment_pct", "value": 60, "source": "test"}


def serve(folder, db_url):
    sessions = open_sessions(load_scenario(folder), db_url, NOW)
    return sessions, client_for(sessions)


@on_every_backend
def test_each_fact_records_the_rule_files_it_was_checked_against_and_a_bad_change_is_refused(tmp_path, db_url):
    folder = tmp_path / "jcpoa"
    shutil.copytree("rules/jcpoa", folder)
    sessions, client = serve(folder, db_url)
    try:
        rules = client.get("/rules").json()
        assert rules["version"] == 1 and len(rules["fingerprint"]) == 64
        [first] = client.post("/sessions/baseline/facts", json=SIXTY).json()["ids"]
    finally:
        sessions.close()

    subjects = folder / "subjects.yaml"
    original = subjects.read_text()
    subjects.write_text(original + "\n# a comment changes nothing the rules say\n")
    sessions, client = serve(folder, db_url)
    try:
        assert client.get("/rules").json()["version"] == 1, "the same rules, laid out otherwise, are the same version"
    finally:
        sessions.close()

    subjects.write_text(original.replace("description:", "description: (revised)", 1))
    sessions, client = serve(folder, db_url)
    try:
        assert client.get("/rules").json()["version"] == 2
        [second] = client.post("/sessions/baseline/facts", json={**SIXTY, "at": "2021-05-02"}).json()["ids"]
        listed = {f["id"]: f["rules_version"] for f in client.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"]}
        assert (listed[first], listed[second]) == (1, 2)
    finally:
        sessions.close()

    subjects.write_text(original.replace("max: 100", "max: 50", 1))  # no enrichment above 50 % any more
    with pytest.raises(RuleFileError) as caught:
        open_sessions(load_scenario(folder), db_url, NOW)
    named = {(p.where, p.field) for p in caught.value.problems}
    assert {(f"fact {first}", "value"), (f"fact {second}", "value")} <= named
    assert "no longer accept this recorded fact" in str(caught.value)

    subjects.write_text(original.replace("description:", "description: (revised)", 1))
    sessions, client = serve(folder, db_url)  # the refused rules left no version behind
    try:
        assert client.get("/rules").json()["version"] == 2
    finally:
        sessions.close()
