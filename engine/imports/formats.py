"""Readers of coded event data: PLOVER/POLECAT (JSON Lines or TSV), ACLED (CSV) and GDELT
1.0/2.0 event tables (TSV without a header).  Each row becomes a ``Record``: the source's
own id, its date, its fields as text, and where it was read (file and line); a row that
cannot be one is a ``Problem`` with its file, line and what was wrong.

GDELT reports one event many times (one row per article); rows with the same date, actor
codes, root event code and source URL are one event, kept once (``MERGE_KEY``), as they are read.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal, NamedTuple

from engine.errors import Misuse, Problem, brief

Format = Literal["plover", "acled", "gdelt"]
FORMATS: tuple[str, ...] = ("plover", "acled", "gdelt")
RECORD_ID = re.compile(r"^[^\s\[\]]{1,200}$")  # kept in each fact's source, between brackets


@dataclass(frozen=True)
class Spec:
    """How a format names what ripeness reads: the id, the date, who did it and to whom."""

    id: str
    date: str
    actor: str
    target: str
    cite: str  # where it was reported
    text: str  # the coder's words about it (a fact's note)
    fields: tuple[str, ...]  # every field a mapping's ``when`` may test
    numbers: tuple[str, ...] = ()  # fields that must be numbers when present


PLOVER_FIELDS = ("id", "date", "actor", "recipient", "event", "mode", "context", "quad_code", "event_scale", "text", "cite_info")
ACLED_FIELDS = ("event_id_cnty", "event_date", "year", "disorder_type", "event_type", "sub_event_type", "actor1",
                "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "country", "admin1",
                "admin2", "location", "source", "source_scale", "notes", "fatalities")
_GDELT_HEAD = ("GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate")
_GDELT_ACTOR = ("Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode", "Religion1Code", "Religion2Code",
                "Type1Code", "Type2Code", "Type3Code")
_GDELT_EVENT = ("IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
                "NumMentions", "NumSources", "NumArticles", "AvgTone")


def _gdelt_columns(adm2: bool) -> tuple[str, ...]:
    geo = ("Type", "FullName", "CountryCode", "ADM1Code") + (("ADM2Code",) if adm2 else ()) + ("Lat", "Long", "FeatureID")
    return (_GDELT_HEAD + tuple(f"Actor1{c}" for c in _GDELT_ACTOR) + tuple(f"Actor2{c}" for c in _GDELT_ACTOR)
            + _GDELT_EVENT + tuple(f"{who}Geo_{c}" for who in ("Actor1", "Actor2", "Action") for c in geo)
            + ("DATEADDED", "SOURCEURL"))


GDELT1 = _gdelt_columns(adm2=False)  # 58 columns (daily files from April 2013)
GDELT2 = _gdelt_columns(adm2=True)  # 61 columns
GDELT_LAYOUTS = {len(GDELT1): GDELT1, len(GDELT2): GDELT2, len(GDELT1) - 1: GDELT1[:-1]}  # 57: the backfile, no URL

SPECS: dict[str, Spec] = {
    "plover": Spec("id", "date", "actor", "recipient", "cite_info", "text", PLOVER_FIELDS, ("quad_code", "event_scale")),
    "acled": Spec("event_id_cnty", "event_date", "actor1", "actor2", "source", "notes", ACLED_FIELDS, ("fatalities",)),
    "gdelt": Spec("GLOBALEVENTID", "SQLDATE", "Actor1Code", "Actor2Code", "SOURCEURL", "", GDELT2,
                  ("QuadClass", "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone")),
}
REQUIRED = {"plover": ("id", "date", "actor", "event"), "acled": ("event_id_cnty", "event_date", "event_type", "actor1"),
            "gdelt": ("GLOBALEVENTID", "SQLDATE", "EventCode")}


class Record(NamedTuple):
    """One row of event data: its own id, its day (UTC), its fields as text (those kept), and
    where it was read (file and line).  Compact, and made in C (``_new``), since
    ``read_records`` holds a file's rows until they are planned (``read_wanted`` keeps no
    GDELT row): the names of the fields are shared by every
    record of a file (``names``, a field's place in ``values``), and ``where`` is made when
    asked for."""

    id: str
    date: dt.date
    names: dict[str, int]
    values: tuple[str, ...]
    source: str
    line: int
    merged: tuple[str, ...] = ()  # ids of duplicate rows folded into this one

    @classmethod
    def of(cls, id: str, date: dt.date, fields: dict[str, str], where: str) -> Record:
        source, line = where.rsplit(":", 1)
        return cls(id, date, {k: i for i, k in enumerate(fields)}, tuple(fields.values()), source, int(line))

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def fields(self) -> dict[str, str]:
        return dict(zip(self.names, self.values))

    def get(self, name: str) -> str:
        i = self.names.get(name)
        return "" if i is None else self.values[i]

    def value(self, name: str) -> str | None:
        """The field ``name``, None when the row has no such field."""
        i = self.names.get(name)
        return None if i is None else self.values[i]


@dataclass
class Read:
    """What a file held: its records and its bad rows."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    merged: int = 0


def read_records(fmt: str, name: str, stream: IO[bytes], progress: Callable[[int], None] | None = None,
                 keep: Iterable[str] | None = None) -> Read:
    """Every row of ``stream`` (named ``name`` in problems) in format ``fmt``; ``progress``
    is told how many bytes were read (each line's; for GDELT, each block's: about a MiB).
    ``keep``: the only fields a record keeps (those a mapping reads, ``Mapping.reads``;
    every row is still checked whole), so that a large file's records hold a few of
    GDELT's 61 columns, not all of them."""
    if fmt not in FORMATS:
        raise Misuse(f"unknown format {fmt!r}")
    kept = None if keep is None else tuple(dict.fromkeys([*keep, *MERGE_KEY]))
    result = Read()
    if fmt == "gdelt":
        with no_cycle_collection():
            _read_gdelt(name, stream, progress, kept, result)
        return result
    lines = _lines(stream, progress)
    if fmt == "plover":
        first = next(lines, None)
        if first is not None:
            lines = _chain(first, lines)
            rows = _jsonl(name, lines, result) if first[1].lstrip().startswith("{") else _csv(name, lines, result, "\t", None)
        else:
            rows = iter(())
    else:
        rows = _csv(name, lines, result, ",", None)
    seen: dict[str, str] = {}
    for where, row in rows:
        checked = _record(fmt, where, row, result.problems)
        if checked is None:
            continue
        rid, day = checked
        if rid in seen:
            result.problems.append(Problem(where, SPECS[fmt].id, f"the id {rid!r} was already used at {seen[rid]}"))
            continue
        seen[rid] = where
        result.records.append(Record.of(rid, day, row if kept is None else {k: row[k] for k in kept if k in row}, where))
    return result


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused (as it was again after): a million records or rows, none in a
    cycle, would otherwise be walked over and over while they are made (a fifth of the time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


BLOCK_BYTES = 1 << 20
Batch = tuple[tuple[str, ...], list[list[str]], list[int], list[dt.date]]  # a layout's columns; rows (cells), their lines and days
_STOP = object()  # a line past which a file cannot be read
SIMPLE_IDS = re.compile(r"[^\s\[\]]{1,200}(?:\t[^\s\[\]]{1,200})*")  # every id of a block well formed, none between spaces
_PLAIN = r"-?[0-9]{1,300}(?:\.[0-9]{1,300})?"  # a finite number to float(): one match checks a row's six
PLAIN_NUMBERS = re.compile(rf"(?:{_PLAIN}\t){{{len(SPECS['gdelt'].numbers) - 1}}}{_PLAIN}")
SPLIT = GDELT2.index("QuadClass")  # the columns before a row's six numbers: split apart (see gdelt_batches)
_HELD = r"-?+[0-9]{1,300}+(?:\.[0-9]{1,300}+)?+"  # _PLAIN, its repeats possessive: the same texts, matched a third faster
BLOCK_NUMBERS = re.compile(rf"(?:{_HELD}\t){{6}}+[^\n]*+(?:\n(?:{_HELD}\t){{6}}+[^\n]*+)*+")  # the rests of a block's rows, from the numbers


def _read_gdelt(name: str, stream: IO[bytes], progress: Callable[[int], None] | None, kept: tuple[str, ...] | None,
                result: Read) -> None:
    """A GDELT file's records (``gdelt_batches``), duplicate reports merged as they are read
    (``MERGE_KEY`` says which row is kept)."""
    problems: list[tuple[int, Problem]] = []
    spec = SPECS["gdelt"]
    layouts: dict[tuple[str, ...], tuple[dict[str, int], Callable[[list[str]], tuple[str, ...]], Callable | None]] = {}
    for columns in GDELT_LAYOUTS.values():
        taken = [c for c in (kept if kept is not None else columns) if c in columns]
        names = {c: i for i, c in enumerate(taken)}
        merge = _getter([names[c] for c in MERGE_KEY]) if all(c in names for c in MERGE_KEY) else None
        layouts[columns] = (names, _getter([columns.index(c) for c in taken]), merge)
    id_at = GDELT2.index(spec.id)
    records = result.records
    shared = _Shared()  # one string for each distinct value kept (codes, dates, URLs)
    new = tuple.__new__
    seen: dict[str, int] = {}  # id -> line
    groups: dict[tuple[str, ...], int] = {}  # merge key -> index in records of the row kept
    moved = False  # a row kept in place of an earlier duplicate: the records are sorted by line at the end
    for columns, rows, lines, days in gdelt_batches(name, stream, progress, problems):
        names, take, merge = layouts[columns]
        for cells, number, day in zip(rows, lines, days):
            rid = cells[id_at].strip()
            if rid in seen:
                problems.append((number, Problem(f"{name}:{number}", spec.id, f"the id {rid!r} was already used at {name}:{seen[rid]}")))
                continue
            seen[rid] = number
            values = tuple(map(shared.__getitem__, map(str.strip, take(cells))))
            key = merge(values) if merge is not None else None
            if key is None or not key[-1]:  # no source URL: never merged
                records.append(new(Record, (rid, day, names, values, name, number, ())))
                continue
            at = groups.get(key)
            if at is None:
                groups[key] = len(records)
                records.append(new(Record, (rid, day, names, values, name, number, ())))
                continue
            result.merged += 1
            kept_one = records[at]
            if (len(rid), rid) < (len(kept_one.id), kept_one.id):
                records[at] = new(Record, (rid, day, names, values, name, number, (kept_one.id, *kept_one.merged)))
                moved = True
            else:
                records[at] = kept_one._replace(merged=(*kept_one.merged, rid))
    result.problems.extend(line_order(problems))
    if moved:
        records.sort(key=lambda r: r.line)


def line_order(problems: list[tuple[int, Problem]]) -> list[Problem]:
    """Problems in the order of their lines (a line's own in the order found)."""
    problems.sort(key=operator.itemgetter(0))
    return [p for _, p in problems]


def gdelt_batches(name: str, stream: IO[bytes], progress: Callable[[int], None] | None, problems: list[tuple[int, Problem]],
                  split: int | None = None, fast: Callable[[Iterator[bytes]], Iterator[tuple[bytes, Any]]] | None = None) -> Iterator[Any]:
    """The rows of a GDELT file that pass its checks, in batches of one layout (``Batch``):
    each row's cells (as split: strip a cell before use), line and day.  With ``split``
    (``SPLIT``), a row's first ``split`` cells and then the rest of its line as one text (from
    its numbers).  A bad row's problems are added to ``problems`` with its line; an id used
    twice is not checked here.  ``fast`` (``blocks.Reader.each``) is given the blocks first,
    and gives each back with what makes of it, given the number of lines before it, a batch
    of its own whose length is its number of rows (all of which pass), yielded instead; or
    None, and the block is read here.

    The file is read about a megabyte of lines at a time (a million rows are read at a few
    microseconds each).  GDELT quotes nothing, so a line is a row, split at its tabs.  A block
    is decoded at once, and checked at once where every row has one width, well-formed ids,
    known dates, an event code and plain numbers (in C, over the block's columns).  A block
    with a bad byte or a carriage return anywhere is read line by line (a line that holds a
    carriage return is left to ``csv``, which refuses it as before); a row of a block that
    fails the checks is read again on its own, checked field by field, for the same problems
    in the same order."""
    spec = SPECS["gdelt"]
    expected = " or ".join(str(n) for n in sorted(GDELT_LAYOUTS))
    first = {c: GDELT2.index(c) for c in (spec.id, spec.date, "EventCode")}
    assert all(layout.index(c) == i for layout in GDELT_LAYOUTS.values() for c, i in first.items())
    numbers = [GDELT2.index(c) for c in spec.numbers]
    assert all(layout.index(c) == i for layout in GDELT_LAYOUTS.values() for c, i in zip(spec.numbers, numbers))
    lo, hi = min(numbers), max(numbers) + 1
    assert numbers == list(range(lo, hi)) and split in (None, SPLIT) and SPLIT == lo and GDELT_LAYOUTS[min(GDELT_LAYOUTS)][hi:]
    id_at, date_at, code_at = first[spec.id], first[spec.date], first["EventCode"]
    ids_of, dates_of, codes_of, numbers_of = (operator.itemgetter(id_at), operator.itemgetter(date_at),
                                              operator.itemgetter(code_at), operator.itemgetter(slice(lo, hi)))
    days: dict[str, dt.date] = {}  # a date as written -> its day

    def one_line(raw: bytes, number: int) -> list[str] | object | None:
        """A line read and checked on its own: its cells (stripped), None (a bad or blank
        row), or ``_STOP`` when the file cannot be read past it."""
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            problems.append((number, Problem(f"{name}:{number}", "", f"not UTF-8 text (a bad byte at column {exc.start + 1})")))
            return None
        body = text[:-1] if text.endswith("\n") else text
        if body.endswith("\r"):
            body = body[:-1]
        if "\r" in body:
            try:
                cells = next(csv.reader([text], delimiter="\t", quoting=csv.QUOTE_NONE, strict=True), [])
            except csv.Error as exc:
                problems.append((number, Problem(f"{name}:{number}", "", f"not valid CSV: {exc}")))
                return _STOP  # as a reader of the whole file, which cannot go on past it
        else:
            cells = body.split("\t")
        columns = GDELT_LAYOUTS.get(len(cells))
        if columns is None:
            if any(cell.strip() for cell in cells):
                problems.append((number, Problem(f"{name}:{number}", "", f"{len(cells)} tab-separated columns; a GDELT event row has {expected}")))
            return None
        if not any(cell.strip() for cell in cells):
            return None
        found: list[Problem] = []
        stripped = list(map(str.strip, cells))
        checked = _record("gdelt", f"{name}:{number}", dict(zip(columns, stripped)), found)
        problems.extend((number, p) for p in found)
        if checked is None:
            return None
        days[stripped[date_at]] = checked[1]
        return stripped

    def quick(cells: list[str]) -> bool:
        """Whether a row passes the checks (when not, ``one_line`` says why)."""
        rid = cells[id_at].strip()
        return (cells[date_at] in days and bool(rid) and bool(rid.isdigit() or RECORD_ID.match(rid)) and len(rid) <= 200
                and bool(cells[code_at].strip()) and (bool(PLAIN_NUMBERS.fullmatch("\t".join(cells[lo:hi]))) or _numbers(cells[lo:hi])))

    def whole(rows: list[list[str]]) -> bool:
        """Whether every row of a block of one layout passes the checks, tested at once."""
        if not SIMPLE_IDS.fullmatch("\t".join(map(ids_of, rows))) or not all(map(str.strip, map(codes_of, rows))):
            return False
        for written in set(map(dates_of, rows)).difference(days):
            day = parse_day(written)
            if day is None:
                return False
            days[written] = day
        if split is None:
            return all(map(PLAIN_NUMBERS.fullmatch, map("\t".join, map(numbers_of, rows))))
        return bool(BLOCK_NUMBERS.fullmatch("\n".join(map(operator.itemgetter(split), rows))))

    def layout_of(rows: list[list[str]]) -> tuple[str, ...] | None:
        """The one layout of a block's rows (None: not one, or none)."""
        widths = set(map(len, rows))
        if len(widths) != 1:
            return None
        width = widths.pop()
        if split is not None:
            if width != split + 1:
                return None
            rests = set(map(str.count, map(operator.itemgetter(split), rows), itertools.repeat("\t")))
            if len(rests) != 1:
                return None
            width += rests.pop()
        return GDELT_LAYOUTS.get(width)

    def shaped(cells: list[str]) -> list[str]:
        return cells if split is None else [*cells[:split], "\t".join(cells[split:])]

    number = 0
    chunks = _chunks(stream)
    for chunk, make in (fast(chunks) if fast is not None else zip(chunks, itertools.repeat(None))):
        if progress is not None:
            progress(len(chunk))
        if make is not None:
            done = make(number)
            yield done
            number += len(done)
            continue
        try:
            text = chunk.decode("utf-8-sig" if number == 0 else "utf-8")
        except UnicodeDecodeError:
            text = "\r"
        lines: list[str] | None = None
        if "\r" not in text:
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            rows = list(map(str.split, lines, itertools.repeat("\t"), itertools.repeat(-1 if split is None else split)))
            if (columns := layout_of(rows)) is not None and whole(rows):
                yield columns, rows, list(range(number + 1, number + 1 + len(rows))), list(map(days.__getitem__, map(dates_of, rows)))
                number += len(rows)
                continue
        pieces = chunk.split(b"\n")
        block = [piece + b"\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])  # its lines, as read
        batch: list[tuple[tuple[str, ...], list[str], int]] = []  # the block's good rows, with their layouts and lines
        stop = False
        for k, raw in enumerate(block):
            number += 1
            cells = lines[k].split("\t") if lines is not None else None
            if cells is not None and (columns := GDELT_LAYOUTS.get(len(cells))) is not None and quick(cells):
                batch.append((columns, shaped(cells), number))
                continue
            cells = one_line(raw, number)
            if cells is _STOP:
                stop = True
                break
            if cells is not None:
                batch.append((GDELT_LAYOUTS[len(cells)], shaped(cells), number))  # type: ignore[arg-type]
        for columns, group in itertools.groupby(batch, key=operator.itemgetter(0)):
            kept = list(group)
            rows_kept = [cells for _, cells, _ in kept]
            yield columns, rows_kept, [n for _, _, n in kept], [days[cells[date_at]] for cells in rows_kept]
        if stop:
            break


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The bytes of ``stream``, about ``BLOCK_BYTES`` at a time, cut after a line's end."""
    rest = b""
    while True:
        data = stream.read(BLOCK_BYTES)
        if not data:
            if rest:
                yield rest
            return
        data = rest + data if rest else data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data  # a line longer than a block: read on
            continue
        rest = data[cut:]
        yield data[:cut]


def _getter(indexes: list[int]) -> Callable[[Any], tuple[str, ...]]:
    """A tuple of the items at ``indexes`` (``itemgetter``, which returns one item bare)."""
    if len(indexes) == 1:
        i = indexes[0]
        return lambda row: (row[i],)
    return operator.itemgetter(*indexes)


def _numbers(cells: list[str]) -> bool:
    """Whether every cell is a finite number."""
    try:
        total = sum(map(float, cells))
    except ValueError:
        return False
    return total - total == 0  # none infinite, none NaN


class _Shared(dict):
    """Each text it is given, the first time as itself, then the same string again."""

    def __missing__(self, text: str) -> str:
        self[text] = text
        return text


def _lines(stream: IO[bytes], progress: Callable[[int], None] | None) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(stream, start=1):
        if progress is not None:
            progress(len(raw))
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            text = f"\x00{exc.start}"  # reported by the row reader, which knows the file
        yield number, text


def _chain(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _undecodable(name: str, number: int, text: str, read: Read) -> bool:
    if text.startswith("\x00") and text[1:].isdigit():
        read.problems.append(Problem(f"{name}:{number}", "", f"not UTF-8 text (a bad byte at column {int(text[1:]) + 1})"))
        return True
    return False


def _jsonl(name: str, lines: Iterable[tuple[int, str]], read: Read) -> Iterator[tuple[str, dict[str, str]]]:
    for number, text in lines:
        if _undecodable(name, number, text, read) or not text.strip():
            continue
        where = f"{name}:{number}"
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            read.problems.append(Problem(where, "", f"not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(row, dict):
            read.problems.append(Problem(where, "", f"expected a JSON object with the PLOVER fields; got {brief(row)}"))
            continue
        bad = [k for k, v in row.items() if isinstance(v, (dict, list))]
        if bad:
            read.problems.append(Problem(where, bad[0], f"expected a plain value; got {brief(row[bad[0]])}"))
            continue
        yield where, {k: "" if v is None else str(v) for k, v in row.items()}


def _csv(name: str, lines: Iterable[tuple[int, str]], read: Read, delimiter: str,
         layouts: dict[int, tuple[str, ...]] | None) -> Iterator[tuple[str, dict[str, str]]]:
    """Rows of a CSV/TSV file: with a header line, or (GDELT) a fixed layout chosen by the
    number of columns.  The line of a row is the line it starts on."""
    numbers: list[int] = []

    def texts() -> Iterator[str]:
        for number, text in lines:
            if _undecodable(name, number, text, read):
                text = "\n"
            numbers.append(number)
            yield text

    quoting = csv.QUOTE_NONE if layouts else csv.QUOTE_MINIMAL  # GDELT quotes nothing: a '"' is text
    reader = csv.reader(texts(), delimiter=delimiter, quoting=quoting, strict=True)
    header: list[str] | None = None
    while True:
        start = len(numbers) + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            read.problems.append(Problem(f"{name}:{numbers[-1] if numbers else start}", "", f"not valid CSV: {exc}"))
            return  # the reader cannot go on past a broken quote
        where = f"{name}:{numbers[start - 1] if start <= len(numbers) else start}"
        if not any(cell.strip() for cell in row):
            continue
        if layouts is None and header is None:
            header = [cell.strip() for cell in row]
            continue
        columns = header if header is not None else layouts.get(len(row)) if layouts else None
        if columns is None:
            expected = " or ".join(str(n) for n in sorted(layouts or ()))
            read.problems.append(Problem(where, "", f"{len(row)} tab-separated columns; a GDELT event row has {expected}"))
            continue
        if len(row) != len(columns):
            read.problems.append(Problem(where, "", f"{len(row)} columns; the header line has {len(columns)}"))
            continue
        yield where, dict(zip(columns, map(str.strip, row)))


def _record(fmt: str, where: str, row: dict[str, str], problems: list[Problem]) -> tuple[str, dt.date] | None:
    """The row's id and day, or None (its problems added to ``problems``)."""
    spec = SPECS[fmt]
    found = [Problem(where, name, f"required field {name!r} is empty or missing") for name in REQUIRED[fmt] if not row.get(name)]
    rid = row.get(spec.id, "")
    if rid and not RECORD_ID.match(rid):
        found.append(Problem(where, spec.id, f"an id is 1 to 200 characters without spaces or brackets; got {brief(rid)}"))
    day = None
    if row.get(spec.date):
        day = parse_day(row[spec.date])
        if day is None:
            found.append(Problem(where, spec.date, f"expected a date ({DATE_FORMATS[fmt]}); got {brief(row[spec.date])}"))
    for name in spec.numbers:
        value = row.get(name, "")
        if value and _number(value) is None:
            found.append(Problem(where, name, f"expected a number; got {brief(value)}"))
    problems.extend(found)
    if found or day is None:
        return None
    return rid, day


DATE_FORMATS = {"plover": "YYYY-MM-DD", "acled": "YYYY-MM-DD or 5 March 2024", "gdelt": "YYYYMMDD"}


def parse_day(text: str) -> dt.date | None:
    """A day written as ``2024-03-05``, ``20240305`` or ``05 March 2024`` (None otherwise)."""
    text = text.strip()
    if len(text) in (8, 10) and text.isascii():  # the two numeric forms without strptime, a row's slowest step
        digits = text if len(text) == 8 else text[:4] + text[5:7] + text[8:] if text[4] == text[7] == "-" else ""
        if len(digits) == 8 and digits.isdigit():
            try:
                day = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            except ValueError:
                return None
            return day if 1000 <= day.year < 9000 else None
    for pattern in ("%Y-%m-%d", "%Y%m%d", "%d %B %Y", "%d-%B-%Y"):
        try:
            day = dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
        return day if 1000 <= day.year < 9000 else None
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def number(text: str) -> float:
    value = _number(text)
    return 0.0 if value is None else value


# GDELT's duplicates: rows with the same SQLDATE, Actor1Code, Actor2Code, EventRootCode and
# SOURCEURL are one event.  The row with the smallest GLOBALEVENTID (shorter first, then in
# text order) is kept, so the result does not depend on row order; the others' ids are listed
# in its ``merged``, and the rows kept stay in the order of their lines.  Rows without a
# source URL are never merged.
MERGE_KEY = ("SQLDATE", "Actor1Code", "Actor2Code", "EventRootCode", "SOURCEURL")
