"""The record path before and after a change, in one process, alternating (``PERF``'s method;
``benchmarks/RESULTS.md``, "The record path"):

    python -m benchmarks.recordpath --base COMMIT [--rounds 12] [--posts 25] [--every 1,100] [--postgres auto|URL]

``post``: single-fact ``Sessions.record`` into ``baseline`` of a SQLite log (the API
benchmark's scenario, P=12, and stream; the server's clock now, the facts dated years
before, so the reply has two verdicts), with the reply's JSON (``engine.reply_json``, as the
API writes it), and with ``--postgres`` of a PostgreSQL log too (there also in wall time: the
round trips); ``ingest``: ``Session.record`` of N facts then ``Session.status`` (engine
ingest; ``--every``).  The code of ``--base`` is patched in for the "before" side: the
methods of the record path's engine classes (``PATCHED``: the history, the working memory,
the analyst, the session, the sessions, the rules engine's port) as they were at that
commit, with the module-level functions they call, the analyst's reading the package
``engine/analysis/`` of that commit.  (Until branch h-post5 it patched a
fixed list instead: the history's frames and series, the fact log's write transaction, a
reply's ``verdict_then`` worked out alone and the reply's JSON written by pydantic whole.)
Both sides get the same facts, each into a log of its own; CPU seconds
(``time.process_time``) per fact, median and minimum over the rounds, and whether every
reply or status was the same on both sides.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from benchmarks import generate
from benchmarks.common import ROOT
from engine.reply_json import take_json
from engine.sessions import FactPost

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.timezone.utc)  # the server's clock: the facts are dated years before
SCENARIO = generate.ScenarioSize(actors=6, positions=12, cycles=(2, 3, 4), subjects=100, seed=1)


def _old_module(base: str, path: str, name: str, folder: Path) -> ModuleType:
    """The module at ``path`` as it was at commit ``base``, loaded under ``name``; the
    analyst's reading the analysis of ``base`` (``before_analysis``: ``_old_analysis``)."""
    source = subprocess.run(["git", "show", f"{base}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    if path == "engine/analyst.py":
        _old_analysis(base)
        source = source.replace("engine.analysis", "before_analysis")
    file = folder / f"{name}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _old_analysis(base: str) -> ModuleType:
    """The package ``engine/analysis/`` as it was at ``base``, as ``before_analysis`` (loaded
    once: ``benchmarks.verdict_before_after``'s copy); the earlier analyst reads it, so that
    a change of the analysis shows on the before side too (until branch h-reuse9 both sides
    read the present analysis)."""
    if "before_analysis" not in sys.modules:
        from benchmarks.verdict_before_after import load_analysis
        load_analysis(base)
    return sys.modules["before_analysis"]


# the classes of the record path whose methods the "before" side takes from ``--base``:
# module path -> class names (a class or method the base lacks is left as it is)
PATCHED = {
    "engine/history.py": ("History", "_Series"),
    "engine/working_memory.py": ("WorkingMemory",),
    "engine/analyst.py": ("Analyst",),
    "engine/live_session.py": ("Session",),
    "engine/sessions.py": ("Sessions",),
    "engine/rete.py": ("DurableRules",),
}


def _patcher(base: str, folder: Path):
    """A context manager putting the methods of ``PATCHED``'s classes as they were at
    ``base`` in place of the current ones (``__init__`` excepted: objects are made by the
    current code, whose attributes are a superset), and back after; a method only the base
    has is added, then taken away.  The old methods run with their own module's globals, so
    the module-level functions they call are the old ones too."""
    import importlib

    old: dict[tuple[type, str], object] = {}
    gone: list[tuple[type, str]] = []  # the base's methods the current class lacks
    for path, names in PATCHED.items():
        current = importlib.import_module(path[:-3].replace("/", "."))
        try:
            module = _old_module(base, path, "_base_" + path[:-3].replace("/", "_"), folder)
        except subprocess.CalledProcessError:
            continue  # the base has no such file
        for name in names:
            cls, was = getattr(current, name), getattr(module, name, None)
            if was is None:
                continue
            for attr, fn in vars(was).items():
                if attr != "__init__" and callable(fn) and not attr.startswith("__"):
                    old[(cls, attr)] = fn
                    if attr not in vars(cls):
                        gone.append((cls, attr))
    new = {key: key[0].__dict__[key[1]] for key in old if key not in gone}

    @contextlib.contextmanager
    def before() -> Iterator[None]:
        for (cls, attr), fn in old.items():
            setattr(cls, attr, fn)
        try:
            yield
        finally:
            for (cls, attr), fn in new.items():
                setattr(cls, attr, fn)
            for cls, attr in gone:
                delattr(cls, attr)

    return before


def measure(base: str, rounds: int, posts: int, everies: tuple[int, ...] = (1,),
            postgres: str | None = None) -> dict[str, dict[str, list[float] | bool]]:
    from benchmarks.world import StreamClock, heads
    from engine.clock import FixedClock
    from engine.facts import parse_inputs
    from engine.live_session import Session
    from engine.rete import DurableRules
    from ripeness.bootstrap import load_scenario

    with tempfile.TemporaryDirectory(prefix="ripeness-recordpath-") as scratch:
        folder = Path(scratch)
        before = _patcher(base, folder)
        scn = generate.scenario(SCENARIO)
        scenario = load_scenario(scn.write_rules(folder / "rules"))
        total = max(100 + rounds * posts, *((rounds + 1) * max(posts * 4, every * 10) for every in everies), 0)
        facts = list(generate.stream(scn, generate.StreamSize(facts=total, subjects=100, events=total // 20, seed=1)))
        items = [[("body", f)] for f in facts]
        clock = FixedClock(NOW)
        results: dict[str, dict[str, list[float] | bool]] = {}
        # post: the record path of a single-fact POST, its reply's JSON included
        urls = {side: f"sqlite:///{folder / f'{side}.db'}" for side in ("before", "after")}
        results.update(_posts("post, SQLite", scenario, urls, clock, before, items, rounds, posts))
        if postgres is not None:
            with _postgres_databases(postgres) as urls:
                results.update(_posts("post, PostgreSQL", scenario, urls, clock, before, items, rounds, posts))
        # ingest: N facts, then the status (engine ingest)
        resolved = [parse_inputs(item, scenario.rulebook) for item in items]
        at, _ = heads(facts, generate.START)
        for every in everies:
            size = max(posts * 4, every * 10)  # facts a round
            stream_clock = StreamClock()
            ingest = {}
            for side in ("before", "after"):  # each side's sessions made and closed by its own code, on a port of its own
                with before() if side == "before" else contextlib.nullcontext():
                    ingest[side] = Session(side, scenario.rulebook, scenario.rules, DurableRules(), stream_clock)
            times = {"before": [], "after": []}
            same = True
            for r in range(rounds + 1):
                statuses = {}
                for side in (("before", "after") if r % 2 == 0 else ("after", "before")):
                    with before() if side == "before" else contextlib.nullcontext():
                        start = time.process_time()
                        found = []
                        for i in range(r * size, (r + 1) * size, every):
                            stream_clock.at = at[i + every - 1]
                            ingest[side].record([f for item in resolved[i:i + every] for f in item])
                            found.append(ingest[side].status())
                        if r:  # the first round warms up
                            times[side].append((time.process_time() - start) / size)
                        statuses[side] = found
                same &= statuses["before"] == statuses["after"]
            for side, session in ingest.items():
                with before() if side == "before" else contextlib.nullcontext():
                    session.close()
            results[f"ingest, N={every}"] = {**times, "same": same}
        return results


def _posts(name: str, scenario, urls: dict[str, str], clock, before, items, rounds: int,
           posts: int) -> dict[str, dict[str, list[float] | bool]]:
    """Single-fact ``Sessions.record`` with its reply's JSON, each side into a log of its own
    (``urls``): CPU seconds per fact, and wall seconds (``NAME, wall``: what round trips to a
    database server cost, and the server's own work, besides this process's CPU)."""
    from ripeness.bootstrap import open_sessions, rules_engine

    sides = {}
    for side, url in urls.items():  # each side's sessions made and closed by its own code, on a port of its own
        rules_engine.cache_clear()
        with before() if side == "before" else contextlib.nullcontext():
            sides[side] = open_sessions(scenario, url, clock)
    times: dict[str, list[float]] = {"before": [], "after": []}
    walls: dict[str, list[float]] = {"before": [], "after": []}
    same = True
    try:
        for side, sessions in sides.items():  # warm-up: the first 100 facts
            with before() if side == "before" else contextlib.nullcontext():
                for item in items[:100]:
                    sessions.record("baseline", item).model_dump_json()
        for r in range(rounds):
            chunk = items[100 + r * posts:100 + (r + 1) * posts]
            replies = {}
            for side in (("before", "after") if r % 2 == 0 else ("after", "before")):
                with before() if side == "before" else contextlib.nullcontext():
                    start, wall = time.process_time(), time.perf_counter()
                    replies[side] = [sessions_reply(sides[side], item) for item in chunk]
                    times[side].append((time.process_time() - start) / len(chunk))
                    walls[side].append((time.perf_counter() - wall) / len(chunk))
            same &= replies["before"] == replies["after"]
    finally:
        for side, sessions in sides.items():
            with before() if side == "before" else contextlib.nullcontext():
                sessions.close()
    return {name: {**times, "same": same}, f"{name}, wall": {**walls, "same": same}}


@contextlib.contextmanager
def _postgres_databases(where: str) -> Iterator[dict[str, str]]:
    """A fresh database a side on a PostgreSQL server: ``auto`` as the tests find one
    (``tests/backends.py``), else the server at that URL."""
    from sqlalchemy.engine import make_url

    from tests.backends import Postgres, postgres

    with (postgres() if where == "auto" else contextlib.nullcontext(Postgres(make_url(where)))) as server:
        urls = {side: server.fresh_url() for side in ("before", "after")}
        try:
            yield urls
        finally:
            for url in urls.values():
                server.drop(url)
            server.close()


def sessions_reply(sessions, item) -> bytes:
    """The reply's JSON as the API writes it: the POST ``sent`` (its JSON written beside its
    commit, where the code does so), the text taken once (``engine.reply_json.take_json``)."""
    [recorded] = sessions.record_many("baseline", [FactPost(item, sent=True)])
    if isinstance(recorded, Exception):
        raise recorded
    return take_json(recorded)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the commit of the 'before' side")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--posts", type=int, default=25, help="facts a round (ingest: four times as many, at least ten batches)")
    parser.add_argument("--every", default="1,100", help="engine ingest's N: facts recorded before each status, e.g. 1,100")
    parser.add_argument("--postgres", help="the posts on PostgreSQL too: 'auto' (a server as the tests find or start "
                                           "one) or a server's SQLAlchemy URL whose role may create databases")
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.timezone.utc)
    found = measure(args.base, args.rounds, args.posts, tuple(int(n) for n in args.every.split(",") if n), args.postgres)
    print(f"base {args.base}, {args.rounds} rounds, started {started:%H:%M} UTC; CPU per fact, ms (', wall': wall time)")
    print("| path | before: median (min) | after: median (min) | after / before (medians) | same outputs |")
    print("| --- | ---: | ---: | ---: | --- |")
    for path, r in found.items():
        b, a = r["before"], r["after"]
        assert isinstance(b, list) and isinstance(a, list)
        print(f"| {path} | {statistics.median(b) * 1000:.3f} ({min(b) * 1000:.3f}) | {statistics.median(a) * 1000:.3f} ({min(a) * 1000:.3f}) "
              f"| {statistics.median(a) / statistics.median(b):.2f} | {'yes' if r['same'] else 'NO'} |")
    return 0 if all(r["same"] for r in found.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
