"""A database reached through a driver other than Python's ``sqlite3`` or psycopg 3 is written
through SQLAlchemy (``engine.store.log.SqlWriting``, as every write was before the
driver's own): held here, on a SQLite file through SQLAlchemy, to the write promises that
the two drivers' writings keep (numbers in order, the session's version, requests stored
with their facts, all or nothing)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from engine.errors import SessionGone, WriteConflict
from engine.store import open_store
from engine.store.log import SqlWriting
from engine.store.schema import lock_position
from tests.contract.conftest import RECORDED, SCENARIO, baseline, day, everything, fact, state, write


def test_a_write_through_sqlalchemy_keeps_the_log_s_promises(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    store = open_store(url, SCENARIO)
    engine = create_engine(url)  # the same file through SQLAlchemy's own execution
    try:
        root = baseline(store)
        [first] = write(store, root.id, state(day(1)))
        with engine.begin() as conn:
            writing = SqlWriting(conn, lock_position(conn))
            writing.expect(root.id, first.seq)
            seqs = writing.allocate(2)
            written = [fact(seqs[0], day(2), value=20), fact(seqs[1], day(3), note="it's; a \\ note")]
            writing.insert_facts(root.id, written)
            writing.insert_request(root.id, "key-1", "hash", seqs)
            writing.finish()
        assert everything(store, root) == [first, *written]
        assert store.log.position().last_seq == seqs[-1] and store.replies.request(root.id, "key-1").seqs == seqs
        with pytest.raises(WriteConflict), engine.begin() as conn:
            SqlWriting(conn, lock_position(conn)).expect(root.id, first.seq)
        with pytest.raises(RuntimeError), engine.begin() as conn:
            writing = SqlWriting(conn, lock_position(conn))
            writing.insert_facts(root.id, [fact(s, day(4)) for s in writing.allocate(3)])
            writing.finish()
            raise RuntimeError("the caller gave up before the commit")
        assert everything(store, root) == [first, *written] and store.log.position().last_seq == seqs[-1]
        scratch = store.registry.create("scratch", created_at=RECORDED, parent=root, fork_at=day(10))
        store.registry.delete(scratch.id, at=RECORDED)
        with pytest.raises(SessionGone), engine.begin() as conn:
            SqlWriting(conn, lock_position(conn)).expect(scratch.id, 0)
        assert [f.seq for f in write(store, root.id, state(day(5)))] == [seqs[-1] + 1]
    finally:
        engine.dispose()
        store.close()
