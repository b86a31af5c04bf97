"""Opening a log written by an older or newer ripeness (``engine.store.migrations``), held to
the same promises on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, create_engine, inspect, text

from engine.errors import StoreError
from engine.store import open_store
from engine.store.migrations import SCHEMA_VERSION, Step, add_column, migrate
from engine.store.schema import facts
from tests.contract.conftest import SCENARIO, baseline, day, everything, state, write


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


def _as_version_1(url: str) -> None:
    """Make the log look as a version-1 ripeness left it: no confidence or attribution
    columns, one fact written by that ripeness."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for name in ("confidence", "claimed_by", "denied_by"):
            conn.execute(text(f"ALTER TABLE facts DROP COLUMN {name}"))
        conn.execute(text("UPDATE ripeness_meta SET value = '1' WHERE key = 'schema_version'"))
        conn.execute(text("INSERT INTO facts (seq, session_id, at, subject, kind, value, actor, target, source, note, "
                          "recorded_at, withdraws) VALUES (1, 1, 1609459200000000, 'IRN.enrichment_pct', 'state', '20', "
                          "'IRN', NULL, 'old', '', 1609459200000000, NULL)"))
    engine.dispose()


def test_a_version_1_log_opens_its_facts_read_as_confirmed_and_new_ones_keep_how_sure_they_are(backend):
    record = baseline(backend.store)
    backend.store.close()
    _as_version_1(backend.url)
    store = backend.reopen()
    engine = create_engine(backend.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM ripeness_meta WHERE key = 'schema_version'")).scalar() == str(SCHEMA_VERSION)
        assert {"confidence", "claimed_by", "denied_by"} <= {c["name"] for c in inspect(conn).get_columns("facts")}
    engine.dispose()
    [old] = everything(store, record)
    assert (old.value, old.confidence, old.claimed_by, old.denied_by) == (20, "confirmed", (), ())
    write(store, record.id, state(day(1), 60, confidence="disputed", claimed_by=("IRN",), denied_by=("USA",)),
          state(day(2), 63, confidence="reported"))
    again = backend.reopen()
    facts_now = everything(again, record)
    assert [(f.value, f.confidence, f.claimed_by, f.denied_by) for f in facts_now] == [
        (20, "confirmed", (), ()), (60, "disputed", ("IRN",), ("USA",)), (63, "reported", (), ())]
