"""The page's timeline and verdicts at 1,000 positions before and after a change of the
analysis, in one process (see ``benchmarks/RESULTS.md``, branch h-verdict5): the whole
package ``engine/analysis/`` and ``engine/analyst.py`` of an earlier commit (default
52ecc10, where branch h-verdict5 started) are loaded beside the present ones under other
module names (``before_analysis``, ``before_analyst``: every other module is the present
one); both work out the same question alternately, timed in CPU seconds of this process
(``time.process_time``), and their JSON is compared (a difference stops the run).

    .venv/bin/python -m benchmarks.verdict_before_after [--before REV] [--runs N] [--verdicts P,...]

- **timeline**: workload 7's scenario of 200 positions (``benchmarks/page.py``), each run
  with nothing kept by either side's analysis (``forget``), as the page's first timeline of
  a process: a full collection of the garbage collector right after it is counted.
- **verdict, as of another day** and **nothing kept**: workload 3's session at P positions
  (``benchmarks/verdict.py``), as that benchmark asks it.
- ``--facts F,...``: also the timelines of workload 6's logs of F facts (as
  ``timeline_before_after`` writes them), nothing kept first, by the whole analysis package
  of each side (``timeline_before_after`` loads only four of its modules as they were, so a
  change of ``model``, ``openings`` or ``whatif`` shows on both of its sides).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT


def load_before(rev: str) -> tuple[Any, Any]:
    """``engine/analysis/`` of ``rev`` as the package ``before_analysis`` and its
    ``engine/analyst.py`` as ``before_analyst`` (reading that package)."""
    package = load_analysis(rev)
    source = subprocess.run(["git", "show", f"{rev}:engine/analyst.py"], cwd=ROOT, capture_output=True, check=True).stdout
    module = types.ModuleType("before_analyst")
    module.__file__ = f"{rev}:engine/analyst.py"
    sys.modules["before_analyst"] = module
    exec(compile(source.replace(b"engine.analysis", b"before_analysis"), module.__file__, "exec"), module.__dict__)  # noqa: S102
    return package, module


def load_analysis(rev: str) -> Any:
    """``engine/analysis/`` of ``rev`` as the package ``before_analysis``."""
    import importlib

    folder = Path(tempfile.mkdtemp(prefix="verdict-before-")) / "before_analysis"
    folder.mkdir()
    names = subprocess.run(["git", "ls-tree", "--name-only", f"{rev}:engine/analysis"], cwd=ROOT, capture_output=True, check=True,
                           text=True).stdout.split()
    for name in names:
        if name.endswith(".py"):
            source = subprocess.run(["git", "show", f"{rev}:engine/analysis/{name}"], cwd=ROOT, capture_output=True, check=True).stdout
            (folder / name).write_bytes(source.replace(b"engine.analysis", b"before_analysis"))
    sys.path.insert(0, str(folder.parent))
    return importlib.import_module("before_analysis")


def _digest(payload: str) -> str:
    return f"{hashlib.sha256(payload.encode()).hexdigest()[:16]} ({len(payload):,} bytes)"


def timelines(before: tuple[Any, Any], runs: int, facts: int | None = None) -> str:
    """A row: the page's first timeline (``facts`` None), or that of workload 6's log of
    ``facts`` facts (``timeline_before_after.log_input``: 5 % events), by both sides."""
    import engine.analysis as after_analysis
    import engine.analyst as after_analyst
    from benchmarks.timeline_before_after import digest, log_input, page_input
    from ripeness.bootstrap import rules_engine

    folder = Path(tempfile.mkdtemp(prefix="verdict-before-after-"))
    label, history, rulebook, rules, now = page_input(folder) if facts is None else log_input(facts, max(1, facts * 5 // 100), folder)
    port = rules_engine()
    times: dict[str, list[float]] = {"before": [], "after": []}
    digests: dict[str, str] = {}
    count = 0
    for _ in range(runs):
        for side, (analysis, analyst) in (("before", before), ("after", (after_analysis, after_analyst))):
            analysis.forget()
            worker = analyst.Analyst("baseline", rulebook, rules, port)
            copy = history.copy()
            gc.collect()
            start = time.process_time()
            entries = worker.timeline(copy, now)
            gc.collect()
            times[side].append(time.process_time() - start)
            worker.close()
            found = digest(entries)  # the entries but for the verdicts they cite by time since h-timeline6, and goals
            if digests.setdefault(side, found) != found:
                raise SystemExit(f"timeline: two runs of {side} differ")
            count = len(entries)
            del entries
    if digests["before"] != digests["after"]:
        raise SystemExit(f"the timelines differ: before {digests['before']}, after {digests['after']}")
    return _row(f"timeline, {label}, {count} entries, nothing kept", times, digests["after"])


def verdicts(before: tuple[Any, Any], positions: int, runs: int) -> list[str]:
    import engine.analysis as after_analysis
    from benchmarks import world

    scenario = dict(actors=max(6, positions // 10), positions=positions, cycles=[2, 3, 4], subjects=max(100, positions * 2), seed=1)
    session, head = world.verdict_session(world.load(scenario))
    rows = []
    for kept in (True, False):
        times: dict[str, list[float]] = {"before": [], "after": []}
        digests: dict[str, str] = {}
        day = head
        for i in range(runs):
            sit = session.analyst.situation(session.frame(day))
            sits = {"after": sit, "before": before[0].model.Situation(**{f.name: getattr(sit, f.name) for f in dataclasses.fields(sit)})}
            answers = {}
            order = (("before", before[0]), ("after", after_analysis)) if i % 2 == 0 else (("after", after_analysis), ("before", before[0]))
            for side, analysis in order:
                if not kept:
                    analysis.forget()
                gc.collect()
                start = time.process_time()
                verdict = analysis.analyse(sits[side])
                gc.collect()
                times[side].append(time.process_time() - start)
                answers[side] = verdict.model_dump_json()
            if answers["before"] != answers["after"]:
                raise SystemExit(f"P={positions}: the verdicts as of {day} differ")
            digests["after"] = _digest(answers["after"])
            day += dt.timedelta(days=1)
        rows.append(_row(f"verdict at P={positions:,}, {'as of another day' if kept else 'nothing kept'}", times, digests["after"]))
    session.close()
    return rows


def _row(label: str, times: dict[str, list[float]], digest: str) -> str:
    b, a = statistics.median(times["before"]), statistics.median(times["after"])
    return (f"| {label} | {b * 1000:,.1f} ({min(times['before']) * 1000:,.1f}) | {a * 1000:,.1f} ({min(times['after']) * 1000:,.1f}) "
            f"| {a / b:.2f} | {len(times['after'])} | {digest} |")


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--before", default="52ecc10")
    args.add_argument("--runs", type=int, default=5)
    args.add_argument("--verdicts", default="1000", help="positions of the verdict workload, comma-separated ('' for none)")
    args.add_argument("--no-timeline", action="store_true")
    args.add_argument("--facts", default="", help="also the timelines of workload 6's logs of these many facts, comma-separated "
                      "(the whole analysis package of both sides, unlike timeline_before_after)")
    opts = args.parse_args(argv)
    before = load_before(opts.before)
    print(f"| what (CPU ms of this process) | before ({opts.before}): median (min) | after: median (min) | after / before | runs "
          "| JSON (SHA-256, equal) |")
    print("| --- | ---: | ---: | ---: | ---: | --- |", flush=True)
    if not opts.no_timeline:
        print(timelines(before, opts.runs), flush=True)
    for f in (int(f) for f in opts.facts.split(",") if f):
        print(timelines(before, opts.runs, f), flush=True)
    for p in (int(p) for p in opts.verdicts.split(",") if p):
        for row in verdicts(before, p, opts.runs):
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
