"""A write's check of its session (``Writing.expect``) gives what the log holds, whoever wrote
in between: on PostgreSQL the first round trip reads the session's deletion and version
only if some write came in between since this process's last one checked that session
(``engine.store.log.Left``); else it takes what that write left, and when the write checks
that version it is made in one round trip, refused at its commit (``WrittenBetween``) if
some write came in between after all.  Two writers on one database (two processes)
interleave writes that check a session at the version each one believes (its own last
write's, or read afresh), writes that check nothing, sessions created and deleted; every
checked write must succeed, or be refused, exactly as the log read afresh by a third store
says it should; one refused as ``WrittenBetween`` only when the log moved on since that
writer's last write, storing nothing, and the same write made again then as the log says."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import SessionGone, WriteConflict, WrittenBetween
from engine.store import Store
from tests.contract.conftest import RECORDED, day, fact

WRITERS = 2
SESSIONS = 3
NAMES = itertools.count()  # session names, new in every example (the database outlives them)

steps = st.lists(st.tuples(st.sampled_from(["check", "check", "check", "read", "plain", "create", "delete"]),
                           st.integers(0, WRITERS - 1), st.integers(0, SESSIONS - 1), st.integers(1, 3)),
                 min_size=1, max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_a_checked_write_is_refused_exactly_when_the_log_says_so(backend, steps):
    writers: list[Store] = [backend.store] + [backend.another() for _ in range(WRITERS - 1)]
    truth = backend.another()
    try:
        sessions = [writers[0].registry.create(f"s{next(NAMES)}", created_at=RECORDED) for _ in range(SESSIONS)]
        believed = [[0] * SESSIONS for _ in writers]  # each writer's version of each session
        after = [None] * len(writers)  # the log's position after each writer's last write (None: it failed)
        for kind, who, which, count in steps:
            store, record = writers[who], sessions[which]
            if kind == "create":
                sessions[which] = store.registry.create(f"s{next(NAMES)}", created_at=RECORDED)
                for seen in believed:
                    seen[which] = 0
            elif kind == "delete":
                if record.id not in truth.registry.deleted():
                    store.registry.delete(record.id, at=RECORDED)
            elif kind == "read":
                believed[who][which] = truth.log.head(record.id)
            elif kind == "plain":
                if record.id not in truth.registry.deleted():
                    with store.log.writing() as writing:
                        writing.insert_facts(record.id, [fact(s, day(1)) for s in writing.allocate(count)])
                    after[who] = truth.log.position()
            else:
                version, head, gone = believed[who][which], truth.log.head(record.id), record.id in truth.registry.deleted()
                for attempt in range(2):
                    position = truth.log.position()
                    try:
                        with store.log.writing() as writing:
                            writing.expect(record.id, version)
                            written = [fact(s, day(1)) for s in writing.allocate(count)]
                            writing.insert_facts(record.id, written)
                        outcome = "stored"
                        believed[who][which] = written[-1].seq
                        after[who] = truth.log.position()
                    except SessionGone:
                        outcome = "gone"
                        after[who] = None
                    except WrittenBetween:  # a guess missed: only when the log moved on, and nothing stored
                        assert attempt == 0 and after[who] is not None and position != after[who], (kind, who, which)
                        assert truth.log.position() == position and truth.log.head(record.id) == head
                        after[who] = None
                        continue  # made again: it reads the log
                    except WriteConflict as exc:
                        outcome = "conflict"
                        after[who] = None
                        assert str(exc).startswith(f"session {record.id} is at version {head}, not {version}")
                    break
                assert outcome == ("gone" if gone else "stored" if head == version else "conflict"), (kind, who, which)
                if outcome == "stored":
                    assert truth.log.head(record.id) == written[-1].seq
    finally:
        for store in writers[1:] + [truth]:
            store.close()
            backend.opened.remove(store)
