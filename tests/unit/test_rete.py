"""The rules-engine port, held to its docstring's promises on the real durable-rules."""

from __future__ import annotations

import threading

import pytest

from engine.compiler import CompiledRules
from engine.errors import EngineFault
from engine.rete import DurableRules, Firing, distinct_sids, fnv1a_32

RULES = CompiledRules(
    name="contract",
    rules={
        "low#0": {"all": [{"p0": {"$and": [{"t": "s"}, {"subject": "x"}, {"$lte": {"value": 10}}]}}]},
        "pair#0": {"all": [{"p0": {"$and": [{"t": "s"}, {"subject": "x"}, {"$lte": {"value": 10}}]}},
                           {"p1": {"$and": [{"t": "s"}, {"subject": "y"}, {"value": "on"}]}}]},
    },
    claims={"low#0": "low", "pair#0": "pair"},
)


def state(fid: str, subject: str, value) -> dict:
    return {"id": fid, "t": "s", "subject": subject, "value": value}


@pytest.fixture(scope="module")
def port() -> DurableRules:
    return DurableRules(sessions_per_ruleset=50)


def test_a_match_is_reported_once_with_the_callers_ids(port):
    slot = port.open(RULES)
    assert port.apply(slot, [], [state("a", "x", 3)]) == [Firing("low#0", frozenset({"a"}))]
    assert port.apply(slot, [], [state("b", "y", "on")]) == [Firing("pair#0", frozenset({"a", "b"}))]
    assert port.apply(slot, [], [state("c", "y", "off")]) == []
    port.close(slot)


def test_a_retracted_fact_takes_part_in_no_later_match(port):
    slot = port.open(RULES)
    port.apply(slot, [], [state("a", "x", 3)])
    port.apply(slot, [state("a", "x", 3)], [])
    assert port.apply(slot, [], [state("b", "y", "on")]) == []
    port.close(slot)


def test_a_fact_no_rule_reads_is_accepted_and_retracting_it_is_harmless(port):
    slot = port.open(RULES)
    assert port.apply(slot, [], [state("z", "unrelated", 1), state("big", "x", 99)]) == []
    assert port.apply(slot, [state("z", "unrelated", 1), state("big", "x", 99)], []) == []
    port.close(slot)


def test_slots_never_see_each_others_facts(port):
    one, two = port.open(RULES), port.open(RULES)
    port.apply(one, [], [state("a", "x", 1)])
    assert port.apply(two, [], [state("b", "y", "on")]) == []
    port.close(one)
    port.close(two)


def test_ids_with_colliding_hashes_are_both_kept(port):
    # durable-rules identifies facts by a 32-bit FNV-1a hash of the id (its issue #376);
    # these two ids collide, and the adapter must not lose the second fact
    assert fnv1a_32("f6059") == fnv1a_32("f264602")
    slot = port.open(RULES)
    assert port.apply(slot, [], [state("f6059", "x", 1)]) == [Firing("low#0", frozenset({"f6059"}))]
    assert port.apply(slot, [], [state("f264602", "x", 2)]) == [Firing("low#0", frozenset({"f264602"}))]
    assert port.apply(slot, [state("f264602", "x", 2)], [state("y1", "y", "on")]) == [
        Firing("pair#0", frozenset({"f6059", "y1"}))]
    port.close(slot)


def test_a_live_id_asserted_twice_is_misuse(port):
    slot = port.open(RULES)
    port.apply(slot, [], [state("a", "x", 1)])
    with pytest.raises(EngineFault, match="already live"):
        port.apply(slot, [], [state("a", "x", 2)])
    port.close(slot)


def test_more_slots_than_one_ruleset_holds_and_closing_them_never_crashes():
    port = DurableRules(sessions_per_ruleset=1000)
    slots = [port.open(RULES) for _ in range(2_000)]
    assert len({s.ruleset for s in slots}) == 2
    for i, slot in enumerate(slots):
        assert port.apply(slot, [], [state(f"x{i}", "x", i % 20)]) == ([Firing("low#0", frozenset({f"x{i}"}))] if i % 20 <= 10 else [])
    for slot in slots[::2]:
        port.close(slot)
    reopened = [port.open(RULES) for _ in range(1_000)]
    assert {s.ruleset for s in reopened} <= {s.ruleset for s in slots}
    for slot in reopened:  # a reused slot starts empty
        assert port.apply(slot, [], [state("y", "y", "on")]) == []
    assert port.open_slots == 2_000


def test_every_fact_of_a_long_stream_is_accepted(port):
    slot = port.open(RULES)
    fired = 0
    previous = None
    for i in range(20_000):
        fact = state(f"f{i}", "x", i % 12)
        fired += len(port.apply(slot, [previous] if previous else [], [fact]))
        previous = fact
    assert fired == sum(1 for i in range(20_000) if i % 12 <= 10)
    port.close(slot)


def test_calls_from_many_threads_go_through_one_owner(port):
    slots = [port.open(RULES) for _ in range(4)]
    results: dict[int, int] = {}

    def work(n: int) -> None:
        count = 0
        for i in range(300):
            count += len(port.apply(slots[n], [state(f"{n}-{i - 1}", "x", 1)] if i else [], [state(f"{n}-{i}", "x", 1)]))
        results[n] = count

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: 300 for n in range(4)}
    for slot in slots:
        port.close(slot)


def test_sids_are_distinct_under_the_engines_hash():
    sids = distinct_sids(1000)
    assert len({fnv1a_32(s) for s in sids}) == 1000


def test_every_match_one_assertion_completes_is_reported(port):
    # the matches of one call are started and completed one after another (``_Engine``)
    slot = port.open(RULES)
    port.apply(slot, [], [state("b", "y", "on")])
    assert sorted(port.apply(slot, [], [state("a", "x", 3)]), key=lambda f: f.rule) == [
        Firing("low#0", frozenset({"a"})), Firing("pair#0", frozenset({"a", "b"}))]
    assert port.apply(slot, [state("a", "x", 3)], [state("c", "x", 4)]) in (
        [Firing("low#0", frozenset({"c"})), Firing("pair#0", frozenset({"b", "c"}))],
        [Firing("pair#0", frozenset({"b", "c"})), Firing("low#0", frozenset({"c"}))])
    port.close(slot)


def test_an_action_that_fails_is_raised_not_swallowed(port):
    failing = CompiledRules(name="failing", rules=dict(RULES.rules), claims=dict(RULES.claims),
                            joins={"pair#0": (("p0", "p1", "no such operator"),)})
    slot = port.open(failing)
    port.apply(slot, [], [state("a", "x", 3)])
    with pytest.raises(EngineFault, match="a rule action failed"):
        port.apply(slot, [], [state("b", "y", "on")])
    port.close(slot)
