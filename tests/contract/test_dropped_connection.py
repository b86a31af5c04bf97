"""A PostgreSQL log whose connections the server drops (a restart, an administrator, a
proxy's timeout): a write's connection is not checked when taken from the pool
(``engine.store.log.PgWriting``), so the write's first round trip must find a dropped one
and make the write on another; a write whose connection drops half-way stores nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.errors import StoreError
from engine.store import Store, open_store
from tests.backends import Postgres
from tests.contract.conftest import RECORDED, SCENARIO, baseline, day, everything, fact, state, write


@pytest.fixture
def on_postgres(postgres_server: Postgres) -> Iterator[tuple[Store, str]]:
    url = postgres_server.fresh_url()
    store = open_store(url, SCENARIO)
    try:
        yield store, url
    finally:
        store.close()
        postgres_server.drop(url)


def drop_connections(url: str) -> int:
    """Terminate every server process connected to the database of ``url`` but this one's: how many."""
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())
    finally:
        admin.dispose()


def test_a_write_after_the_server_dropped_its_pooled_connection_is_made_on_another(on_postgres):
    store, url = on_postgres
    root = baseline(store)
    [first] = write(store, root.id, state(day(1)))  # the write's connection is in the pool now
    assert drop_connections(url) >= 1
    with store.log.writing() as writing:
        writing.expect(root.id, first.seq)
        [seq] = writing.allocate(1)
        writing.insert_facts(root.id, [fact(seq, day(2), value=60)])
    assert [(f.seq, f.value) for f in everything(store, root)] == [(first.seq, 3.67), (seq, 60)]
    assert store.log.position().last_seq == seq == first.seq + 1


def test_a_write_whose_connection_drops_half_way_stores_nothing_and_the_next_one_is_stored(on_postgres):
    store, url = on_postgres
    root = baseline(store)
    [first] = write(store, root.id, state(day(1)))
    with pytest.raises(StoreError, match="refused the write"), store.log.writing() as writing:
        writing.expect(root.id, first.seq)  # the first round trip: the position is held
        seqs = writing.allocate(2)
        writing.insert_facts(root.id, [fact(s, day(2)) for s in seqs])
        drop_connections(url)  # before the facts and the COMMIT are sent
    assert everything(store, root) == [first] and store.log.position().last_seq == first.seq
    [again] = write(store, root.id, state(day(3), 90))
    assert again.seq == first.seq + 1 and everything(store, root) == [first, again]
    assert store.registry.create("later", created_at=RECORDED).name == "later"  # the other connections recover too
