"""Setting up a PostgreSQL fact log of F facts for the catch-up measurement, as ``logdb.py``
does for SQLite: the tables, the ``baseline`` session and the rule files' version made by
``engine.store.open_store``, then the facts written with PostgreSQL's ``COPY`` straight into
its ``facts`` table, in the format ``engine.store`` writes (``schema.fact_row``'s columns,
times in microseconds, values as sorted JSON, ``seq`` = id), with the table's indexes made
after the copy (as a bulk load does) and the log's position set after the last fact.

The generated stream starts in 1990 with about an hour between facts, so a long one runs
past today; a server's clock is the real one, so every fact is moved back by the same
amount, the last one a day before now (the gaps between facts, and so every verdict's
reasoning, stay as generated)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from benchmarks import generate, world

COLUMNS = ("seq", "session_id", "at", "subject", "kind", "value", "actor", "target", "source", "note", "recorded_at",
           "withdraws", "rules_version")


def prepare(url: str, scenario: dict[str, Any], stream: dict[str, Any], rules_dir: str) -> dict[str, Any]:
    """Write the rule files to ``rules_dir`` and F facts into the empty PostgreSQL database
    at ``url``; "now" for the measurement is the real clock (the last fact a day before)."""
    from sqlalchemy import create_engine, text, update

    from engine.store import open_store
    from engine.store.schema import POSITION_ROW, facts, log_position, to_us

    started = time.perf_counter()
    loaded = world.load(scenario, Path(rules_dir))
    store = open_store(url, loaded.rulebook.id)
    record = store.registry.create("baseline", created_at=dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc), description="the live record")
    version = store.versions.record(loaded.rulebook.id, loaded.rulebook.fingerprint, loaded.rulebook.canonical,
                                    dt.datetime.now(dt.timezone.utc)).version
    store.close()
    kinds = {k: s.get("kind", "state") for k, s in loaded.generated.subjects.items()}
    engine = create_engine(url)
    with engine.begin() as conn:
        for index in facts.indexes:  # made again after the copy: one sort per index instead of a million inserts
            index.drop(conn)
    raw = engine.raw_connection()
    head, seq, events = generate.START, 0, 0
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY facts ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for fact in generate.stream(loaded.generated, world.stream_size(stream)):
                seq += 1
                at = dt.datetime.fromisoformat(fact["at"])
                head = max(head, at)
                kind = kinds[fact["subject"]]
                events += kind == "event"
                copy.write_row((seq, record.id, to_us(at), fact["subject"], kind, json.dumps(fact.get("value"), sort_keys=True),
                                fact.get("actor"), fact.get("target"), fact["source"], "", to_us(head), None, version))
        raw.commit()
    finally:
        raw.close()
    copied = time.perf_counter()
    shift = to_us(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)) - to_us(head)
    with engine.begin() as conn:
        conn.execute(update(facts).values(at=facts.c.at + shift, recorded_at=facts.c.recorded_at + shift))
        for index in facts.indexes:
            index.create(conn)
        conn.execute(update(log_position).where(log_position.c.id == POSITION_ROW).values(last_seq=seq, changes=log_position.c.changes + 1))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE facts"))  # what autovacuum does soon after a bulk load: the planner's statistics
    engine.dispose()
    return {"facts": seq, "events": events, "copy_s": copied - started, "seconds": time.perf_counter() - started,
            "last": (head + dt.timedelta(microseconds=shift)).isoformat()}


def read_all(url: str) -> dict[str, Any]:
    """The bare read of the log: every row of its ``facts`` table in recording order, fetched
    by psycopg through a server-side cursor (rows as tuples, not made into facts)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        started = time.perf_counter()
        rows = 0
        with raw.cursor(name="everything") as cursor:
            cursor.itersize = 10_000
            cursor.execute("SELECT * FROM facts ORDER BY seq")
            for _ in cursor:
                rows += 1
        seconds = time.perf_counter() - started
        raw.rollback()
    finally:
        raw.close()
        engine.dispose()
    return {"rows": rows, "seconds": seconds}
