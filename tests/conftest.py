from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.facts import parse_inputs
from engine.live_session import Session
from ripeness.bootstrap import Scenario, load_scenario
from tests import backends

ROOT = Path(__file__).resolve().parent.parent
JCPOA = ROOT / "rules" / "jcpoa"
NOW = FixedClock(dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc))


@pytest.fixture(scope="session")
def jcpoa() -> Scenario:
    return load_scenario(JCPOA)


@pytest.fixture
def seed(jcpoa: Scenario):
    session = jcpoa.replay(JCPOA / "facts.yaml", clock=NOW)
    yield session
    session.close()


def add(session: Session, *facts: dict) -> None:
    """Record facts written as an analyst would (dicts), validated like any input."""
    session.record(parse_inputs([(f"test[{i}]", f) for i, f in enumerate(facts)], session.rulebook))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[backends.Postgres]:
    """A PostgreSQL server for the whole run, found or started (see ``tests/backends.py``);
    without one, the tests that need it are skipped, saying how to provide one."""
    try:
        with backends.postgres() as server:
            yield server
    except backends.Unavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty fact log's URL: a SQLite file, or with ``indirect`` parametrisation by
    ``"postgresql"`` a new database on the test run's PostgreSQL server (dropped at the end).
    ``RIPENESS_TEST_BACKEND=postgresql`` makes PostgreSQL the default of every test using it."""
    backend = getattr(request, "param", os.environ.get("RIPENESS_TEST_BACKEND", "sqlite"))
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'log.db'}"
        return
    assert backend == "postgresql", f"unknown backend {backend!r}; known: {backends.BACKENDS}"
    server: backends.Postgres = request.getfixturevalue("postgres_server")
    url = server.fresh_url()
    yield url
    server.drop(url)
