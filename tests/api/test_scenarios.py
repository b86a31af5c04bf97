"""Several scenarios in one service (``ripeness serve --rules`` over a folder of scenario
folders): each under ``/scenarios/{id}``, the default one also without the prefix, their
sessions never mixed; listing, reloading, and roles granted per scenario."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.access import TokenError, parse_tokens
from api.lanes import Lanes
from engine.scenarios import Scenarios
from ripeness.bootstrap import BUNDLED_RULES, open_scenarios
from tests.api.conftest import fact, problem_of
from tests.conftest import NOW

TOKENS = """
admin-token-00000001 admin root
reader-token-0000001 reader,editor@strike sam
strike-token-0000001 analyst@strike stella
"""
STRIKE_FACT = {"at": "2024-03-10", "actor": "EMP", "subject": "pay_offer_pct", "value": 2, "source": "test"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A folder of scenario folders: copies of the bundled jcpoa and strike."""
    folder = tmp_path / "rules"
    for name in ("jcpoa", "strike"):
        shutil.copytree(BUNDLED_RULES / name, folder / name)
    return folder


@pytest.fixture
def serve(root: Path, db_url: str) -> Iterator[Callable[..., Scenarios]]:
    opened: list[Scenarios] = []

    def open_(**options) -> Scenarios:
        scenarios = open_scenarios(root, db_url, NOW, **options)
        opened.append(scenarios)
        return scenarios

    yield open_
    for scenarios in opened:
        scenarios.close()


@pytest.fixture
def as_(serve) -> Callable[[str | None], TestClient]:
    app = create_app(serve(), parse_tokens(TOKENS, "test tokens"))

    def client(token: str | None = "admin-token-00000001") -> TestClient:
        return TestClient(app, headers={"Authorization": f"Bearer {token}"} if token else {}, raise_server_exceptions=False)

    return client


def test_every_scenario_folder_is_listed_with_its_files_and_counts(as_):
    listed = as_().get("/scenarios")
    assert listed.status_code == 200, listed.text
    by_id = {s["id"]: s for s in listed.json()}
    assert list(by_id) == ["jcpoa", "strike"]
    assert by_id["jcpoa"]["default"] and not by_id["strike"]["default"]
    assert "scenario.yaml" in by_id["strike"]["rule_files"] and "positions.yaml" in by_id["strike"]["rule_files"]
    assert "facts.yaml" not in by_id["strike"]["rule_files"]
    assert by_id["strike"]["title"] and by_id["strike"]["sessions"] == 1 and by_id["strike"]["facts"] == 0
    assert by_id["strike"]["loaded_at"].startswith("2026-11-23")


def test_each_scenario_has_its_own_baseline_and_what_ifs_and_they_never_mix(as_):
    admin = as_()
    posted = admin.post("/scenarios/strike/sessions/baseline/facts", json=STRIKE_FACT)
    assert posted.status_code == 201, posted.text
    assert posted.json()["session"] == "baseline"
    assert admin.get("/scenarios/strike/rules").json()["scenario"]["id"] == "strike"
    assert admin.get("/scenarios/strike/health").json()["scenario"] == "strike"
    assert [f["subject"] for f in admin.get("/scenarios/strike/sessions/baseline/facts").json()["facts"]] == ["EMP.pay_offer_pct"]
    assert admin.get("/sessions/baseline/facts").json()["facts"] == []  # the default scenario's baseline: jcpoa's
    assert admin.get("/scenarios/jcpoa/sessions/baseline/facts").json()["facts"] == []
    assert admin.post("/scenarios/jcpoa/sessions/baseline/facts", json=fact()).status_code == 201

    made = admin.post("/scenarios/strike/sessions", json={"name": "talks", "as_of": "2024-03-11"})
    assert made.status_code == 201, made.text
    for elsewhere in ("/sessions/talks", "/scenarios/jcpoa/sessions/talks", "/scenarios/jcpoa/sessions/talks/verdict"):
        assert problem_of(admin.get(elsewhere), 404)["type"] == "/problems/unknown-session"
    assert admin.get("/scenarios/strike/sessions/talks/verdict").status_code == 200
    same_name = admin.post("/scenarios/jcpoa/sessions", json={"name": "talks"})  # names are per scenario
    assert same_name.status_code == 201, same_name.text
    assert [s["name"] for s in admin.get("/scenarios/strike/sessions").json()] == ["baseline", "talks"]
    compared = admin.get("/scenarios/strike/sessions/baseline/compare/talks")
    assert compared.status_code == 200, compared.text
    assert problem_of(admin.delete("/scenarios/strike/sessions/baseline"), 409)
    assert admin.delete("/scenarios/strike/sessions/talks").status_code == 204
    assert admin.get("/scenarios/jcpoa/sessions/talks").status_code == 200


def test_sessions_keep_their_scenario_after_a_restart(serve, as_):
    admin = as_()
    assert admin.post("/scenarios/strike/sessions", json={"name": "talks"}).status_code == 201
    again = TestClient(create_app(serve()), raise_server_exceptions=False)
    assert again.get("/scenarios/strike/sessions/talks").status_code == 200
    assert again.get("/sessions/talks").status_code == 404


def test_an_unknown_scenario_is_a_404_naming_those_served(as_):
    admin = as_()
    for method, path in [("GET", "/scenarios/nope/sessions"), ("GET", "/scenarios/strik/sessions/baseline/verdict"),
                         ("POST", "/scenarios/nope/sessions/baseline/facts"), ("POST", "/scenarios/nope/reload"),
                         ("POST", "/scenarios/..%2F..%2Fetc/reload")]:
        body = problem_of(admin.request(method, path, json=STRIKE_FACT), 404)
        assert body["type"] in ("/problems/unknown-scenario", "/problems/http"), body
    body = problem_of(admin.get("/scenarios/strik/sessions"), 404)
    assert body["type"] == "/problems/unknown-scenario" and body["suggestion"] == "strike" and body["known"] == ["jcpoa", "strike"]


def test_options_on_a_scenario_path_names_its_methods(as_):
    allowed = as_().options("/scenarios/strike/sessions/baseline")
    assert allowed.status_code == 204
    assert set(allowed.headers["allow"].split(", ")) == {"GET", "DELETE", "OPTIONS"}


def test_a_reload_of_a_broken_folder_changes_nothing_and_says_where(as_, root):
    admin = as_()
    assert admin.post("/scenarios/strike/sessions/baseline/facts", json=STRIKE_FACT).status_code == 201
    before = admin.get("/scenarios/strike/sessions/baseline/verdict").json()
    listed = {s["id"]: s for s in admin.get("/scenarios").json()}["strike"]
    positions = root / "strike" / "positions.yaml"
    good = positions.read_text(encoding="utf-8")
    positions.write_text(good + "\n  - id: [unclosed\n", encoding="utf-8")

    body = problem_of(admin.post("/scenarios/strike/reload"), 422)
    assert body["type"] == "/problems/invalid-rules" and "nothing was changed" in body["detail"]
    assert any("positions.yaml:" in e["detail"] for e in body["errors"]), body
    assert {s["id"]: s for s in admin.get("/scenarios").json()}["strike"] == listed
    assert admin.get("/scenarios/strike/sessions/baseline/verdict").json() == before

    positions.write_text(good, encoding="utf-8")
    reloaded = admin.post("/scenarios/strike/reload")
    assert reloaded.status_code == 200, reloaded.text
    assert reloaded.json()["facts"] == 1 and reloaded.json()["sessions"] == 1
    assert admin.get("/scenarios/strike/sessions/baseline/verdict").json() == before
    assert admin.post("/scenarios/strike/sessions/baseline/facts", json={**STRIKE_FACT, "at": "2024-03-12"}).status_code == 201


def test_a_scenario_id_other_than_its_folder_name_is_refused_on_reload(as_, root):
    scenario = root / "strike" / "scenario.yaml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("id: strike", "id: dockers"), encoding="utf-8")
    body = problem_of(as_().post("/scenarios/strike/reload"), 422)
    assert "scenario.yaml" in body["errors"][0]["detail"] and "its id must be the name of its folder" in body["errors"][0]["detail"]


def test_a_scenario_folder_added_later_is_served_once_loaded_without_touching_the_others(as_, root):
    admin = as_()
    assert admin.post("/sessions/baseline/facts", json=fact()).status_code == 201
    shutil.copytree(root / "strike", root / "strike2")
    scenario = root / "strike2" / "scenario.yaml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("id: strike", "id: strike2"), encoding="utf-8")
    assert problem_of(admin.get("/scenarios/strike2/sessions"), 404)["type"] == "/problems/unknown-scenario"
    added = admin.post("/scenarios/strike2/reload")
    assert added.status_code == 200, added.text
    assert [s["id"] for s in admin.get("/scenarios").json()] == ["jcpoa", "strike", "strike2"]
    assert admin.get("/scenarios/strike2/sessions/baseline/facts").json()["facts"] == []
    assert len(admin.get("/sessions/baseline/facts").json()["facts"]) == 1


def test_roles_granted_per_scenario(as_):
    sam, stella = as_("reader-token-0000001"), as_("strike-token-0000001")
    assert sam.post("/scenarios/strike/sessions/baseline/facts", json=STRIKE_FACT).status_code == 201  # editor there
    refused = problem_of(sam.post("/sessions/baseline/facts", json=fact()), 403)  # a reader of jcpoa, the default
    assert "needs the role editor" in refused["detail"]
    assert sam.get("/scenarios/jcpoa/sessions/baseline/verdict").status_code == 200

    assert [s["id"] for s in stella.get("/scenarios").json()] == ["strike"]
    for path in ("/sessions", "/scenarios/jcpoa/sessions", "/scenarios/jcpoa/sessions/baseline/verdict"):
        body = problem_of(stella.get(path), 403)
        assert "stella has no role in the scenario 'jcpoa'" in body["detail"]
    assert stella.post("/scenarios/strike/sessions", json={"name": "stellas"}).status_code == 201
    assert problem_of(stella.post("/scenarios/strike/sessions/baseline/facts", json=STRIKE_FACT), 403)
    for who in (sam, stella):
        assert "reloading a scenario needs the role admin" in problem_of(who.post("/scenarios/strike/reload"), 403)["detail"]
    assert problem_of(as_(None).get("/scenarios"), 401)


def test_the_openapi_document_describes_the_scenario_routes(as_):
    schema = as_().get("/openapi.json").json()
    paths = schema["paths"]
    assert "/scenarios" in paths and "/scenarios/{scenario}/reload" in paths
    for path in ("/scenarios/{scenario}/sessions/{sid}/facts", "/scenarios/{scenario}/sessions/{sid}/verdict",
                 "/scenarios/{scenario}/sessions/{a}/compare/{b}", "/scenarios/{scenario}/sessions/{sid}/imports",
                 "/sessions/{sid}/verdict"):
        assert path in paths, path
    verdict = paths["/scenarios/{scenario}/sessions/{sid}/verdict"]["get"]
    assert {p["name"] for p in verdict["parameters"] if p["in"] == "path"} == {"scenario", "sid"}
    assert "422" in paths["/scenarios/{scenario}/reload"]["post"]["responses"]
    assert "ScenarioOut" in schema["components"]["schemas"]


@pytest.mark.parametrize("grants", ["editor@", "boss@strike", "reader,,editor@strike", "@strike"])
def test_a_grant_that_is_not_role_or_role_at_scenario_is_refused_with_its_line(grants):
    with pytest.raises(TokenError, match=r"tokens:2: expected 'TOKEN ROLE \[NAME\]'.*ROLE@SCENARIO") as refused:
        parse_tokens(f"# first\nsecret-token-00000001 {grants} someone\n", "tokens")
    assert "secret-token" not in str(refused.value)


def test_a_token_has_the_highest_role_granted_it_in_each_scenario():
    tokens = parse_tokens("tok-0123456789abcdef reader,admin@strike,analyst@jcpoa\n", "tokens")
    who = tokens.caller("tok-0123456789abcdef")
    assert (who.in_scenario("strike").role, who.in_scenario("jcpoa").role, who.in_scenario("other").role) == ("admin", "analyst", "reader")
    assert who.name.startswith("reader-")  # an unnamed token's identity: its first role, as before
    only = parse_tokens("tok-fedcba9876543210 analyst@strike bob\n", "tokens").caller("tok-fedcba9876543210")
    assert only.in_scenario("jcpoa") is None and only.in_scenario("strike").role == "analyst"


def test_a_reload_waits_for_the_writes_in_flight_and_holds_those_that_arrive_meanwhile(serve):
    """The swap of a reload runs with no write of the scenario in flight: a session's memory is
    read again from the log, and must not miss a write committed meanwhile."""
    scenarios = serve()
    lanes = Lanes(lambda: scenarios.get("strike"))
    release, order = threading.Event(), []

    def slow_write() -> None:
        release.wait(10)
        order.append("write in flight")

    async def run() -> None:
        in_flight = asyncio.ensure_future(lanes.run("baseline", slow_write))
        await asyncio.sleep(0.05)
        swap = asyncio.ensure_future(lanes.quiesced(lambda: order.append("swap")))
        await asyncio.sleep(0.05)
        later = asyncio.ensure_future(lanes.run("baseline", lambda: order.append("write after")))
        await asyncio.sleep(0.1)
        assert order == []  # the swap waits for the write in flight; the later write for the swap
        release.set()
        await asyncio.gather(in_flight, swap, later)

    asyncio.run(run())
    assert order == ["write in flight", "swap", "write after"]


def test_one_scenario_folder_is_served_as_before_and_can_be_reloaded(root, db_url):
    scenarios = open_scenarios(root / "strike", db_url, NOW)
    try:
        client = TestClient(create_app(scenarios), raise_server_exceptions=False)
        assert [s["id"] for s in client.get("/scenarios").json()] == ["strike"]
        assert client.post("/sessions/baseline/facts", json=STRIKE_FACT).status_code == 201
        assert client.get("/scenarios/strike/sessions/baseline/facts").json()["facts"][0]["subject"] == "EMP.pay_offer_pct"
        reloaded = client.post("/scenarios/strike/reload")
        assert reloaded.status_code == 200 and reloaded.json()["facts"] == 1, reloaded.text
        assert problem_of(client.post("/scenarios/jcpoa/reload"), 404)["known"] == ["strike"]  # no other folder to add
    finally:
        scenarios.close()
