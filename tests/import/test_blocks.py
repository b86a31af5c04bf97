"""A GDELT file's blocks read by pyarrow (``engine.imports.blocks``) are taken only when
every row passes every check, and then give the cells the slow way gives (stripped); a file
whose blocks are read partly one way and partly the other plans what its records do (the
same items, report and problems as ``read_records`` and the plan)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.imports import generate
from engine.imports import parse_mapping
from engine.imports.blocks import Reader
from engine.imports.formats import GDELT1, GDELT2
from ripeness.bootstrap import Scenario

from .plans import both

DATA = Path(__file__).resolve().parent / "data"
SUMS = """\
import: {id: gen, format: gdelt}
actors: {IRN: UNI, USA: EMP, SYR: MED}
rules:
  - when: {QuadClass: ["3", "4"], actor: [UNI, EMP]}
    subject: truce
    aggregate: monthly
    sum: NumArticles
  - when: {EventCode: "04*"}
    subject: protests_per_week
    aggregate: daily
"""  # number columns the plan reads (kept as text), the others only checked


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> list[bytes]:
    path = tmp_path_factory.mktemp("blocks") / "events.tsv"
    generate(path, 14_000, seed=21)  # about 4 MiB: four blocks
    return path.read_bytes().split(b"\n")[:-1]


def changed(lines: list[bytes], at: int, column: int, value: bytes) -> list[bytes]:
    cells = lines[at].split(b"\t")
    cells[column] = value
    return [*lines[:at], b"\t".join(cells), *lines[at + 1:]]


REFUSED = {  # a block with one such row is read the slow way
    "a blank line": lambda ls: [*ls[:20], b"", *ls[20:]],
    "a row of three columns": lambda ls: [*ls[:20], b"\t".join(ls[20].split(b"\t")[:3]), *ls[21:]],
    "a row of 62 columns": lambda ls: [*ls[:20], ls[20] + b"\tx", *ls[21:]],
    "a Windows line end": lambda ls: [*ls[:20], ls[20] + b"\r", *ls[21:]],
    "a bad byte": lambda ls: changed(ls, 20, 40, b"Z\xe9rich"),
    "an id between spaces": lambda ls: changed(ls, 20, 0, b" 1000000020"),
    "an id with a leading zero": lambda ls: changed(ls, 20, 0, b"01000000020"),
    "an id that is not a number": lambda ls: changed(ls, 20, 0, b"abc"),
    "no EventCode": lambda ls: changed(ls, 20, 26, b""),
    "an EventCode of spaces": lambda ls: changed(ls, 20, 26, b"  "),
    "no such day": lambda ls: changed(ls, 20, 1, b"20190230"),
    "a date not GDELT's": lambda ls: changed(ls, 20, 1, b"2019-01-01"),
    "a number not finite": lambda ls: changed(ls, 20, 30, b"inf"),
    "a number not a number": lambda ls: changed(ls, 20, 34, b"1_0"),
    "a number of spaces": lambda ls: changed(ls, 20, 31, b"  "),
    "a number read as text, between spaces": lambda ls: changed(ls, 20, 33, b" 7 "),  # NumArticles: SUMS reads it
    "a number read as text, not a number": lambda ls: changed(ls, 20, 29, b"1e"),
}
TAKEN = {  # and with one such row it is read by pyarrow
    "nothing odd": lambda ls: ls,
    "an actor code between spaces": lambda ls: changed(ls, 20, 5, b" IRN "),
    "a URL between spaces": lambda ls: changed(ls, 20, 60, b" https://news.example/1 "),
    "a number between spaces, only checked": lambda ls: changed(ls, 20, 30, b" 2.5 "),
    "an empty number": lambda ls: changed(ls, 20, 31, b""),
    "a number with an exponent, only checked": lambda ls: changed(ls, 20, 30, b"1e5"),
    "a place not ASCII": lambda ls: changed(ls, 20, 37, "Zürich, Switzerland".encode()),
    "a NUL in an actor code": lambda ls: changed(ls, 20, 5, b"IRN\x00"),
    "no final line end": lambda ls: ls,
}


def mapping_reads(docks: Scenario) -> tuple[str, ...]:
    return parse_mapping(SUMS, "mapping.yaml", docks.rulebook).reads


def slow_cells(block: bytes) -> list[list[str]]:
    """The cells of a block's rows as the slow way reads them (split at tabs, stripped)."""
    return [[cell.strip() for cell in line.split("\t")] for line in block.decode("utf-8").split("\n") if line]


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_block_with_a_row_that_fails_a_check_is_left_to_the_slow_way(case: str, lines: list[bytes], docks: Scenario) -> None:
    block = b"\n".join(REFUSED[case](lines[:40])) + b"\n"
    assert Reader(mapping_reads(docks)).read(block, 0) is None
    assert Reader(mapping_reads(docks)).read(b"\n".join(lines[:40]) + b"\n", 0) is not None  # the same rows, unchanged


@pytest.mark.parametrize("case", sorted(TAKEN))
def test_a_block_whose_rows_all_pass_gives_the_cells_the_slow_way_reads(case: str, lines: list[bytes], docks: Scenario) -> None:
    block = b"\n".join(TAKEN[case](lines[:40])) + (b"" if case == "no final line end" else b"\n")
    read = Reader(mapping_reads(docks)).read(block, 1000)
    assert read is not None and len(read) == 40 and read.lines == list(range(1001, 1041))
    cells = slow_cells(block)
    for j, name in enumerate(GDELT2):
        assert read.texts(name) == [row[j] for row in cells], name
    assert [read.row(k) for k in range(40)] == cells
    assert read.days[20].isoformat().replace("-", "") == cells[20][1]


def test_a_bom_and_gdelt_1_layouts(lines: list[bytes], docks: Scenario) -> None:
    block = b"\n".join(lines[:40]) + b"\n"
    assert Reader(mapping_reads(docks)).read(b"\xef\xbb\xbf" + block, 0) is None  # the first line's BOM: the slow way drops it
    for width in (58, 57):
        keep = [GDELT2.index(c) for c in GDELT1[:width]]
        narrow = b"".join(b"\t".join(line.split(b"\t")[i] for i in keep) + b"\n" for line in lines[:40])
        read = Reader(mapping_reads(docks)).read(narrow, 0)
        assert read is not None and read.layout == GDELT1[:width]
        assert read.texts("SOURCEURL") == ([row[-1] for row in slow_cells(narrow)] if width == 58 else None)
        assert read.texts("EventRootCode") == [row[GDELT1.index("EventRootCode")] for row in slow_cells(narrow)]


@pytest.mark.parametrize("mapping_name", ["gen", "sums"])
def test_a_file_read_partly_by_pyarrow_plans_what_its_records_do(mapping_name: str, lines: list[bytes], docks: Scenario) -> None:
    """Four blocks: the first and third read by pyarrow, the second with a blank line, a row
    not finite and an id used in the first, the fourth with a row of GDELT 1.0's 58 columns."""
    rows = changed(lines, 4000, 30, b"nan")  # the second block
    rows = changed(rows, 4100, 0, rows[10].split(b"\t")[0])
    rows = [*rows[:4200], b"", *rows[4200:]]
    narrow = [GDELT2.index(c) for c in GDELT1]
    rows[12_500] = b"\t".join(rows[12_500].split(b"\t")[i] for i in narrow)
    rows = changed(rows, 8000, 60, b" " + rows[7999].split(b"\t")[60] + b" ")  # the third: a URL between spaces, merged with the row before
    data = b"\n".join(rows) + b"\n"
    text = (DATA / "gen.yaml").read_text(encoding="utf-8") if mapping_name == "gen" else SUMS
    deleted = {line.split(b"\t", 1)[0].decode() for line in rows[::53] if line}
    records, streamed = both(text, data, docks, deleted, skip_bad=True)
    assert isinstance(records, tuple) and records[1].rows == 14_000 - 2 and records[1].merged > 1000
    assert {p.split(":")[1] for p in records[1].problems if p.startswith("events.tsv:")} >= {"4001", "4101"}
    assert streamed[0] == records[0]
    assert streamed[1] == records[1]
    blocks = Reader(parse_mapping(text, "mapping.yaml", docks.rulebook).reads)
    assert blocks.read(b"\n".join(rows[:3000]) + b"\n", 0) is not None and blocks.read(b"\n".join(rows[3900:4300]) + b"\n", 3900) is None
