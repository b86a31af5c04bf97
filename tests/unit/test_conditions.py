"""The two evaluators of conditions agree: the rules durable-rules runs (``engine.compiler``
through ``engine.rete``) and the explaining evaluator (``engine.conditions``).

For generated subjects of every type, generated named conditions (every operator, ``all``,
``any`` and ``not`` nested, references to other named conditions) and generated facts,
each ``condition:<id>`` claim holds in a real working memory exactly when ``expr_holds``
says its expanded expression holds over the same values.  One ruleset is compiled per
example and reused for several sets of facts (the working memory moved between them).
Every operator is also run over every pair of edge values, and the values a comparison
admits (``engine.values``) are held to the same table.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.analyst import clock
from engine.compiler import compile_rulebook
from engine.conditions import OPERATORS, PREVIOUS, compare_holds, day_key, day_number, expr_holds, previous_key
from engine.errors import FactError, RuleFileError
from engine.facts import Fact, parse_inputs
from engine.rulebook import load_rulebook
from engine.rulebook.models import COMPARISON_OPERATORS, TODAY, Compare, Subject
from engine.trends import trended
from engine.values import admitted
from engine.working_memory import WorkingMemory
from ripeness.bootstrap import rules_engine

ENUM = ["a", "b", "in force", "ça", 'say "no"']
TEXTS = ["", "a", "A", "é", 'x"y', "back\\slash", "two\nlines", "1", "true", "x" * 2000, "x" * 1999 + "y", "y" + "x" * 1999, "\u2028", "\t", "\\u0041", "A\u0301", "\u00c1"]
SUBJECTS = {"num": {"type": "number"}, "pct": {"type": "number", "min": 0, "max": 100},
            "mode": {"type": "enum", "values": ENUM}, "flag": {"type": "bool"}, "words": {"type": "text"},
            "num2": {"type": "number"}, "mode2": {"type": "enum", "values": ENUM}, "flag2": {"type": "bool"},
            "words2": {"type": "text"}}
# the subjects each one may be compared with (same type, same unit)
FACT_DAY = dt.date(2021, 1, 1)  # every generated fact's date
DAYS = [FACT_DAY + dt.timedelta(days=d) for d in range(-8, 9)]  # deadlines and days asked around it
PARTNERS = {s: [o for o in SUBJECTS if o != s and SUBJECTS[o]["type"] == kind["type"]] for s, kind in SUBJECTS.items()}
# numbers where two evaluators could part: exponents, -0.0, the last exact whole numbers of a
# double and floats beyond them (whole numbers beyond 2**53 are refused: see below)
EDGES = [0, -0.0, 1, 1.0, 0.1, 1e-05, 3.67, 3.6700000000000004, 2**53, -2**53, 2**53 - 1, float(2**53), 2.0**63, 1.5e19,
         1e300, -1e300, 5e-324, 123456789.123456789]
NUMBERS = st.one_of(st.integers(-5, 5), st.sampled_from(EDGES), st.floats(-10, 10, allow_nan=False, allow_infinity=False))


def values_of(subject: str) -> st.SearchStrategy[Any]:
    kind = SUBJECTS[subject]
    if subject.endswith("2"):  # a second subject of a type: the first one's values
        return values_of(subject[:-1])
    if subject == "pct":
        return st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False), st.sampled_from([0, 3.67, 100.0]))
    if kind["type"] == "number":
        return NUMBERS
    if kind["type"] == "enum":
        return st.sampled_from(ENUM)
    if kind["type"] == "bool":
        return st.booleans()
    return st.one_of(st.sampled_from(TEXTS), st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=4))


@st.composite
def comparisons(draw, joined: bool = True) -> dict[str, Any]:
    """A comparison with a value, or (``joined``) sometimes with another subject."""
    subject = draw(st.sampled_from(sorted(SUBJECTS)))
    ordered = SUBJECTS[subject]["type"] == "number"
    op = draw(st.sampled_from([op for op in COMPARISON_OPERATORS if op != "change" and (ordered or op not in ("lt", "le", "gt", "ge"))]))
    if joined and op not in ("in", "not_in") and draw(st.integers(0, 2)) == 0:
        return {"subject": subject, op: {"subject": draw(st.sampled_from(PARTNERS[subject]))}}
    if joined and draw(st.integers(0, 4)) == 0:  # a deadline: the facts are dated 2021-01-01, the day asked varies
        compare = draw(comparisons(joined=False))
        if "change" not in compare:
            return {**compare, "within": {"days": draw(st.integers(1, 5)), "of": draw(st.sampled_from(DAYS)).isoformat()}}
    if joined and ordered and draw(st.integers(0, 3)) == 0:  # a trend: since the previous fact
        change = draw(st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]))
        return {"subject": subject, "change": {change: draw(st.one_of(st.integers(-5, 5), st.sampled_from(EDGES)))}}
    values = values_of(subject)
    operand = draw(st.lists(values, min_size=1, max_size=3)) if op in ("in", "not_in") else draw(values)
    return {"subject": subject, op: operand}


def expressions(refs: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    leaves = comparisons() if not refs else st.one_of(comparisons(), comparisons(), st.sampled_from(refs).map(lambda r: {"condition": r}))
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"all": parts}),
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"any": parts}),
        inner.map(lambda part: {"not": part})), max_leaves=5)


@st.composite
def conditions(draw) -> list[dict[str, Any]]:
    """Named conditions ``c0``, ``c1``...; each may refer to the ones before it."""
    found: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 5))):
        found.append({"id": f"c{i}", "holds_when": draw(expressions([c["id"] for c in found]))})
    return found


def fact_sets() -> st.SearchStrategy[list[dict[str, Any]]]:
    """Values of some subjects (absent: no fact, unknown), and of some number subjects the
    value of the fact before (``previous_key``; absent: none before)."""
    before = {previous_key(s): values_of(s) for s, kind in SUBJECTS.items() if kind["type"] == "number"}
    today = {TODAY: st.sampled_from(DAYS).map(day_number)}
    return st.lists(st.fixed_dictionaries({}, optional={**{s: values_of(s) for s in SUBJECTS}, **before, **today}), min_size=1, max_size=4)


def read_as(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as the explaining evaluator reads them: each fact's day (they are all dated
    2021-01-01, see ``engine_facts``) besides its value."""
    return {**values, **{day_key(s): day_number(FACT_DAY) for s in values if s in SUBJECTS}}


class _NoAliases(yaml.SafeDumper):
    """Every value written out, even one shared by two subjects (rule files refuse aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def rulebook_of(folder: Path, named: list[dict[str, Any]]):
    (folder / "scenario.yaml").write_text(yaml.dump({
        "scenario": {"id": "generated", "title": "Generated conditions"},
        "subjects": [{"id": key, **kind} for key, kind in SUBJECTS.items()],
        "conditions": named}, Dumper=_NoAliases, allow_unicode=True), encoding="utf-8")
    return load_rulebook(folder)


def engine_facts(rulebook, values: dict[str, Any]) -> list[Fact]:
    """The values as facts, validated as an analyst's input is."""
    at = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
    plain = [(s, v) for s, v in values.items() if PREVIOUS not in s and s != TODAY]
    resolved = parse_inputs([(f"[{i}]", {"at": "2021-01-01", "subject": s, "value": v}) for i, (s, v) in enumerate(plain)], rulebook)
    facts = [Fact(id=f"{r.subject}={r.input.value!r}", seq=i, at=at, subject=r.subject, kind="state", value=r.input.value)
             for i, r in enumerate(resolved)]

    def before(fact: Fact) -> Fact | None:
        key = previous_key(fact.subject)
        return Fact(id=f"{fact.subject}~{values[key]!r}", seq=-1, at=at, subject=fact.subject, kind="state",
                    value=values[key]) if key in values else None

    today = [clock(dt.date.fromordinal(int(values[TODAY])))] if TODAY in values else []  # the day asked
    return [*(trended(f, before) for f in facts), *today]  # as the analyst gives them: with the value each superseded


def test_every_operator_of_the_rule_format_is_in_the_one_table():
    assert set(OPERATORS) == set(COMPARISON_OPERATORS)
    for name, op in OPERATORS.items():
        assert OPERATORS[op.negation].negation == name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(named=conditions(), sets=fact_sets())
def test_the_rules_engine_and_the_explaining_evaluator_agree_on_every_condition(named, sets):
    with tempfile.TemporaryDirectory(prefix="ripeness-conditions-") as folder:
        rulebook = rulebook_of(Path(folder), named)
    try:
        rules = compile_rulebook(rulebook)
    except ValueError as exc:  # more alternatives than a condition may have once expanded
        assume("too complex" not in str(exc))
        raise
    memory = WorkingMemory(rules_engine(), rules)
    try:
        for values in sets:
            memory.sync(engine_facts(rulebook, values))
            for cid, condition in rulebook.conditions.items():
                explained = expr_holds(rulebook.expand(condition.holds_when), read_as(values))
                assert memory.holds(f"condition:{cid}") == explained, (cid, condition.holds_when, values)
    finally:
        memory.close()


@pytest.mark.parametrize("first", ["trend", "deadline", "in", "not_in"])
def test_a_comparison_with_another_subject_holds_whatever_is_written_before_it(tmp_path, first):
    """A comparison of two subjects decides, whatever else the rule tests on either subject (a
    durable-rules join written after a nested test, a trend, a deadline or a list, in the
    same pattern was skipped; found by the property test above)."""
    before = {"trend": {"subject": "pct", "change": {"gt": -5}},
              "deadline": {"subject": "pct", "eq": 0, "within": {"days": 3, "of": "2021-01-01"}},
              "in": {"subject": "pct", "in": [0, 1]}, "not_in": {"subject": "pct", "not_in": [7, 8]}}[first]
    rulebook = rulebook_of(tmp_path, [{"id": "c", "holds_when": {"all": [before, {"subject": "num", "eq": {"subject": "pct"}}]}}])
    memory = WorkingMemory(rules_engine(), compile_rulebook(rulebook))
    try:
        for num in (0, 5):
            values = {"num": num, "pct": 0, "pct@previous": 0}
            memory.sync(engine_facts(rulebook, values))
            assert memory.holds("condition:c") == (num == 0) == expr_holds(rulebook.expand(rulebook.conditions["c"].holds_when), read_as(values))
    finally:
        memory.close()


def test_the_evaluators_agree_on_every_operator_over_edge_values():
    """Every operator with every pair of edge values of each type, in one ruleset: the
    property above rarely draws the pairs that matter (a whole number against the float
    next to it)."""
    pools = {"num": EDGES, "words": TEXTS, "flag": [True, False], "mode": ENUM}
    named: list[dict[str, Any]] = []
    for subject, pool in pools.items():
        ops = ["eq", "ne", "lt", "le", "gt", "ge"] if subject == "num" else ["eq", "ne"]
        named += [{"id": f"c{len(named) + i}", "holds_when": {"subject": subject, op: operand}}
                  for i, (op, operand) in enumerate((op, operand) for op in ops for operand in pool)]
        named += [{"id": f"c{len(named) + i}", "holds_when": {"subject": subject, op: [a, b]}}
                  for i, (op, (a, b)) in enumerate((op, pair) for op in ("in", "not_in") for pair in zip(pool, pool[1:]))]
    with tempfile.TemporaryDirectory(prefix="ripeness-conditions-") as folder:
        rulebook = rulebook_of(Path(folder), named)
    memory = WorkingMemory(rules_engine(), compile_rulebook(rulebook))
    try:
        for subject, pool in pools.items():
            for value in pool:
                memory.sync(engine_facts(rulebook, {subject: value}))
                disagree = [c.holds_when for cid, c in rulebook.conditions.items()
                            if memory.holds(f"condition:{cid}") != expr_holds(rulebook.expand(c.holds_when), {subject: value})]
                assert not disagree, (subject, value, disagree)
    finally:
        memory.close()


def test_the_evaluators_agree_on_a_change_since_the_previous_fact_over_edge_values():
    """Each operator of a trend, by a few amounts, on every pair of edge values (now, before):
    ``value OP prev + N`` in the rules engine, the same sum in doubles in Python."""
    amounts = [0, 1, -1, 0.1, 2**53, -1e300]
    named = [{"id": f"c{i}", "holds_when": {"subject": "num", "change": {op: n}}}
             for i, (op, n) in enumerate((op, n) for op in ("eq", "ne", "lt", "le", "gt", "ge") for n in amounts)]
    named += [{"id": f"n{i}", "holds_when": {"not": c["holds_when"]}} for i, c in enumerate(named)]
    with tempfile.TemporaryDirectory(prefix="ripeness-conditions-") as folder:
        rulebook = rulebook_of(Path(folder), named)
    memory = WorkingMemory(rules_engine(), compile_rulebook(rulebook))
    try:
        for now in EDGES:
            for then in [*EDGES, None]:  # None: no fact before, the trend unknown
                values = {"num": now} if then is None else {"num": now, previous_key("num"): then}
                memory.sync(engine_facts(rulebook, values))
                disagree = [c.holds_when for cid, c in rulebook.conditions.items()
                            if memory.holds(f"condition:{cid}") != expr_holds(rulebook.expand(c.holds_when), values)]
                assert not disagree, (values, disagree)
                if then is None:
                    assert not any(memory.holds(f"condition:{cid}") for cid in rulebook.conditions)
    finally:
        memory.close()


def test_the_evaluators_agree_on_two_subjects_compared_over_edge_values():
    """Each operator that takes a subject, on every pair of edge values of each type (the
    rule matches both subjects' facts, and the pair is tested when the match is reported)."""
    pools = {("num", "num2"): EDGES, ("words", "words2"): TEXTS[:8], ("flag", "flag2"): [True, False], ("mode", "mode2"): ENUM,
             ("num2", "pct"): [0, 1, 3.67, 100.0]}
    named = [{"id": f"c{i}", "holds_when": {"subject": a, op: {"subject": b}}}
             for i, ((a, b), op) in enumerate((pair, op) for pair in pools for op in ("eq", "ne", "lt", "le", "gt", "ge")
                                              if op in ("eq", "ne") or SUBJECTS[pair[0]]["type"] == "number")]
    named += [{"id": f"n{i}", "holds_when": {"not": c["holds_when"]}} for i, c in enumerate(named)]
    with tempfile.TemporaryDirectory(prefix="ripeness-conditions-") as folder:
        rulebook = rulebook_of(Path(folder), named)
    memory = WorkingMemory(rules_engine(), compile_rulebook(rulebook))
    try:
        for (a, b), pool in pools.items():
            for left in pool:
                for right in pool:
                    values = {a: left, b: right}
                    memory.sync(engine_facts(rulebook, values))
                    disagree = [c.holds_when for cid, c in rulebook.conditions.items()
                                if memory.holds(f"condition:{cid}") != expr_holds(rulebook.expand(c.holds_when), values)]
                    assert not disagree, (values, disagree)
            memory.sync(engine_facts(rulebook, {a: pool[0]}))  # the other subject unknown: unmet, negated or not
            assert not any(memory.holds(f"condition:{cid}") for cid, c in rulebook.conditions.items()
                           if b in rulebook.subjects_of(c.holds_when))
    finally:
        memory.close()


@pytest.mark.parametrize("number", [2**53 + 1, -2**53 - 1, 2**63, 10**30])
def test_a_whole_number_beyond_2_to_the_53_is_refused_in_a_fact_and_in_a_rule(number):
    """durable-rules compared 9007199254740993 with 9007199254740992.0 as equal and 2**63 with
    2**63 - 1 as equal (doubles, 64-bit saturation) where Python does not: such a number is
    refused where it comes in, saying where and why."""
    with tempfile.TemporaryDirectory(prefix="ripeness-conditions-") as folder:
        rulebook = rulebook_of(Path(folder), [{"id": "c0", "holds_when": {"subject": "num", "eq": 1}}])
        with pytest.raises(FactError) as refused:
            parse_inputs([("[0]", {"at": "2021-01-01", "subject": "num", "value": number})], rulebook)
        [problem] = refused.value.problems
        assert (problem.where, problem.field) == ("[0]", "value") and "2**53" in problem.message
        assert parse_inputs([("[0]", {"at": "2021-01-01", "subject": "num", "value": float(number)})], rulebook)
        with pytest.raises(RuleFileError) as bad_rule:
            rulebook_of(Path(folder), [{"id": "c0", "holds_when": {"subject": "num", "in": [1, number]}}])
        assert "2**53" in str(bad_rule.value) and "scenario.yaml" in str(bad_rule.value)


@st.composite
def compared_values(draw) -> tuple[dict[str, Any], Any]:
    compare = draw(comparisons(joined=False))
    return compare, draw(values_of(compare["subject"]))


@settings(max_examples=300, deadline=None)
@given(case=compared_values())
def test_the_values_a_comparison_admits_are_those_it_holds_for(case):
    """The third reading of an operator, ``engine.values.admitted`` (which values a move's
    ``done_when`` must guarantee), agrees with the table's too."""
    raw, value = case
    compare = Compare.model_validate(raw)
    subject = Subject(id=raw["subject"], **SUBJECTS[raw["subject"]])
    assert (value in admitted(compare, subject)) == compare_holds(compare, value)


def test_several_comparisons_of_the_same_two_subjects_hold_as_each_says(tmp_path):
    """Several rules comparing the same two subjects (durable-rules crashed the process now
    and then on such joins: they are now tested on the matched pair)."""
    rulebook = rulebook_of(tmp_path, [{"id": op, "holds_when": {"subject": "pct", op: {"subject": "num2"}}}
                                      for op in ("lt", "le", "gt", "ge", "eq", "ne")])
    memory = WorkingMemory(rules_engine(), compile_rulebook(rulebook))
    try:
        for pct, num2 in ((13, -2), (3, 3), (0, 7.5)):
            memory.sync(engine_facts(rulebook, {"pct": pct, "num2": num2}))
            held = {cid for cid in rulebook.conditions if memory.holds(f"condition:{cid}")}
            assert held == {op for op in rulebook.conditions if OPERATORS[op].holds(pct, num2)}, (pct, num2)
    finally:
        memory.close()
