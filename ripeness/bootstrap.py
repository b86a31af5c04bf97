"""The composition root: the one place that builds the rules engine, the clock, the fact
log and the scenario, for the CLI, the API and the tests alike."""

from __future__ import annotations

import dataclasses
import functools
import gc
from dataclasses import dataclass
from pathlib import Path

from engine.clock import Clock, SystemClock
from engine.compiler import CompiledRules, compile_rulebook
from engine.errors import FactError, Problem, RuleFileError, UnknownNameError
from engine.facts import read_fact_file, read_fact_items
from engine.live_session import Session
from engine.rete import DurableRules
from engine.rulebook import Rulebook, load_rulebook, outside_link
from engine.scenarios import Scenarios, Served, is_scenario_folder, scenario_folders
from engine.sessions import BASELINE, Sessions
from engine.store import open_store

BUNDLED_RULES = Path(__file__).resolve().parent.parent / "rules"
DATA_DIR = Path("data")


@functools.cache
def rules_engine() -> DurableRules:
    """One durable-rules owner per process: its C core keeps global state."""
    return DurableRules()


@dataclass(frozen=True)
class Scenario:
    rulebook: Rulebook
    rules: CompiledRules

    def new_session(self, name: str, clock: Clock | None = None) -> Session:
        return Session(name, self.rulebook, self.rules, rules_engine(), clock or SystemClock())

    def replay(self, facts_file: str | Path, name: str = "baseline", clock: Clock | None = None) -> Session:
        """A session holding every fact of a fact file (all or nothing)."""
        facts = read_fact_file(facts_file, self.rulebook)
        session = self.new_session(name, clock)
        session.record(facts)
        return session


def resolve_rules_dir(name_or_path: str | Path) -> Path:
    """A scenario folder given as a path, or as the name of a folder under ``rules/``."""
    path = Path(name_or_path)
    if path.is_dir() or path.is_absolute() or len(path.parts) > 1:
        return path
    return BUNDLED_RULES / path


def load_scenario(folder: str | Path) -> Scenario:
    return scenario_of(load_rulebook(resolve_rules_dir(folder)))


def scenario_of(rulebook: Rulebook) -> Scenario:
    """The scenario of a rulebook read already (its rules compiled)."""
    scenario = Scenario(rulebook, compile_rulebook(rulebook))
    settle()
    return scenario


YOUNG_COLLECTION = 10_000  # allocations between two collections of the youngest generation (Python's default: 700)


def settle() -> None:
    """The cyclic garbage collector, set for a process that holds a long history.

    - What is alive now (the rulebook and its compiled rules, the sessions rebuilt at
      start) is taken out of its walks (``gc.freeze``): it lives as long as the process,
      yet each full collection walked all of it again (at 1,000 positions about 45 % of a
      verdict's time).  Only cyclic garbage alive at this call is never collected.
    - The youngest generation is collected every ``YOUNG_COLLECTION`` allocations instead
      of 700 (unless set higher already): ingesting facts, the collections walking each
      new fact again took about a third of the time (benchmarks/RESULTS.md).  Cyclic
      garbage waits a little longer; everything else is freed by reference counting."""
    gc.freeze()
    young, *older = gc.get_threshold()
    if 0 < young < YOUNG_COLLECTION:
        gc.set_threshold(YOUNG_COLLECTION, *older)


def default_db_url(scenario: Scenario, data_dir: Path = DATA_DIR) -> str:
    """A SQLite file per scenario in the data directory (created if missing)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(data_dir / f'{scenario.rulebook.id}.db').resolve()}"


def open_sessions(scenario: Scenario, db_url: str | None = None, clock: Clock | None = None, *,
                  max_whatifs: int | None = None, refuse_future_facts: bool = False) -> Sessions:
    """The scenario's sessions over its fact log (``baseline`` is created if missing);
    ``max_whatifs``: what-if sessions one caller may have at once (None: any number); with
    ``refuse_future_facts`` a fact dated after the clock's now is refused, not only warned of."""
    store = open_store(db_url or default_db_url(scenario), scenario.rulebook.id)
    try:
        sessions = Sessions(scenario.rulebook, scenario.rules, rules_engine(), store, clock or SystemClock(), max_whatifs,
                            refuse_future_facts=refuse_future_facts)
    except BaseException:  # e.g. recorded statements the rule files no longer accept: nothing left open
        store.close()
        raise
    settle()
    return sessions


def open_scenarios(rules: str | Path, db_url: str | None = None, clock: Clock | None = None, *, default: str | None = None,
                   load_facts: bool = False, max_whatifs: int | None = None, refuse_future_facts: bool = False,
                   follow: bool = False, timeline_workers: int | None = None, timeline_pool: bool = False) -> Scenarios:
    """Every scenario a service serves, over one fact log: ``rules`` is one scenario folder
    (served alone, as the default), or a folder of scenario folders (each served under its
    folder's name; ``default``, or the first by name, is the default).  The log defaults to
    the single scenario's SQLite file, or ``scenarios.db`` in the data directory.  With
    ``load_facts`` each scenario's ``facts.yaml`` goes into its ``baseline``, at start and
    at each reload.  With ``follow`` each scenario's sessions catch up with the log as other
    replicas write it (``Sessions.follow``).  ``timeline_workers``: the processes a long
    timeline is walked in (``engine.segments``; None: the default); with ``timeline_pool`` the
    worker processes are started with each scenario's sessions and kept (``Sessions.start_timeline_workers``).
    ``RuleFileError`` when a folder is wrong."""
    root = resolve_rules_dir(rules)
    several = not is_scenario_folder(root) and root.is_dir()
    folders = scenario_folders(root) if several else [root]
    if several and not folders:
        raise RuleFileError([Problem(str(root), "", "no scenario folder here: a scenario folder holds a scenario.yaml")])
    loaded = {folder.name if several else None: load_scenario(folder) for folder in folders}
    for name, scenario in loaded.items():
        if name is not None and scenario.rulebook.id != name:
            raise RuleFileError([Problem(str(root / name / "scenario.yaml"), "scenario.id", f"is {scenario.rulebook.id!r}; "
                                         "in a folder of scenarios a scenario's id must be the name of its folder")])
    ids = sorted(s.rulebook.id for s in loaded.values())
    chosen = default or ids[0]
    if chosen not in ids:
        raise UnknownNameError("scenario", chosen, ids)
    clock = clock or SystemClock()
    if db_url is None:
        db_url = default_db_url(loaded[None]) if not several else _default_shared_url()
    store = open_store(db_url, chosen, several=several)

    def open_one(scenario: Scenario) -> Sessions:
        sessions = Sessions(scenario.rulebook, scenario.rules, rules_engine(), store.scoped(scenario.rulebook.id), clock,
                            max_whatifs, refuse_future_facts=refuse_future_facts, timeline_workers=timeline_workers)
        if follow:
            sessions.follow()  # other replicas' writes on the same log appear within a fraction of a second
        if timeline_pool:
            sessions.start_timeline_workers()
        return sessions

    def settle_one(sessions: Sessions) -> int:
        return load_bundled_facts(sessions) if load_facts else 0

    served: list[Served] = []
    try:
        for scenario in loaded.values():
            sessions = open_one(scenario)
            served.append(Served(scenario.rulebook.id, scenario.rulebook.folder, sessions, clock.now()))
            served[-1] = dataclasses.replace(served[-1], facts_loaded=settle_one(sessions))
    except BaseException:
        for one in served:
            one.sessions.close()
        store.close()
        raise
    settle()
    return Scenarios(served, chosen, opener=lambda folder: open_one(load_scenario(folder)), settle=settle_one,
                     root=root if several else None, clock=clock.now, on_close=store.close)


def _default_shared_url(data_dir: Path = DATA_DIR) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(data_dir / 'scenarios.db').resolve()}"


def load_bundled_facts(sessions: Sessions, scenario: Scenario | None = None) -> int:
    """Load the scenario folder's ``facts.yaml`` into ``baseline``; facts already there are
    not stored again, nor facts withdrawn since (an analyst's correction stays).  The
    number of facts stored."""
    folder = (scenario.rulebook if scenario is not None else sessions.rulebook).folder
    path = folder / "facts.yaml" if folder else None
    if path is None or not path.is_file():
        return 0
    linked = outside_link(path, folder, "its fact files")
    if linked is not None:
        raise FactError([linked])
    items = read_fact_items(path)
    return len(sessions.record(BASELINE, items, skip_known=True, then=False).ids)  # nobody reads the reply's verdicts
