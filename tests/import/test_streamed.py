"""A GDELT file planned as it is read (``read_wanted``: its rows never kept) plans what its
records do (``read_records``, then the plan): the same items, report and problems, also
where the row kept for an event comes after its duplicates (the rows shuffled), where an
event's deleted id is a duplicate's, with rules that test only what makes rows one event, sums of fractions (added in the order of the
lines), bad rows, ids that do not grow, and a re-import into a session that holds facts of
rows the mapping no longer imports."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from benchmarks.imports import generate
from engine.imports import import_into, parse_mapping, read_records, read_wanted
from engine.imports.formats import GDELT1, GDELT2
from ripeness.bootstrap import Scenario, open_sessions
from tests.conftest import NOW

from .plans import both

DATA = Path(__file__).resolve().parent / "data"
SUMS = """\
import: {id: gen, format: gdelt, from: 2019-02-01, until: 2021-10-01}
actors: {IRN: UNI, USA: EMP, SYR: MED}
rules:
  - when: {EventCode: ["171", "172*"], actor: [UNI, EMP]}
    subject: lockout
  - when: {EventRootCode: ["18", "19", "20"], target: [UNI, EMP, MED]}
    subject: truce
    aggregate: monthly
    sum: NumArticles
  - when: {QuadClass: ["3", "4"]}
    subject: fatalities
    aggregate: weekly
    sum: AvgTone
  - when: {EventCode: "04*"}
    subject: protests_per_week
    aggregate: daily
"""

BY_EVENT = """\
import: {id: gen, format: gdelt, from: 2019-02-01, until: 2021-10-01}
actors: {IRN: UNI, USA: EMP, SYR: MED}
rules:
  - when: {EventRootCode: ["18", "19", "20"]}
    subject: truce
    aggregate: weekly
  - when: {EventRootCode: ["14", "04"], actor: [UNI, EMP]}
    subject: protests_per_week
    aggregate: monthly
"""  # rules that test only what makes rows one event: a duplicate counts what its event counted


def shuffled(path: Path, rows: int, seed: int, bad: bool = False) -> bytes:
    """Rows generated as the benchmark's, in another order (a duplicate report, with its
    larger id, often before the row it repeats); with ``bad``, some rows made wrong."""
    generate(path, rows, seed=seed)
    lines = path.read_bytes().splitlines()
    random.Random(seed).shuffle(lines)
    if bad:
        lines[5] = lines[5].replace(b"\t", b" ", 3)  # too few columns
        lines[7] = lines[9].split(b"\t", 1)[0] + b"\t" + lines[7].split(b"\t", 1)[1]  # the id of line 10, which then repeats it
        cells = lines[11].split(b"\t")
        cells[1], cells[15], cells[28], cells[33] = b"20200115", b"USA", b"19", b""  # a row to sum, with no NumArticles
        lines[11] = b"\t".join(cells)
        lines[12] = lines[12].replace(b"\t", b"\t ", 1)  # a date between spaces: fine
    return b"\n".join(lines) + b"\n"


def ids_of(data: bytes, every: int) -> list[str]:
    return [line.split(b"\t", 1)[0].decode() for line in data.splitlines()[::every]]


@pytest.mark.parametrize("mapping_name", ["gen", "sums", "by_event"])
@pytest.mark.parametrize("seed", [3, 4])
def test_a_file_planned_as_read_plans_what_its_records_do(mapping_name: str, seed: int, docks: Scenario, tmp_path: Path) -> None:
    text = {"gen": (DATA / "gen.yaml").read_text(encoding="utf-8"), "sums": SUMS, "by_event": BY_EVENT}[mapping_name]
    data = shuffled(tmp_path / "events.tsv", 3000, seed)
    deleted = set(ids_of(data, 97)) | {"1000000001", "no-such-id"}
    records, streamed = both(text, data, docks, deleted, skip_bad=True)  # sums of AvgTone below 0: refused, each with its sum
    assert isinstance(records, tuple) and records[1].merged > 100 and records[1].rows == 3000
    assert streamed[0] == records[0]
    assert streamed[1] == records[1]


@pytest.mark.parametrize("width", [58, 57])
def test_gdelt_1_rows_are_planned_the_same(width: int, docks: Scenario, tmp_path: Path) -> None:
    """GDELT 1.0's 58 columns (no ADM2 codes), and the backfile's 57 (no URL: never merged)."""
    data = shuffled(tmp_path / "events.tsv", 2000, 8)
    keep = [GDELT2.index(c) for c in GDELT1[:width]]
    data = b"".join(b"\t".join(line.split(b"\t")[i] for i in keep) + b"\n" for line in data.splitlines())
    deleted = set(ids_of(data, 31))
    for text in ((DATA / "gen.yaml").read_text(encoding="utf-8"), BY_EVENT):
        records, streamed = both(text, data, docks, deleted, skip_bad=True)
        assert isinstance(records, tuple) and records[1].rows == 2000 and (records[1].merged > 0) == (width == 58)
        assert streamed[0] == records[0] and streamed[1] == records[1]


def test_bad_rows_and_ids_that_do_not_grow_are_reported_the_same(docks: Scenario, tmp_path: Path) -> None:
    data = shuffled(tmp_path / "events.tsv", 3000, 5, bad=True)
    records, streamed = both(SUMS, data, docks, set(), skip_bad=False)
    assert streamed == records
    assert any(p.startswith("events.tsv:10: GLOBALEVENTID: the id") and p.endswith("was already used at events.tsv:8") for p in records)
    assert any("NumArticles: empty, and the mapping sums NumArticles" in p for p in records)
    records, streamed = both(SUMS, data, docks, set(ids_of(data, 50)), skip_bad=True)
    assert streamed[0] == records[0] and streamed[1] == records[1]
    assert {p.split(":")[1] for p in records[1].problems if p.startswith("events.tsv:")} == {"6", "10", "12"}  # and weeks summed below 0


def test_a_re_import_withdraws_the_same_facts(docks: Scenario, tmp_path: Path) -> None:
    """Row facts the mapping no longer makes are withdrawn, those of deleted rows too, and
    only those: the rows the file holds are known without keeping them."""
    first = (DATA / "gen.yaml").read_text(encoding="utf-8")
    second = first.replace('  - when: {EventRootCode: "14", actor: UNI}\n    subject: walkout\n    value_from: SOURCEURL\n', "")
    assert second != first
    data = shuffled(tmp_path / "events.tsv", 2000, 6)
    deleted = set(ids_of(data, 41))
    outcome = []
    for streamed in (False, True):
        sessions = open_sessions(docks, f"sqlite:///{tmp_path / f'log{streamed}.db'}", NOW)
        try:
            reports = []
            for text, gone in ((first, set()), (second, deleted)):
                mapping = parse_mapping(text, "mapping.yaml", docks.rulebook)
                if streamed:
                    read = read_wanted(mapping, "events.tsv", io.BytesIO(data), docks.rulebook, deleted=gone)
                    reports.append(import_into(sessions, "baseline", mapping, read))
                else:
                    read = read_records("gdelt", "events.tsv", io.BytesIO(data), keep=mapping.reads)
                    reports.append(import_into(sessions, "baseline", mapping, read, deleted=gone))
            page = sessions.facts("baseline", limit=10_000)
            facts = [(f.id, f.source, f.subject, f.value, f.at, f.withdraws) for f in page.facts]
        finally:
            sessions.close()
        outcome.append(([r.model_dump() for r in reports], facts))
    assert outcome[1] == outcome[0]
    assert outcome[0][0][1]["withdrawn"] > 0
