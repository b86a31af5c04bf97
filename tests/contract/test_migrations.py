"""Opening a log written by an older or newer ripeness (``engine.store.migrations``), held to
the same promises on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, create_engine, inspect, text

from engine.errors import StoreError
from engine.store import open_store
from engine.store.migrations import SCHEMA_VERSION, Step, add_column, migrate
from engine.store.schema import facts, to_us
from tests.contract.conftest import SCENARIO, baseline, day, event, everything, write


def _set_version(url: str, version: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ripeness_meta SET value = :v WHERE key = 'schema_version'"), {"v": version})
    engine.dispose()


def test_a_log_of_a_newer_schema_is_refused_and_left_as_it_was(backend):
    backend.store.close()
    _set_version(backend.url, str(SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}; this ripeness reads up to {SCHEMA_VERSION}"):
        open_store(backend.url, SCENARIO)
    engine = create_engine(backend.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM ripeness_meta WHERE key = 'schema_version'")).scalar() == str(SCHEMA_VERSION + 1)
    engine.dispose()


def test_a_log_whose_version_is_not_a_number_is_refused(backend):
    backend.store.close()
    _set_version(backend.url, "two")
    with pytest.raises(StoreError, match="'two', not a number"):
        open_store(backend.url, SCENARIO)


def test_steps_run_in_order_once_and_all_or_nothing(backend):
    backend.store.close()
    engine = create_engine(backend.url)
    extra = Column("extra_for_test", Integer)
    steps = [Step(2, "an extra column", lambda conn: add_column(conn, facts, extra))]
    with engine.begin() as conn:
        assert migrate(conn, 1, steps) == 2
        assert migrate(conn, 2, steps) == 2  # nothing left to do
    with engine.connect() as conn:
        assert "extra_for_test" in {c["name"] for c in inspect(conn).get_columns("facts")}

    def broken(conn):
        add_column(conn, facts, Column("half_done", Integer))
        raise StoreError("a step that fails half-way")

    with pytest.raises(StoreError, match="half-way"):
        with engine.begin() as conn:
            migrate(conn, 1, [Step(2, "half", broken)])
    with engine.connect() as conn:
        assert "half_done" not in {c["name"] for c in inspect(conn).get_columns("facts")}
    with pytest.raises(StoreError, match="out of order"), engine.begin() as conn:
        migrate(conn, 1, [Step(3, "skips 2", lambda conn: None)])
    engine.dispose()


def test_a_version_1_log_opens_with_counted_events_and_its_events_count_one_act_each(backend):
    """A log written before counted events (no ``act_count`` or ``since`` column, version 1)
    is brought up when opened: its events read as one act each, and counted events can be
    written to it and read back."""
    record = baseline(backend.store)
    backend.store.close()
    engine = create_engine(backend.url)
    with engine.begin() as conn:  # the facts table as version 1 had it, with one event in it
        conn.execute(text("ALTER TABLE facts DROP COLUMN act_count"))
        conn.execute(text("ALTER TABLE facts DROP COLUMN since"))
        conn.execute(text("INSERT INTO facts (seq, session_id, at, subject, kind, value, actor, target, source, note, recorded_at) "
                          "VALUES (1, :sid, :at, 'USA.strike', 'event', '\"strike\"', 'USA', 'IRN', 'old', '', :at)"),
                     {"sid": record.id, "at": to_us(day(0))})
        conn.execute(text("UPDATE ripeness_meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()
    store = backend.reopen()
    [old] = everything(store, record)
    assert (old.id, old.count, old.since, old.acts) == ("f1", None, None, 1)
    write(store, record.id, event(day(30), count=150, since=day(1)))
    assert [(f.count, f.since, f.acts) for f in everything(backend.reopen(), record)] == [(None, None, 1), (150, day(1), 150)]
    engine = create_engine(backend.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM ripeness_meta WHERE key = 'schema_version'")).scalar() == str(SCHEMA_VERSION)
    engine.dispose()
