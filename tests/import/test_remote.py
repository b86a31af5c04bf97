"""``ripeness import --url``: the files uploaded to a real ``ripeness serve`` process."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.imports import BACKGROUND_FROM
from ripeness.cli import app
from tests.e2e.server import Server

DATA = Path(__file__).resolve().parent / "data"


def large_source(path: Path) -> bytes:
    """The rows of an ACLED file, then copies of its rows dated a year earlier (outside the
    test mapping's dates) under new ids, up to a mebibyte: imported as a job."""
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    lines, n = [header, *rows], 0
    while sum(len(line) + 1 for line in lines) < BACKGROUND_FROM:
        n += 1
        row = rows[n % len(rows)].replace("2024-", "2023-", 1).replace(" 2024,", " 2023,", 1)
        lines.append(f"OLD{n}," + row.split(",", 1)[1])
    return ("\n".join(lines) + "\n").encode()


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
        # a source of a mebibyte or more is imported there as a job, which the command follows to its end
        large = tmp_path / "large.csv"
        large.write_bytes(large_source(DATA / "acled.csv"))
        followed = runner.invoke(app, ["import", str(docks_folder / "imports" / "acled.yaml"), str(large), "--url", server.url, "--json"])
        assert followed.exit_code == 0, followed.output
        report = json.loads(followed.stdout)
        assert (report["stored"], report["already_there"], report["outside_range"]) == (0, 6, report["rows"] - 7)  # of the 8 rows of acled.csv, 7 are in range
        broken = tmp_path / "large_bad.csv"
        broken.write_bytes(large.read_bytes() + b"WSTX,not a date,2024,Protests,,Westmere Dockworkers Union,,Westmere,0,,\n")
        failed = runner.invoke(app, ["import", str(docks_folder / "imports" / "acled.yaml"), str(broken), "--url", server.url])
        assert failed.exit_code == 1 and "the import failed (422)" in failed.stderr and "event_date: expected a date" in failed.stderr
    finally:
        server.stop()
