"""Generated scenarios loaded into ripeness the way an analyst's folder is: rule files
written to a temporary folder, read with ``engine.rulebook.load_rulebook``."""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import generate
from engine.compiler import CompiledRules
from engine.facts import ResolvedFact, parse_inputs
from engine.rulebook import Rulebook


class StreamClock:
    """"Now" is the head of the stream: the latest ``at`` seen so far."""

    def __init__(self, at: dt.datetime = generate.START):
        self.at = at

    def now(self) -> dt.datetime:
        return self.at


@dataclass
class Loaded:
    generated: generate.Scenario
    folder: Path
    rulebook: Rulebook
    rules: CompiledRules


def load(size: dict[str, Any] | generate.ScenarioSize, folder: Path | None = None) -> Loaded:
    if isinstance(size, dict):
        size = generate.ScenarioSize(**{k: tuple(v) if k == "cycles" else v for k, v in size.items()})
    scn = generate.scenario(size)
    if folder is None:
        scratch = tempfile.mkdtemp(prefix="ripeness-bench-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        folder = Path(scratch) / "rules"
    folder = scn.write_rules(folder)
    from ripeness.bootstrap import load_scenario  # here: the cold start times ripeness's imports itself

    loaded = load_scenario(folder)  # as ripeness loads a scenario folder (and settles what it loaded)
    return Loaded(scn, folder, loaded.rulebook, loaded.rules)


def stream_size(size: dict[str, Any]) -> generate.StreamSize:
    return generate.StreamSize(**size)


def resolve(rulebook: Rulebook, chunk: list[dict[str, Any]]) -> list[ResolvedFact]:
    return parse_inputs([("", fact) for fact in chunk], rulebook)


def heads(chunk: list[dict[str, Any]], start: dt.datetime) -> tuple[list[dt.datetime], dt.datetime]:
    """For each fact, the head of the stream once it has arrived; and the last head."""
    result, head = [], start
    for fact in chunk:
        head = max(head, dt.datetime.fromisoformat(fact["at"]))
        result.append(head)
    return result, head


def verdict_session(loaded: Loaded) -> tuple[Any, dt.datetime]:
    """Workload 3's session (``benchmarks/verdict.py``) over ``loaded``: a value for every
    state subject (every move undone) and 400 facts more, of which the events, recorded in
    a session whose "now" is the stream's head; the session and that head."""
    from engine.live_session import Session
    from ripeness.bootstrap import rules_engine

    subjects = len(loaded.generated.state_subjects)
    stream = generate.stream(loaded.generated, generate.StreamSize(facts=subjects + 400, subjects=subjects, events=20, seed=1))
    facts = [f for i, f in enumerate(stream) if i < subjects or "target" in f]  # every move undone, and events
    _, head = heads(facts, generate.START)
    session = Session("bench", loaded.rulebook, loaded.rules, rules_engine(), StreamClock(head))
    session.record(resolve(loaded.rulebook, facts))
    return session, head
