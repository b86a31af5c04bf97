"""Positions and offers stated and ended through ``POST .../facts`` (``engine.statements``):
kept in the log, honoured by verdicts, as-of verdicts and what-ifs, after a restart too."""

from __future__ import annotations

import pytest

from tests.api.conftest import client_for, problem_of
from tests.backends import BACKENDS

on_every_backend = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)

DROPS_PRECONDITION = {"at": "2021-03-15", "ends": "irn_no_talks_without_relief", "source": "a what-if",
                      "quote": "Iran would talk before relief."}
NEW_DEMAND = {"at": "2021-03-20", "source": "a press conference", "states": {"position": {
    "id": "irn_compensation_first", "actor": "IRN", "withholds": "IRN.join_talks",
    "until": {"subject": "USA.oil_sanctions", "eq": "lifted"},
    "quote": "Compensation first.", "source": "a press conference"}}}


def stated_ids(verdict: dict) -> list[str]:
    return sorted(p["id"] for p in verdict["positions_in_force"])


@on_every_backend
def test_a_what_if_drops_a_real_demand_and_states_a_new_one_and_a_restart_keeps_both(open_service):
    client = client_for(open_service())
    assert client.post("/sessions", json={"name": "no_precondition"}).status_code == 201
    base_before = client.get("/sessions/baseline/verdict", params={"as_of": "2021-03-25"}).json()
    reply = client.post("/sessions/no_precondition/facts", json=[DROPS_PRECONDITION, NEW_DEMAND])
    assert reply.status_code == 201, reply.text
    after = client.get("/sessions/no_precondition/verdict", params={"as_of": "2021-03-25"}).json()
    assert "irn_no_talks_without_relief" in stated_ids(base_before)
    assert "irn_no_talks_without_relief" not in stated_ids(after)
    assert "irn_compensation_first" in stated_ids(after)
    earlier = client.get("/sessions/no_precondition/verdict", params={"as_of": "2021-03-10"}).json()
    assert "irn_no_talks_without_relief" in stated_ids(earlier) and "irn_compensation_first" not in stated_ids(earlier)
    assert client.get("/sessions/baseline/verdict", params={"as_of": "2021-03-25"}).json() == base_before
    listed = client.get("/sessions/no_precondition/facts", params={"start": "2021-03-15"}).json()["facts"]
    assert [(f["kind"], f["subject"]) for f in listed if f["kind"] == "statement"] == [  # the bundled end of 2 April first
        ("statement", "irn_no_informal_talks"), ("statement", "irn_no_talks_without_relief"), ("statement", "irn_compensation_first")]

    restarted = client_for(open_service(load_facts=False))
    again = restarted.get("/sessions/no_precondition/verdict", params={"as_of": "2021-03-25"}).json()
    assert again == after
    timeline = restarted.get("/sessions/no_precondition/timeline").json()
    entry = next(e for e in timeline if e["at"].startswith("2021-03-20"))
    assert [c["value"] for c in entry["causes"]] == ["states position irn_compensation_first"]


def test_a_statement_that_does_not_fit_the_rules_is_422_at_its_field_and_stores_nothing(client):
    wrong = {**NEW_DEMAND, "states": {"position": {**NEW_DEMAND["states"]["position"], "withholds": "IRN.join_talk"}}}
    before = client.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"]
    body = problem_of(client.post("/sessions/baseline/facts", json=[DROPS_PRECONDITION, wrong]), 422)
    pointers = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert list(pointers) == ["/1/states/position/withholds"], pointers
    assert "did you mean 'IRN.join_talks'" in pointers["/1/states/position/withholds"]
    assert client.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"] == before
    malformed = problem_of(client.post("/sessions/baseline/facts", json={"at": "2021-03-01", "states": {"position": {}}}), 422)
    assert any(e["pointer"].startswith("/states/position") for e in malformed["errors"]), malformed


def test_the_openapi_fact_body_documents_statements(client):
    schema = client.get("/openapi.json").json()
    fact = schema["components"]["schemas"]["FactInput"]
    assert {"states", "ends", "quote"} <= set(fact["properties"])
    assert {"required": ["at", "states"]} in fact["anyOf"] and {"required": ["at", "ends"]} in fact["anyOf"]


def test_statements_as_of_a_date_say_which_were_in_force_since_when_and_by_which_fact(client):
    assert client.post("/sessions", json={"name": "demand"}).status_code == 201
    ids = client.post("/sessions/demand/facts", json=[DROPS_PRECONDITION, NEW_DEMAND]).json()["ids"]
    then = {s["id"]: s for s in client.get("/sessions/demand/statements", params={"as_of": "2021-03-25"}).json()}
    assert then["irn_compensation_first"] | {"declaration": None} == {
        "kind": "position", "id": "irn_compensation_first", "actor": "IRN", "move": "IRN.join_talks", "in_force": True,
        "since": "2021-03-20", "until": None, "restates": None, "quote": "Compensation first.", "source": "a press conference",
        "stated_by": ids[1], "ended_by": [], "declaration": None}
    ended = then["irn_no_talks_without_relief"]
    assert (ended["in_force"], ended["since"], ended["until"], ended["stated_by"], ended["ended_by"]) == (
        False, "2021-02-28", "2021-03-15", "rule files", [ids[0]])
    before = {s["id"]: s for s in client.get("/sessions/demand/statements", params={"as_of": "2021-03-01"}).json()}
    assert before["irn_no_talks_without_relief"]["in_force"] and not before["irn_compensation_first"]["in_force"]
    assert client.get("/rules").json()["offers"], "the rule files' offers are listed with the rest"
    later = {s["id"]: s for s in client.get("/sessions/demand/statements", params={"as_of": "2021-04-03"}).json()}
    ended = later["irn_no_informal_talks"]  # ended by a fact of the bundled facts.yaml, in the parent baseline
    assert (ended["in_force"], ended["until"], ended["stated_by"]) == (False, "2021-04-02", "rule files")
    assert len(ended["ended_by"]) == 1 and later["irn_vienna_talks"]["in_force"]
    problem_of(client.get("/sessions/nope/statements"), 404)


def test_a_start_with_rule_files_that_no_longer_accept_a_recorded_statement_is_refused_naming_it(tmp_path, db_url):
    import shutil

    from engine.errors import RuleFileError
    from ripeness.bootstrap import load_scenario, open_sessions
    from tests.conftest import NOW

    folder = tmp_path / "jcpoa"
    shutil.copytree("rules/jcpoa", folder)
    sessions = open_sessions(load_scenario(folder), db_url, NOW)
    try:
        client = client_for(sessions)
        assert client.post("/sessions", json={"name": "demand"}).status_code == 201
        ids = client.post("/sessions/demand/facts", json=[NEW_DEMAND]).json()["ids"]
    finally:
        sessions.close()
    moves = folder / "moves.yaml"
    moves.write_text(moves.read_text().replace("join_talks", "enter_talks").replace("IRN.join_talks", "IRN.enter_talks"))
    (folder / "positions.yaml").write_text((folder / "positions.yaml").read_text().replace("IRN.join_talks", "IRN.enter_talks"))
    with pytest.raises(RuleFileError) as caught:
        open_sessions(load_scenario(folder), db_url, NOW)
    [problem] = caught.value.problems
    assert problem.where == f"session 'demand', fact {ids[0]}" and problem.field == "states.position.withholds"
    assert "unknown move 'IRN.join_talks'" in problem.message and "no longer accept" in problem.message


def test_the_facts_of_a_statement_are_found_by_its_id(client):
    assert client.post("/sessions", json={"name": "demand"}).status_code == 201
    ids = client.post("/sessions/demand/facts", json=[DROPS_PRECONDITION, NEW_DEMAND]).json()["ids"]
    found = client.get("/sessions/demand/facts", params={"subject": "irn_compensation_first"}).json()["facts"]
    assert [f["id"] for f in found] == [ids[1]]
    ended = client.get("/sessions/demand/facts", params={"subject": "irn_no_talks_without_relief"}).json()["facts"]
    assert [f["id"] for f in ended] == [ids[0]]
    problem_of(client.get("/sessions/baseline/facts", params={"subject": "irn_compensation_first"}), 422)  # stated in the what-if only
    assert client.get("/sessions/baseline/facts", params={"subject": "usa_maximum_pressure"}).json()["facts"] == []  # rule files only


def test_a_reported_statement_is_left_out_of_a_confirmed_verdict_and_named_in_another(client):
    assert client.post("/sessions", json={"name": "eased_word", "as_of": "2021-03-07"}).status_code == 201
    posted = client.post("/sessions/eased_word/facts", json={
        "at": "2021-03-08", "source": "one outlet", "confidence": "reported", "claimed_by": ["IRN"],
        "ends": "usa_no_relief_until_compliance", "states": {"offer": {"id": "usa_relief_now", "actor": "USA", "offers": "USA.grant_relief", "quote": "Relief first.",
                             "source": "one outlet"}}})
    assert posted.status_code == 201, posted.text
    [fid] = posted.json()["ids"]
    listed = client.get("/sessions/eased_word/facts", params={"subject": "usa_relief_now"}).json()["facts"]
    assert [(f["id"], f["confidence"], f["claimed_by"]) for f in listed] == [(fid, "reported", ["IRN"])]
    every = client.get("/sessions/eased_word/verdict", params={"as_of": "2021-03-09"}).json()
    sure = client.get("/sessions/eased_word/verdict", params={"as_of": "2021-03-09", "confidence": "confirmed"}).json()
    stance = {s["move"]: s for s in every["stances"]}
    sure_stance = {s["move"]: s for s in sure["stances"]}
    assert "usa_relief_now" in [e["id"] for e in stance["USA.grant_relief"].get("evidence", [])]
    assert "usa_relief_now" not in [e["id"] for e in sure_stance["USA.grant_relief"].get("evidence", [])]
    assert (every["status"], sure["status"]) == ("opening", "deadlock")
    assert [(f["id"], f["confidence"]) for f in every["rests_on_unconfirmed"]] == [(fid, "reported")]
    assert sure["rests_on_unconfirmed"] == []
