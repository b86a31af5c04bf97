"""The page of each scenario a service serves: ``/scenarios/{id}/`` and its views under the
same prefix, with the caller's role in that scenario."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import web
from api import create_app
from api.access import parse_tokens
from ripeness.bootstrap import BUNDLED_RULES, open_scenarios
from tests.api.conftest import problem_of
from tests.conftest import NOW

TOKENS = """
admin-token-00000001 admin root
reader-token-0000001 reader,editor@strike sam
strike-token-0000001 analyst@strike stella
"""


@pytest.fixture
def as_(tmp_path: Path, db_url: str) -> Iterator[Callable[[str | None], TestClient]]:
    root = tmp_path / "rules"
    for name in ("jcpoa", "strike"):
        shutil.copytree(BUNDLED_RULES / name, root / name)
    scenarios = open_scenarios(root, db_url, NOW, load_facts=True)
    app = create_app(scenarios, parse_tokens(TOKENS, "test tokens"))
    web.install(app)

    def client(token: str | None = "admin-token-00000001") -> TestClient:
        return TestClient(app, headers={"Authorization": f"Bearer {token}"} if token else {}, raise_server_exceptions=False)

    yield client
    scenarios.close()


def test_each_scenario_has_its_page_whose_script_asks_under_its_prefix(as_):
    default = as_(None).get("/")
    assert default.status_code == 200 and 'data-base="" data-scenario="jcpoa"' in default.text
    strike = as_(None).get("/scenarios/strike/")
    assert strike.status_code == 200 and 'data-base="/scenarios/strike" data-scenario="strike"' in strike.text
    assert "<title>ripeness · strike</title>" in strike.text
    assert "default-src 'self'" in strike.headers["content-security-policy"]
    problem_of(as_(None).get("/scenarios/nope/"), 404)


def test_a_scenarios_views_read_its_own_sessions(as_):
    client = as_()
    strike = client.get("/scenarios/strike/web/verdict", params={"as_of": "2024-03-15"}).text
    assert 'data-session="baseline"' in strike and "UNI." in strike and "IRN." not in strike
    jcpoa = client.get("/web/verdict", params={"as_of": "2021-03-07"}).text
    assert "IRN.return_to_limits" in jcpoa and "UNI." not in jcpoa
    assert client.get("/scenarios/jcpoa/web/verdict", params={"as_of": "2021-03-07"}).text == jcpoa
    facts = client.get("/scenarios/strike/web/facts").text
    subjects = set(re.findall(r'data-subject="([^"]+)"', facts))
    assert subjects and all(s.split(".")[0] in ("UNI", "EMP", "MED") or "." not in s for s in subjects)
    block = re.search(r'data-session="baseline" data-as-of="([^"]+)"', strike).group(1)
    move = re.search(r'"source": "([A-Z]+\.[a-z_]+)"', strike)
    assert move is not None
    evidence = client.get("/scenarios/strike/web/evidence", params={"as_of": block, "key": f"move:{move.group(1)}"})
    assert evidence.status_code == 200 and move.group(1) in evidence.text
    assert client.get("/scenarios/strike/web/timeline").status_code == 200
    client.post("/scenarios/strike/sessions", json={"name": "award", "as_of": "2024-03-15"})
    whatif = client.get("/scenarios/strike/web/whatif", params={"session": "award"}).text
    assert 'data-a="baseline" data-b="award"' in whatif
    assert client.get("/scenarios/strike/web/compare", params={"a": "baseline", "b": "award"}).status_code == 200
    problem_of(client.get("/web/whatif", params={"session": "award"}), 404)  # not a session of jcpoa


def test_roles_are_the_callers_in_each_scenario(as_):
    sam = as_("reader-token-0000001")  # reads everywhere, edits strike
    assert 'id="fact-form"' not in sam.get("/web/facts").text
    assert 'id="fact-form"' in sam.get("/scenarios/strike/web/facts").text
    assert 'data-role="editor"' in sam.get("/scenarios/strike/web/facts").text
    stella = as_("strike-token-0000001")  # strike alone
    problem_of(stella.get("/web/verdict"), 403)
    problem_of(stella.get("/scenarios/jcpoa/web/facts"), 403)
    assert 'data-role="analyst"' in stella.get("/scenarios/strike/web/whatif").text
    assert [s["id"] for s in stella.get("/scenarios").json()] == ["strike"]
