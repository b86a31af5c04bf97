"""Compiling large rulebooks around durable-rules' limits (see engine/compiler.py): more
subjects than one of its nodes can hold children, more rules than one ruleset can hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from engine.compiler import FANOUT, compile_rulebook, route, routing_levels
from engine.facts import parse_inputs
from engine.live_session import Session
from engine.rulebook import load_rulebook
from ripeness.bootstrap import rules_engine
from tests.conftest import NOW

SUBJECTS = 600  # durable-rules hangs registering the 512th child of one node


def write_wide_scenario(folder: Path, subjects: int) -> Path:
    """One actor, one flag and one move per subject, a goal needing the last move, and a
    position withholding it until the first flag is set."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "scenario.yaml": {"scenario": {"id": "wide", "title": "Many subjects"}, "actors": [{"id": "X", "name": "X"}]},
        "subjects.yaml": {"subjects": [{"id": f"s{i}", "actor": "X", "type": "bool"} for i in range(subjects)]},
        "moves.yaml": {
            "moves": [{"id": f"m{i}", "actor": "X", "done_when": {"subject": f"X.s{i}", "eq": True}} for i in range(subjects)],
            "goals": [{"id": "last", "done_when": {"subject": f"X.s{subjects - 1}", "eq": True}, "needs": [f"X.m{subjects - 1}"]}],
        },
        "positions.yaml": {"positions": [{
            "id": "wait_for_first", "actor": "X", "withholds": f"X.m{subjects - 1}", "until": {"subject": "X.s0", "eq": True},
            "quote": "Not before the first.", "said_by": "X", "said_on": "2020-01-01", "source": "test"}]},
    }
    for name, content in files.items():
        (folder / name).write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    return load_rulebook(write_wide_scenario(tmp_path_factory.mktemp("wide"), SUBJECTS))


def flags(rulebook, values: dict[int, bool]):
    return parse_inputs([(f"f{i}", {"at": "2021-01-01", "subject": f"X.s{i}", "value": v}) for i, v in values.items()], rulebook)


@pytest.mark.parametrize("max_rules", [10_000, 150], ids=["one ruleset", "split in parts"])
def test_a_rulebook_reading_more_subjects_than_a_node_holds_registers_and_matches(wide, max_rules):
    rules = compile_rulebook(wide, max_rules=max_rules)
    assert len(rules.rulesets) == (1 if max_rules > len(rules.rules) else -(-len(rules.rules) // max_rules))
    assert all(len(part.rules) <= max_rules for part in rules.rulesets)
    session = Session("wide", wide, rules, rules_engine(), NOW)
    session.record(flags(wide, {i: i % 7 == 0 for i in range(SUBJECTS)}))
    verdict = session.verdict(dt.date(2021, 2, 1))
    assert verdict.moves_done == sorted(f"X.m{i}" for i in range(SUBJECTS) if i % 7 == 0)
    assert verdict.status == "opening"  # the first flag is set: the last move is no longer withheld
    session.record(flags(wide, {0: False, SUBJECTS - 1: True}))
    verdict = session.verdict(dt.date(2021, 2, 1))
    assert "X.m0" not in verdict.moves_done and f"X.m{SUBJECTS - 1}" in verdict.moves_done
    assert verdict.status == "progress"
    session.close()


def test_routing_leaves_every_node_a_bounded_number_of_children(wide):
    rules = compile_rulebook(wide)
    assert rules.routing == routing_levels(SUBJECTS) == 2
    children: dict[tuple, set] = {}
    for rule in rules.rules.values():
        for pattern in rule["all"]:
            tests = next(iter(pattern.values()))["$and"]
            path = tuple(next(iter(t.items())) for t in tests if next(iter(t)) in ("t", "subject") or next(iter(t)).startswith("r"))
            for depth in range(1, len(path)):
                children.setdefault(path[:depth], set()).add(path[depth])
    assert max(len(c) for c in children.values()) <= FANOUT * 2  # a hash spreads subjects evenly enough
    assert all(route(f"X.s{i}", 2) == route(f"X.s{i}", 2) and set(route(f"X.s{i}", 2).values()) <= set(range(FANOUT))
               for i in range(SUBJECTS))


def test_a_small_rulebook_is_compiled_as_before(jcpoa):
    assert jcpoa.rules.routing == 0 and jcpoa.rules.rulesets == (jcpoa.rules,)
