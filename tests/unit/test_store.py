"""The fact log and the sessions over it: what survives a restart, and what a restart reads."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from engine.errors import StoreError
from engine.live_session import PAST_QUESTIONS
from engine.sessions import BASELINE
from engine.store import open_store, shown_url
from ripeness.bootstrap import load_bundled_facts, open_sessions
from tests.conftest import NOW, ROOT

UTC = dt.timezone.utc
PAST = dt.datetime(2021, 3, 7, tzinfo=UTC)


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'log.db'}"


def enrichment(day: dt.date, value: float) -> tuple[str, dict]:
    return ("test", {"at": day.isoformat(), "actor": "IRN", "subject": "enrichment_pct", "value": value})


def test_a_log_belongs_to_one_scenario_and_schema(url):
    open_store(url, "jcpoa").close()
    with pytest.raises(StoreError, match="holds facts of scenario 'jcpoa', not 'strike'"):
        open_store(url, "strike")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ripeness_meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(StoreError, match="schema version 99"):
        open_store(url, "jcpoa")


def test_a_restart_reads_recent_state_then_each_past_moment_then_the_whole_history(jcpoa, url):
    sessions = open_sessions(jcpoa, url, NOW)
    load_bundled_facts(sessions, jcpoa)
    history = [enrichment(dt.date(2000, 1, 1) + dt.timedelta(days=i), 3 + (i % 5)) for i in range(600)]
    sessions.record(BASELINE, history)
    before_now, before_past = sessions.verdict(BASELINE), sessions.verdict(BASELINE, PAST)
    total = sum(1 for _ in sessions.log.load_all(sessions.store.registry.view(sessions.record_of(BASELINE))))
    sessions.close()

    again = open_sessions(jcpoa, url, NOW)
    assert again.verdict(BASELINE) == before_now
    with again.using(BASELINE) as session:  # what the restart loaded
        loaded = len(session.history)
        assert session.history.complete_from == NOW.now()
    state_subjects = sum(1 for s in jcpoa.rulebook.subjects.values() if s.kind == "state")
    assert loaded <= 2 * state_subjects, f"a restart loaded {loaded} of {total} facts"
    assert again.verdict(BASELINE, PAST) == before_past  # answered from that moment in the log
    with again.using(BASELINE) as session:
        assert len(session.history) == loaded
    for _ in range(PAST_QUESTIONS):
        assert again.verdict(BASELINE, PAST) == before_past
    with again.using(BASELINE) as session:  # asked often: the whole history is loaded once
        assert len(session.history) == total and session.history.complete_from is None
    again.close()


def test_a_withdrawn_fact_stays_withdrawn_after_a_restart(jcpoa, url):
    sessions = open_sessions(jcpoa, url, NOW)
    load_bundled_facts(sessions, jcpoa)
    sessions.record(BASELINE, [enrichment(dt.date(2021, 6, 1), 3.67)])
    [wrong] = sessions.record(BASELINE, [enrichment(dt.date(2021, 7, 1), 90)]).ids
    sessions.record(BASELINE, [("test", {"withdraws": wrong})])
    expected = sessions.verdict(BASELINE)
    sessions.close()

    again = open_sessions(jcpoa, url, NOW)
    assert again.verdict(BASELINE) == expected
    with again.using(BASELINE) as session:
        assert session.history.state_as_of(NOW.now())["IRN.enrichment_pct"].value == 3.67
    again.close()


def test_deleting_a_session_keeps_its_facts_in_the_log(jcpoa, url):
    sessions = open_sessions(jcpoa, url, NOW)
    sessions.fork("scratch")
    sessions.record("scratch", [enrichment(dt.date(2021, 6, 1), 3.67)])
    count = sessions.log.count()
    sessions.delete("scratch")
    assert sessions.log.count() == count and sessions.names() == [BASELINE]
    sessions.close()
    reopened = open_sessions(jcpoa, url, NOW)
    assert reopened.names() == [BASELINE]
    reopened.close()


def test_loading_the_bundled_facts_twice_stores_them_once(jcpoa, url):
    sessions = open_sessions(jcpoa, url, NOW)
    first = load_bundled_facts(sessions, jcpoa)
    assert first > 30 and load_bundled_facts(sessions, jcpoa) == 0
    assert sessions.log.count() == first
    sessions.close()


def test_two_stores_of_one_process_write_one_log_in_turn(jcpoa, url):
    """Two sessions sets in one process share the log's order: a write that another one
    overtook reads the session again and goes in after it; no id is given twice."""
    ours, theirs = open_sessions(jcpoa, url, NOW), open_sessions(jcpoa, url, NOW)
    first = ours.record(BASELINE, [enrichment(dt.date(2021, 1, 1), 4.0)]).ids
    other = theirs.record(BASELINE, [enrichment(dt.date(2021, 1, 2), 5.0)]).ids
    again = ours.record(BASELINE, [enrichment(dt.date(2021, 1, 3), 6.0)]).ids
    assert len({*first, *other, *again}) == 3
    stored = [f.id for f in ours.log.load_all(ours.store.registry.view(ours.record_of(BASELINE)))]
    assert stored == [*first, *other, *again]
    ours.close()
    theirs.close()


def test_a_second_process_cannot_open_a_sqlite_log_and_is_told_why(url, tmp_path):
    held = open_store(url, "jcpoa")
    code = f"from engine.store import open_store\nopen_store({url!r}, 'jcpoa')"
    refused = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 1
    assert f"is open in process {os.getpid()}" in refused.stderr
    assert "one process at a time" in refused.stderr and "PostgreSQL" in refused.stderr
    held.close()  # let go: the next process may open it
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


SECRET = "s3cret-Pa55word"


@pytest.mark.parametrize("url", [
    f"postgresql://ripeness:{SECRET}@127.0.0.1:1/facts",  # a closed port (or no driver installed)
    f"sqlite://ripeness:{SECRET}@/no/such/folder/log.db",  # SQLite takes no password: refused
    f"postgresql//ripeness:{SECRET}@db.example/facts",  # does not parse
])
def test_a_log_that_cannot_be_opened_never_shows_the_password(url):
    with pytest.raises(StoreError, match="cannot open the fact log") as caught:
        open_store(url, "jcpoa")
    assert SECRET not in str(caught.value)


def test_a_shown_url_masks_only_the_password():
    assert shown_url(f"postgresql+psycopg://ripeness:{SECRET}@db.example:5432/facts") == \
        "postgresql+psycopg://ripeness:***@db.example:5432/facts"
    assert shown_url("sqlite:////var/lib/ripeness/jcpoa.db") == "sqlite:////var/lib/ripeness/jcpoa.db"
    assert SECRET not in shown_url(f"postgresql//ripeness:{SECRET}@db.example/facts")


@pytest.mark.parametrize("paramstyle", ["qmark", "named", "numeric"])
def test_the_write_transaction_runs_whatever_the_drivers_paramstyle(tmp_path, paramstyle):
    """The write path's statements are the driver's own SQL for SQLite's and psycopg's
    paramstyles, and go through SQLAlchemy for any other: the same rows either way."""
    from sqlalchemy import select

    from engine.facts import Fact
    from engine.store.log import SqlWriting
    from engine.store.schema import facts, init_position, lock_position, log_position, metadata

    engine = create_engine(f"sqlite:///{tmp_path / 'p.db'}", paramstyle=paramstyle)
    metadata.create_all(engine)
    with engine.begin() as conn:
        init_position(conn)
    for round_ in range(2):
        with engine.begin() as conn:
            writing = SqlWriting(conn, lock_position(conn))
            writing.expect(1, 2 * round_)
            seqs = writing.allocate(2 if round_ else 1)
            writing.insert_facts(1, [Fact(id=f"f{s}", seq=s, at=PAST, subject="IRN.enrichment_pct", kind="state", value=s,
                                          source="s", recorded_at=PAST) for s in seqs])
            writing.finish()
        if round_ == 0:  # one fact, then two: the single and the many insert
            with engine.begin() as conn:
                writing = SqlWriting(conn, lock_position(conn))
                writing.expect(1, 1)
                writing.insert_facts(1, [Fact(id="f2", seq=writing.allocate(1)[0], at=PAST, subject="IRN.enrichment_pct",
                                              kind="state", value=2, source="s", recorded_at=PAST)])
                writing.finish()
    with engine.connect() as conn:
        assert conn.execute(select(facts.c.seq, facts.c.value).order_by(facts.c.seq)).all() == [(1, "1"), (2, "2"), (3, "3"), (4, "4")]
        assert conn.execute(select(log_position.c.last_seq, log_position.c.changes)).one() == (4, 3)
    engine.dispose()
