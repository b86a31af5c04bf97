"""Setting up a fact log of F facts for the cold-start, as-of and what-if measurements:
the schema and the ``baseline`` session made by ``engine.store.open_store``, then the facts
bulk-inserted with SQLAlchemy Core straight into its ``facts`` table, in the format
``engine.store`` writes (times in microseconds, values as sorted JSON, ``seq`` = id), and the
log's position set after the last of them, so that a measurement that records goes on from there."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks import generate, world

BATCH = 50_000


def prepare(db_path: str, scenario: dict[str, Any], stream: dict[str, Any], rules_dir: str) -> dict[str, Any]:
    """Write the rule files to ``rules_dir`` and the log to ``db_path`` (a file); "now" for
    later questions is a day after the last fact."""
    from sqlalchemy import create_engine, event, insert, update

    from engine.store import open_store
    from engine.store.schema import POSITION_ROW, facts, log_position, to_us

    started = time.perf_counter()
    loaded = world.load(scenario, Path(rules_dir))
    url = f"sqlite:///{db_path}"
    log = open_store(url, loaded.rulebook.id)
    record = log.registry.create("baseline", created_at=generate.START, description="the live record")
    # the rule files' version recorded, and each fact checked against it, as ripeness writes a log:
    # without it the first start takes the rule files as changed and checks every fact again
    version = log.versions.record(loaded.rulebook.id, loaded.rulebook.fingerprint, loaded.rulebook.canonical,
                                  dt.datetime.now(dt.timezone.utc)).version
    log.close()
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record) -> None:  # set-up only: the measured code opens the log its own way
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    kinds = {k: s.get("kind", "state") for k, s in loaded.generated.subjects.items()}
    size = world.stream_size(stream)
    head, seq, events = generate.START, 0, 0
    for chunk in generate.chunks(generate.stream(loaded.generated, size), BATCH):
        rows = []
        for fact in chunk:
            seq += 1
            at = dt.datetime.fromisoformat(fact["at"])
            head = max(head, at)
            kind = kinds[fact["subject"]]
            events += kind == "event"
            rows.append({"seq": seq, "session_id": record.id, "at": to_us(at), "subject": fact["subject"], "kind": kind,
                         "value": json.dumps(fact.get("value"), sort_keys=True), "actor": fact.get("actor"),
                         "target": fact.get("target"), "source": fact["source"], "note": "",
                         "recorded_at": to_us(head), "withdraws": None, "rules_version": version})
        with engine.begin() as conn:
            conn.execute(insert(facts), rows)
    with engine.begin() as conn:  # the log's position after the last fact, as a write sets it: the next fact is numbered on
        conn.execute(update(log_position).where(log_position.c.id == POSITION_ROW).values(last_seq=seq))
    engine.dispose()
    now = head + dt.timedelta(days=1)
    return {"facts": seq, "events": events, "first": generate.START.isoformat(), "last": head.isoformat(),
            "now": now.isoformat(), "seconds": time.perf_counter() - started}


_prepared: dict[tuple[int, int, str], dict[str, Any]] = {}


def ensure(cfg: Any, facts: int, folder: Path, events: int | None = None) -> dict[str, Any]:
    """A log of ``facts`` facts in ``folder`` for this run (written once, in its own process),
    about ``events`` of them events (default: the configured share); its info with ``db``,
    ``url`` and ``rules`` added."""
    from benchmarks.common import in_child

    events = max(1, facts * cfg.event_share_pct // 100) if events is None else events
    key = (facts, events, str(folder))
    if key not in _prepared:
        db, rules = folder / f"log-{facts}-{events}.db", folder / f"rules-{facts}-{events}"
        stream = dict(facts=facts, subjects=cfg.stream_subjects, events=events, seed=cfg.seed)
        out = in_child("logdb:prepare", cfg.setup_timeout, db_path=str(db), scenario=cfg.scenario, stream=stream, rules_dir=str(rules))
        if not out.ok:
            raise RuntimeError(f"writing a log of {facts:,} facts failed: {out.error}")
        _prepared[key] = dict(out.value, db=str(db), url=f"sqlite:///{db}", rules=str(rules))
    return _prepared[key]


def copy(log: dict[str, Any], to: Path) -> dict[str, Any]:
    """The same log in another file, for a measurement that writes to it."""
    for suffix in ("", "-wal", "-shm"):
        source = Path(log["db"] + suffix)
        if source.exists():
            shutil.copyfile(source, str(to) + suffix)
    return dict(log, db=str(to), url=f"sqlite:///{to}")
