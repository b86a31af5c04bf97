"""The versions of a scenario's rule files in SQL (``engine.store.ports.RulebookVersions``)."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from engine.store.ports import RulebookVersion
from engine.store.schema import from_us, rulebooks, to_us

RECORD_ATTEMPTS = 5


class SqlRulebookVersions:
    def __init__(self, engine: Engine, write: threading.Lock):
        self._engine, self._write = engine, write

    def record(self, scenario: str, fingerprint: str, rules: str, at: dt.datetime) -> RulebookVersion:
        """Another process starting at the same time may number the same rules, or other
        rules, first: the insert then fails on the unique fingerprint or number, and the
        version is read again (a few tries)."""
        for attempt in range(RECORD_ATTEMPTS):
            try:
                with self._write, self._engine.begin() as conn:
                    row = conn.execute(select(rulebooks).where(rulebooks.c.fingerprint == fingerprint)).first()
                    if row is None:
                        number = (conn.execute(select(func.max(rulebooks.c.version))).scalar() or 0) + 1
                        conn.execute(insert(rulebooks).values(version=number, scenario=scenario, fingerprint=fingerprint,
                                                              recorded_at=to_us(at), rules=rules))
                        row = conn.execute(select(rulebooks).where(rulebooks.c.version == number)).one()
                return _version_of(row)
            except IntegrityError:
                if attempt == RECORD_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def latest(self, scenario: str) -> RulebookVersion | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(rulebooks).where(rulebooks.c.scenario == scenario)
                               .order_by(rulebooks.c.version.desc()).limit(1)).first()
        return _version_of(row) if row is not None else None

    def get(self, version: int) -> RulebookVersion | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(rulebooks).where(rulebooks.c.version == version)).first()
        return _version_of(row) if row is not None else None


def _version_of(row) -> RulebookVersion:
    return RulebookVersion(row.version, row.scenario, row.fingerprint, from_us(row.recorded_at), row.rules)
