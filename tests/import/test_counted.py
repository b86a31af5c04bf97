"""Aggregates into an event subject: one counted event per period and mapped actor (and
target), through ``ripeness import`` into a real SQLite log; safe to re-run, a changed
period total a correction, a period with no rows left a withdrawal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ripeness.bootstrap import Scenario, open_sessions
from ripeness.cli import app
from tests.conftest import NOW

DATA = Path(__file__).resolve().parent / "data"
runner = CliRunner()
MAPPING = """\
import: {id: acled_counted, format: acled, from: 2024-03-01, until: 2024-05-01}
actors:
  "Westmere Dockworkers Union": UNI
  "Westmere Port Company": EMP
rules:
  - when: {event_type: [Protests, Riots], actor: UNI}   # the union's protests and riots, counted by month
    subject: walkout
    aggregate: monthly
"""


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "counted.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def into(db: str, folder: Path, mapping: Path, source: str, *more: str, ok: bool = True) -> dict | str:
    result = runner.invoke(app, ["import", str(mapping), str(DATA / source), "--rules", str(folder), "--db", db, "--json", *more])
    if not ok:
        assert result.exit_code == 1, result.output
        return result.stderr
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def counted(docks: Scenario, db: str) -> dict[str, tuple]:
    """The live counted events by key, as (actor, target, count, since, at)."""
    sessions = open_sessions(docks, db, NOW)
    try:
        page = sessions.facts("baseline", limit=10_000)
    finally:
        sessions.close()
    return {f.source.split("]")[0][1:]: (f.actor, f.target, f.count, f.since.date().isoformat(), f.at.date().isoformat())
            for f in page.facts if f.kind == "event" and f.id not in page.withdrawn_by}


def test_rows_become_one_counted_event_per_month_and_actor(docks: Scenario, docks_folder: Path, tmp_path: Path, mapping: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    report = into(db, docks_folder, mapping, "acled.csv")
    assert report["stored"] == 2
    # March: two protests by the union at the company (WST1, WST4), one riot with no target (WST3);
    # the students' protest (WST5) has no mapped actor; April has no union rows: no fact
    assert counted(docks, db) == {
        "acled_counted:monthly:walkout:2024-03:UNI>EMP": ("UNI", "EMP", 2, "2024-03-01", "2024-04-01"),
        "acled_counted:monthly:walkout:2024-03:UNI": ("UNI", None, 1, "2024-03-01", "2024-04-01"),
    }
    again = into(db, docks_folder, mapping, "acled.csv")
    assert (again["stored"], again["already_there"], again["corrected"], again["withdrawn"]) == (0, 2, 0, 0)


def test_a_changed_period_total_is_a_correction_and_an_emptied_period_a_withdrawal(docks: Scenario, docks_folder: Path,
                                                                                   tmp_path: Path, mapping: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    into(db, docks_folder, mapping, "acled.csv")
    fewer = into(db, docks_folder, mapping, "acled.csv", "--deletions", str(DATA / "acled_deletions.csv"))  # WST4 deleted
    assert (fewer["stored"], fewer["corrected"], fewer["withdrawn"], fewer["already_there"]) == (0, 1, 0, 1)
    assert counted(docks, db)["acled_counted:monthly:walkout:2024-03:UNI>EMP"][2] == 1
    deletions = tmp_path / "deleted.csv"
    deletions.write_text("WST1\nWST4\n", encoding="utf-8")
    none_left = into(db, docks_folder, mapping, "acled.csv", "--deletions", str(deletions))
    assert (none_left["stored"], none_left["corrected"], none_left["withdrawn"]) == (0, 0, 1)
    assert list(counted(docks, db)) == ["acled_counted:monthly:walkout:2024-03:UNI"]


def test_a_sum_that_is_no_whole_number_of_acts_is_a_bad_row(docks: Scenario, docks_folder: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    mapping = tmp_path / "halves.yaml"
    mapping.write_text(MAPPING + "    sum: fatalities\n", encoding="utf-8")
    source = tmp_path / "halves.csv"
    lines = (DATA / "acled.csv").read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join([lines[0], lines[3].replace(",1,Westmere Gazette", ",0.5,Westmere Gazette")]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(mapping), str(source), "--rules", str(docks_folder), "--db", db])
    assert result.exit_code == 1, result.output
    assert "rules.0.sum: the fatalities of the rows add up to 0.5: a count of acts is a whole number" in result.stderr
    assert counted(docks, db) == {}
