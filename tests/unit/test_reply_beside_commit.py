"""A reply's verdicts are worked out while its write's commit waits (``Sessions._record_once``,
``Writing.beside``) and answered only once the commit is done; a commit that fails after
them answers its error as before, and nothing of them is shown or kept.

The commit is held, and refused, by a real PostgreSQL server: a deferred constraint trigger
on the facts runs at ``COMMIT``, waits for an advisory lock the test holds, and refuses the
commit while the table ``refuse_commit`` has a row."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from engine.errors import StoreError
from engine.sessions import BASELINE, FactPost, Recorded, Sessions
from engine.store import open_store
from ripeness.bootstrap import load_bundled_facts, open_sessions, rules_engine
from tests.conftest import NOW

GATE = 7301  # the advisory lock the commit waits for

COMMIT_GATE = f"""
CREATE TABLE refuse_commit (why text);
CREATE FUNCTION commit_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_lock({GATE});
  PERFORM pg_advisory_unlock({GATE});
  IF EXISTS (SELECT 1 FROM refuse_commit) THEN
    RAISE EXCEPTION 'refused at commit';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER commit_gate AFTER INSERT ON facts DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION commit_gate();
"""

BACK = FactPost([("body", {"at": "2021-04-01", "actor": "IRN", "subject": "enrichment_pct", "value": 3.0}),
                 ("body", {"at": "2021-04-01", "actor": "IRN", "subject": "stockpile_kg_u", "value": 100.0})])


def within_limits(verdict) -> bool:
    return "IRN.return_to_limits" in verdict.moves_done


class Watched:
    """The real rules engine, telling (``asked``) when it is called once ``armed``: a verdict
    being worked out."""

    def __init__(self, port):
        self.port, self.armed, self.asked = port, False, threading.Event()

    def open(self, rules):
        return self.port.open(rules)

    def apply(self, slot, retract, add):
        if self.armed:
            self.asked.set()
        return self.port.apply(slot, retract, add)

    def close(self, slot):
        self.port.close(slot)


@pytest.fixture
def gated(jcpoa, db_url) -> Iterator[tuple[Sessions, Watched, object]]:
    """Sessions with the bundled facts on a PostgreSQL log whose commits pass the gate."""
    watched = Watched(rules_engine())
    sessions = Sessions(jcpoa.rulebook, jcpoa.rules, watched, open_store(db_url, jcpoa.rulebook.id), NOW)
    load_bundled_facts(sessions, jcpoa)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(COMMIT_GATE)
    try:
        yield sessions, watched, engine
    finally:
        sessions.close()
        engine.dispose()


@contextmanager
def gate_held(engine) -> Iterator[None]:
    """Every commit of a fact waits at the gate until the block ends."""
    with engine.connect() as conn:
        conn.execute(text(f"SELECT pg_advisory_lock({GATE})"))
        try:
            yield
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock({GATE})"))


def writing(sessions: Sessions, post: FactPost) -> tuple[threading.Thread, list]:
    replies: list = []
    thread = threading.Thread(target=lambda: replies.extend(sessions.record_many(BASELINE, [post])))
    thread.start()
    return thread, replies


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_replys_verdicts_are_worked_out_while_its_commit_waits_and_answered_only_after_it(gated):
    sessions, watched, engine = gated
    assert not within_limits(sessions.verdict(BASELINE))
    before = sessions.log.count()
    with gate_held(engine):
        watched.armed = True
        thread, replies = writing(sessions, BACK)
        assert watched.asked.wait(60), "the reply's verdict was not worked out while the commit waited"
        time.sleep(0.2)
        assert thread.is_alive() and not replies, "answered before the commit was done"
        assert sessions.log.count() == before  # not committed yet
    thread.join(60)
    [reply] = replies
    assert isinstance(reply, Recorded) and within_limits(reply.verdict)
    assert sessions.log.count() == before + 2
    assert reply.verdict == sessions.verdict(BASELINE)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_commit_refused_after_the_verdicts_were_worked_out_answers_the_error_and_keeps_nothing_of_them(gated, jcpoa, db_url):
    sessions, watched, engine = gated
    assert not within_limits(sessions.verdict(BASELINE))
    before = sessions.log.count()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO refuse_commit VALUES ('a disk error')"))
    with gate_held(engine):
        watched.armed = True
        thread, replies = writing(sessions, BACK)
        assert watched.asked.wait(60), "the reply's verdict was not worked out while the commit waited"
        time.sleep(0.5)  # the verdicts worked out (milliseconds) before the commit is refused
    thread.join(60)
    [reply] = replies
    assert isinstance(reply, StoreError) and "refused the write" in str(reply)
    assert sessions.log.count() == before
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM refuse_commit"))
    # the session as before: the verdicts of the refused facts are neither shown nor read again
    fresh = open_sessions(jcpoa, db_url, NOW)
    try:
        now = sessions.verdict(BASELINE)
        assert not within_limits(now) and now == fresh.verdict(BASELINE)
        assert [f.id for f in sessions.facts(BASELINE).facts] == [f.id for f in fresh.facts(BASELINE).facts]
    finally:
        fresh.close()
    # and the same facts sent again are stored and answered
    [again] = sessions.record_many(BASELINE, [BACK])
    assert isinstance(again, Recorded) and within_limits(again.verdict) and again.verdict == sessions.verdict(BASELINE)
