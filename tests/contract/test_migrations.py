"""Opening a log written by an older or newer ripeness (``engine.store.migrations``), held to
the same promises on every backend."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import Column, Integer, create_engine, inspect, text

from engine.errors import SessionError, StoreError
from engine.store import open_store
from engine.store.migrations import SCHEMA_VERSION, Step, add_column, migrate
from engine.store.schema import facts, to_us
from tests.contract.conftest import RECORDED, SCENARIO, baseline, day, event, everything, fact, state, write


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


def test_a_version_1_log_opens_with_its_facts_and_new_facts_record_their_rules_version(backend):
    record = baseline(backend.store)
    [old] = write(backend.store, record.id, lambda seq: fact(seq, dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)))
    backend.store.close()
    engine = create_engine(backend.url)
    with engine.begin() as conn:  # the log as ripeness wrote it before versions of the rule files
        conn.execute(text("ALTER TABLE facts DROP COLUMN rules_version"))
        conn.execute(text("UPDATE ripeness_meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()
    store = backend.reopen()
    [read] = list(store.log.load_all(store.registry.view(record)))
    assert read == old and read.rules_version is None
    version = store.versions.record(SCENARIO, "ab" * 32, "{}", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    [new] = write(store, record.id, lambda seq: replace(fact(seq, dt.datetime(2021, 2, 1, tzinfo=dt.timezone.utc)),
                                                        rules_version=version.version))
    assert [f.rules_version for f in store.log.load_all(store.registry.view(record))] == [None, version.version]


def test_rule_file_versions_are_numbered_once_per_fingerprint(backend):
    at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    versions = backend.store.versions
    assert versions.latest(SCENARIO) is None
    first = versions.record(SCENARIO, "a" * 64, '{"x": 1}', at)
    assert versions.record(SCENARIO, "a" * 64, '{"x": 1}', at + dt.timedelta(days=1)) == first
    second = versions.record(SCENARIO, "b" * 64, '{"x": 2}', at)
    assert (first.version, second.version) == (1, 2) and versions.latest(SCENARIO) == second
    assert backend.reopen().versions.get(1) == first


def test_a_log_of_version_1_gets_its_position_and_session_names_and_works_on(backend):
    """A log written before several replicas could share it (no position row, no name
    claims): opening it brings both, and writes go on after its last fact."""
    store = backend.store
    root = baseline(store)
    fork = store.registry.create("oil", created_at=RECORDED, parent=root, fork_at=day(1))
    gone = store.registry.create("gone", created_at=RECORDED)
    store.registry.delete(gone.id, at=RECORDED)
    written = write(store, root.id, state(day(1)), state(day(2)))
    store.close()
    engine = create_engine(backend.url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE log_position"))
        conn.execute(text("DROP TABLE session_names"))
        conn.execute(text("UPDATE ripeness_meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()
    again = backend.reopen()
    assert again.log.position().last_seq == written[-1].seq
    assert [f.seq for f in write(again, root.id, state(day(3)))] == [written[-1].seq + 1]
    with pytest.raises(SessionError, match="'oil' exists already"):
        again.registry.create("oil", created_at=RECORDED, parent=root, fork_at=day(2))
    assert again.registry.create("gone", created_at=RECORDED).name == "gone"  # a deleted session's name is free
    assert [r.id for r in again.registry.live()] == [root.id, fork.id, gone.id + 1]


def _as_written_at_version_1(url: str) -> None:
    """The log as a ripeness of schema version 1 left it: sessions without a scenario."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX sessions_by_scenario"))
        conn.execute(text("ALTER TABLE sessions DROP COLUMN scenario"))
        conn.execute(text("UPDATE ripeness_meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()


def test_a_log_of_version_1_opens_with_its_sessions_in_the_scenario_it_was_made_for(backend):
    store = backend.store
    root = store.registry.create("baseline", created_at=RECORDED)
    with store.log.writing() as write:
        write.insert_facts(root.id, [fact(write.allocate(1)[0], day(1), value=20)])
    whatif = store.registry.create("oil_eased", created_at=RECORDED, parent=root, fork_at=day(3))
    store.close()
    _as_written_at_version_1(backend.url)

    reopened = backend.reopen()  # brought up to this schema
    assert [r.name for r in reopened.registry.live()] == ["baseline", "oil_eased"]
    assert [f.value for f in reopened.log.load_all(reopened.registry.view(whatif))] == [20]
    engine = create_engine(backend.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM ripeness_meta WHERE key = 'schema_version'")).scalar() == str(SCHEMA_VERSION)
        assert {row[0] for row in conn.execute(text("SELECT scenario FROM sessions"))} == {SCENARIO}
    engine.dispose()
    # another scenario over the same log sees none of them, and its own only
    other = reopened.scoped("strike")
    assert other.registry.live() == []
    other.registry.create("baseline", created_at=RECORDED)
    assert [r.name for r in other.registry.live()] == ["baseline"]
    assert [r.name for r in reopened.registry.live()] == ["baseline", "oil_eased"]


def test_a_log_made_for_one_scenario_opens_for_another_only_once_it_holds_that_ones_sessions(backend):
    with pytest.raises(StoreError, match="holds facts of scenario 'contract', not 'strike'"):
        open_store(backend.url, "strike")
    backend.store.scoped("strike").registry.create("baseline", created_at=RECORDED)
    served_together = open_store(backend.url, "strike")  # it was served with the others: its sessions are there
    backend.opened.append(served_together)
    assert [r.name for r in served_together.registry.live()] == ["baseline"]


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
        conn.execute(text("DROP TABLE log_position"))  # nor the replicas' position (it would not know the fact below)
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


def _write_old_fact(conn) -> None:
    """One fact as an older ripeness wrote it: only the columns every version has."""
    conn.execute(text("INSERT INTO facts (seq, session_id, at, subject, kind, value, actor, target, source, note, "
                      "recorded_at, withdraws) VALUES (1, 1, 1609459200000000, 'IRN.enrichment_pct', 'state', '20', "
                      "'IRN', NULL, 'old', '', 1609459200000000, NULL)"))


def _reopened_upgraded(backend, columns: set[str]):
    """The backend's store opened again over an older log, which it has upgraded: the
    schema version is the present one and ``facts`` has ``columns``."""
    store = backend.reopen()
    engine = create_engine(backend.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM ripeness_meta WHERE key = 'schema_version'")).scalar() == str(SCHEMA_VERSION)
        assert columns <= {c["name"] for c in inspect(conn).get_columns("facts")}
    engine.dispose()
    return store


def _as_version_1(url: str) -> None:
    """Make the log look as a version-1 ripeness left it: no confidence or attribution
    columns, one fact written by that ripeness."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for name in ("confidence", "claimed_by", "denied_by"):
            conn.execute(text(f"ALTER TABLE facts DROP COLUMN {name}"))
        conn.execute(text("DROP TABLE log_position"))  # nor the replicas' position (it would not know the fact below)
        conn.execute(text("UPDATE ripeness_meta SET value = '1' WHERE key = 'schema_version'"))
        _write_old_fact(conn)
    engine.dispose()


def test_a_version_1_log_opens_its_facts_read_as_confirmed_and_new_ones_keep_how_sure_they_are(backend):
    record = baseline(backend.store)
    backend.store.close()
    _as_version_1(backend.url)
    store = _reopened_upgraded(backend, {"confidence", "claimed_by", "denied_by"})
    [old] = everything(store, record)
    assert (old.value, old.confidence, old.claimed_by, old.denied_by) == (20, "confirmed", (), ())
    write(store, record.id, state(day(1), 60, confidence="disputed", claimed_by=("IRN",), denied_by=("USA",)),
          state(day(2), 63, confidence="reported"))
    again = backend.reopen()
    facts_now = everything(again, record)
    assert [(f.value, f.confidence, f.claimed_by, f.denied_by) for f in facts_now] == [
        (20, "confirmed", (), ()), (60, "disputed", ("IRN",), ("USA",)), (63, "reported", (), ())]


def _as_version_6(url: str) -> None:
    """Make the log look as a version-6 ripeness left it: no ``approx`` column, one fact
    written by that ripeness."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE facts DROP COLUMN approx"))
        conn.execute(text("UPDATE ripeness_meta SET value = '6' WHERE key = 'schema_version'"))
        _write_old_fact(conn)
        conn.execute(text("UPDATE log_position SET last_seq = 1"))
    engine.dispose()


def test_a_version_6_log_opens_its_facts_dated_as_given_and_new_ones_keep_an_approximate_date(backend):
    record = baseline(backend.store)
    backend.store.close()
    _as_version_6(backend.url)
    store = _reopened_upgraded(backend, {"approx"})
    [old] = everything(store, record)
    assert (old.value, old.approx) == (20, False)
    write(store, record.id, state(day(1), 60, approx=True), state(day(2), 63))
    again = backend.reopen()
    assert [(f.value, f.approx) for f in everything(again, record)] == [(20, False), (60, True), (63, False)]
