"""Importing event data: N GDELT-shaped rows (generated here, never downloaded) imported and
aggregated by ripeness, beside a plain ``csv`` read of the same file, in the same run.

    .venv/bin/python -m benchmarks.imports                 # one million rows
    .venv/bin/python -m benchmarks.imports --rows 100000

Each side runs in a fresh process (``benchmarks.child``), which reports its time and its peak
resident memory (``ru_maxrss``):

- baseline: ``csv.reader`` over the tab-separated file (GDELT quotes nothing), every row
  split into its 61 columns and counted, nothing kept;
- ripeness: ``ripeness import`` into a session of a fresh SQLite log, through its public
  calls: the file read, checked and planned as it is read (``read_wanted``: every row
  checked whole, by pyarrow's CSV reader a block at a time, on up to two threads; GDELT's
  duplicate reports merged, the rows aggregated by the mapping: weekly counted events of each
  side's hostile acts, a monthly count of protests; the rows not kept), the facts recorded in
  one call.

The goal (issue 16): ripeness at least 0.5x the plain read's rate.  Printed; record a run by
hand in ``RESULTS.md`` (a dated section), with the load average, which the ratio only
partly cancels out.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, calibrate, in_child, load_average

ACTORS = ["IRN", "USA", "ISR", "IRQ", "SYR", "LBN", "SAU", "YEM", "RUS", "CHN"]  # source codes; the mapping knows four
ROOTS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"]
MAPPING = """\
import: {id: gdelt_bench, format: gdelt}
actors: {IRN: IRN, USA: USA, IRQ: MIL, SYR: MIL}
rules:
  - when: {EventRootCode: ["18", "19", "20"]}      # assaults, fights, mass violence: counted by week and actor
    subject: strike
    aggregate: weekly
  - when: {EventRootCode: "14"}                    # protests: a monthly count
    subject: protests_per_month
    aggregate: monthly
"""
COUNTS = """\
subjects:
  - {id: protests_per_month, type: number, min: 0, description: Protest events reported in a month (benchmark).}
"""


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """``rows`` GDELT 2.0 event rows (61 columns), over three years from 2019, one in ten a
    duplicate report of the row before (same date, actors, root code and URL)."""
    rng = random.Random(seed)
    first = dt.date(2019, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        previous: list[str] | None = None
        for i in range(rows):
            if previous is not None and rng.random() < 0.1:
                row = list(previous)
                row[0] = str(1_000_000_000 + i)
            else:
                sqldate = (first + dt.timedelta(days=i * 1096 // rows)).strftime("%Y%m%d")
                root = rng.choice(ROOTS)
                code = root + rng.choice(["0", "1", "2", "3"])
                a1, a2 = rng.choice(ACTORS), rng.choice(ACTORS)
                row = [str(1_000_000_000 + i), sqldate, sqldate[:6], sqldate[:4], f"{sqldate[:4]}.{int(sqldate[4:6]) * 8:04d}",
                       a1, a1, a1, "", "", "", "", "GOV", "", "",
                       a2, a2, a2, "", "", "", "", "MIL", "", "",
                       "1", code, code[:3], root, str(1 + int(root) // 5), f"{rng.uniform(-10, 10):.1f}",
                       str(rng.randint(1, 50)), str(rng.randint(1, 10)), str(rng.randint(1, 50)), f"{rng.uniform(-10, 10):.6f}",
                       *(["4", "Tehran, Iran", "IR", "IR26", "", "35.75", "51.5148", "-3075770"] * 3),
                       sqldate + "000000", f"https://news.example/{rng.randint(0, rows // 3)}"]
            out.write("\t".join(row) + "\n")
            previous = row


def plain_read(path: str) -> dict:
    """The baseline: every row split by ``csv``, counted."""
    started = time.perf_counter()
    rows = columns = 0
    with open(path, encoding="utf-8", newline="") as stream:
        for row in csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows += 1
            columns += len(row)
    return {"seconds": time.perf_counter() - started, "rows": rows, "columns": columns,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def ripeness_import(path: str, folder: str) -> dict:
    """ripeness: the file imported and aggregated into a fresh session, as ``ripeness import``
    does (without its progress bar)."""
    from ripeness import importing
    from ripeness.bootstrap import load_scenario

    scenario = load_scenario(folder)  # before the clock starts: a scenario is loaded once per import
    started = time.perf_counter()
    mapping, read, deleted = importing.load(scenario, Path(folder) / "imports" / "bench.yaml", Path(path), None, None, None)
    report = importing.to_session(scenario, mapping, read, deleted, "baseline", f"sqlite:///{Path(folder) / 'log.db'}", False)
    return {"seconds": time.perf_counter() - started, "rows": report.rows, "merged": report.merged, "stored": report.stored,
            "unmatched": report.unmatched, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def scenario_folder(where: Path) -> Path:
    """The bundled JCPOA scenario with a number subject to count protests into, and the mapping."""
    folder = where / "jcpoa_bench"
    shutil.copytree(ROOT / "rules" / "jcpoa", folder, ignore=shutil.ignore_patterns("facts*"))
    (folder / "counts.yaml").write_text(COUNTS, encoding="utf-8")
    (folder / "imports").mkdir(exist_ok=True)
    (folder / "imports" / "bench.yaml").write_text(MAPPING, encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ripeness-bench-import-") as tmp:
        where = Path(tmp)
        source = where / "events.tsv"
        began = time.perf_counter()
        generate(source, args.rows)
        print(f"generated {args.rows:,} rows ({source.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - began:.0f} s")
        folder = scenario_folder(where)
        load, calib = load_average(), calibrate()
        plain = in_child("imports:plain_read", args.timeout, path=str(source))
        ours = in_child("imports:ripeness_import", args.timeout, path=str(source), folder=str(folder))
        print(f"load average at start / end: {load} / {load_average()}; calibration {calib:.0f} ms / {calibrate():.0f} ms")
        for name, outcome in (("plain csv read", plain), ("ripeness import", ours)):
            print(f"{name}: {outcome.value if outcome.ok else outcome.error}")
        if plain.ok and ours.ok:
            ratio = plain.value["seconds"] / ours.value["seconds"]
            print(f"rows/s: ripeness {args.rows / ours.value['seconds']:,.0f}, plain {args.rows / plain.value['seconds']:,.0f}; "
                  f"ratio {ratio:.2f}x (goal >= 0.5x: {'met' if ratio >= 0.5 else 'not met'}); peak memory "
                  f"{ours.value['peak_mib']:,.0f} vs {plain.value['peak_mib']:,.0f} MiB")


if __name__ == "__main__":
    main()
