"""The PostgreSQL benchmarks' set-up at a tiny size (``benchmarks/pglog.py``): the log it
copies into PostgreSQL is one ripeness opens without re-checking it, reads, dates a day
before now, and goes on numbering after.  Skipped, saying why, where no PostgreSQL can be
started (``tests/backends.py``)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from benchmarks import generate, logdb, pglog
from benchmarks.cluster import cpu_seconds, postgres_pids
from ripeness.bootstrap import load_scenario, open_sessions
from tests.backends import ENV

SCENARIO = {"actors": 4, "positions": 6, "cycles": [2, 3], "subjects": 30, "seed": 2}
STREAM = {"facts": 400, "subjects": 30, "events": 20, "seed": 3}


def test_a_log_copied_into_postgresql_is_opened_read_and_extended_by_ripeness(postgres_server, tmp_path: Path):
    url = postgres_server.fresh_url()
    try:
        made = pglog.prepare(url, SCENARIO, STREAM, str(tmp_path / "rules"))
        assert made["facts"] == 400 and 0 < made["events"] < 400
        assert pglog.read_all(url)["rows"] == 400
        last = dt.datetime.fromisoformat(made["last"])
        now = dt.datetime.now(dt.timezone.utc)
        assert now - dt.timedelta(days=1, minutes=10) < last < now - dt.timedelta(hours=23)  # moved back: the servers' clock is real

        sessions = open_sessions(load_scenario(tmp_path / "rules"), url)  # its rule files' version is the log's: no re-check
        try:
            assert sessions.fact_count() == 400
            listed = sessions.facts("baseline", after="f399").facts
            assert [f.id for f in listed] == ["f400"] and listed[0].at <= last
            fact = {"at": last.isoformat(), "subject": _numeric_subject(), "value": 1, "source": "test"}
            assert sessions.record("baseline", [("test", fact)], then=False).ids == ["f401"]  # after the copied ones
            assert sessions.verdict("baseline").status
        finally:
            sessions.close()
    finally:
        postgres_server.drop(url)


def test_the_processes_of_a_throwaway_postgresql_server_are_found_with_their_cpu(postgres_server):
    if os.environ.get(ENV):
        pytest.skip(f"{ENV} names a server that may not run on this machine")
    engine = create_engine(postgres_server.admin_url)
    try:
        with engine.connect() as conn:  # a connection of its own: a process of the server
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            pids = postgres_pids(postgres_server.admin_url.port)
    finally:
        engine.dispose()
    assert backend in pids[1:]
    assert cpu_seconds(pids[0], children=True) > 0


def test_a_sqlite_log_written_for_the_benchmarks_is_numbered_on_after_its_facts(tmp_path: Path):
    """What the what-if workload does first: record into a log ``benchmarks/logdb.py`` wrote."""
    made = logdb.prepare(str(tmp_path / "log.db"), SCENARIO, STREAM, str(tmp_path / "rules"))
    sessions = open_sessions(load_scenario(tmp_path / "rules"), f"sqlite:///{tmp_path / 'log.db'}")
    try:
        assert sessions.fact_count() == made["facts"] == 400
        fact = {"at": made["last"], "subject": _numeric_subject(), "value": 1, "source": "test"}
        assert sessions.record("baseline", [("test", fact)], then=False).ids == ["f401"]
    finally:
        sessions.close()


def _numeric_subject() -> str:
    scn = generate.scenario(generate.ScenarioSize(**{k: tuple(v) if k == "cycles" else v for k, v in SCENARIO.items()}))
    return next(key for key in scn.state_subjects if scn.subjects[key]["type"] == "number")
