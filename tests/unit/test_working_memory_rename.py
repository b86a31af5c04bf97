"""A working memory replacing a live state fact by one that every compiled rule reads as it
read the old one (the same engine form but for its id, and its day when no rule reads the
day) keeps the old one in the rules engine under the new id (``RulesPort.rename``) instead
of retracting it and asserting the new one: after any changes, its claims, support and
live facts are those of a fresh memory given the same facts, and a rule that reads the
day (a deadline) still sees each fact's own."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.facts import Fact
from engine.working_memory import WorkingMemory, unread_fields
from ripeness.bootstrap import load_scenario, rules_engine
from tests.unit.small import JCPOA_VALUES
from tests.unit.test_deadlines import RULES as DEADLINE_RULES

START = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)


class Counted:
    """The real rules engine, counting the facts retracted and asserted and those renamed."""

    def __init__(self, port):
        self.port, self.applied, self.renamed = port, 0, 0

    def open(self, rules):
        return self.port.open(rules)

    def apply(self, slot, retract, add):
        self.applied += len(retract) + len(add)
        return self.port.apply(slot, retract, add)

    def rename(self, slot, renamed):
        self.renamed += len(renamed)
        self.port.rename(slot, renamed)

    def close(self, slot):
        self.port.close(slot)


def read_alike(rules, old: Fact, new: Fact) -> bool:
    """The same value as durable-rules sees it (its engine form's ``value``, as JSON)."""
    return json.dumps(rules.engine_fact(old)["value"]) == json.dumps(rules.engine_fact(new)["value"])


def same_as_fresh(memory: WorkingMemory, live: dict[str, Fact], rules) -> None:
    fresh = WorkingMemory(rules_engine(), rules)
    fresh.sync(list(live.values()))
    assert memory.live == {f.id: f for f in live.values() if f.subject in rules.subjects}
    assert memory.held() == fresh.held()
    for claim in memory.held():
        assert sorted(sorted(f.id for f in j) for j in memory.support(claim)) == \
            sorted(sorted(f.id for f in j) for j in fresh.support(claim)), claim
        assert all(memory.live[f.id] is f for j in memory.support(claim) for f in j)  # the facts cited are the live ones
    fresh.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_state_fact_replaced_by_one_read_alike_is_renamed_and_the_memory_holds_what_a_fresh_one_holds(jcpoa, data):
    assert "day" in unread_fields(jcpoa.rules)  # no deadline in the JCPOA rule files: no rule reads a fact's day
    port = Counted(rules_engine())
    memory = WorkingMemory(port, jcpoa.rules)
    subjects = {(f"{actor}.{subject}" if actor else subject): values for (actor, subject), values in JCPOA_VALUES.items()}
    seq = 0

    def new_fact(subject: str, value) -> Fact:
        nonlocal seq
        seq += 1
        return Fact(f"f{seq}", seq, START + dt.timedelta(days=data.draw(st.integers(0, 400))), subject, "state", value)

    live = {s: new_fact(s, data.draw(values)) for s, values in subjects.items() if data.draw(st.booleans())}
    events: dict[str, Fact] = {}
    memory.apply([], list(live.values()))
    alike = 0  # pairs of a live fact and one of the same value on its subject (another id and day)
    for _ in range(data.draw(st.integers(1, 10))):
        gone, came = [], []
        for subject in data.draw(st.lists(st.sampled_from(sorted(subjects)), max_size=4, unique=True)):
            old = live.get(subject)
            same = old is not None and data.draw(st.booleans())
            fact = new_fact(subject, old.value if same else data.draw(subjects[subject]))
            alike += old is not None and subject in jcpoa.rules.subjects and read_alike(jcpoa.rules, old, fact)
            gone += [old] if old is not None else []
            came.append(fact)
            live[subject] = fact
        only_alike = all(read_alike(jcpoa.rules, g, c) for g, c in zip(gone, came)) and len(gone) == len(came)
        if data.draw(st.booleans()):  # an event comes, or one leaves
            seq += 1
            event = Fact(f"f{seq}", seq, START, "strike", "event", "strike", actor=data.draw(st.sampled_from(["IRN", "MIL", "USA"])))
            events[event.id] = event
            came.append(event)
            only_alike = False
        elif events:
            gone.append(events.pop(sorted(events)[0]))
            only_alike = False
        held = memory.held()
        memory.apply(gone, came)
        same_as_fresh(memory, {**live, **events}, jcpoa.rules)
        if only_alike:
            assert memory.held() is held  # nothing but renames: the very claims
    assert port.renamed == alike  # each pair read alike renamed, not retracted and asserted
    memory.close()


def test_a_fact_whose_day_a_deadline_reads_is_retracted_and_asserted_and_counts_by_its_own_day(tmp_path: Path):
    (tmp_path / "scenario.yaml").write_text(DEADLINE_RULES)
    scenario = load_scenario(tmp_path)
    assert "day" not in unread_fields(scenario.rules)  # the deadline's test reads the fact's day
    port = Counted(rules_engine())
    memory = WorkingMemory(port, scenario.rules)
    in_time = Fact("f1", 1, dt.datetime(2020, 12, 20, tzinfo=dt.timezone.utc), "B.sanctions", "state", "lifted")
    memory.apply([], [in_time])
    assert "condition:relief_in_time" in memory.held()
    late = dataclasses.replace(in_time, id="f2", seq=2, at=dt.datetime(2021, 6, 1, tzinfo=dt.timezone.utc))  # the same value, too late
    memory.apply([in_time], [late])
    assert port.renamed == 0 and "condition:relief_in_time" not in memory.held()
    same_as_fresh(memory, {"B.sanctions": late}, scenario.rules)
    again = dataclasses.replace(late, id="f3", seq=3)  # the same day and value: read alike, renamed
    memory.apply([late], [again])
    assert port.renamed == 1
    same_as_fresh(memory, {"B.sanctions": again}, scenario.rules)
    memory.apply([again], [])  # retracted by its new id: gone from the rules engine
    assert memory.live == {} and memory.held() == WorkingMemory(rules_engine(), scenario.rules).held()
    memory.close()
