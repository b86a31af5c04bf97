"""The store contract: every backend of ``engine.store.ports`` is held to the same tests
(SQLite on a real file, PostgreSQL on a real server; see ``tests/backends.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine.facts import Fact
from engine.store import Store, open_store
from tests.backends import BACKENDS

UTC = dt.timezone.utc
DAY0 = dt.datetime(2021, 1, 1, tzinfo=UTC)
RECORDED = dt.datetime(2026, 1, 1, tzinfo=UTC)
SCENARIO = "contract"


def day(n: int | float) -> dt.datetime:
    return DAY0 + dt.timedelta(days=n)


@dataclass
class Backend:
    """A fresh store on one backend; ``reopen`` closes it and opens the same database again
    (a restart)."""

    url: str
    store: Store
    new_url: Callable[[], str]
    opened: list[Store] = field(default_factory=list)

    def fresh(self) -> str:
        """The URL of another new, empty log on the same backend."""
        return self.new_url()

    def open(self, url: str) -> Store:
        store = open_store(url, SCENARIO)
        self.opened.append(store)
        return store

    def reopen(self) -> Store:
        self.store.close()
        self.store = open_store(self.url, SCENARIO)
        self.opened.append(self.store)
        return self.store

    def another(self) -> Store:
        """A second store on the same database (another process)."""
        other = open_store(self.url, SCENARIO)
        self.opened.append(other)
        return other


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    numbers = iter(range(1, 100))
    new_url = ((lambda: f"sqlite:///{tmp_path / f'log{next(numbers)}.db'}") if request.param == "sqlite"
               else (lambda: _postgres_url(request)))
    url = new_url()
    opened = Backend(url, open_store(url, SCENARIO), new_url)
    opened.opened.append(opened.store)
    yield opened
    for store in opened.opened:
        store.close()


def _postgres_url(request: pytest.FixtureRequest) -> str:
    server = request.getfixturevalue("postgres_server")
    url = server.fresh_url()
    request.addfinalizer(lambda: server.drop(url))
    return url


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.store


def fact(seq: int, at: dt.datetime, subject: str = "IRN.enrichment_pct", value=3.67, *, kind: str = "state",
         note: str = "", withdraws: int | None = None, actor: str | None = "IRN", target: str | None = None,
         count: int | None = None, since: dt.datetime | None = None, **how_sure) -> Fact:
    return Fact(id=f"f{seq}", seq=seq, at=at, subject=subject, kind=kind, value=value, actor=actor, target=target,  # type: ignore[arg-type]
                source="contract", note=note, recorded_at=RECORDED, withdraws=f"f{withdraws}" if withdraws else None,
                count=count, since=since, **how_sure)


Spec = Callable[[int], Fact]  # a fact given its sequence number


def write(store: Store, session_id: int, *specs: Spec) -> list[Fact]:
    """One write transaction of facts to a session; the facts as written."""
    with store.log.writing() as writing:
        written = [spec(seq) for spec, seq in zip(specs, writing.allocate(len(specs)))]
        writing.insert_facts(session_id, written)
    return written


def state(at: dt.datetime, value=3.67, subject: str = "IRN.enrichment_pct", **more) -> Spec:
    return lambda seq: fact(seq, at, subject, value, **more)


def event(at: dt.datetime, value: str = "strike", subject: str = "USA.strike", **more) -> Spec:
    return lambda seq: fact(seq, at, subject, value, kind="event", actor="USA", target="IRN", **more)


def withdrawal(of: Fact, **more) -> Spec:
    return lambda seq: Fact(id=f"f{seq}", seq=seq, at=of.at, subject=of.subject, kind="withdrawal", value=None,  # type: ignore[arg-type]
                            source="contract", recorded_at=RECORDED, withdraws=of.id, **more)


def baseline(store: Store):
    return store.registry.create("baseline", created_at=RECORDED, description="the live record")


def everything(store: Store, record) -> list[Fact]:
    return list(store.log.load_all(store.registry.view(record)))
