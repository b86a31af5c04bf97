"""What a speed change must not change: a digest of the JSON of timelines and verdicts.

    .venv/bin/python -m benchmarks.outputs > before.txt    # on the code before the change
    .venv/bin/python -m benchmarks.outputs > after.txt     # on the code after it
    diff before.txt after.txt                               # nothing: the same bytes

Each line names one output and gives the SHA-256 and length of its JSON: the full timeline
(every entry with its verdict, as the API gives it) of the bundled scenarios (``rules/jcpoa``,
``rules/strike``) and of the fidelity cases (``fidelity/cases/*``: rules, ``facts.yaml`` and
imported events), and of generated logs read from SQLite as a restarted server reads them
(facts with 5 % events, a log of nearly all events, and a scenario of 100 positions); then
the verdicts as of each entry's time and a day later, each worked out by a fresh session.
Run it from the repository's root; it takes a minute or two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
# generated logs: (positions, facts, events)
GENERATED = ((12, 3000, 150), (12, 2200, 2000), (100, 1200, 60))


def digest(name: str, payload: str) -> str:
    return f"{name} {hashlib.sha256(payload.encode()).hexdigest()} {len(payload)}"


def _entries(entries) -> str:
    return json.dumps([json.loads(e.model_dump_json()) for e in entries], sort_keys=True)


def bundled() -> Iterator[str]:
    from engine.session import FixedClock
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
        yield digest(f"{name} timeline ({len(entries)} entries)", _entries(entries))
        fresh = replayed(scenario, facts, case)
        for entry in entries:
            for at in (entry.at, entry.at + dt.timedelta(days=1)):
                yield digest(f"{name} verdict {at.isoformat()}", fresh.verdict(at).model_dump_json())
        fresh.close()


def generated(folder: Path) -> Iterator[str]:
    from benchmarks import logdb
    from engine.session import FixedClock
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
        yield digest(f"{name} timeline ({len(entries)} entries)", _entries(entries))
        sessions = open_sessions(loaded, f"sqlite:///{db}", clock)
        for entry in entries[:: max(1, len(entries) // 25)]:  # at most about 25 of them: each a verdict worked out
            for at in (entry.at, entry.at + dt.timedelta(days=1)):
                yield digest(f"{name} verdict {at.isoformat()}", sessions.verdict("baseline", at).model_dump_json())
        sessions.close()


def main() -> int:
    for line in bundled():
        print(line, flush=True)
    with tempfile.TemporaryDirectory(prefix="ripeness-outputs-") as scratch:
        for line in generated(Path(scratch)):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
