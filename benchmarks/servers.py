"""The two HTTP servers of the API ingest measurement, each run the way ``ripeness serve``
runs (``uvicorn.run``, loopback, log level warning), in its own process:

    python -m benchmarks.servers ripeness --port P --db URL --rules DIR
    python -m benchmarks.servers bare --port P --db URL

``bare`` is the baseline: a FastAPI endpoint with no ripeness code that validates the same
body (the same fields and constraints as a fact) and inserts the same row into a table of
the shape and indexes ripeness's fact table had when this baseline was written, in SQLite
with the same pragmas (WAL, synchronous=FULL) or in the same PostgreSQL database server,
one transaction (one commit) per request, writes serialised by a lock as ripeness
serialises its own.  Its write is SQLAlchemy Core's insert in SQLAlchemy's transaction;
ripeness runs its write's statements on the driver's connection (``engine.store.log``:
``SqliteWriting``, ``PgWriting``).  On PostgreSQL both take a pooled connection unchecked
and make the write again on another when its first statement finds it dropped; the bare
write is three round trips (BEGIN, INSERT, COMMIT), ripeness's two (its statements sent
together).  It has no group commit: with several clients, ripeness writes the
POSTs queued on a session in one transaction (``api.lanes``) and this baseline commits
each one alone, so the rows at 8 and 32 clients measure that difference too.  Ripeness's table has since gained
nullable columns (rules_version, act_count, since, confidence, claimed_by, denied_by) and
indexes (facts_withdrawals, facts_by_session, the partial facts_statements) that this copy
lacks: each of its inserts maintains fewer indexes than ripeness's does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import time
from typing import Annotated, Any, Union

import uvicorn
from fastapi import Body, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, create_engine, event, insert
from sqlalchemy.exc import DBAPIError

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]
Dotted = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")]

metadata = MetaData()
facts = Table("facts", metadata,
              Column("seq", Integer, primary_key=True),
              Column("session_id", Integer, nullable=False),
              Column("at", BigInteger, nullable=False),
              Column("subject", String(200), nullable=False),
              Column("kind", String(16), nullable=False),
              Column("value", Text, nullable=True),
              Column("actor", String(64), nullable=True),
              Column("target", String(64), nullable=True),
              Column("source", Text, nullable=False),
              Column("note", Text, nullable=False),
              Column("recorded_at", BigInteger, nullable=False),
              Column("withdraws", Integer, nullable=True),
              Index("facts_by_subject", "session_id", "subject", "at", "seq"),
              Index("facts_by_time", "session_id", "at"),
              Index("facts_by_withdrawn", "withdraws"))
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
DROPPED_RETRIES = 3  # as ``PgWriting.RETRIES``


class FactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    at: Union[dt.datetime, dt.date]
    actor: Identifier | None = None
    subject: Dotted
    value: Union[bool, int, float, str, None] = None
    target: Identifier | None = None
    source: str = Field(default="", max_length=2000)
    note: str = Field(default="", max_length=4000)
    withdraws: str | None = Field(default=None, pattern=r"^f[0-9]+$")


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    facts: list[FactIn] = Field(max_length=10_000)


def _us(at: dt.datetime | dt.date) -> int:
    if not isinstance(at, dt.datetime):
        at = dt.datetime(at.year, at.month, at.day, tzinfo=dt.timezone.utc)
    elif at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return (at - EPOCH) // dt.timedelta(microseconds=1)


def bare_app(db_url: str) -> FastAPI:
    if db_url.startswith("sqlite"):
        engine = create_engine(db_url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()
    else:  # PostgreSQL: as ripeness's writes connect to it (``engine.store.log.PgWriting``): a pooled connection, not
        # checked when taken, and the write made again on another when its first statement finds it dropped
        engine = create_engine(db_url)

    metadata.create_all(engine)
    lock = threading.Lock()
    app = FastAPI(title="bare")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/sessions/{sid}/facts", status_code=201)
    def post_facts(sid: str, body: Annotated[Union[FactIn, Batch], Body()]) -> dict[str, Any]:
        items = body.facts if isinstance(body, Batch) else [body]
        now = _us(dt.datetime.now(dt.timezone.utc))
        # the bare app knows no scenario: in the generated streams an event is the fact with a target
        rows = [{"session_id": 1, "at": _us(f.at), "subject": f.subject, "kind": "event" if f.actor and f.target else "state",
                 "value": json.dumps(f.value, sort_keys=True), "actor": f.actor, "target": f.target, "source": f.source,
                 "note": f.note, "recorded_at": now, "withdraws": None} for f in items]
        with lock:
            for attempt in range(DROPPED_RETRIES + 1):
                sent = False
                try:
                    with engine.begin() as conn:
                        result = conn.execute(insert(facts), rows)
                        sent = True
                        first = result.inserted_primary_key[0] if len(rows) == 1 else None
                    break
                except DBAPIError as exc:  # dropped before anything was sent: made again on another connection
                    if sent or not exc.connection_invalidated or attempt == DROPPED_RETRIES:
                        raise
        return {"session": sid, "ids": [f"f{first}"] if first is not None else [f"f?{i}" for i in range(len(rows))]}

    return app


def ripeness_app(db_url: str, rules: str) -> FastAPI:
    from ripeness.service import build_app

    app, _ = build_app(rules, db_url, None, "127.0.0.1", load_facts=False)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["ripeness", "bare"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--rules", default="")
    args = parser.parse_args()
    started = time.perf_counter()
    app = ripeness_app(args.db, args.rules) if args.kind == "ripeness" else bare_app(args.db)
    print(f"{args.kind} app built in {time.perf_counter() - started:.2f}s", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
