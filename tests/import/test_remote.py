"""``ripeness import --url``: the files uploaded to a real ``ripeness serve`` process."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ripeness.cli import app
from tests.e2e.server import Server

DATA = Path(__file__).resolve().parent / "data"


def test_an_import_over_http_is_stored_once(docks_folder: Path, tmp_path: Path) -> None:
    server = Server(f"sqlite:///{tmp_path / 'log.db'}", tmp_path / "serve.log", rules=str(docks_folder)).start()
    try:
        runner = CliRunner()
        args = ["import", str(docks_folder / "imports" / "acled.yaml"), str(DATA / "acled.csv"), "--url", server.url, "--json"]
        first = runner.invoke(app, args)
        assert first.exit_code == 0, first.output
        assert json.loads(first.stdout)["stored"] == 6
        again = runner.invoke(app, args)
        assert (json.loads(again.stdout)["stored"], json.loads(again.stdout)["already_there"]) == (0, 6)
        bad = runner.invoke(app, ["import", str(docks_folder / "imports" / "acled.yaml"), str(DATA / "acled_bad.csv"), "--url", server.url])
        assert bad.exit_code == 1
        assert "answered 422" in bad.stderr and "acled_bad.csv:3: event_date: expected a date" in bad.stderr
        with server.client() as client:
            assert len(client.get("/sessions/baseline/facts").json()["facts"]) == 6
    finally:
        server.stop()
