"""Property: the verdict as of T does not depend on the order in which facts arrived."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.facts import parse_inputs
from engine.live_session import Session
from tests.conftest import NOW
from tests.unit.small import JCPOA_VALUES

DAYS = st.integers(min_value=0, max_value=120).map(lambda d: dt.date(2021, 1, 1) + dt.timedelta(days=d))


@st.composite
def histories(draw) -> list[dict[str, Any]]:
    facts = []
    for (actor, subject), values in JCPOA_VALUES.items():
        days = draw(st.sets(DAYS, max_size=4))  # one fact per subject and day: no arrival-order ties
        facts += [{"at": d.isoformat(), "actor": actor, "subject": subject, "value": draw(values)} for d in days]
    for day in draw(st.sets(DAYS, max_size=8)):  # one strike a day: strikes of one day chain in recording order
        actor = draw(st.sampled_from(["IRN", "MIL", "USA"]))
        facts.append({"at": day.isoformat(), "actor": actor, "subject": "strike", "value": "strike"})
    return [{k: v for k, v in f.items() if v is not None} for f in facts]


def comparable(verdict) -> Any:
    """The verdict without recording-order fact ids: the chains (and stalemates) that name
    the verdict's escalation events by id name them by their place in its list instead."""
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if not (k == "id" and "subject" in node)}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node
    dumped = verdict.model_dump(mode="json")
    place = {e["id"]: i for i, e in enumerate(dumped["escalation_events"])}
    for chain in dumped["escalation_chains"]:
        chain["events"] = [place[i] for i in chain["events"]]
    for ripe in dumped["ripeness"]:
        ripe["stalemate"]["escalation"] = [place[i] for i in ripe["stalemate"]["escalation"]]
    return strip(dumped)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=histories(), order=st.randoms(use_true_random=False), as_of=DAYS)
def test_verdict_as_of_does_not_depend_on_arrival_order(jcpoa, facts, order, as_of):
    shuffled = list(facts)
    order.shuffle(shuffled)
    verdicts = []
    for arrival in (facts, shuffled):
        session = jcpoa.new_session("prop", NOW)
        for i, fact in enumerate(arrival):  # one at a time, as facts arrive
            session.record(parse_inputs([(f"fact[{i}]", fact)], jcpoa.rulebook))
            if i % 3 == 0:
                session.verdict(as_of)  # move the working memory around between arrivals
        verdicts.append(comparable(session.verdict(as_of)))
        session.close()
    assert verdicts[0] == verdicts[1]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=histories(), times=st.lists(st.tuples(DAYS, st.integers(min_value=0, max_value=23)), min_size=1, max_size=3))
def test_a_kept_verdict_is_the_one_worked_out_afresh(jcpoa, facts, times):
    """Session.verdict and Session.status keep their last answer on what it was worked out
    from: after every fact and at every time, it equals the analysis done again."""
    from engine.analysis import analyse, quick_status
    from engine.facts import to_utc

    session = jcpoa.new_session("kept", NOW)
    for i, fact in enumerate(facts):
        session.record(parse_inputs([(f"fact[{i}]", fact)], jcpoa.rulebook))
        for day, hour in times:
            as_of = to_utc(day) + dt.timedelta(hours=hour)
            kept, kept_status = session.verdict(as_of), session.status(as_of)
            situation = session.analyst.situation(session.frame(as_of))
            assert kept == analyse(situation), (i, as_of)
            assert kept_status == quick_status(situation), (i, as_of)
    session.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=histories(), days=st.lists(DAYS, min_size=1, max_size=4))
def test_kept_claims_and_support_are_those_of_a_fresh_working_memory(jcpoa, facts, days):
    """WorkingMemory keeps ``held()`` and ``support()`` until a justification comes or goes:
    after every fact, moved to any day, they equal those of a memory given the same facts
    from scratch."""
    from engine.facts import to_utc
    from engine.working_memory import WorkingMemory
    from ripeness.bootstrap import rules_engine

    def ids(justification):
        return [f.id for f in justification]

    session = jcpoa.new_session("memory", NOW)
    claims = [f"hostile:{p}:{side}" for p in jcpoa.rulebook.escalations for side in (0, 1)]
    for i, fact in enumerate(facts):
        session.record(parse_inputs([(f"fact[{i}]", fact)], jcpoa.rulebook))
        for day in days:
            session.analyst.situation(session.frame(to_utc(day)))  # syncs the session's memory to that day
            kept = session.analyst.memory
            fresh = WorkingMemory(rules_engine(), jcpoa.rules)
            fresh.sync([*kept.live.values()])
            assert kept.held() == fresh.held(), (i, day)
            for claim in claims:
                assert sorted(kept.support(claim), key=ids) == sorted(fresh.support(claim), key=ids), (i, day, claim)
            fresh.close()
    session.close()


@settings(max_examples=100, deadline=None)
@given(steps=st.lists(st.tuples(st.booleans(), st.sampled_from(["a", "b", "c"]), st.integers(0, 20), st.integers(0, 30)),
                      min_size=1, max_size=30),
       asked=st.lists(st.integers(-1, 22), min_size=1, max_size=5))
def test_the_state_as_of_a_time_is_the_latest_fact_per_subject_then(steps, asked):
    """History.state_as_of (with its shortcut for times after every fact) against the
    definition, through adds in any order and withdrawals."""
    from engine.facts import Fact
    from engine.history import History

    history, alive = History(), {}
    start = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
    for seq, (add, subject, day, pick) in enumerate(steps, start=1):
        if add or not alive:
            fact = Fact(id=f"f{seq}", seq=seq, at=start + dt.timedelta(days=day), subject=subject, kind="state", value=seq)
            history.add(fact)
            alive[fact.id] = fact
        else:
            gone = sorted(alive)[pick % len(alive)]
            history.withdraw(gone)
            del alive[gone]
    for day in asked:
        as_of = start + dt.timedelta(days=day)
        expected = {}
        for fact in sorted(alive.values(), key=lambda f: (f.at, f.seq)):
            if fact.at <= as_of:
                expected[fact.subject] = fact
        assert history.state_as_of(as_of) == expected
        # the frame's superseded facts (kept for the head, looked up for other times) by the same definition
        frame = history.frame(as_of, None)
        for fact in expected.values():
            earlier = [f for f in alive.values() if f.subject == fact.subject and (f.at, f.seq) < (fact.at, fact.seq)]
            assert frame.previous(fact) == max(earlier, key=lambda f: (f.at, f.seq), default=None)
    assert list(history.state_as_of(start + dt.timedelta(days=30))) == list(history.copy().state_as_of(start + dt.timedelta(days=30)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=histories(), split=st.integers(min_value=0, max_value=60), days=st.lists(DAYS, min_size=1, max_size=3))
def test_a_frame_taken_before_later_facts_gives_the_verdict_of_that_moment(jcpoa, facts, split, days):
    """What readers analyse outside the session's lock: a frame (or a copy of the history)
    taken at some point gives, after any number of later facts and withdrawals, the verdict
    the session gave at that point."""
    from engine.analyst import Analyst
    from engine.facts import to_utc
    from ripeness.bootstrap import rules_engine

    session = jcpoa.new_session("framed", NOW)
    cut = min(split, len(facts))
    for i, fact in enumerate(facts[:cut]):
        session.record(parse_inputs([(f"fact[{i}]", fact)], jcpoa.rulebook))
    moments = [to_utc(day) for day in days]
    then = [session.verdict(at) for at in moments]
    frames, history = [session.frame(at) for at in moments], session.snapshot()
    recorded = [f for f in history.events()] + list(history.state_as_of(to_utc(dt.date(2022, 1, 1))).values())
    for i, fact in enumerate(facts[cut:]):
        session.record(parse_inputs([(f"fact[{cut + i}]", fact)], jcpoa.rulebook))
    for gone in recorded[:2]:  # withdrawals change the live history in place
        session.record(parse_inputs([("withdrawal", {"withdraws": gone.id})], jcpoa.rulebook))
    reader = Analyst("framed", jcpoa.rulebook, jcpoa.rules, rules_engine())
    assert [reader.verdict(frame) for frame in frames] == then
    copied = Session("framed", jcpoa.rulebook, jcpoa.rules, rules_engine(), NOW, history=history)
    assert [copied.verdict(at) for at in moments] == then
    reader.close()
    copied.close()
    session.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=histories(), pairs=st.lists(st.tuples(DAYS, DAYS), min_size=1, max_size=3))
def test_a_verdict_beside_another_is_the_one_worked_out_afresh(jcpoa, facts, pairs):
    """A reply's verdict as of a fact's date takes what the blocking model gives from the
    verdict now when both read the same model (``Analyst.verdict_beside``): after every
    fact, at every pair of times, it equals the analysis done again."""
    from engine.analysis import analyse
    from engine.facts import to_utc

    session = jcpoa.new_session("beside", NOW)
    for i, fact in enumerate(facts):
        session.record(parse_inputs([(f"fact[{i}]", fact)], jcpoa.rulebook))
        for now, then in pairs:
            session.verdict(now)
            beside = session.past_analyst.verdict_beside(session.frame(then), session.analyst)
            assert beside == analyse(session.analyst.situation(session.frame(to_utc(then)))), (i, now, then)
    session.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_working_memory_synced_list_after_list_holds_each_list(jcpoa, data):
    """``WorkingMemory.sync`` given lists one after another, each from the one before with a
    few places changed (by place), facts moved, copies under the same id (a trend's), or
    another list: its live facts are those of the list that a rule reads, and its claims and
    support those of a fresh memory given that list."""
    import dataclasses

    from engine.facts import Fact
    from engine.working_memory import WorkingMemory
    from ripeness.bootstrap import rules_engine

    start = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
    pool = []  # distinct ids; several facts per subject (of which, in a list, one at most)
    for seq, ((actor, subject), values) in enumerate(sorted(JCPOA_VALUES.items(), key=str) * 3, start=1):
        name = f"{actor}.{subject}" if actor else subject
        pool.append(Fact(id=f"f{seq}", seq=seq, at=start + dt.timedelta(days=seq), subject=name, kind="state",
                         value=data.draw(values), actor=actor))
    for seq in range(100, 108):
        pool.append(Fact(id=f"f{seq}", seq=seq, at=start + dt.timedelta(days=seq % 20), subject="strike", kind="event",
                         value="strike", actor=data.draw(st.sampled_from(["IRN", "MIL", "USA"]))))
    pool.append(Fact(id="f200", seq=200, at=start, subject="USA.in_jcpoa", kind="state", value=False, actor="USA"))  # no rule reads it

    def a_list() -> list[Fact]:
        picked = data.draw(st.lists(st.sampled_from(pool), max_size=12, unique_by=lambda f: f.id))
        by_subject = {f.subject: f for f in picked if f.kind == "state"}
        return [f for f in picked if f.kind == "event" or by_subject[f.subject] is f]

    memory = WorkingMemory(rules_engine(), jcpoa.rules)
    given = a_list()
    for _ in range(data.draw(st.integers(1, 12))):
        how = data.draw(st.sampled_from(["places", "places", "swap", "copy", "other"]))
        if how == "other" or not given:
            given = a_list()
        else:
            given = list(given)
            if how == "places":
                for i in data.draw(st.lists(st.integers(0, len(given) - 1), max_size=5, unique=True)):
                    taken = {f.id for f in given} | {f.subject for f in given if f.kind == "state"}
                    free = [f for f in pool if f.id not in taken and (f.kind == "event" or f.subject == given[i].subject
                                                                       or f.subject not in taken)]
                    if free:
                        given[i] = data.draw(st.sampled_from(free))
            elif how == "swap":
                i, k = data.draw(st.integers(0, len(given) - 1)), data.draw(st.integers(0, len(given) - 1))
                given[i], given[k] = given[k], given[i]
            else:
                i = data.draw(st.integers(0, len(given) - 1))
                given[i] = dataclasses.replace(given[i])  # the same fact, another object
        memory.sync(given)
        assert set(memory.live) == {f.id for f in given if f.subject in jcpoa.rules.subjects}, how
        fresh = WorkingMemory(rules_engine(), jcpoa.rules)
        fresh.sync(list(given))
        assert memory.held() == fresh.held(), how
        for claim in memory.held():
            assert sorted(sorted(f.id for f in j) for j in memory.support(claim)) == \
                sorted(sorted(f.id for f in j) for j in fresh.support(claim)), claim
        fresh.close()
    memory.close()
