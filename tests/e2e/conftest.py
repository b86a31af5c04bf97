"""End-to-end: ``ripeness serve`` as a process, real HTTP, a real SQLite file (or PostgreSQL
database: ``db_url`` in ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.server import Server


@pytest.fixture
def serve(tmp_path: Path, db_url: str) -> Iterator[Callable[..., Server]]:
    """Start a server over the test's fact log (again, for a restart); all are stopped at the end."""
    started: list[Server] = []

    def start(load_facts: bool = False) -> Server:
        server = Server(db_url, tmp_path / "serve.log", load_facts=load_facts)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
