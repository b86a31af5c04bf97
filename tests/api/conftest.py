"""The API through FastAPI's TestClient, over a real SQLite fact log and the real engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.access import Tokens, parse_tokens
from engine.sessions import Sessions
from ripeness.bootstrap import Scenario, load_bundled_facts, open_sessions
from tests.conftest import NOW

TOKENS = """
reader-token-0000001 reader rita
analyst-token-000001 analyst anna
analyst-token-000002 analyst omar
editor-token-0000001 editor eddie
"""



@pytest.fixture
def open_service(jcpoa: Scenario, db_url: str) -> Iterator[Callable[..., Sessions]]:
    """Open the scenario's sessions over the test's fact log (again, to test a restart)."""
    opened: list[Sessions] = []

    def open_(load_facts: bool = True) -> Sessions:
        sessions = open_sessions(jcpoa, db_url, NOW)
        if load_facts:
            load_bundled_facts(sessions, jcpoa)
        opened.append(sessions)
        return sessions

    yield open_
    for sessions in opened:
        sessions.close()


@pytest.fixture
def sessions(open_service) -> Sessions:
    return open_service()


def client_for(sessions: Sessions, tokens: Tokens | None = None, **options) -> TestClient:
    return TestClient(create_app(sessions, tokens, **options), raise_server_exceptions=False)


@pytest.fixture
def client(sessions: Sessions) -> TestClient:
    return client_for(sessions)


@pytest.fixture
def secured(sessions: Sessions) -> Callable[[str | None], TestClient]:
    """A client of a server with tokens, acting with the given token (None: no header)."""
    app = create_app(sessions, parse_tokens(TOKENS, "test tokens"))

    def as_(token: str | None) -> TestClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return TestClient(app, headers=headers, raise_server_exceptions=False)

    return as_


def fact(**fields) -> dict:
    return {"at": "2021-04-06", "actor": "IRN", "subject": "enrichment_pct", "value": 60, "source": "test", **fields}


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    return body
