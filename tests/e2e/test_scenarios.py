"""One real ``ripeness serve`` process over a folder of two scenarios (copies of rules/jcpoa
and rules/strike) and one SQLite log: both served, the Gherkin live mode and ``ripeness
import --url --scenario`` reach the right one, a broken reload changes nothing, and a token
without a scenario's role is refused there."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ripeness.bootstrap import BUNDLED_RULES
from ripeness.cli import app
from tests.e2e.server import Server

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "import" / "data"
ADMIN, ANALYST, JCPOA_ONLY = "e2e-admin-token-000001", "e2e-analyst-token-00001", "e2e-jcpoa-token-000001"


def test_one_server_serves_two_scenarios_over_one_log(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    for name in ("jcpoa", "strike"):
        shutil.copytree(BUNDLED_RULES / name, rules / name)
    shutil.copy(DATA / "counts.yaml", rules / "strike" / "counts.yaml")  # the subjects the ACLED mapping fills
    shutil.copy(DATA / "acled.yaml", rules / "strike" / "imports" / "acled_counts.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPENESS_")}
    env["RIPENESS_TOKENS"] = f"{ADMIN} admin root; {ANALYST} analyst gherkin; {JCPOA_ONLY} editor@jcpoa jo"
    server = Server(f"sqlite:///{tmp_path / 'log.db'}", tmp_path / "serve.log", load_facts=True, env=env, rules=str(rules)).start()
    try:
        admin = server.client(headers={"Authorization": f"Bearer {ADMIN}"})
        listed = admin.get("/scenarios").json()
        assert [(s["id"], s["default"]) for s in listed] == [("jcpoa", True), ("strike", False)]
        assert all(s["facts"] > 0 for s in listed), listed  # each baseline holds its own bundled facts
        assert "scenario(s) jcpoa, strike (default 'jcpoa')" in server.stderr()
        assert admin.get("/sessions/baseline/verdict", params={"as_of": "2021-03-07"}).json()["status"] == "deadlock"
        strike = admin.get("/scenarios/strike/sessions/baseline/verdict", params={"as_of": "2024-03-10"})
        assert strike.status_code == 200 and strike.json()["scenario"] == "strike"

        runner = CliRunner()
        ran = runner.invoke(app, ["scenarios", str(ROOT / "features" / "strike"), "--url", server.url, "--token", ANALYST])
        assert ran.exit_code == 0, ran.output
        assert re.fullmatch(r"(\d+) scenario\(s\): \1 passed, 0 failed", ran.stdout.splitlines()[-1]), ran.stdout
        assert [s["name"] for s in admin.get("/scenarios/strike/sessions").json()] == ["baseline"]  # its lines deleted

        jcpoa_facts = len(admin.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"])
        imported = runner.invoke(app, ["import", str(rules / "strike" / "imports" / "acled_counts.yaml"), str(DATA / "acled.csv"),
                                       "--url", server.url, "--token", ADMIN, "--scenario", "strike", "--json"])
        assert imported.exit_code == 0, imported.output
        assert json.loads(imported.stdout)["stored"] == 6
        assert len(admin.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"]) == jcpoa_facts

        before = admin.get("/scenarios").json()
        verdict = admin.get("/scenarios/strike/sessions/baseline/verdict", params={"as_of": "2024-03-10"}).json()
        (rules / "strike" / "moves.yaml").write_text("moves:\n  - id: [broken\n", encoding="utf-8")
        refused = admin.post("/scenarios/strike/reload")
        assert refused.status_code == 422 and refused.json()["type"] == "/problems/invalid-rules", refused.text
        assert any("moves.yaml:" in e["detail"] for e in refused.json()["errors"]), refused.text
        assert admin.get("/scenarios").json() == before
        assert admin.get("/scenarios/strike/sessions/baseline/verdict", params={"as_of": "2024-03-10"}).json() == verdict

        jo = server.client(headers={"Authorization": f"Bearer {JCPOA_ONLY}"})
        assert jo.get("/scenarios/strike/sessions").status_code == 403
        assert jo.get("/sessions/baseline").status_code == 200
        admin.close()
        jo.close()
    finally:
        server.stop()
