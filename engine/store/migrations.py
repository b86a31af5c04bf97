"""How a fact log written by an older ripeness is brought up to this one's schema.

A log records its schema version in ``ripeness_meta``.  Each ``Step`` takes a log from the
version before it to its own ``version`` (adding a column, a table, an index); opening a log
runs the steps it lacks, in order, in the transaction that checks it, so a log is either
brought all the way up or left as it was.  A log of a newer version than this ripeness reads
is refused (``StoreError``): an older program must not write into it.

Tables and indexes that are missing altogether are made by ``metadata.create_all`` before the
steps run; a step is for what ``create_all`` cannot do to a table that exists (a new column).
New steps go at the end of ``STEPS``, with the next version number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Integer, Table, insert, inspect, select, text, update

from engine.errors import StoreError
from engine.store.schema import facts, init_position, meta, session_deletions, session_names, sessions

BASE_VERSION = 1  # the schema of every log made before migrations existed


@dataclass(frozen=True)
class Step:
    version: int  # the version the log has after this step
    summary: str  # what it changes, in words (shown when it runs)
    apply: Callable[[Connection], None]


def add_column(conn: Connection, table: Table, column: Column) -> None:
    """Add ``column`` (nullable, no default: old rows read as NULL) to ``table`` if missing."""
    if column.name in {c["name"] for c in inspect(conn).get_columns(table.name)}:
        return
    kind = column.type.compile(dialect=conn.dialect)
    name = conn.dialect.identifier_preparer.quote(column.name)
    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}"))


def _scenario_of_sessions(conn: Connection) -> None:
    """Sessions name their scenario, so that one log holds several: every session of an
    older log is of the scenario the log was made for (``ripeness_meta``'s ``scenario``)."""
    add_column(conn, sessions, Column("scenario", sessions.c.scenario.type))
    made_for = conn.execute(select(meta.c.value).where(meta.c.key == "scenario")).scalar()
    conn.execute(update(sessions).where(sessions.c.scenario.is_(None)).values(scenario=made_for))
    next(i for i in sessions.indexes if i.name == "sessions_by_scenario").create(conn, checkfirst=True)


def _replicas(conn: Connection) -> None:
    """Several replicas on one log: the position row after every fact already written, and
    the name of each live session claimed in its scenario (when two live sessions of one
    scenario share one, written before names were unique, the older keeps it)."""
    init_position(conn)
    claimed = {(r.scenario, r.name) for r in conn.execute(select(session_names.c.scenario, session_names.c.name))}
    deleted = select(session_deletions.c.session_id)
    live = select(sessions.c.id, sessions.c.name, sessions.c.scenario).where(sessions.c.id.not_in(deleted)).order_by(sessions.c.id)
    for row in conn.execute(live):
        if (row.scenario, row.name) not in claimed:
            conn.execute(insert(session_names).values(scenario=row.scenario, name=row.name, session_id=row.id))
            claimed.add((row.scenario, row.name))


def add_counted_events(conn: Connection) -> None:
    """Counted events: a fact's count and the start of the period it covers.  Older facts
    read NULL in both: one act each, at its date."""
    add_column(conn, facts, facts.c.act_count)
    add_column(conn, facts, facts.c.since)


def _fact_confidence(conn: Connection) -> None:
    """How sure a fact is: ``confidence`` (NULL: confirmed, as every older fact reads) and the
    actors who ``claimed_by`` or ``denied_by`` it (JSON lists, NULL: none)."""
    for name in ("confidence", "claimed_by", "denied_by"):
        add_column(conn, facts, facts.c[name])


def _fact_approx(conn: Connection) -> None:
    """A fact whose date is approximate: ``approx`` (NULL: its date as given, as every older
    fact reads)."""
    add_column(conn, facts, facts.c.approx)


def _rules_versions(conn: Connection) -> None:
    add_column(conn, facts, Column("rules_version", Integer))


STEPS: list[Step] = [
    Step(2, "scenarios: each session names its scenario, so that one log serves several", _scenario_of_sessions),
    Step(3, "replicas: one serialised log position, unique names of live sessions in each scenario", _replicas),
    Step(4, "facts: the version of the rule files each was checked against (table rulebooks)", _rules_versions),
    Step(5, "facts: counted events (act_count, since)", add_counted_events),
    Step(6, "facts: confidence, claimed_by, denied_by", _fact_confidence),
    Step(7, "facts: approx (a date known only roughly)", _fact_approx),
]

SCHEMA_VERSION = STEPS[-1].version if STEPS else BASE_VERSION


def migrate(conn: Connection, found: int, steps: Sequence[Step] = STEPS) -> int:
    """Run the ``steps`` after version ``found`` in order and record the version reached in
    ``ripeness_meta``; return it.  ``StoreError`` for a log newer than the last step, or
    steps out of order.

    The version is written first: on SQLite (Python's driver) a transaction begins at the
    first write, and only what follows it is undone with it, DDL included."""
    latest = steps[-1].version if steps else BASE_VERSION
    if found > latest:
        raise StoreError(f"the fact log has schema version {found}; this ripeness reads up to {latest}: "
                         "use the ripeness that wrote it, or a newer one")
    if found == latest:
        return found
    conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(latest)))
    version = found
    for step in steps:
        if step.version <= found:
            continue
        if step.version != version + 1:
            raise StoreError(f"migration steps out of order: {step.version} after {version}")
        step.apply(conn)
        version = step.version
    if version != latest:
        raise StoreError(f"migration steps out of order: they end at {version}, not {latest}")
    return version
