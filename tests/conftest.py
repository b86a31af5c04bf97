from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from engine.clock import FixedClock
from engine.facts import parse_inputs
from engine.live_session import Session
from ripeness.bootstrap import Scenario, load_scenario
from tests import backends

# Tests never assert on durations: no property test fails for being slow on a loaded machine
# (a deadline of 200 ms failed test_kept's forget test in CI when its first example took 297 ms).
settings.register_profile("ripeness", deadline=None)
settings.load_profile("ripeness")

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


KEPT_CASES = 4  # replayed fidelity cases kept at once in a worker: each case's tests run one after another (``one_worker_per_case``)


def case_snapshot(folder: Path) -> tuple[tuple[str, str], ...]:
    """Every file of a case folder: its path in the folder and its content's digest."""
    return tuple((path.relative_to(folder).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest())
                 for path in sorted(folder.rglob("*")) if path.is_file())


def one_worker_per_case(name: str, value: object = None):
    """A test's parameter that reads the fidelity case ``name`` through ``fidelity_case``: the
    tests of one case are one xdist group (run in one worker, one after the other), so that
    the case is replayed once for all of them."""
    return pytest.param(name if value is None else value, id=name, marks=pytest.mark.xdist_group(f"fidelity-case-{name}"))


@pytest.hookimpl(trylast=True)  # after xdist's own hook, which names the groups (``xdist_groups_named``)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests of one fidelity case (``one_worker_per_case``) one after another in the run's
    order too, as their xdist group runs them in a worker: with ``-n 0`` the case is also
    replayed once for them.  The other tests keep their order."""
    if getattr(config.option, "loadgroup", False):  # an xdist worker, ``--dist loadgroup``
        xdist_groups_named(items)
    groups: dict[str, list[pytest.Item]] = {}
    ordered: list[list[pytest.Item]] = []
    for item in items:
        mark = item.get_closest_marker("xdist_group")
        group = mark.args[0] if mark is not None and mark.args and str(mark.args[0]).startswith("fidelity-case-") else None
        if group is None:
            ordered.append([item])
        elif group in groups:
            groups[group].append(item)
        else:
            ordered.append(groups.setdefault(group, [item]))
    items[:] = [item for chunk in ordered for item in chunk]


def xdist_group_of(item: pytest.Item) -> str | None:
    """The xdist group of a test, as xdist names it (its ``xdist_group`` marks' names, joined)."""
    names = {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
    return "_".join(sorted(names)) or None


def xdist_groups_named(items: list[pytest.Item]) -> None:
    """Each grouped test's node id ending in ``@GROUP``, which is all that ``--dist loadgroup``
    reads to send a group's tests to one worker.  xdist's worker adds it by setting
    ``Item._nodeid``, which pytest 9.2 no longer reads (a node's id is ``Item._id``, a
    ``NodeId``): every group was silently ignored, so the browser module and the live server
    each started their server (and Chromium) on both workers, and 268 of 354 fidelity cases
    were replayed on both.  Where xdist's suffix did not take, it is put where pytest reads
    it (``tests/unit/test_suite_groups.py`` fails if neither does)."""
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # a pytest before 9.2, where xdist's own suffix takes
        return
    for item in items:
        group = xdist_group_of(item)
        if group is not None and not item.nodeid.endswith(f"@{group}"):
            item._id = NodeId.parse(f"{item.nodeid}@{group}")  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def fidelity_case() -> Iterator[Callable[[Path], Session]]:
    """A fidelity case replayed (``fidelity.report.replay_case``, on the suite's clock) once in
    this worker for every test that reads it (the pinned scores, the light verdicts), kept on a
    snapshot of the case folder's files (``case_snapshot``: a file changed since is replayed
    afresh, never answered from the old one); the latest ``KEPT_CASES``, each closed when
    dropped.  The tests only read it (verdicts, timelines, frames): none records a fact."""
    from fidelity.report import replay_case

    kept: OrderedDict[tuple, Session] = OrderedDict()

    def replayed(folder: Path) -> Session:
        key = case_snapshot(folder)
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
        kept[key] = replay_case(folder, clock=NOW)
        while len(kept) > KEPT_CASES:
            kept.popitem(last=False)[1].close()
        return kept[key]

    yield replayed
    for session in kept.values():
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
