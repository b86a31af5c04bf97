"""The web page through FastAPI's TestClient, over a real SQLite fact log and the real engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

import web
from api import create_app
from api.access import parse_tokens
from ripeness.bootstrap import Scenario, load_bundled_facts, open_sessions
from tests.api.conftest import TOKENS
from tests.conftest import NOW


@pytest.fixture
def page_as(jcpoa: Scenario, db_url: str) -> Iterator[Callable[[str | None], TestClient]]:
    """A client of a server with tokens and the page (the JCPOA facts in baseline), acting
    with the given token (None: no header)."""
    sessions = open_sessions(jcpoa, db_url, NOW)
    load_bundled_facts(sessions, jcpoa)
    app = create_app(sessions, parse_tokens(TOKENS, "test tokens"))
    web.install(app)

    def as_(token: str | None) -> TestClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return TestClient(app, headers=headers, raise_server_exceptions=False)

    yield as_
    sessions.close()
