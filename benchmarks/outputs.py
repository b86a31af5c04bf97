"""What a speed change must leave as it was, written to one JSON file to compare before and
after it (``benchmarks/RESULTS.md``, "The record path"):

    python -m benchmarks.outputs OUT.json              # write
    python -m benchmarks.outputs OUT.json --against OLD.json   # write, then name each case that differs

For ``rules/jcpoa``, ``rules/strike``, the three fidelity cases and a generated scenario
(P=12, the API benchmark's, with 400 facts of its stream): the timeline, the verdict as of
each of its entries, and the record path: every fact POSTed alone into ``baseline`` of a
SQLite log (``Sessions.record``: ids, the verdict now and ``verdict_then``), then again in
groups of five as the write lanes send them (``Sessions.record_many``), and the engine
ingest's path (``Session.record`` of each fact, then its status).  Every clock is fixed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import generate
from engine.facts import parse_inputs, read_fact_items
from engine.session import FixedClock
from engine.sessions import FactPost
from ripeness.bootstrap import load_scenario, open_sessions

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 26, tzinfo=dt.timezone.utc)


def _cases(scratch: Path) -> list[tuple[str, Path, list[tuple[str, Any]]]]:
    cases = []
    for folder in (ROOT / "rules" / "jcpoa", ROOT / "rules" / "strike", *sorted((ROOT / "fidelity" / "cases").iterdir())):
        if folder.is_dir() and (folder / "facts.yaml").is_file():
            rules = folder / "rules" if (folder / "rules").is_dir() else folder
            cases.append((folder.name, rules, read_fact_items(folder / "facts.yaml")))
    scn = generate.scenario(generate.ScenarioSize(actors=6, positions=12, cycles=(2, 3, 4), subjects=100, seed=1))
    rules = scn.write_rules(scratch / "generated")
    stream = generate.stream(scn, generate.StreamSize(facts=400, subjects=100, events=20, seed=1))
    cases.append(("generated P=12", rules, [(f"[{i}]", f) for i, f in enumerate(stream)]))
    return cases


def outputs(scratch: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, rules, items in _cases(scratch):
        scenario = load_scenario(rules)
        clock = FixedClock(NOW)
        session = scenario.new_session("baseline", clock)
        session.record(parse_inputs(items, scenario.rulebook))
        timeline = session.timeline()
        found[f"{name}: timeline"] = [e.model_dump(mode="json") for e in timeline]
        replayed = scenario.new_session("baseline", clock)
        replayed.record(parse_inputs(items, scenario.rulebook))
        found[f"{name}: verdicts"] = [replayed.verdict(e.at + dt.timedelta(days=d)).model_dump(mode="json")
                                      for e in timeline for d in (0, 1)]
        for group in (1, 5):
            sessions = open_sessions(scenario, f"sqlite:///{scratch / f'{name}-{group}.db'}", clock)
            try:
                replies = []
                for i in range(0, len(items), group):
                    posts = [FactPost([item], key=f"k{i + j}", body_hash=str(i + j)) for j, item in enumerate(items[i:i + group])]
                    for reply in sessions.record_many("baseline", posts):
                        replies.append(reply.model_dump(mode="json") if not isinstance(reply, Exception) else repr(reply))
                found[f"{name}: record, {group} a group"] = replies
            finally:
                sessions.close()
        ingest = scenario.new_session("ingest", clock)
        statuses = []
        for item in parse_inputs(items, scenario.rulebook):
            if item.kind == "withdrawal":
                continue
            ingest.record([item])
            statuses.append(list(ingest.status()))
        found[f"{name}: ingest statuses"] = statuses
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--against", type=Path, help="outputs written before: name each case that differs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ripeness-outputs-") as scratch:
        found = outputs(Path(scratch))
    text = json.dumps(found, indent=1, sort_keys=True)
    args.out.write_text(text)
    print(f"{len(found)} cases, {len(text):,} bytes written to {args.out}")
    if args.against is None:
        return 0
    before, found = json.loads(args.against.read_text()), json.loads(text)
    differ = [k for k in sorted(set(before) | set(found)) if before.get(k) != found.get(k)]
    for k in differ:
        print(f"DIFFERS: {k}")
    if not differ and args.against.read_text() == text:
        print("the same, byte for byte")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
