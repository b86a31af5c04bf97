"""Full timelines before and after a change, in one process (see ``benchmarks/RESULTS.md``,
"Full timelines, fourth pass" and "fifth pass"): ``engine/analyst.py``, the analysis modules
a timeline's work is in (``engine/analysis/``: ``__init__``, escalation, explain, ripeness),
the history's walk (``engine/history.py``) and the durable-rules port (``engine/rete.py``)
of an earlier commit (default b3e803b, where branch h-timeline6 started) are loaded beside
the present ones under other module names; each timeline is worked out by both analysts,
alternately, from copies of the same history, each side's kept parts forgotten first (``forget``:
nothing kept from the run before, as the first timeline of a process), timed in CPU seconds of this process
(``time.process_time``: the other engineers' load on the machine does not count) with a
full collection of the garbage collector right after it (the entries still held), and
the JSON of their entries compared by SHA-256 (a difference stops the run).

    .venv/bin/python -m benchmarks.timeline_before_after [--before REV] [--runs N]
        [--facts 10000,100000] [--events 10000,100000] [--page] [--json] [--read]

Logs as workload 6 writes them (scenario A=6, P=12, cycles 2/3/4, S=100, seed 1; ``--facts``
F: F facts of which 5 % events; ``--events`` E: E events in E + E/10 facts), read whole from
SQLite first (not timed); ``--page``: workload 7's scenario of 200 positions; ``--read``: also
reading each log into a history, by the earlier and the present ``engine/store/log.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT

READ: dict[str, tuple[str, str]] = {}  # a log's label -> its URL and scenario id (``--read``)
SCENARIO = {"actors": 6, "positions": 12, "cycles": [2, 3, 4], "subjects": 100, "seed": 1}
# the modules loaded as they were, in this order (name here, its file, the imports rewritten to the others)
VERDICT = {b"from engine.verdict import": b"from before_verdict import"}
BEFORE = [
    ("before_escalation", "engine/analysis/escalation.py", {}),
    ("before_explain", "engine/analysis/explain.py", {b"from engine.analysis import escalation\n": b"import before_escalation as escalation\n",
                                                      **VERDICT}),
    ("before_ripeness", "engine/analysis/ripeness.py", {b"from engine.analysis.explain import": b"from before_explain import", **VERDICT}),
    ("before_analysis", "engine/analysis/__init__.py", {
        b"from engine.analysis import escalation, explain, ripeness\n":
        b"import before_escalation as escalation, before_explain as explain, before_ripeness as ripeness\n", **VERDICT}),
    ("before_history", "engine/history.py", {}),
    ("before_rete", "engine/rete.py", {}),  # its port: the before side's analyst works through it (``port_for``)
    ("before_analyst", "engine/analyst.py", {
        b"from engine.analysis import (": b"from before_analysis import (",
        b"from engine.analysis.escalation import": b"from before_escalation import",
        b"from engine.analysis.explain import": b"from before_explain import",
        # the walk of the earlier ``engine/history.py`` over the present history (branch h-timeline5 changed it)
        b"from engine.history import Frame, History, Walk": b"from engine.history import Frame, History\nfrom before_history import Walk",
        b"walk = history.walk()": b"walk = Walk(history)", **VERDICT}),
]
# the verdict's models a timeline's escalation is in, as ``rev`` has them (branch h-events5 changed
# their shape); every other model of ``engine.verdict`` is the present one, which the present
# modules the earlier ones call (openings, changes, ...) build
OWN_MODELS = ("EscalationChain", "Stalemate", "Ripeness", "Verdict", "TimelineEntry")


def load_verdict(rev: str) -> None:
    """``before_verdict``: ``engine.verdict`` with ``OWN_MODELS`` as ``rev`` defines them."""
    import ast

    import engine.verdict

    source = subprocess.run(["git", "show", f"{rev}:engine/verdict.py"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    module = types.ModuleType("before_verdict")
    module.__dict__.update({k: v for k, v in vars(engine.verdict).items() if not k.startswith("__")})
    module.__file__ = f"{rev}:engine/verdict.py"
    sys.modules["before_verdict"] = module
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and node.name in OWN_MODELS:
            code = "from __future__ import annotations\n" + ast.get_source_segment(source, node)
            exec(compile(code, module.__file__, "exec"), module.__dict__)  # noqa: S102  # our own earlier source


def load_before(rev: str) -> Any:
    """The analyst module of ``rev``, with the analysis modules it reads that a timeline's
    work is in (escalation, explanations, ripeness, the package's ``__init__``), as
    ``before_analyst``; the other modules are the present ones."""
    import importlib
    import pkgutil

    import engine.analysis

    load_verdict(rev)
    for name, path, rewrites in BEFORE:
        source = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, check=True).stdout
        for old, new in rewrites.items():
            assert old in source, (path, old)
            source = source.replace(old, new)
        module = types.ModuleType(name)
        module.__file__ = f"{rev}:{path}"
        if name == "before_analysis":  # its submodules, as the package ``engine.analysis`` has them
            for sub in pkgutil.iter_modules(engine.analysis.__path__):
                setattr(module, sub.name, importlib.import_module(f"engine.analysis.{sub.name}"))
        sys.modules[name] = module  # dataclasses look their module up while the class is made
        exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102  # our own earlier source
    return sys.modules["before_analyst"]


def port_for(before: Any, rete: types.ModuleType) -> tuple[Any, types.ModuleType]:
    """A durable-rules port of the earlier ``engine/rete.py`` (its own host), and that module.
    Loading it set durable-rules' JSON global to its ``_DurableJson``: set back to the
    present one here, and to each side's before each timeline."""
    from durable import engine as durable_engine

    import engine.rete

    durable_engine.json = engine.rete._DurableJson
    return rete.DurableRules(), rete


def digest(entries: list) -> str:
    """The entries' JSON but for their verdicts (carried before branch h-timeline6, cited by
    time since: ``benchmarks.outputs`` compares those) and their ``goals`` (new then), by SHA-256."""
    payload = json.dumps([{k: v for k, v in json.loads(e.model_dump_json()).items() if k not in ("verdict", "goals")}
                          for e in entries], sort_keys=True)
    return f"{hashlib.sha256(payload.encode()).hexdigest()[:16]} ({len(payload):,} bytes)"


def read_before_after(rev: str, url: str, scenario_id: str, runs: int) -> str:
    """A table row: reading the whole log of ``url``'s ``baseline`` into a history (what a
    timeline reads first: ``SqlFactLog.load_all``, each fact added as ``Session.apply`` adds
    it), by ``engine/store/log.py`` of ``rev`` and by the present one, alternately, in CPU
    seconds; the facts read compared field by field (a difference stops the run)."""
    from engine.history import History
    from engine.store import open_store

    source = subprocess.run(["git", "show", f"{rev}:engine/store/log.py"], cwd=ROOT, capture_output=True, check=True).stdout
    module = types.ModuleType("before_log")
    module.__file__ = f"{rev}:engine/store/log.py"
    sys.modules["before_log"] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102  # our own earlier source
    store = open_store(url, scenario_id)
    try:
        present = store.log
        earlier = module.SqlFactLog(present._engine, threading.Lock())
        view = store.registry.view(next(r for r in store.registry.live() if r.name == "baseline"))
        times: dict[str, list[float]] = {"before": [], "after": []}
        read: dict[str, list] = {}
        for _ in range(runs):
            for side, log in (("before", earlier), ("after", present)):
                history = History()
                start = time.process_time()
                facts = []
                for fact in log.load_all(view):
                    if fact.withdraws is not None:
                        history.withdraw(fact.withdraws)
                    if fact.kind != "withdrawal":
                        history.add(fact)
                    facts.append(fact)
                times[side].append(time.process_time() - start)
                read[side] = facts
                del history, facts
        if read["before"] != read["after"]:
            raise SystemExit("the facts read differ")
        b, a = statistics.median(times["before"]), statistics.median(times["after"])
        return (f"|  ... reading its log into a history (`load_all`, CPU s) | {b:.3f} ({min(times['before']):.3f}) "
                f"| {a:.3f} ({min(times['after']):.3f}) | {a / b:.2f} | {len(read['after']):,} facts | equal | |")
    finally:
        store.close()


def log_input(facts: int, events: int, folder: Path) -> tuple[str, Any, Any, Any, dt.datetime]:
    from benchmarks import logdb
    from engine.clock import FixedClock
    from ripeness.bootstrap import load_scenario, open_sessions

    stream = dict(facts=facts, subjects=SCENARIO["subjects"], events=events, seed=SCENARIO["seed"])
    info = logdb.prepare(str(folder / f"log-{facts}-{events}.db"), SCENARIO, stream, str(folder / f"rules-{facts}-{events}"))
    now = dt.datetime.fromisoformat(info["now"])
    sessions = open_sessions(load_scenario(folder / f"rules-{facts}-{events}"), f"sqlite:///{folder / f'log-{facts}-{events}.db'}",
                             FixedClock(now))
    with sessions.using("baseline") as session:
        history, rulebook, rules = session.snapshot(), session.rulebook, session.rules
    sessions.close()
    READ[f"{facts:,} facts ({info['events']:,} events)"] = (f"sqlite:///{folder / f'log-{facts}-{events}.db'}", rulebook.id)
    return f"{facts:,} facts ({info['events']:,} events)", history, rulebook, rules, now


def page_input(folder: Path) -> tuple[str, Any, Any, Any, dt.datetime]:
    from benchmarks import page, page_before_after

    sessions, _, _, _, facts = page.served(page_before_after.SCENARIO, f"sqlite:///{folder / 'page.db'}")
    with sessions.using("baseline") as session:
        history, rulebook, rules = session.snapshot(), session.rulebook, session.rules
    now = sessions.clock.now()
    sessions.close()
    return f"P=200, {facts} facts (workload 7)", history, rulebook, rules, now


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--before", default="b3e803b")
    args.add_argument("--runs", type=int, default=3)
    args.add_argument("--facts", default="10000")
    args.add_argument("--events", default="10000")
    args.add_argument("--page", action="store_true")
    args.add_argument("--json", action="store_true", help="also time the entries' JSON as the API writes it (CPU, each side)")
    args.add_argument("--read", action="store_true", help="also time reading each log into a history (CPU, each side)")
    opts = args.parse_args(argv)
    from durable import engine as durable_engine

    import engine.analyst as after
    from ripeness.bootstrap import rules_engine

    before = load_before(opts.before)
    folder = Path(tempfile.mkdtemp(prefix="timeline-before-after-"))
    inputs = [log_input(int(f), max(1, int(f) * 5 // 100), folder) for f in opts.facts.split(",") if f]
    inputs += [log_input(int(e) + int(e) // 10, int(e), folder) for e in opts.events.split(",") if e]
    if opts.page:
        inputs.append(page_input(folder))
    port = rules_engine()
    ports = {"before": port_for(before, sys.modules["before_rete"]), "after": (port, sys.modules["engine.rete"])}
    forgetting = {"before": sys.modules["before_analysis"].forget, "after": sys.modules["engine.analysis"].forget}
    print(f"| timeline (CPU seconds of this process) | before ({opts.before}): median (min) | after: median (min) | after / before "
          "| entries | JSON (SHA-256, equal) | of which the full collection after it, before / after |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: |")
    for label, history, rulebook, rules, now in inputs:
        times: dict[str, list[float]] = {"before": [], "after": []}
        collected: dict[str, list[float]] = {"before": [], "after": []}
        digests: dict[str, str] = {}
        dumped: dict[str, list[tuple[float, int]]] = {"before": [], "after": []}
        count = 0
        for _ in range(opts.runs):
            for side, module in (("before", before), ("after", after)):
                side_port, rete = ports[side]
                durable_engine.json = rete._DurableJson  # the JSON each side's rete module gives durable-rules (a global of its)
                analyst = module.Analyst("baseline", rulebook, rules, side_port)
                copy = history.copy()
                forgetting[side]()  # nothing kept from the run before: a timeline's own reuse only, as a process's first
                start = time.process_time()
                entries = analyst.timeline(copy, now)
                took = time.process_time() - start
                start = time.process_time()
                gc.collect()  # the full collection its entries then cost (one was held off while it ran: ``analyst``)
                collected[side].append(time.process_time() - start)
                times[side].append(took + collected[side][-1])
                analyst.close()
                if opts.json:
                    start = time.process_time()
                    size = sum(len(e.model_dump_json()) for e in entries)
                    dumped[side].append((time.process_time() - start, size))
                found = digest(entries)
                if digests.setdefault(side, found) != found:
                    raise SystemExit(f"{label}: two runs of {side} differ")
                count = len(entries)
                del entries
        if digests["before"] != digests["after"]:
            raise SystemExit(f"{label}: the timelines differ: before {digests['before']}, after {digests['after']}")
        b, a = statistics.median(times["before"]), statistics.median(times["after"])
        print(f"| {label} | {b:.3f} ({min(times['before']):.3f}) | {a:.3f} ({min(times['after']):.3f}) | {a / b:.2f} | {count} "
              f"| {digests['after']} | {statistics.median(collected['before']):.3f} / {statistics.median(collected['after']):.3f} |",
              flush=True)
        if opts.read and label in READ:
            print(read_before_after(opts.before, *READ[label], opts.runs), flush=True)
        if opts.json:
            jb, ja = (statistics.median(t for t, _ in dumped[side]) for side in ("before", "after"))
            print(f"|  ... its entries' JSON (`model_dump_json`, CPU s; bytes) | {jb:.3f} ({dumped['before'][0][1]:,}) "
                  f"| {ja:.3f} ({dumped['after'][0][1]:,}) | {ja / jb:.2f} | | | |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
