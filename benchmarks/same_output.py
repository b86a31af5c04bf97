"""The JSON of verdicts and timelines that a speed change must leave byte for byte as they
were (``benchmarks/RESULTS.md``): ``rules/jcpoa``, ``rules/strike``, the fidelity cases
and generated scenarios (the verdict workload's, and generated streams recorded in chunks).

    .venv/bin/python -m benchmarks.same_output OUT_DIR [--large]

writes one file per case into ``OUT_DIR``; run it on the code before a change and after
(e.g. the branch's start from ``git archive`` in another folder, with this checkout's
``.venv``), then ``diff -r`` the two folders.  ``--large`` adds the verdict workload at
1,000 positions (a minute or two at load)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from benchmarks import generate, world

ROOT = Path(__file__).resolve().parent.parent
FIXED_NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _timeline_json(entries) -> str:
    return "[\n" + ",\n".join(e.model_dump_json() for e in entries) + "\n]\n"


def _folder_case(folder: Path, facts: Path, out: Path, name: str) -> None:
    from fidelity.report import imported_events
    from ripeness.bootstrap import load_scenario

    scenario = load_scenario(folder)
    session = scenario.replay(facts, clock=world.StreamClock(FIXED_NOW))
    if (facts.parent / "events").is_dir():
        session.record(imported_events(facts.parent, scenario.rulebook))
    try:
        entries = session.timeline(FIXED_NOW)
        (out / f"{name}.timeline.json").write_text(_timeline_json(entries), encoding="utf-8")
        days = sorted({e.at for e in entries} | {e.at + dt.timedelta(days=1) for e in entries} | {FIXED_NOW})
        (out / f"{name}.verdicts.json").write_text("".join(session.verdict(d).model_dump_json() + "\n" for d in days), encoding="utf-8")
    finally:
        session.close()


def _generated_stream(positions: int, seed: int, facts: int, chunks: int, out: Path) -> None:
    """A generated scenario fed a generated stream in ``chunks`` parts, the verdict after each;
    then the timeline of the whole."""
    from engine.session import Session
    from ripeness.bootstrap import rules_engine

    loaded = world.load(generate.ScenarioSize(actors=max(6, positions // 10), positions=positions, subjects=max(100, positions * 2),
                                              seed=seed))
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=facts, subjects=subjects, events=facts // 10, seed=seed)))
    _, head = world.heads(stream, generate.START)
    clock = world.StreamClock(head)
    session = Session("same", loaded.rulebook, loaded.rules, rules_engine(), clock)
    lines = []
    try:
        step = max(1, len(stream) // chunks)
        for start in range(0, len(stream), step):
            part = stream[start:start + step]
            session.record(world.resolve(loaded.rulebook, part))
            _, at = world.heads(part, generate.START)
            lines.append(session.verdict(at).model_dump_json())
        name = f"generated-P{positions}-s{seed}"
        (out / f"{name}.verdicts.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (out / f"{name}.timeline.json").write_text(_timeline_json(session.timeline(head)), encoding="utf-8")
    finally:
        session.close()


def _verdict_workload(positions: int, out: Path) -> None:
    """The verdict benchmark's session (``benchmarks/verdict.py``): three days' verdicts."""
    from benchmarks.run import Config
    from engine.session import Session
    from ripeness.bootstrap import rules_engine

    cfg = Config()
    scenario = dict(cfg.scenario, positions=positions, actors=max(cfg.scenario["actors"], positions // 10),
                    subjects=max(cfg.stream_subjects, positions * 2), cycles=list(cfg.verdict_cycles))
    loaded = world.load(scenario)
    subjects = len(loaded.generated.state_subjects)
    stream = generate.stream(loaded.generated, generate.StreamSize(facts=subjects + 400, subjects=subjects, events=20, seed=1))
    facts = [f for i, f in enumerate(stream) if i < subjects or "target" in f]
    _, head = world.heads(facts, generate.START)
    session = Session("bench", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    try:
        session.record(world.resolve(loaded.rulebook, facts))
        lines = [session.verdict(head + dt.timedelta(days=k)).model_dump_json() for k in range(3)]
        (out / f"verdict-workload-P{positions}.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--large", action="store_true", help="add the verdict workload at 1,000 positions")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name in ("jcpoa", "strike"):
        _folder_case(ROOT / "rules" / name, ROOT / "rules" / name / "facts.yaml", out, name)
        print(name, file=sys.stderr)
    for case in sorted((ROOT / "fidelity" / "cases").iterdir()):
        if (case / "rules").is_dir():
            _folder_case(case / "rules", case / "facts.yaml", out, f"fidelity-{case.name}")
            print(case.name, file=sys.stderr)
    for positions, seed, facts, chunks in ((12, 1, 600, 12), (30, 2, 1500, 15), (30, 3, 1500, 15), (100, 4, 3000, 10), (200, 5, 3000, 6)):
        _generated_stream(positions, seed, facts, chunks, out)
        print(f"generated P={positions} seed={seed}", file=sys.stderr)
    for positions in (100, 1000) if args.large else (100,):
        _verdict_workload(positions, out)
        print(f"verdict workload P={positions}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
