"""A timeline walked in segments and joined (``engine.segments``) is the timeline of the one
walk (``Analyst.timeline_span``), whatever the split points: entries, changes, causes,
statements, verdicts inline, the unconfirmed marks.  The property tests walk the segments in
this process (``segments.walk_in_segments``); the last tests walk them in worker processes
through ``Sessions.timeline`` over a real SQLite log, the threshold set to split every
timeline."""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import generate, world
from engine.analyst import Analyst, change_times
from engine.clock import FixedClock
from engine.deadline import Deadline
from engine.errors import AnalysisStopped
from engine.live_session import Session
from engine.segments import cuts_at, join, walk_in_segments
from engine.sessions import BASELINE, Sessions
from engine.store import open_store
from ripeness.bootstrap import load_bundled_facts, load_scenario, rules_engine

ROOT = Path(__file__).resolve().parents[2]
END = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
BUNDLED = [("rules/jcpoa", "rules/jcpoa/facts.yaml"), ("rules/strike", "rules/strike/facts.yaml"),
           *((f"fidelity/cases/{c}/rules", f"fidelity/cases/{c}/facts.yaml") for c in ("aceh_2003", "camp_david_2000", "dayton_1995"))]


class Line:
    """A session's history and rule files, and a fresh analyst of them on demand."""

    def __init__(self, session: Session):
        session.complete()
        self.session, self.history = session, session.history.copy()
        self.rulebook, self.rules = session.rulebook, session.rules
        self.times = change_times(self.history, self.rulebook)

    def analyst(self) -> Analyst:
        return Analyst("t", self.rulebook, self.rules, rules_engine())

    def sequential(self, end: dt.datetime, admit: str, verdicts: bool) -> list[str]:
        analyst = self.analyst()
        try:
            return [e.model_dump_json() for e in analyst.timeline(self.history, end, admit=admit, verdicts=verdicts)]
        finally:
            analyst.close()

    def split(self, end: dt.datetime, starts: list[dt.datetime], admit: str, verdicts: bool) -> list[str] | None:
        found = walk_in_segments(self.analyst, self.history, end, starts, admit=admit, verdicts=verdicts)
        return None if found is None else [e.model_dump_json() for e in found]


@functools.cache
def bundled(index: int) -> Line:
    rules, facts = BUNDLED[index]
    return Line(load_scenario(ROOT / rules).replay(ROOT / facts, clock=FixedClock(END)))


@functools.cache
def generated(seed: int, unconfirmed: bool) -> Line:
    """A generated scenario's log (benchmarks.generate), with escalation events; ``unconfirmed``:
    one state fact in five reported, not confirmed."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="segments-"))
    loaded = world.load(dict(actors=5, positions=16, cycles=[2, 3], subjects=24, seed=seed), folder=folder / "rules")
    subjects = len(loaded.generated.state_subjects)
    stream = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects * 4, subjects=subjects, events=40, seed=seed)))
    if unconfirmed:
        stream = [{**f, "confidence": "reported"} if i % 5 == 2 and f.get("kind", "state") == "state" and "value" in f else f
                  for i, f in enumerate(stream)]
    _, head = world.heads(stream, generate.START)
    session = Session("g", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    session.record(world.resolve(loaded.rulebook, stream))
    return Line(session)


def _starts(line: Line, picks: list[float]) -> list[dt.datetime]:
    return sorted({line.times[int(p * (len(line.times) - 1))] for p in picks})


SPLITS = st.lists(st.floats(0, 1), min_size=1, max_size=4)
ASKED = st.tuples(st.sampled_from(["disputed", "confirmed"]), st.booleans(), st.floats(0.3, 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(BUNDLED) - 1), SPLITS, ASKED)
def test_the_bundled_and_fidelity_timelines_split_anywhere_are_the_one_walk(index, picks, asked):
    line = bundled(index)
    admit, verdicts, upto = asked
    end = line.times[int(upto * (len(line.times) - 1))]
    assert line.split(end, _starts(line, picks), admit, verdicts) == line.sequential(end, admit, verdicts)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([(1, False), (2, True), (3, False)]), SPLITS, ASKED)
def test_generated_timelines_split_anywhere_are_the_one_walk(case, picks, asked):
    line = generated(*case)
    admit, verdicts, upto = asked
    end = line.times[int(upto * (len(line.times) - 1))]
    assert line.split(end, _starts(line, picks), admit, verdicts) == line.sequential(end, admit, verdicts)


def test_unconfirmed_facts_are_marked_across_a_seam():
    """Every change time a seam, in a log with reported facts: the marks of what each entry
    rests on are those of the one walk."""
    line = generated(2, True)
    assert not line.history.all_confirmed()
    sequential = line.sequential(END, "disputed", False)
    assert any('"rests_on_unconfirmed":[{' in e for e in sequential)
    assert line.split(END, line.times[1::3], "disputed", False) == sequential


def test_escalation_windows_straddling_a_seam():
    """Seams inside escalation windows: one just after each hostile event (its window
    still open on the other side)."""
    line = generated(1, False)
    events = [f.at for f in line.history.events()]
    assert events
    after = sorted({line.times[min(len(line.times) - 1, line.times.index(t) + 1)] for t in events if t in line.times})
    sequential = line.sequential(END, "disputed", True)
    assert any('"escalation":true' in e for e in sequential)
    for k in range(0, len(after), max(1, len(after) // 6)):
        assert line.split(END, after[k:k + 3], "disputed", True) == sequential


def test_each_segment_joined_on_its_own_is_not_the_timeline():
    """What the join carries across a seam matters: the parts joined each on its own (each
    compared with nothing before it, as segments walked as timelines of their own would
    be) are not the one walk's timeline; joined together, they are."""
    line = bundled(0)
    starts = line.times[10::15]
    parts = []
    for cut in cuts_at(starts):
        analyst = line.analyst()
        try:
            parts.append(analyst.timeline_part(line.history, END, cut))
        finally:
            analyst.close()
    sequential = line.sequential(END, "disputed", False)
    naive = [e.model_dump_json() for part in parts for e in join([part], line.rulebook.stance_of)]
    assert naive != sequential
    assert [e.model_dump_json() for e in join(parts, line.rulebook.stance_of)] == sequential


class _DueAfter(Deadline):
    """A deadline spent after ``checks`` checks (the walks check it at each moment)."""

    def __init__(self, checks: int):
        super().__init__()
        self.left = checks

    def check(self) -> None:
        self.left -= 1
        if self.left < 0:
            self.cancel()
        super().check()


def test_a_deadline_due_in_a_later_segment_stops_the_timeline():
    line = generated(3, False)
    starts = _starts(line, [0.3, 0.6])
    with pytest.raises(AnalysisStopped):
        walk_in_segments(line.analyst, line.history, END, starts, _DueAfter(len(line.times) // 2))


# in worker processes -----------------------------------------------------------------------
def _sessions(db: Path, workers: int, split: int | None) -> Sessions:
    scenario = load_scenario(ROOT / "rules/jcpoa")
    return Sessions(scenario.rulebook, scenario.rules, rules_engine(), open_store(f"sqlite:///{db}", scenario.rulebook.id),
                    FixedClock(END), timeline_workers=workers, timeline_split_facts=split)


def _warm(db: Path) -> tuple[Sessions, object]:
    """Sessions of the bundled facts with their one worker started and ready, and that worker
    (the caller closes the sessions)."""
    sessions = _sessions(db, 2, 0)
    try:
        load_bundled_facts(sessions)
        sessions.start_timeline_workers()
        assert sessions.wait_timeline_workers(120) == 1
    except BaseException:
        sessions.close()  # no worker left running
        raise
    return sessions, sessions.timeline_worker_processes()[0]


def test_worker_processes_give_the_one_walks_timeline(tmp_path):
    """Split into three (two worker processes reading the log), the threshold 0: the
    timeline of the one walk, light and with its verdicts, of every fact and of the
    confirmed ones; no process is left running."""
    db = tmp_path / "log.db"
    one = _sessions(db, 1, None)
    load_bundled_facts(one)
    asked = [("disputed", False), ("disputed", True), ("confirmed", False)]
    sequential = [[e.model_dump_json() for e in one.timeline(BASELINE, admit=a, verdicts=v)] for a, v in asked]
    one.close()
    split = _sessions(db, 3, 0)
    try:
        assert [[e.model_dump_json() for e in split.timeline(BASELINE, admit=a, verdicts=v)] for a, v in asked] == sequential
    finally:
        split.close()
    assert multiprocessing.active_children() == []


def test_a_deadline_stops_the_worker_processes(tmp_path):
    db = tmp_path / "log.db"
    split = _sessions(db, 3, 0)
    try:
        load_bundled_facts(split)
        with pytest.raises(AnalysisStopped):
            split.timeline(BASELINE, Deadline(0.2))  # spent while the workers start
    finally:
        split.close()
    assert multiprocessing.active_children() == []


def test_the_number_of_processes_is_checked(tmp_path, monkeypatch):
    """``timeline_workers`` and ``RIPENESS_TIMELINE_WORKERS`` are numbers of processes, 1 or
    more; ``ripeness serve --timeline-workers 0`` is refused before anything starts."""
    from engine.errors import Misuse, ServeError
    from ripeness.service import build_app

    with pytest.raises(Misuse, match="1 or more; got 0"):
        _sessions(tmp_path / "a.db", 0, None)
    monkeypatch.setenv("RIPENESS_TIMELINE_WORKERS", "two")
    with pytest.raises(Misuse, match="RIPENESS_TIMELINE_WORKERS is a number of processes"):
        _sessions(tmp_path / "b.db", None, None)
    monkeypatch.setenv("RIPENESS_TIMELINE_WORKERS", "3")
    sessions = _sessions(tmp_path / "c.db", None, None)
    assert sessions.timeline_workers == 3
    sessions.close()
    with pytest.raises(ServeError, match="--timeline-workers is a number of processes"):
        build_app("jcpoa", f"sqlite:///{tmp_path / 'd.db'}", None, "127.0.0.1", False, timeline_workers=0)


def test_a_worker_that_reads_other_facts_has_its_segment_walked_here(tmp_path, caplog):
    """A worker whose read of the log is not the timeline's copy (told here by a wrong count,
    as when facts were written meanwhile) gives no part: its segment is walked in this
    process, and the timeline is still the one walk's."""
    from engine import segments
    from engine.store.reading import reading_url

    db = tmp_path / "log.db"
    sessions = _sessions(db, 1, None)
    try:
        load_bundled_facts(sessions)
        sequential = [e.model_dump_json() for e in sessions.timeline(BASELINE)]
        with sessions.using(BASELINE) as session:
            history, rulebook, rules = session.snapshot(), session.rulebook, session.rules
            view = sessions.store.registry.view(sessions.record_of(BASELINE))
        source = segments.Source(reading_url(sessions.log), view, None, len(history) + 1, history.version)
        span = segments.timeline_in_processes(BASELINE, rulebook, rules, rules_engine(), history, END, Deadline(), "disputed",
                                              False, source, 2, always=True)
    finally:
        sessions.close()
    assert span is not None and [e.model_dump_json() for e in span.entries] == sequential
    assert "its segment is walked here" in caplog.text
    assert multiprocessing.active_children() == []


# workers started with the service ------------------------------------------------------------
def _one_walk(sessions: Sessions, name: str) -> list[str]:
    """The timeline of session ``name`` walked in this process alone, as JSON."""
    with sessions.using(name) as session:
        history, rulebook, rules = session.snapshot(), session.rulebook, session.rules
    analyst = Analyst(name, rulebook, rules, rules_engine())
    try:
        return [e.model_dump_json() for e in analyst.timeline(history, END)]
    finally:
        analyst.close()


def test_a_warm_worker_serves_two_sessions_and_a_changed_log_as_the_one_walk(tmp_path):
    """The workers started with the service (``start_timeline_workers``) stay and serve
    every timeline: baseline's, a what-if's with a fact of its own, and baseline's again after
    a fact was added to its log (a timeline no process walked before, with what the worker
    kept of the first): each the one walk's, walked in two processes by the same worker; none
    is left once the sessions close."""
    sessions, worker = _warm(tmp_path / "log.db")
    try:
        sessions.fork("oil_eased", as_of=dt.datetime(2021, 3, 7, tzinfo=dt.timezone.utc))
        sessions.record("oil_eased", [("", {"at": "2021-03-08", "actor": "USA", "subject": "oil_sanctions", "value": "eased"})])
        for name in (BASELINE, "oil_eased"):
            assert [e.model_dump_json() for e in sessions.timeline(name)] == _one_walk(sessions, name)
            assert sessions.timeline_processes == 2
        sessions.record(BASELINE, [("", {"at": "2021-03-09", "actor": "USA", "subject": "oil_sanctions", "value": "eased"})])
        again = [e.model_dump_json() for e in sessions.timeline(BASELINE)]
        assert again == _one_walk(sessions, BASELINE)
        assert sessions.timeline_processes == 2
        assert sessions.timeline_worker_processes() == [worker] and worker.is_alive()
    finally:
        sessions.close()
    assert multiprocessing.active_children() == []


def test_a_worker_left_walking_by_the_deadline_is_replaced(tmp_path):
    """A deadline spent while the warm worker walks stops the timeline; that worker is
    stopped and another started in its place, which serves the next timeline as the one walk."""
    sessions, first = _warm(tmp_path / "log.db")
    try:
        with pytest.raises(AnalysisStopped):
            sessions.timeline(BASELINE, _DueAfter(3))
        assert not first.is_alive() and first not in sessions.timeline_worker_processes()
        assert sessions.wait_timeline_workers(120) == 1
        assert [e.model_dump_json() for e in sessions.timeline(BASELINE)] == _one_walk(sessions, BASELINE)
        assert sessions.timeline_processes == 2
    finally:
        sessions.close()
    assert multiprocessing.active_children() == []


def test_a_warm_split_is_by_the_walks_estimated_cost():
    """With workers started, a timeline is split where half its estimated walk outweighs a
    worker's round trip and read, whatever its number of facts: 313 moments of a rulebook
    of 200 positions (about 1.2 ms a moment) are, 313 moments of 10 positions are not; the
    first segment is the longer by the worker's start."""
    from engine.segments import WALK_SECONDS_PER_MOMENT, plan_warm

    [start] = plan_warm(313, 700, 2, 200 * 6e-6)
    assert 313 // 2 < start < 313 * 3 // 4
    assert plan_warm(313, 700, 2, WALK_SECONDS_PER_MOMENT) == []
    assert plan_warm(313, 700, 1, 200 * 6e-6) == []
    assert len(plan_warm(3_000, 700, 3, 200 * 6e-6)) == 2
