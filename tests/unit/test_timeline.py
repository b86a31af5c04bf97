"""The timeline is exactly its definition, however it is worked out: at each change time, the
verdict as of then, kept where what an analyst reads of it (``changes.differences``: goals'
statuses, the headline, cycles, dead ends, stances, positions in force, escalation, ripeness)
differs from the entry before.  Between changes of the standing or escalation only ripeness
can change (a cost, or time passing): it is worked out again on the last verdict.

The reference below asks each change time from scratch (a situation of its own, the
analysis without any kept verdict, status or chains); the timeline must give the same
entries, verdicts, changes, causes and statements, for the bundled facts of both scenarios
and for generated logs (many events at once, ties, facts on subjects no rule reads,
withdrawals)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.analysis import analyse, escalation_levels, ripeness, standing
from engine.analysis.changes import differences
from engine.analysis.explain import cite_fact, cite_position
from engine.analysis.unsure import describe
from engine.facts import parse_inputs
from engine.lapses import anchor_subjects, lapse_day, why
from engine.lapses import statements as lapse_statements
from engine.live_session import Session
from engine.verdict import GoalMark, Lapsed, TimelineEntry
from ripeness.bootstrap import Scenario, load_scenario
from tests.conftest import JCPOA, NOW, one_worker_per_case
from tests.unit.small import JCPOA_VALUES

STRIKE = JCPOA.parent / "strike"


@pytest.fixture(scope="module")
def strike() -> Scenario:
    return load_scenario(STRIKE)


def reference(session: Session, end: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The timeline by its definition, every moment worked out on its own."""
    rulebook, entries, last, previous, latest = session.rulebook, [], None, None, None
    events, said = session.history.events(), session.history.statements()
    for moment in session.change_times():
        if end is not None and moment > end:
            break
        frame = session.frame(moment)
        sit = session.analyst.situation(frame)
        made = frozenset(m for m in rulebook.moves if sit.holds(f"move:{m}"))  # as the standing had them: the moves made
        current = (*standing(sit), made, escalation_levels(sit))
        if current != last:
            verdict = own = latest = analyse(sit)
            last = current
        elif latest is not None:  # at every moment, not only where a cost or time passing could change it
            found = ripeness.assess(sit, latest)
            if found == latest.ripeness:
                continue
            verdict = latest = latest.model_copy(update={"as_of": moment, "ripeness": found})
            own = analyse(sit)  # the entry's verdict: its own (the one it is built on speaks of that one's day)
        else:
            continue
        if previous is not None and not differences(previous, verdict, stance_of=rulebook.stance_of):
            continue  # nothing an analyst reads changed
        read = read_subjects(rulebook)  # a fact on a subject nothing reads causes nothing; statement facts do
        dated = [f for f in [*frame.state.values(), *events] if f.at == moment and f.subject in read]
        dated += [f for f in said if f.at == moment]
        statements = [cite_position(p) for p in [*rulebook.positions.values(), *rulebook.offers.values()]
                      if moment.time() == dt.time(0) and moment.date() in (p.in_force.from_, p.in_force.until)]
        lapsed = [Lapsed(kind=kind, id=s.id, actor=actor, lapsed=f"{kind} {s.id} lapsed {why(s, frame.state)}")
                  for s in lapse_statements(rulebook) if moment.time() == dt.time(0) and lapse_day(s, frame.state) == moment.date()
                  for kind, actor in [_kind_and_actor(rulebook, s.id)]]
        rested = session.verdict(moment)  # the verdict of the moment on its own, with what it rests on
        resting = list({f.id: f for f in [*rested.rests_on_unconfirmed, *rested.escalation_rests_on_unconfirmed]}.values())
        marks = [f"rests on facts not confirmed: {describe(resting)}"] if resting else []
        entries.append({"at": moment, "status": verdict.status, "escalation": verdict.escalation,
                        "escalation_level": verdict.escalation_level,
                        "changes": differences(previous, verdict, stance_of=rulebook.stance_of) + marks,
                        "causes": [cite_fact(sit, f) for f in sorted(dated, key=lambda f: f.seq)],
                        "statements": statements, "lapsed": lapsed, "rests_on_unconfirmed": resting,
                        "goals": [GoalMark(id=g.id, status=g.status, main=g.id in rulebook.main_goals,
                                           ripeness=next((r.status for r in verdict.ripeness if r.goal == g.id), None)) for g in verdict.goals],
                        "verdict": rested if resting else own})
        previous = verdict
    return [_json(e) for e in entries]


def read_subjects(rulebook) -> set[str]:
    """Every subject a rule file reads: in a condition (a move's or goal's ``done_when``, a
    position's ``until``, a variant's two, an offer's ``if``), a cost, a lapse's clock or an
    offer's act, an escalation pattern's events and its de-escalation."""
    exprs = [*(m.done_when for m in rulebook.moves.values()), *(g.done_when for g in rulebook.goals.values()),
             *(p.until for p in rulebook.positions.values()), *(o.if_ for o in rulebook.offers.values()),
             *(e for p in rulebook.positions.values() for v in p.variants for e in (v.switched_on_by, v.until))]
    found = set().union(*(rulebook.subjects_of(e) for e in exprs if e is not None))
    found |= ripeness.cost_subjects(rulebook) | anchor_subjects(rulebook)
    for pattern in rulebook.escalations.values():
        found |= {*pattern.subjects, *(pattern.de_escalation.events if pattern.de_escalation else ())}
    return found


def _kind_and_actor(rulebook, sid: str) -> tuple[str, str]:
    if sid in rulebook.positions:
        return "position", rulebook.positions[sid].actor
    if sid in rulebook.offers:
        return "offer", rulebook.offers[sid].actor
    return "variant", rulebook.variants[sid][0].actor


def _json(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v.model_dump(mode="json") if hasattr(v, "model_dump") else
            [x.model_dump(mode="json") if hasattr(x, "model_dump") else x for x in v] if isinstance(v, list) else v
            for k, v in entry.items()}


def timeline(session: Session, end: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The timeline with each entry's verdict (``verdicts``), checked to be the timeline
    whose entries cite their verdicts, but for the verdicts."""
    full = [_json(dict(e)) for e in session.timeline(end, verdicts=True)]
    assert [_json(dict(e)) for e in session.timeline(end)] == [{k: v for k, v in e.items() if k != "verdict"} for e in full]
    return full


def record(scenario: Scenario, facts: list[dict[str, Any]], name: str = "line") -> Session:
    session = scenario.new_session(name, NOW)
    for i, fact in enumerate(facts):  # one at a time, as they arrive
        session.record(parse_inputs([(f"fact[{i}]", fact)], scenario.rulebook))
    return session


@pytest.mark.parametrize("folder", [JCPOA, STRIKE], ids=["jcpoa", "strike"])
def test_the_bundled_timelines_equal_their_definition(folder: Path):
    scenario = load_scenario(folder)
    session = scenario.replay(folder / "facts.yaml", clock=NOW)
    try:
        expected = reference(session)
        assert len(expected) > 3
        assert timeline(session) == expected
        moments = session.change_times()
        middle = moments[len(moments) // 2]
        assert timeline(session, middle) == reference(session, middle)  # up to a time
        assert timeline(session) == expected  # asked again: nothing kept from before changes it
    finally:
        session.close()


STRIKE_DAYS = st.integers(min_value=0, max_value=60).map(lambda d: dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=d))
STRIKE_TIMES = st.one_of(STRIKE_DAYS, st.tuples(STRIKE_DAYS, st.integers(0, 23)).map(lambda p: p[0] + dt.timedelta(hours=p[1])))
STRIKE_STATES = {
    ("UNI", "on_strike"): st.booleans(),
    ("EMP", "pay_offer_pct"): st.sampled_from([0, 2, 3.5, 5, 8]),
    ("MED", "arbitration"): st.sampled_from(["none", "proposed", "interim_award"]),
}


@st.composite
def strike_logs(draw) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = []
    for (actor, subject), values in STRIKE_STATES.items():
        for at in draw(st.lists(STRIKE_TIMES, max_size=5)):
            facts.append({"at": at.isoformat(), "actor": actor, "subject": subject, "value": draw(values)})
    for at in draw(st.lists(STRIKE_TIMES, max_size=25)):
        subject, actor = draw(st.sampled_from([("walkout", "UNI"), ("lockout", "EMP"), ("walkout", "EMP"), ("lockout", "MED")]))
        facts.append({"at": at.isoformat(), "actor": actor, "subject": subject, "value": f"event {len(facts)}"})
    return draw(st.permutations(facts))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(facts=strike_logs(), withdrawn=st.sets(st.integers(min_value=0, max_value=40), max_size=3))
def test_a_generated_strike_timeline_equals_its_definition(strike, facts, withdrawn):
    session = record(strike, facts)
    try:
        targets = [f"f{i + 1}" for i in sorted(withdrawn) if i < len(facts)]
        if targets:
            session.record(parse_inputs([(f"w[{i}]", {"withdraws": t}) for i, t in enumerate(targets)], strike.rulebook))
        assert timeline(session) == reference(session)
    finally:
        session.close()


JCPOA_DAYS = st.integers(min_value=0, max_value=1200).map(lambda d: dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=d))


@st.composite
def jcpoa_logs(draw) -> list[dict[str, Any]]:
    facts = []
    for (actor, subject), values in JCPOA_VALUES.items():
        for at in draw(st.lists(JCPOA_DAYS, max_size=5)):
            facts.append({"at": at.isoformat(), "actor": actor, "subject": subject, "value": draw(values)})
    for at in draw(st.lists(JCPOA_DAYS, max_size=12)):
        actor = draw(st.sampled_from(["IRN", "MIL", "USA"]))
        facts.append({"at": at.isoformat(), "actor": actor, "subject": "strike", "value": "strike"})
    facts = [{k: v for k, v in f.items() if v is not None} for f in facts]
    return draw(st.permutations(facts))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(facts=jcpoa_logs())
def test_a_generated_jcpoa_timeline_equals_its_definition(jcpoa, facts):
    session = record(jcpoa, facts)
    try:
        assert timeline(session) == reference(session)
    finally:
        session.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(facts=strike_logs(), horizon_days=st.integers(0, 30))
def test_a_walk_goes_through_the_frames_of_its_history(strike, facts, horizon_days):
    session = record(strike, facts)
    try:
        history, horizon = session.history, dt.timedelta(days=horizon_days)
        walk, live, state = history.walk(), [], {}
        for moment in session.change_times():
            since = moment - horizon if horizon_days else None
            step = walk.advance(moment, since)
            expected = history.frame(moment, since)
            live = [e for e in live if e not in step.left] + step.entered
            state = {**{k: f for k, f in state.items() if f not in step.went}, **{f.subject: f for f in step.came}}
            assert walk.frame().state == expected.state == state
            assert walk.frame().events == expected.events == live
    finally:
        session.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(facts=strike_logs(), watched=st.sets(st.sampled_from(sorted({s for _, s in STRIKE_STATES})), min_size=1))
def test_a_walk_passing_over_moments_says_when_a_fact_on_a_watched_subject_is_due(strike, facts, watched):
    """``Walk.due_on``: whether a state fact on one of the subjects comes into force by the
    time asked that the walk has not passed; a walk that advances only then (the others
    passed over, as a timeline passes over moments of facts no rule reads) stands where
    the history's frame does at each time it advances to."""
    session = record(strike, facts)
    try:
        history = session.history
        subjects = frozenset(f"{actor}.{subject}" for actor, subject in STRIKE_STATES if subject in watched)
        walk, passed = history.walk(), None
        for moment in session.change_times():
            frame = history.frame(moment, None)
            changed = {s for s, f in frame.state.items() if (passed is None or passed.state.get(s) is not f)}
            assert walk.due_on(moment, subjects) == bool(changed & subjects)
            if walk.due_on(moment, subjects):  # asked again: the same answer
                walk.advance(moment, None)
                assert walk.frame().state == frame.state
                passed = frame
    finally:
        session.close()


def test_every_entry_says_what_changed_and_a_statement_is_an_entry_on_its_own_day():
    folder = JCPOA.parents[1] / "fidelity" / "cases" / "colombia_farc"
    scenario = load_scenario(folder / "rules")
    session = scenario.replay(folder / "facts.yaml", clock=NOW)
    try:
        entries = session.timeline()
    finally:
        session.close()
    assert entries and all(e.changes for e in entries)
    # the government's refusal of a bilateral ceasefire took force on 4 September 2012: its own entry, that day
    (entry,) = [e for e in entries if e.at.date().isoformat() == "2012-09-04"]
    assert "in force: gov_no_bilateral_ceasefire_before_agreement" in entry.changes
    # its end on 23 June 2016 is said that day, not under a later entry
    (ended,) = [e for e in entries if e.at.date().isoformat() == "2016-06-23"]
    assert "no longer in force: gov_no_bilateral_ceasefire_before_agreement" in ended.changes


def test_a_same_day_exchange_turns_escalation_on_that_day(strike):
    """A walkout, a lockout and a second walkout all dated 2024-03-04 (no time of day) chain
    in the order recorded: escalation is on from that day, in the verdict and the timeline."""
    day = "2024-03-04"
    facts = [{"at": day, "actor": "UNI", "subject": "walkout", "value": "walkout at the plant"},
             {"at": day, "actor": "EMP", "subject": "lockout", "value": "gates locked"},
             {"at": day, "actor": "UNI", "subject": "walkout", "value": "second walkout"}]
    session = record(strike, facts)
    try:
        at = dt.datetime(2024, 3, 4, tzinfo=dt.timezone.utc)
        verdict = session.verdict(at)
        assert verdict.escalation
        cited = {e.id: e for e in verdict.escalation_events}
        assert [cited[i].value for chain in verdict.escalation_chains for i in chain.events] == [f["value"] for f in facts]
        entries = timeline(session)
        switches = [(e["at"], e["escalation"]) for e in entries if "escalation on" in e["changes"] or "escalation off" in e["changes"]]
        assert switches == [(at, True), (at + dt.timedelta(days=14, seconds=1), False)]
        assert entries == reference(session)
    finally:
        session.close()
    # recorded walkout, walkout, lockout: only two of them alternate
    session = record(strike, [facts[0], facts[2], facts[1]])
    try:
        assert not session.verdict(dt.datetime(2024, 3, 4, tzinfo=dt.timezone.utc)).escalation
    finally:
        session.close()


def strike_with(tmp_path: Path, old: str, new: str) -> Scenario:
    """A copy of the strike scenario whose moves.yaml has ``old`` (which must be there) replaced by ``new``."""
    folder = tmp_path / "strike"
    shutil.copytree(STRIKE, folder)
    moves = folder / "moves.yaml"
    text = moves.read_text(encoding="utf-8")
    assert old in text
    moves.write_text(text.replace(old, new), encoding="utf-8")
    return load_scenario(folder)


def test_counter_measures_across_domains_through_the_rules_engine(tmp_path):
    """The strike scenario with each side's own acts (``events: [[walkout], [lockout]]``):
    the employer's walkout is no act of its side, so it answers nothing; its lockout does."""
    scenario = strike_with(tmp_path, "    events: [walkout, lockout]\n", "    events: [[walkout], [lockout]]\n")
    day = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
    facts = [{"at": (day + dt.timedelta(days=d)).date().isoformat(), "actor": actor, "subject": subject, "value": f"{subject} {d}"}
             for d, actor, subject in [(0, "UNI", "walkout"), (1, "EMP", "walkout"), (2, "UNI", "walkout"),
                                       (3, "EMP", "lockout"), (4, "UNI", "walkout")]]
    session = record(scenario, facts)
    try:
        assert not session.verdict(day + dt.timedelta(days=2)).escalation  # walkout, walkout, walkout: no exchange
        verdict = session.verdict(day + dt.timedelta(days=4))
        assert verdict.escalation
        cited = {e.id: e for e in verdict.escalation_events}
        assert [[cited[i].value for i in chain.events] for chain in verdict.escalation_chains] == [["walkout 2", "lockout 3", "walkout 4"]]
        entries = timeline(session)
        assert [e["at"] for e in entries if "escalation on" in e["changes"]] == [day + dt.timedelta(days=4)]
        assert entries == reference(session)
    finally:
        session.close()
    # the same facts with the bundled pattern (walkouts and lockouts on either side): on from the third walkout
    session = record(load_scenario(STRIKE), facts)
    try:
        assert session.verdict(day + dt.timedelta(days=2)).escalation
    finally:
        session.close()


def test_intensity_through_the_rules_engine(tmp_path):
    """The strike scenario with ``intensity: 3``: three walkouts in a week, unanswered, are
    escalation from the third until 14 days (and a second) after it, in verdicts and the timeline."""
    scenario = strike_with(tmp_path, "    intensity: 20", "    intensity: 3")
    day = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
    facts = [{"at": (day + dt.timedelta(days=d)).date().isoformat(), "actor": "UNI", "subject": "walkout", "value": f"walkout {d}"}
             for d in (0, 3, 6)]
    session = record(scenario, facts)
    try:
        assert not session.verdict(day + dt.timedelta(days=5)).escalation
        verdict = session.verdict(day + dt.timedelta(days=6))
        cited = {e.id: e for e in verdict.escalation_events}
        assert [[cited[i].value for i in chain.events] for chain in verdict.escalation_chains] == [["walkout 0", "walkout 3", "walkout 6"]]
        entries = timeline(session)
        switches = [(e["at"], e["escalation"]) for e in entries if "escalation on" in e["changes"] or "escalation off" in e["changes"]]
        assert switches == [(day + dt.timedelta(days=6), True), (day + dt.timedelta(days=20, seconds=1), False)]
        assert entries == reference(session)
    finally:
        session.close()
    session = record(load_scenario(STRIKE), facts)  # the bundled pattern: intensity 20, and nobody answered
    try:
        assert not session.verdict(day + dt.timedelta(days=6)).escalation
    finally:
        session.close()


class _Clock:
    """A clock the test moves."""

    def __init__(self, at: dt.datetime):
        self.at = at

    def now(self) -> dt.datetime:
        return self.at


def test_a_kept_timeline_is_given_again_only_while_nothing_it_read_changed(strike, tmp_path):
    """``Sessions`` keeps the latest timelines; each answer equals the timeline worked out
    afresh by a service just started on the same log: after time passes a change time or
    not, a fact is recorded (dated in the past) or withdrawn, or fewer facts are admitted."""
    from ripeness.bootstrap import open_sessions

    url = f"sqlite:///{tmp_path / 'log.db'}"
    clock = _Clock(dt.datetime(2024, 3, 10, tzinfo=dt.timezone.utc))
    sessions = open_sessions(strike, url, clock)
    facts = [dict(f, at=str(f["at"])) for f in yaml.safe_load((STRIKE / "facts.yaml").read_text())["facts"]]
    sessions.record("baseline", [("", f) for f in facts])

    def as_json(entries) -> list[str]:
        return [e.model_dump_json() for e in entries]

    def afresh(admit: str = "disputed") -> list[str]:
        started = open_sessions(strike, url, clock)
        try:
            return as_json(started.timeline("baseline", admit=admit))
        finally:
            started.close()

    try:
        early = as_json(sessions.timeline("baseline"))
        assert early == afresh() and as_json(sessions.timeline("baseline")) == early
        clock.at = dt.datetime(2024, 3, 10, 12, tzinfo=dt.timezone.utc)  # no change time passed
        assert as_json(sessions.timeline("baseline")) == early
        clock.at = dt.datetime(2024, 4, 30, tzinfo=dt.timezone.utc)  # many passed
        later = as_json(sessions.timeline("baseline"))
        assert later == afresh() and len(later) > len(early)
        sessions.record("baseline", [("", {"at": "2024-03-03", "actor": "EMP", "subject": "pay_offer_pct", "value": 8})])
        offered = as_json(sessions.timeline("baseline"))
        assert offered == afresh() and offered != later
        sessions.record("baseline", [("", {"withdraws": json.loads(offered[0])["causes"][0]["id"]})])
        assert as_json(sessions.timeline("baseline")) == afresh() != offered
        assert as_json(sessions.timeline("baseline", admit="confirmed")) == afresh("confirmed")
    finally:
        sessions.close()


def test_a_move_no_goal_needs_works_out_no_verdict_and_the_timeline_stays_its_definition(monkeypatch):
    """A move made that no goal needs changes nothing ``differences`` reports: the timeline
    works out no verdict there (in the benchmark's generated scenario, a quarter of its
    verdicts were such).  The verdict the next ripeness-only entry is built on is still the
    one due there (worked out then, from the situation kept), so the entries are as defined."""
    import engine.analyst
    from benchmarks import generate, world

    loaded = world.load({"actors": 6, "positions": 12, "cycles": [2, 3, 4], "subjects": 100, "seed": 1})
    scenario = Scenario(loaded.rulebook, loaded.rules)
    facts = list(generate.stream(loaded.generated, generate.StreamSize(facts=600, subjects=100, events=30, seed=1)))
    session = scenario.new_session("line", NOW)
    session.record(parse_inputs([(f"fact[{i}]", f) for i, f in enumerate(facts)], scenario.rulebook))
    expected = reference(session)
    worked_out = []
    counted = engine.analyst.analyse

    def counting(*args, **kwargs):
        worked_out.append(args[0].as_of)
        return counted(*args, **kwargs)

    monkeypatch.setattr(engine.analyst, "analyse", counting)
    found = timeline(session)
    assert found == expected
    assert len(worked_out) == 2 * len(found), "a verdict worked out for no entry"  # two timelines: with and without verdicts


def test_no_full_collection_of_the_garbage_collector_while_a_timeline_is_worked_out(strike):
    """Each entry keeps a verdict, and each full collection walked all of them again (at a
    million facts 38 of 250 s): the oldest generation's threshold is out of reach while a
    timeline is worked out, and as it was afterwards, also when the work is stopped."""
    import gc

    from engine.deadline import Deadline
    from engine.errors import AnalysisStopped

    class Watching(Deadline):  # a real deadline that also notes the threshold at each check
        def __init__(self, stop_after: int | None = None):
            super().__init__(None, "a timeline")
            self.seen: list[int] = []
            self.stop_after = stop_after

        def check(self) -> None:
            self.seen.append(gc.get_threshold()[2])
            if self.stop_after is not None and len(self.seen) >= self.stop_after:
                self.cancel()
            super().check()

    session = strike.replay(STRIKE / "facts.yaml", clock=NOW)
    before = gc.get_threshold()
    watching = Watching()
    entries = session.analyst.timeline(session.snapshot(), NOW.now(), watching)
    assert entries and watching.seen
    assert all(oldest > 10**9 for oldest in watching.seen)
    assert gc.get_threshold() == before
    stopped = Watching(stop_after=5)
    with pytest.raises(AnalysisStopped):
        session.analyst.timeline(session.snapshot(), NOW.now(), stopped)
    assert stopped.seen[-1] > 10**9
    assert gc.get_threshold() == before


def test_a_ripeness_entry_after_a_move_no_goal_needs_rests_on_the_verdict_due_then(tmp_path):
    """The JCPOA with a move no goal needs (the United States rejoining the JCPOA), made on
    2021-02-01, between the entry of 2021-01-20 and the ripeness-only entry of 2021-02-18:
    no verdict is worked out on 2021-02-01 itself, yet the ripeness entry is built on the
    verdict due then (the move made), as the timeline's definition has it."""
    folder = tmp_path / "jcpoa"
    shutil.copytree(JCPOA, folder)
    moves = folder / "moves.yaml"
    anchor = "    substitute_for: IRN.join_talks\n"  # the last move of the list
    moves.write_text(moves.read_text().replace(anchor, anchor + (
        "  - id: rejoin_jcpoa\n    actor: USA\n    description: Take part in the JCPOA again.\n"
        "    done_when: {subject: USA.in_jcpoa, eq: true}\n"), 1))
    facts = yaml.safe_load((JCPOA / "facts.yaml").read_text())["facts"]
    facts.append({"at": "2021-02-01", "actor": "USA", "subject": "in_jcpoa", "value": True, "source": "a test"})
    session = record(load_scenario(folder), [dict(f, at=str(f["at"])) for f in facts])
    try:
        entries = timeline(session)
        assert entries == reference(session)
        ripe = next(e for e in entries if e["at"] == dt.datetime(2021, 2, 18, tzinfo=dt.timezone.utc))
        assert all(line.startswith("ripeness") for line in ripe["changes"])
        assert "USA.rejoin_jcpoa" in ripe["verdict"]["moves_done"]
    finally:
        session.close()


def test_a_measurement_moving_inside_its_range_and_out_of_it_gives_the_definition(jcpoa):
    """The timeline keeps a standing on whether each comparison holds (``standing_comparisons``),
    not on the values compared: moving from 20 % to 60 % (both past 3.67) works out no standing
    again, and moving to 2 % (within it) and to 3.68 % (past it again, by a hair) does."""
    days = [dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=d) for d in range(0, 400, 20)]
    values = [20.0, 60.0, 20.0, 2.0, 3.67, 3.68, 60.0, 2.0, 2.0, 3.67, 202.8, 202.9, 100.0, 2967.8, 202.9, 2.0, 3.68, 20.0, 2.0, 60.0]
    facts = [{"at": at.isoformat(), "actor": "IRN", "subject": "enrichment_pct" if i < 10 or i > 14 else "stockpile_kg_u", "value": v}
             for i, (at, v) in enumerate(zip(days, values, strict=True))]
    facts += [{"at": days[3].isoformat(), "actor": "USA", "subject": "oil_sanctions", "value": "eased"},
              {"at": days[12].isoformat(), "actor": None, "subject": "talks", "value": "direct"}]
    session = record(jcpoa, [{k: v for k, v in f.items() if v is not None} for f in facts])
    try:
        expected = reference(session)
        assert len(expected) > 3
        assert timeline(session) == expected
    finally:
        session.close()


FIDELITY = JCPOA.parent.parent / "fidelity" / "cases" / "black_sea_grain"  # a case with imported event data


@pytest.mark.parametrize("folder", [JCPOA, STRIKE, FIDELITY], ids=["jcpoa", "strike", "fidelity-black_sea_grain"])
def test_each_entry_cites_the_verdict_as_of_its_time_the_same_bytes_it_held(folder: Path):
    """An entry no longer carries its verdict: it is the verdict as of the entry's time
    (``GET .../verdict?as_of=AT``), byte for byte the verdict a timeline with ``verdicts``
    gives inline (the one the entry held), for every entry; and the entry still says what
    changed and names its causes (issue 12)."""
    from fidelity.report import imported_events

    scenario = load_scenario(folder / "rules" if (folder / "rules").is_dir() else folder)

    def replayed() -> Session:
        session = scenario.replay(folder / "facts.yaml", clock=NOW)
        if folder == FIDELITY:
            session.record(imported_events(folder, scenario.rulebook))
        return session

    session, fresh = replayed(), replayed()
    try:
        full = session.timeline(verdicts=True)
        cited = fresh.timeline()
        assert len(cited) == len(full) > 3
        assert all(not hasattr(e, "verdict") and e.changes for e in cited)
        assert all(e.causes or e.statements or e.lapsed or any(c.startswith(("ripeness", "escalation", "deadline passed"))
                                                               for c in e.changes) for e in cited[1:])
        for entry, with_verdict in zip(cited, full):
            assert entry.model_dump_json() == TimelineEntry.model_validate(with_verdict.model_dump()).model_dump_json()
            assert fresh.verdict(entry.at).model_dump_json() == with_verdict.verdict.model_dump_json(), entry.at
            assert {g.id: g.ripeness for g in entry.goals if g.main} == {r.goal: r.status for r in with_verdict.verdict.ripeness}
    finally:
        session.close()
        fresh.close()


def _read_by_changes(verdict) -> tuple:
    """What a timeline's entries and ``changes`` read of a verdict but its stances (read off
    the standing): the goals, the cycles and dead ends by their positions, and each main
    goal's ripeness with what made it (``ripeness.differences``' cause)."""
    return ([(g.id, g.status, g.blocked_by, g.cycles, g.refusals) for g in verdict.goals],
            [tuple(s.position.id if s.position is not None else s.waits_for for s in c.steps) for c in verdict.cycles],
            [(r.move, r.position.id) for r in verdict.refusals],
            [(r.goal, r.status, r.since, r.mutually_hurting_stalemate, r.mhs_since, r.stalemate.holds,
              [(p.party, p.side, p.hurting) for p in r.parties], r.way_out.holds, r.way_out.since,
              [s.variant or s.id for s in r.way_out.statements]) for r in verdict.ripeness])


CASES = [FIDELITY.parent / c for c in ("black_sea_grain", "us_cuba_2013", "greece_north_macedonia", "iran_saudi_2021")]
EVERY_CASE = sorted(p for p in FIDELITY.parent.iterdir() if (p / "rules").is_dir() and p not in CASES)
SAMPLED = 24  # change times of each of EVERY_CASE, evenly spread (a full verdict of a real case can take a third of a second)


@pytest.mark.parametrize("folder", [pytest.param(JCPOA, id="jcpoa"), pytest.param(STRIKE, id="strike"),
                                    *(one_worker_per_case(p.name, p) for p in [*CASES, *EVERY_CASE])])
def test_a_light_verdict_says_what_the_full_one_says_to_the_timeline(folder: Path, fidelity_case):
    """A timeline's verdicts leave out what no entry reads (``analyse``'s ``light``: of the
    openings only those ripeness's way out could choose, no evidence behind the cycles'
    steps and dead ends): at every change time the goals, cycles, dead ends and each main
    goal's ripeness and its cause are those of the full verdict (for most fidelity cases at
    ``SAMPLED`` of them, compared with the sampled time before).  The full verdict is worked
    out without its concession sets (``concede=False``): none of what is compared reads them,
    and their search was most of the test's time.  A fidelity case is the one its pinned test
    replayed (``fidelity_case``)."""
    bundled = folder in (JCPOA, STRIKE)
    session = load_scenario(folder).replay(folder / "facts.yaml", clock=NOW) if bundled else fidelity_case(folder)
    try:
        before: tuple = (None, None)
        moments = session.change_times()
        if folder in EVERY_CASE and len(moments) > SAMPLED:
            moments = [moments[i * (len(moments) - 1) // (SAMPLED - 1)] for i in range(SAMPLED)]
        for moment in moments:
            sit = session.analyst.situation(session.frame(moment))
            light, full = analyse(sit, light=True), analyse(sit, concede=False)
            assert _read_by_changes(light) == _read_by_changes(full), moment
            assert ripeness.differences(before[0], light) == ripeness.differences(before[1], full), moment
            before = (light, full)
    finally:
        if bundled:
            session.close()


RESTATED = """\
scenario: {id: restated, title: Two parties waiting on each other (synthetic)}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: gave, actor: A, type: bool}
  - {id: gave, actor: B, type: bool}
moves:
  - {id: give, actor: A, done_when: {subject: A.gave, eq: true}}
  - {id: give, actor: B, done_when: {subject: B.gave, eq: true}}
goals:
  - {id: both, done_when: {all: [{subject: A.gave, eq: true}, {subject: B.gave, eq: true}]}, needs: [A.give, B.give]}
positions:
  - {id: a_first, actor: A, withholds: A.give, until: {subject: B.gave, eq: true}, quote: You first., source: synthetic,
     in_force: {from: 2024-01-01}}
  - {id: b_first, actor: B, withholds: B.give, until: {subject: A.gave, eq: true}, quote: "No, you first.", source: synthetic,
     in_force: {from: 2024-01-01}}
  - {id: b_again, restates: b_first, actor: B, withholds: B.give, until: {subject: A.gave, eq: true},
     quote: "We said it before: you first.", source: synthetic, in_force: {from: 2024-02-01}}
"""


def test_a_restatement_on_a_cycle_is_no_cycle_formed_or_broken(tmp_path):
    # the same stance said again: the entry names the statement come into force, and the
    # cycle, told by the stances on it, is the one there was (it was reported formed and
    # broken, by its positions, before)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "scenario.yaml").write_text(RESTATED)
    session = record(load_scenario(tmp_path / "rules"), [
        {"at": "2024-01-01", "actor": "A", "subject": "gave", "value": False},
        {"at": "2024-01-01", "actor": "B", "subject": "gave", "value": False},
    ])
    entries = session.timeline(dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc))
    restated = next(e for e in entries if e.at.date() == dt.date(2024, 2, 1))
    assert "in force: b_again" in restated.changes
    assert not [line for line in restated.changes if "cycle" in line], restated.changes
    first = next(e for e in entries if e.at.date() == dt.date(2024, 1, 1))
    assert first.status == restated.status == "deadlock"
    assert session.verdict(dt.datetime(2024, 2, 2, tzinfo=dt.timezone.utc)).cycles  # the cycle is still there
