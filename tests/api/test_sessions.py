"""Sessions: baseline always there, what-if forks, compare, delete, restart, rules, health."""

from __future__ import annotations

from tests.api.conftest import client_for, problem_of

OIL_EASED = {"at": "2021-03-08", "actor": "USA", "subject": "oil_sanctions", "value": "eased", "source": "what-if"}


def fork(client, name: str, **body):
    response = client.post("/sessions", json={"name": name, **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_baseline_always_exists(client):
    assert [s["name"] for s in client.get("/sessions").json()] == ["baseline"]
    baseline = client.get("/sessions/baseline").json()
    assert baseline["parent"] is None and baseline["forked_at"] is None


def test_a_what_if_forked_as_of_a_date_with_oil_eased_compares_as_the_analyst_expects(client):
    created = fork(client, "oil_eased", as_of="2021-03-07", description="What if oil sanctions had been eased?")
    assert created["parent"] == "baseline" and created["forked_at"].startswith("2021-03-07")
    assert client.post("/sessions/oil_eased/facts", json=OIL_EASED).status_code == 201
    comparison = client.get("/sessions/baseline/compare/oil_eased").json()
    assert comparison["a"]["as_of"].startswith("2021-03-08") and comparison["b"]["as_of"] == comparison["a"]["as_of"]
    assert comparison["a"]["status"] == "deadlock" and comparison["b"]["status"] == "opening"
    differences = comparison["differences"]
    assert comparison["differs"] and differences["status"] == ["deadlock", "opening"]
    assert [sorted(c["moves"]) for c in differences["cycles_broken"]] == [["IRN.return_to_limits", "USA.grant_relief"]]
    assert differences["cycles_added"] == []
    assert any("deadlock in baseline, opening in oil_eased" in line for line in comparison["summary"])
    same = client.get("/sessions/baseline/compare/baseline").json()
    assert not same["differs"]


def test_a_fork_does_not_see_the_parents_later_facts(client):
    fork(client, "frozen", as_of="2021-03-07")
    client.post("/sessions/baseline/facts", json={"at": "2021-03-01", "actor": "IRN", "subject": "enrichment_pct", "value": 3.67})
    frozen = client.get("/sessions/frozen/facts", params={"subject": "IRN.enrichment_pct", "limit": 10000}).json()["facts"]
    baseline = client.get("/sessions/baseline/facts", params={"subject": "IRN.enrichment_pct", "limit": 10000}).json()["facts"]
    assert len(baseline) == len(frozen) + 1
    assert all(f["at"] <= "2021-03-07T00:00:00Z" for f in frozen)


def test_a_fork_of_a_fork_sees_both_lines(client):
    fork(client, "first", as_of="2021-03-07")
    client.post("/sessions/first/facts", json=OIL_EASED)
    fork(client, "second", parent="first")
    verdict = client.get("/sessions/second/verdict", params={"as_of": "2021-03-09"}).json()
    assert verdict["status"] == client.get("/sessions/first/verdict", params={"as_of": "2021-03-09"}).json()["status"] == "opening"


def test_session_names_and_parents_are_checked(client):
    fork(client, "taken")
    assert problem_of(client.post("/sessions", json={"name": "taken"}), 409)["type"] == "/problems/session-conflict"
    body = problem_of(client.post("/sessions", json={"name": "bad name!"}), 422)
    assert body["errors"][0]["pointer"] == "/body/name"
    body = problem_of(client.post("/sessions", json={"name": "x", "parent": "basline"}), 422)
    assert body["suggestion"] == "baseline"
    problem_of(client.post("/sessions", content=b"{", headers={"content-type": "application/json"}), 400)


def test_delete_a_what_if_but_never_baseline(client):
    fork(client, "scratch")
    assert client.delete("/sessions/scratch").status_code == 204
    problem_of(client.get("/sessions/scratch"), 404)
    problem_of(client.delete("/sessions/scratch"), 404)
    assert problem_of(client.delete("/sessions/baseline"), 409)["detail"].startswith("baseline is the live record")
    fork(client, "scratch")  # the name is free again


def test_after_a_restart_every_session_has_the_same_verdicts(open_service):
    first = open_service()
    client = client_for(first)
    fork(client, "oil_eased", as_of="2021-03-07")
    client.post("/sessions/oil_eased/facts", json=OIL_EASED)
    client.post("/sessions/baseline/facts", json={"at": "2021-04-11", "actor": "IRN", "subject": "enrichment_pct", "value": 60})
    before = {(s, d): client.get(f"/sessions/{s}/verdict", params={"as_of": d}).json()
              for s in ("baseline", "oil_eased") for d in ("2021-03-07", "2021-03-09", "2026-11-23")}
    timeline = client.get("/sessions/baseline/timeline").json()
    first.close()

    again = client_for(open_service(load_facts=True))
    after = {(s, d): again.get(f"/sessions/{s}/verdict", params={"as_of": d}).json() for s, d in before}
    assert after == before
    assert again.get("/sessions/baseline/timeline").json() == timeline
    assert [s["name"] for s in again.get("/sessions").json()] == ["baseline", "oil_eased"]


def test_timeline_lists_each_transition(client):
    entries = client.get("/sessions/baseline/timeline").json()
    assert len(entries) >= 2
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert all(b["changes"] for b in entries[1:])  # each entry says what changed, even under the same status
    assert any(c["source"] for e in entries for c in e["causes"])


def test_a_timeline_entry_cites_its_verdict_by_its_time_and_full_gives_it_inline(client):
    """The default entries carry no verdict; each names every goal's status (and each main
    goal's ripeness); ``verdicts=full`` adds, to the same entries, the verdict as of each
    entry's time, the same JSON as ``GET .../verdict?as_of=AT``; another value is a 422."""
    entries = client.get("/sessions/baseline/timeline").json()
    assert entries and all("verdict" not in e for e in entries)
    assert all({g["id"] for g in e["goals"]} == {"deal_restored", "talks_held"} for e in entries)
    assert all(g["ripeness"] in ("ripe", "ripening", "not_ripe") if g["main"] else g["ripeness"] is None
               for e in entries for g in e["goals"])
    full = client.get("/sessions/baseline/timeline", params={"verdicts": "full"}).json()
    assert [{k: v for k, v in e.items() if k != "verdict"} for e in full] == entries
    for entry in full:
        assert client.get("/sessions/baseline/verdict", params={"as_of": entry["at"]}).json() == entry["verdict"]
        assert {g["id"]: g["status"] for g in entry["goals"]} == {g["id"]: g["status"] for g in entry["verdict"]["goals"]}
    wrong = client.get("/sessions/baseline/timeline", params={"verdicts": "all"})
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("application/problem+json")
    assert "verdicts" in wrong.text


def test_rules_health_and_docs(client):
    rules = client.get("/rules").json()
    assert rules["scenario"]["id"] == "jcpoa"
    assert {a["id"] for a in rules["actors"]} >= {"IRN", "USA"}
    assert all(p["quote"] and p["source"] for p in rules["positions"])
    health = client.get("/health").json()
    assert {k: health[k] for k in ("status", "scenario", "sessions")} == {"status": "ok", "scenario": "jcpoa", "sessions": 1}
    assert health["analyses"]["running"] == 0
    assert "/sessions/{sid}/facts" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200
    problem_of(client.get("/no/such/route"), 404)


def test_an_as_of_that_is_not_a_date_is_422(client):
    body = problem_of(client.get("/sessions/baseline/verdict", params={"as_of": "yesterday"}), 422)
    assert body["errors"][0]["pointer"] == "/query/as_of"


def test_a_what_if_body_is_bounded_and_checked_like_facts(client):
    big = client.post("/sessions", json={"name": "big", "description": "d" * 100_000})
    assert problem_of(big, 413)["type"] == "/problems/body-too-large"
    nul = problem_of(client.post("/sessions", json={"name": "nul", "description": "a\x00b"}), 422)
    assert nul["errors"][0]["pointer"] == "/body/description" and "NUL" in nul["errors"][0]["detail"]
    assert [s["name"] for s in client.get("/sessions").json()] == ["baseline"]


def test_a_wrong_name_or_date_says_in_words_what_is_allowed(client):
    body = problem_of(client.post("/sessions", json={"name": "oil eased"}), 422)
    [error] = body["errors"]
    assert error["pointer"] == "/body/name"
    assert error["detail"].startswith("a session name is a letter, then up to 63 letters, digits, '_' or '-' (no spaces), such as oil_eased")
    assert "(got 'oil eased')" in error["detail"]
    body = problem_of(client.post("/sessions", json={"name": "march", "as_of": "March 2021"}), 422)
    [error] = body["errors"]
    assert error["pointer"] == "/body/as_of" and "ISO 8601" in error["detail"] and "such as 2021-03-07" in error["detail"]


def test_a_number_is_not_a_date(client):
    """Pydantic reads 0.0 as seconds since 1970; an analyst never means that."""
    for path, name in [("/sessions/baseline/verdict", "as_of"), ("/sessions/baseline/compare/baseline", "as_of"),
                       ("/sessions/baseline/facts", "from"), ("/sessions/baseline/facts", "to")]:
        body = problem_of(client.get(path, params={name: "0.0"}), 422)
        assert body["errors"][0]["pointer"] == f"/query/{name}" and "ISO 8601" in body["errors"][0]["detail"]
    problem_of(client.post("/sessions", json={"name": "epoch", "as_of": 0}), 422)


def test_options_and_a_wrong_method_name_every_method_of_the_path(client):
    for path, methods in [("/sessions/baseline/facts", {"GET", "POST"}), ("/sessions", {"GET", "POST"}),
                          ("/sessions/baseline", {"GET", "DELETE"}), ("/health", {"GET"})]:
        options = client.options(path)
        assert options.status_code == 204
        assert set(options.headers["allow"].split(", ")) == methods | {"OPTIONS"}
        wrong = problem_of(client.put(path), 405)
        assert set(client.put(path).headers["allow"].split(", ")) == methods | {"OPTIONS"}
        assert wrong["detail"].startswith("PUT is not allowed here")


def test_the_verdict_and_timeline_carry_ripeness(client):
    verdict = client.get("/sessions/baseline/verdict", params={"as_of": "2021-03-07"}).json()
    assert verdict["status"] == "deadlock"
    [deal] = verdict["ripeness"]
    assert (deal["goal"], deal["status"], deal["since"]) == ("deal_restored", "ripe", "2021-02-18")
    assert deal["stalemate"]["escalation_failed"] and deal["way_out"]["statements"][0]["variant"] == "compliance_for_compliance"
    iran = next(p for p in deal["parties"] if p["party"] == "IRN")
    assert iran["hurting"] and iran["costs"][0]["facts"][0]["source"].startswith("US Treasury")
    entries = client.get("/sessions/baseline/timeline").json()
    ripe = [e for e in entries if any("ripening → ripe" in c for c in e["changes"])]
    assert [e["at"][:10] for e in ripe] == ["2021-02-18"]
