"""What an import writes does not depend on how the file is read: the facts (and report) of
the sample files, and of 4,000 rows generated like the benchmark's (duplicate reports, every
kind of rule, a deletions file; 6,000 rows with bad ones among them), are those recorded in ``data/same/`` by the importer before
it streamed its rows (each case's file there was written by ``ripeness import --out --json``
at commit f572fac)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.imports import generate
from ripeness.cli import app

DATA = Path(__file__).resolve().parent / "data"
SAME = DATA / "same"
GENERATED_DELETIONS = "1000001506\n1000001529\n1000001578\n1000001600\n1000003999\n"  # merged duplicates, kept rows, the last row

CASES = {  # name: (mapping, source, deletions, skip_bad)
    "gdelt": ("gdelt.yaml", "gdelt.tsv", None, False),
    "gdelt_bad": ("gdelt.yaml", "gdelt_bad.tsv", None, True),
    "acled": ("acled.yaml", "acled.csv", None, False),
    "acled_updated": ("acled.yaml", "acled_updated.csv", "acled_deletions.csv", False),
    "acled_bad": ("acled.yaml", "acled_bad.csv", None, True),
    "plover_jsonl": ("plover.yaml", "plover.jsonl", None, False),
    "plover_tsv": ("plover.yaml", "plover.tsv", None, False),
    "plover_bad": ("plover.yaml", "plover_bad.jsonl", None, True),
    "generated": ("gen.yaml", "generated", None, False),
    "generated_deleted": ("gen.yaml", "generated", "generated_deletions", True),
    "generated_messy": ("gen.yaml", "messy", None, True),
}
MESS = {  # line: what it becomes, in a file of 6,000 generated rows (about 1.7 MiB: read in two blocks, the second with a bad byte)
    2: lambda cells: cells[:3],  # three columns
    40: lambda cells: [cells[0], "20190230", *cells[2:]],  # eight digits, no such day
    41: lambda cells: [*cells[:34], "abc", *cells[35:]],  # AvgTone not a number
    42: lambda cells: [*cells[:30], "nan", *cells[31:]],  # GoldsteinScale not finite
    43: lambda cells: [*cells[:30], " 2.5 ", *cells[31:]],  # a number between spaces: fine
    44: lambda cells: ["1000000010", *cells[1:]],  # the id of line 11 again
    45: lambda cells: [""] * 61,  # only tabs: a blank row
    46: lambda cells: [*cells[:60], f"  {cells[60]}  "],  # the URL between spaces: stripped, merged with its duplicates
    47: lambda cells: [f" {cells[0]} ", *cells[1:]],  # the id between spaces
    48: lambda cells: [*cells[:26], "", *cells[27:]],  # no EventCode
    49: lambda cells: [*cells[:5], "IRN\x00", *cells[6:]],  # a NUL in an actor code
    3000: lambda cells: [cells[0], "2019-05-01", *cells[2:]],  # a date, not GDELT's
    5000: lambda cells: [*cells[:40], "Tehran\rIran", *cells[41:]],  # a carriage return: the reader stops here
}


def messy(path: Path) -> None:
    """Generated rows, some made wrong in every way a row can be (``MESS``), one a bad byte."""
    generate(path, 6000, seed=11)
    lines = path.read_bytes().split(b"\n")
    for number, change in MESS.items():
        lines[number - 1] = "\t".join(change(lines[number - 1].decode("utf-8").split("\t"))).encode("utf-8")
    lines[4499] = lines[4499].replace(b"news.example", b"news.ex\xe9mple")  # not UTF-8
    lines[4599] = lines[4599] + b"\r"  # a Windows line end: fine
    path.write_bytes(b"\n".join(lines))


def imported(case: str, docks_folder: Path, tmp_path: Path) -> dict:
    """The report and the facts ``ripeness import --out`` writes for ``case``."""
    mapping, source, deletions, skip_bad = CASES[case]
    if source == "generated":
        source = str(tmp_path / "generated.tsv")
        generate(Path(source), 4000, seed=7)
    elif source == "messy":
        source = str(tmp_path / "messy.tsv")
        messy(Path(source))
    else:
        source = str(DATA / source)
    args = ["import", str(DATA / mapping), source, "--rules", str(docks_folder), "--out", str(tmp_path / "f.jsonl"), "--json"]
    if deletions == "generated_deletions":
        (tmp_path / "deleted.txt").write_text(GENERATED_DELETIONS, encoding="utf-8")
        args += ["--deletions", str(tmp_path / "deleted.txt")]
    elif deletions is not None:
        args += ["--deletions", str(DATA / deletions)]
    if skip_bad:
        args.append("--skip-bad")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    report["problems"] = [p.replace(source, "SOURCE") for p in report["problems"]]
    facts = [json.loads(line) for line in (tmp_path / "f.jsonl").read_text(encoding="utf-8").splitlines()]
    return {"report": report, "facts": facts}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_import_writes_the_same_facts_as_before(case: str, docks_folder: Path, tmp_path: Path) -> None:
    expected = json.loads((SAME / f"{case}.json").read_text(encoding="utf-8"))
    got = imported(case, docks_folder, tmp_path)
    assert got["report"] == expected["report"]
    assert len(got["facts"]) == len(expected["facts"])
    for i, (fact, want) in enumerate(zip(got["facts"], expected["facts"])):
        assert fact == want, f"fact {i} differs"
