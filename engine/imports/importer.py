"""An import as one step: rows checked (all or nothing, or the bad ones left out and
reported), turned into facts, compared with what the session holds, and recorded in one
call (all or nothing), through the sessions' public calls only.

``read_wanted`` reads a file and plans it at once (a GDELT file's rows are never kept: see
``stream``); ``plan_import`` and ``import_into`` take what it made, or a ``Read`` of
``read_records`` (the rows kept, then planned)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import IO, Any

from engine.errors import Misuse, Problem, SourceRowError
from engine.facts import Fact
from engine.imports.formats import SPECS, Read, read_records
from engine.imports.mapping import Mapping
from engine.imports.plan import ImportReport, Wanted, changes, live_by_key, tally, wanted_facts
from engine.imports.stream import read_gdelt_wanted
from engine.rulebook import Rulebook
from engine.sessions import Sessions

PAGE = 5000


def read_wanted(mapping: Mapping, name: str, stream: IO[bytes], rulebook: Rulebook, *, deleted: Iterable[str] = (),
                progress: Callable[[int], None] | None = None) -> Wanted:
    """The facts the rows of ``stream`` (named ``name`` in problems, in the mapping's format)
    make under ``mapping``; rows whose id is in ``deleted`` make none (and their earlier
    facts are withdrawn).  ``progress`` is told how many bytes were read (see
    ``read_records``).  What ``wanted_facts`` makes of ``read_records``' records, without
    keeping a GDELT file's rows."""
    if mapping.format == "gdelt":
        return read_gdelt_wanted(mapping, name, stream, rulebook, deleted, progress)
    read = read_records(mapping.format, name, stream, progress, keep=mapping.reads)
    return wanted_facts(mapping, read, rulebook, deleted)


def plan_import(mapping: Mapping, read: Read | Wanted, rulebook: Rulebook, *, existing: Iterable[Fact] = (),
                withdrawn: set[str] | None = None, deleted: Iterable[str] = (),
                skip_bad: bool = False) -> tuple[list[tuple[str, Any]], ImportReport]:
    """The items to record (new facts, corrections, withdrawals) and the report, from a
    file's records (``read``) or what ``read_wanted`` made of it (given its deletions then,
    not here).  A bad row raises ``SourceRowError`` with every bad row, unless
    ``skip_bad``: then it is left out and listed in the report."""
    report = ImportReport(mapping=mapping.id, format=mapping.format)
    if isinstance(read, Wanted):
        if deleted:
            raise Misuse("the deletions of a planned file are given to read_wanted")
        wanted = read
        tally(wanted, report)
    else:
        wanted = wanted_facts(mapping, read, rulebook, deleted, report)
    if wanted.problems:
        if not skip_bad:
            raise SourceRowError(wanted.problems)
        report.bad_rows = len({p.where for p in wanted.problems})
        report.problems = [str(p) for p in wanted.problems]
    items = changes(wanted, live_by_key(mapping, existing, withdrawn or set()), report)
    return items, report


def import_into(sessions: Sessions, name: str, mapping: Mapping, read: Read | Wanted, *, deleted: Iterable[str] = (),
                skip_bad: bool = False) -> ImportReport:
    """Import into session ``name``: what it already holds under this mapping's keys is
    not stored again; all of it is recorded in one call, or nothing."""
    facts: list[Fact] = []
    withdrawn: set[str] = set()
    after = None
    while True:
        page = sessions.facts(name, after=after, limit=PAGE)
        facts.extend(page.facts)
        withdrawn.update(page.withdrawn_by)
        if page.next_after is None:
            break
        after = page.next_after
    items, report = plan_import(mapping, read, sessions.rulebook, existing=facts, withdrawn=withdrawn, deleted=deleted, skip_bad=skip_bad)
    if items:
        report.ids = sessions.record(name, items, then=False).ids
    return report


def read_deletions(fmt: str, name: str, stream: IO[bytes]) -> set[str]:
    """The ids in a deletions file (ACLED publishes one: ``event_id_cnty,deleted_timestamp``):
    a CSV file whose header names the format's id column, or a list of ids, one a line."""
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceRowError([Problem(name, "", f"not UTF-8 text: {exc}")]) from None
    rows = [row for row in csv.reader(io.StringIO(text)) if row and any(c.strip() for c in row)]
    if not rows:
        return set()
    id_field = SPECS[fmt].id
    header = [c.strip() for c in rows[0]]
    if id_field in header:
        column = header.index(id_field)
        return {row[column].strip() for row in rows[1:] if len(row) > column and row[column].strip()}
    if len(header) > 1:
        raise SourceRowError([Problem(f"{name}:1", "", f"a deletions file is a CSV file whose header names the {id_field!r} column, "
                                      f"or one id a line; this header has {', '.join(header)}")])
    return {row[0].strip() for row in rows}
