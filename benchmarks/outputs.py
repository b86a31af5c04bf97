"""What a speed change must leave as it was: a digest of the JSON of timelines, verdicts and
replies.

    .venv/bin/python -m benchmarks.outputs > before.txt    # on the code before the change
    .venv/bin/python -m benchmarks.outputs > after.txt     # on the code after it
    diff before.txt after.txt                               # nothing: the same bytes
    .venv/bin/python -m benchmarks.outputs --large          # also the verdict workload at P=1,000

Each line names one output and gives the SHA-256 and length of its JSON:
- the full timeline (every entry with the verdict as of its time, as the API gave it
  before entries cited their verdicts; and apart, the entries' ``goals``) of the bundled
  scenarios (``rules/jcpoa``, ``rules/strike``) and of the fidelity cases (rules,
  ``facts.yaml`` and imported events), and the verdicts as of each entry's time and a day
  later, worked out by a fresh session;
- the same of generated logs read from SQLite as a restarted server reads them (facts with
  5 % events, a log of nearly all events, a scenario of 100 positions);
- generated streams fed to one session in parts, the verdict after each (what the kept
  analysis parts see from one verdict to the next);
- the record path, for the bundled scenarios, the fidelity cases and a generated stream:
  every fact POSTed alone (``Sessions.record_many``: ids, the verdict now, ``verdict_then``),
  then in groups of five as the write lanes send them, and the engine ingest's statuses;
- the verdict benchmark's session (``benchmarks/verdict.py``) at P=100 (and 1,000 with
  ``--large``): three days' verdicts.
Every clock is fixed.  Run it from the repository's root; it takes a few minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
# generated logs: (positions, facts, events)
GENERATED = ((12, 3000, 150), (12, 2200, 2000), (100, 1200, 60))


def digest(name: str, payload: str) -> str:
    return f"{name} {hashlib.sha256(payload.encode()).hexdigest()} {len(payload)}"


def _entries(entries, verdict_of) -> str:
    """The entries as they were when each carried its verdict: each entry's JSON without its
    ``goals``, with the verdict as of its time (``verdict_of(at)``: what an entry now cites)
    as ``verdict``; so the digests compare byte for byte with those of the code before."""
    found = []
    for e in entries:
        entry = json.loads(e.model_dump_json())
        entry.pop("goals")
        entry["verdict"] = json.loads(verdict_of(e.at).model_dump_json())
        found.append(entry)
    return json.dumps(found, sort_keys=True)


def _goals(entries) -> str:
    """What the entries gained when they left their verdicts: each goal's status, main or not, ripeness."""
    return json.dumps([[e.at.isoformat(), [g.model_dump(mode="json") for g in e.goals]] for e in entries])


def bundled() -> Iterator[str]:
    from engine.clock import FixedClock
    from fidelity.report import imported_events
    from ripeness.bootstrap import load_scenario

    folders = [("jcpoa", ROOT / "rules" / "jcpoa", ROOT / "rules" / "jcpoa" / "facts.yaml", None),
               ("strike", ROOT / "rules" / "strike", ROOT / "rules" / "strike" / "facts.yaml", None)]
    folders += [(f"fidelity/{case.name}", case / "rules", case / "facts.yaml", case)
                for case in sorted((ROOT / "fidelity" / "cases").iterdir()) if (case / "facts.yaml").is_file()]
    def replayed(scenario, facts: Path, case: Path | None):
        session = scenario.replay(facts, clock=FixedClock(NOW))
        if case is not None:
            session.record(imported_events(case, scenario.rulebook))
        return session

    for name, rules, facts, case in folders:
        scenario = load_scenario(rules)
        session = replayed(scenario, facts, case)
        entries = session.timeline()
        session.close()
        fresh = replayed(scenario, facts, case)
        yield digest(f"{name} timeline ({len(entries)} entries)", _entries(entries, fresh.verdict))
        yield digest(f"{name} timeline's goals", _goals(entries))
        for entry in entries:
            for at in (entry.at, entry.at + dt.timedelta(days=1)):
                yield digest(f"{name} verdict {at.isoformat()}", fresh.verdict(at).model_dump_json())
        fresh.close()


def generated(folder: Path) -> Iterator[str]:
    from benchmarks import logdb
    from engine.clock import FixedClock
    from ripeness.bootstrap import load_scenario, open_sessions

    for positions, facts, events in GENERATED:
        scenario = {"actors": 6 if positions < 100 else 10, "positions": positions, "cycles": [2, 3, 4],
                    "subjects": max(100, positions * 2), "seed": 1}
        stream = dict(facts=facts, subjects=scenario["subjects"], events=events, seed=1)
        db, rules = folder / f"log-{positions}-{facts}-{events}.db", folder / f"rules-{positions}-{facts}-{events}"
        log = logdb.prepare(str(db), scenario, stream, str(rules))
        loaded = load_scenario(rules)
        clock = FixedClock(dt.datetime.fromisoformat(log["now"]))
        name = f"generated P={positions} {facts} facts ({events} events)"
        sessions = open_sessions(loaded, f"sqlite:///{db}", clock)
        entries = sessions.timeline("baseline")
        sessions.close()
        sessions = open_sessions(loaded, f"sqlite:///{db}", clock)
        yield digest(f"{name} timeline ({len(entries)} entries)", _entries(entries, lambda at, s=sessions: s.verdict("baseline", at)))
        yield digest(f"{name} timeline's goals", _goals(entries))
        for entry in entries[:: max(1, len(entries) // 25)]:  # at most about 25 of them: each a verdict worked out
            for at in (entry.at, entry.at + dt.timedelta(days=1)):
                yield digest(f"{name} verdict {at.isoformat()}", sessions.verdict("baseline", at).model_dump_json())
        sessions.close()


def streamed() -> Iterator[str]:
    """Generated scenarios fed a generated stream in parts, the verdict after each part; then
    the timeline of the whole."""
    from benchmarks import generate, world
    from engine.live_session import Session
    from ripeness.bootstrap import rules_engine

    for positions, seed, facts, parts in ((12, 1, 600, 12), (30, 2, 1500, 15), (100, 4, 3000, 10), (200, 5, 3000, 6)):
        loaded = world.load(generate.ScenarioSize(actors=max(6, positions // 10), positions=positions,
                                                  subjects=max(100, positions * 2), seed=seed))
        subjects = len(loaded.generated.state_subjects)
        stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=facts, subjects=subjects, events=facts // 10, seed=seed)))
        _, head = world.heads(stream, generate.START)
        session = Session("same", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
        name = f"streamed P={positions} seed={seed}"
        try:
            step = max(1, len(stream) // parts)
            for start in range(0, len(stream), step):
                part = stream[start:start + step]
                session.record(world.resolve(loaded.rulebook, part))
                _, at = world.heads(part, generate.START)
                yield digest(f"{name} verdict after part {start // step}", session.verdict(at).model_dump_json())
            entries = session.timeline(head)
            yield digest(f"{name} timeline", _entries(entries, session.verdict))
            yield digest(f"{name} timeline's goals", _goals(entries))
        finally:
            session.close()


def recorded(folder: Path) -> Iterator[str]:
    """The record path: each case's facts POSTed one at a time and five at a time into
    ``baseline`` of a SQLite log (the replies), and recorded one by one into a session with
    its status after each (engine ingest)."""
    from benchmarks import generate
    from engine.clock import FixedClock
    from engine.facts import parse_inputs, read_fact_items
    from engine.sessions import FactPost
    from ripeness.bootstrap import load_scenario, open_sessions

    cases: list[tuple[str, Path, list[tuple[str, Any]]]] = []
    for case in (ROOT / "rules" / "jcpoa", ROOT / "rules" / "strike", *sorted((ROOT / "fidelity" / "cases").iterdir())):
        if (case / "facts.yaml").is_file():
            cases.append((case.name, case / "rules" if (case / "rules").is_dir() else case, read_fact_items(case / "facts.yaml")))
    scn = generate.scenario(generate.ScenarioSize(actors=6, positions=12, cycles=(2, 3, 4), subjects=100, seed=1))
    stream = generate.stream(scn, generate.StreamSize(facts=400, subjects=100, events=20, seed=1))
    cases.append(("generated P=12", scn.write_rules(folder / "generated"), [(f"[{i}]", f) for i, f in enumerate(stream)]))
    clock = FixedClock(NOW)
    for name, rules, items in cases:
        scenario = load_scenario(rules)
        for group in (1, 5):
            sessions = open_sessions(scenario, f"sqlite:///{folder / f'{name}-{group}.db'}", clock)
            try:
                replies = []
                for i in range(0, len(items), group):
                    posts = [FactPost([item], key=f"k{i + j}", body_hash=str(i + j)) for j, item in enumerate(items[i:i + group])]
                    replies += [r.model_dump(mode="json") if not isinstance(r, Exception) else repr(r)
                                for r in sessions.record_many("baseline", posts)]
            finally:
                sessions.close()
            yield digest(f"{name} record, {group} a request at once", json.dumps(replies, sort_keys=True))
        ingest = scenario.new_session("ingest", clock)
        statuses = []
        for item in parse_inputs(items, scenario.rulebook):
            if item.kind != "withdrawal":
                ingest.record([item])
                statuses.append(list(ingest.status()))
        ingest.close()
        yield digest(f"{name} ingest statuses", json.dumps(statuses))


def verdict_workload(positions: int) -> Iterator[str]:
    """The verdict benchmark's session (``benchmarks/verdict.py``): three days' verdicts."""
    from benchmarks import world
    from benchmarks.run import Config

    cfg = Config()
    scenario = dict(cfg.scenario, positions=positions, actors=max(cfg.scenario["actors"], positions // 10),
                    subjects=max(cfg.stream_subjects, positions * 2), cycles=list(cfg.verdict_cycles))
    session, head = world.verdict_session(world.load(scenario))
    try:
        for k in range(3):
            yield digest(f"verdict workload P={positions} day {k}", session.verdict(head + dt.timedelta(days=k)).model_dump_json())
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="add the verdict workload at 1,000 positions")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ripeness-outputs-") as scratch:
        sections = [bundled(), generated(Path(scratch) / "logs"), streamed(), recorded(Path(scratch) / "record")]
        sections += [verdict_workload(p) for p in ((100, 1000) if args.large else (100,))]
        (Path(scratch) / "logs").mkdir()
        (Path(scratch) / "record").mkdir()
        for section in sections:
            for line in section:
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
