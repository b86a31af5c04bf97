from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.facts import parse_inputs
from engine.session import FixedClock, Session
from ripeness.bootstrap import Scenario, load_scenario

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
