"""A block of a GDELT file's lines read and checked outside Python, by pyarrow's CSV reader
(tab-delimited, nothing quoted, only the columns the plan reads kept, the rest only counted),
the checks done as column operations in C.

A block is taken this way only when every check passes for every row: one width of GDELT's
(pyarrow refuses a row of another), valid UTF-8, no carriage return, ids that are whole
numbers as ``str(int)`` writes them, dates of eight digits that are days, an event code, and
finite numbers.  Each check is as strict as the one it stands for, or stricter: a block that
fails any is given back (``None``) and read the slow way (``formats.gdelt_batches``), which
finds the same problems at the same lines as before.  So what is read here is exactly what
the slow way reads, cell for cell, and nothing it would refuse.

pyarrow parses a block in two halves at once, and the next block is parsed on a second
thread while the planner works on this one (``Reader.each``), so that on two cores the
reading takes little of the wall time.  The blocks are the ones ``formats.gdelt_batches``
cuts (about a MiB of whole lines), so line numbers and progress are counted as before.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from engine.imports.formats import GDELT_LAYOUTS, MERGE_KEY, SPECS, SPLIT, parse_day

_SPEC = SPECS["gdelt"]
_NUMBERS = frozenset(_SPEC.numbers)
_CANONICAL_ID = r"^[1-9][0-9]{0,17}$"  # a whole number as str(int) writes it, within 64 bits
_PLAIN_NUMBER = r"^(?:-?[0-9]{1,300}(?:\.[0-9]{1,300})?)?$"  # empty, or a number float() reads, finite
_SOME_CODE = "[0-9A-Za-z]"  # a cell with one of these is not empty once stripped
_PARSE = pacsv.ParseOptions(delimiter="\t", quote_char=False, double_quote=False, escape_char=False,
                            newlines_in_values=False, ignore_empty_lines=False)  # a blank line: a row of one cell, refused
_BOM = b"\xef\xbb\xbf"


class Reader:
    """Reads blocks of one file for a plan that reads the columns ``wanted`` (their names);
    remembers the days its dates name."""

    def __init__(self, wanted: Iterable[str]) -> None:
        self.wanted = frozenset([*wanted, *MERGE_KEY, _SPEC.id, _SPEC.date])
        self.days: dict[str, dt.date] = {}  # eight digits -> their day
        self.options: dict[int, tuple[pacsv.ReadOptions, pacsv.ConvertOptions, tuple[str, ...]]] = {}

    def _options(self, width: int) -> tuple[pacsv.ReadOptions, pacsv.ConvertOptions, tuple[str, ...]]:
        found = self.options.get(width)
        if found is None:
            layout = GDELT_LAYOUTS[width]
            types: dict[str, pa.DataType] = {}
            for j, name in enumerate(layout):
                if name in self.wanted:
                    types[f"f{j}"] = pa.string()  # read by the plan: text, as written
                elif name in _NUMBERS or name == "EventCode":
                    types[f"f{j}"] = pa.float64() if name in _NUMBERS else pa.string()  # only checked
            # a block of about a MiB parsed in two halves at once, on two cores where there are two
            read = pacsv.ReadOptions(autogenerate_column_names=True, use_threads=True, block_size=1 << 19)
            convert = pacsv.ConvertOptions(include_columns=list(types), column_types=types, strings_can_be_null=False,
                                           null_values=[""], check_utf8=True)
            found = self.options[width] = (read, convert, layout)
        return found

    def read(self, chunk: bytes, before: int) -> Block | None:
        """The rows of ``chunk`` (whole lines, the first at line ``before + 1``), or None when
        any row fails a check (or cannot be told to pass here)."""
        checked = self._check(chunk, before == 0)
        return None if checked is None else Block(*checked, chunk, before)

    def each(self, chunks: Iterable[bytes]) -> Iterator[tuple[bytes, Callable[[int], Block] | None]]:
        """Each of a file's blocks (``chunks``, in order), with what makes its ``Block`` once the
        number of lines before it is known (None: read it the slow way).  The next block is
        read and checked on another thread meanwhile (pyarrow lets go of the interpreter while
        it parses), so that it is parsed while this one is planned."""
        chunks = iter(chunks)
        chunk = next(chunks, None)
        if chunk is None:
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ripeness-gdelt") as pool:
            checking = pool.submit(self._check, chunk, True)
            while chunk is not None:
                following = next(chunks, None)  # the stream read here, on the caller's thread
                ahead = None if following is None else pool.submit(self._check, following, False)
                checked = checking.result()
                yield chunk, None if checked is None else functools.partial(Block, *checked, chunk)
                chunk, checking = following, ahead  # type: ignore[assignment]

    def _check(self, chunk: bytes, first: bool) -> tuple | None:
        """What a ``Block`` of ``chunk`` is made of, when every row passes every check."""
        if not chunk or b"\r" in chunk or (first and chunk.startswith(_BOM)):
            return None
        if not chunk.isascii():
            try:
                chunk.decode("utf-8")
            except UnicodeDecodeError:
                return None
        end = chunk.find(b"\n")
        width = chunk.count(b"\t", 0, len(chunk) if end < 0 else end) + 1
        if width not in GDELT_LAYOUTS:
            return None
        read, convert, layout = self._options(width)
        try:
            table = pacsv.read_csv(pa.py_buffer(chunk), read_options=read, parse_options=_PARSE, convert_options=convert)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None  # a row of another width, a bad number, ...
        at = {name: j for j, name in enumerate(layout)}
        column = {name: table.column(f"f{j}") for name, j in at.items() if f"f{j}" in table.column_names}
        if not pc.all(pc.match_substring_regex(column[_SPEC.id], _CANONICAL_ID)).as_py():
            return None
        if not pc.all(pc.match_substring_regex(column["EventCode"], _SOME_CODE)).as_py():
            return None
        for name in _SPEC.numbers:
            cells = column[name]
            passed = pc.is_finite(cells) if pa.types.is_floating(cells.type) else pc.match_substring_regex(cells, _PLAIN_NUMBER)
            if not pc.all(passed).as_py():  # nulls (empty cells) skipped: an empty number is no number, and allowed
                return None
        days = self.days
        for written in pc.unique(column[_SPEC.date]).to_pylist():
            if written not in days:
                day = parse_day(written) if len(written) == 8 and written.isascii() and written.isdigit() else None
                if day is None:
                    return None
                days[written] = day
        dates = column[_SPEC.date].to_pylist()
        return layout, at, table, column, dates, list(map(days.__getitem__, dates))


class Block:
    """A block's rows, read by ``Reader``: its layout, lines and days, and its columns as
    lists of texts (stripped, as the slow way strips them) when asked for."""

    def __init__(self, layout: tuple[str, ...], at: dict[str, int], table: pa.Table, column: dict[str, pa.ChunkedArray],
                 dates: list[str], days: list[dt.date], chunk: bytes, before: int) -> None:
        self.layout, self.at, self.table, self.column, self.chunk = layout, at, table, column, chunk
        self.dates, self.days = dates, days
        self.lines = list(range(before + 1, before + 1 + table.num_rows))
        self.size = table.num_rows
        self.split: list[list[str]] | None = None

    def __len__(self) -> int:
        return self.size

    def texts(self, name: str) -> list[str] | None:
        """The cells of column ``name``, stripped (None: no such column in this layout)."""
        j = self.at.get(name)
        if j is None:
            return None
        if name == _SPEC.date:
            return self.dates  # eight digits each: nothing to strip
        cells = self.column.get(name)
        if cells is not None and pa.types.is_string(cells.type):
            return list(map(str.strip, cells.to_pylist()))
        return list(map(str.strip, map(operator.itemgetter(j), self._rows())))  # a column the reader did not keep as text

    def ints(self) -> Ids:
        """The ids as 64-bit numbers (each checked to be a whole number as ``str(int)`` writes it)."""
        return Ids(pc.cast(self.column[_SPEC.id], pa.int64()).combine_chunks())

    def row(self, k: int) -> list[str]:
        """Every cell of row ``k``, stripped."""
        return list(map(str.strip, self._rows()[k]))

    def rows(self, keep: list[bool]) -> list[list[str]]:
        """The rows ``keep`` says, split as ``formats.gdelt_batches`` splits them (``SPLIT``)."""
        return [[*cells[:SPLIT], "\t".join(cells[SPLIT:])] for cells in itertools.compress(self._rows(), keep)]

    def _rows(self) -> list[list[str]]:
        if self.split is None:
            text = self.chunk.decode("utf-8")
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            self.split = [line.split("\t") for line in lines]
        return self.split


class Ids:
    """A block's ids as 64-bit numbers (``Block.ints``)."""

    def __init__(self, numbers: pa.Array) -> None:
        self.numbers = numbers
        self.first, self.last = (numbers[0].as_py(), numbers[-1].as_py()) if len(numbers) else (0, 0)

    def grow(self) -> bool:
        """Whether each is larger than the one before."""
        steps = pc.min(pc.pairwise_diff(self.numbers)).as_py()
        return steps is None or steps > 0

    def packed(self) -> memoryview:
        """Their 8 bytes each, in the machine's order (``array("q")``'s)."""
        numbers = self.numbers
        return memoryview(numbers.buffers()[1])[numbers.offset * 8:(numbers.offset + len(numbers)) * 8]

    def values(self) -> list[int]:
        return self.numbers.to_pylist()
