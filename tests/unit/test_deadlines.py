"""Deadlines in conditions (``within: {days: 60, of: 2020-12-02}``): an ultimatum that only
relief in time satisfies.  Its effect on a verdict now, as of a past date, on the timeline
and in a what-if (late relief does not count, and the deadline is then missed), and each
malformed form refused with file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.facts import parse_inputs
from engine.sessions import BASELINE
from ripeness.bootstrap import load_scenario, open_sessions
from tests.conftest import NOW
from tests.unit.small import at, condition_problems, sessions_fixture

RULES = """\
scenario: {id: ultimatum, title: Relief within 60 days or no access}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: access, actor: A, type: enum, values: [none, full]}
  - {id: sanctions, actor: B, type: enum, values: [in_force, lifted]}
conditions:
  - id: relief_in_time
    holds_when: {subject: B.sanctions, eq: lifted, within: {days: 60, of: 2020-12-02}}
  - id: relief_missed
    holds_when: {not: {condition: relief_in_time}}
moves:
  - id: grant_access
    actor: A
    done_when: {subject: A.access, eq: full}
  - id: lift
    actor: B
    done_when: {subject: B.sanctions, eq: lifted}
positions:
  - id: a_law
    actor: A
    withholds: A.grant_access
    until: {condition: relief_in_time}
    quote: "Access only if sanctions are lifted within two months."
    source: Alpha's parliament, law of 2 December 2020
offers:
  - id: a_access_after_relief
    actor: A
    offers: A.grant_access
    quote: "Access once sanctions are lifted in time."
    source: Alpha statement
  - id: b_lift
    actor: B
    offers: B.lift
    quote: "We will lift sanctions."
    source: Beta statement
goals:
  - id: access_restored
    done_when: {subject: A.access, eq: full}
    needs: [A.grant_access]
"""
FACTS = [
    {"at": "2020-12-02", "actor": "A", "subject": "access", "value": "none", "source": "inspectors"},
    {"at": "2020-12-02", "actor": "B", "subject": "sanctions", "value": "in_force", "source": "Beta"},
    {"at": "2021-01-20", "actor": "B", "subject": "sanctions", "value": "lifted", "source": "Beta decree"},
]



sessions = sessions_fixture("ultimatum", RULES, FACTS)


def test_relief_in_time_meets_the_ultimatum_now_and_not_before(sessions):
    before = sessions.verdict(BASELINE, at("2021-01-15"))
    assert before.status == "deadlock"
    [refusal] = before.refusals  # no move is taken to land in time: a dead end until a fact meets it
    [unmet] = refusal.unmet
    assert unmet.test == "B.sanctions = lifted within 60 days of 2020-12-02"
    assert (unmet.fact.value, unmet.gap) == ("in_force", None)
    now = sessions.verdict(BASELINE)  # relieved on 2021-01-20, in time: the law no longer withholds access
    assert now.status == "opening" and not now.refusals
    assert sessions.verdict(BASELINE, at("2021-01-25")).status == "opening"


def test_the_timeline_changes_with_relief_in_time(sessions):
    entries = [(e.at.date().isoformat(), e.status) for e in sessions.timeline(BASELINE)]
    assert entries == [("2020-12-02", "deadlock"), ("2021-01-20", "opening")]


def test_late_relief_in_a_whatif_does_not_count_and_the_deadline_is_missed(sessions):
    sessions.fork("late", as_of=at("2021-01-15"))
    sessions.record("late", [("body", {"at": "2021-02-10", "actor": "B", "subject": "sanctions", "value": "lifted",
                                       "source": "what if"})])
    verdict = sessions.verdict("late", at("2021-02-15"))
    assert verdict.status == "deadlock"
    assert verdict.refusals[0].unmet[0].fact.at.date() == dt.date(2021, 2, 10)
    entries = sessions.timeline("late")
    assert [(e.at.date().isoformat(), e.status) for e in entries] == [("2020-12-02", "deadlock"), ("2021-02-01", "deadlock")]
    assert entries[1].changes == ["deadline passed: position a_law waits for B.sanctions = lifted within 60 days of 2020-12-02"]
    assert not entries[1].causes  # the deadline itself is the change: no fact is dated then


def test_a_deadline_passing_is_an_entry_even_when_no_claim_changes(tmp_path):
    """Without the named ``relief_missed`` no claim changes on the day after the deadline:
    the entry comes from the deadline passing alone."""
    rules = RULES.replace("  - id: relief_missed\n    holds_when: {not: {condition: relief_in_time}}\n", "")
    assert "relief_missed" not in rules
    opened = _opened(tmp_path, rules)
    try:
        entries = opened.timeline(BASELINE)
        assert [(e.at.date().isoformat(), e.changes) for e in entries[1:]] == [
            ("2021-02-01", ["deadline passed: position a_law waits for B.sanctions = lifted within 60 days of 2020-12-02"])]
    finally:
        opened.close()


def test_the_verdict_names_a_pending_deadline_of_a_condition(sessions):
    [deadline] = sessions.verdict(BASELINE, at("2021-01-15")).deadlines
    assert (deadline.kind, deadline.id, deadline.on, deadline.days_left) == ("condition", "a_law", dt.date(2021, 1, 31), 16)
    assert deadline.what == "position a_law waits for B.sanctions = lifted within 60 days of 2020-12-02"
    assert deadline.then == "missed from 2021-02-01: not met in time"
    assert not sessions.verdict(BASELINE, at("2021-01-25")).deadlines  # met in time: nothing pending


def test_missed_holds_only_once_the_deadline_has_passed(tmp_path):
    folder = tmp_path / "u"
    folder.mkdir()
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    scenario = load_scenario(folder)
    session = scenario.new_session("t", NOW)
    try:
        session.record(parse_inputs([(f"fact[{i}]", f) for i, f in enumerate(FACTS[:2])], session.rulebook))
        held = {day: session.analyst.situation(session.frame(at(day))).holds("condition:relief_missed")
                for day in ("2021-01-31", "2021-02-01")}
        assert held == {"2021-01-31": False, "2021-02-01": True}  # the deadline, 2021-01-31, is the last day in time
        assert at("2021-02-01") in session.change_times()  # a moment of its own, with no fact dated then
    finally:
        session.close()


def problems(tmp_path: Path, condition: str) -> list:
    return condition_problems(tmp_path, condition)


@pytest.mark.parametrize(("condition", "field", "message"), [
    ("{subject: mood, eq: calm, within: {days: 0, of: 2020-12-02}}", "conditions.0.holds_when.within.days", "greater than 0"),
    ("{subject: mood, eq: calm, within: {days: 60}}", "conditions.0.holds_when.within.of", "missing"),
    ("{subject: mood, eq: calm, within: {days: 60, of: soon}}", "conditions.0.holds_when.within.of", "date"),
    ("{subject: mood, eq: calm, within: {dyas: 60, of: 2020-12-02}}", "conditions.0.holds_when.within.dyas", "did you mean 'days'?"),
    ("{subject: mood, eq: clam, within: {days: 60, of: 2020-12-02}}", "conditions.0.holds_when.eq", "'clam' is not an allowed value"),
    ("{subject: stock, le: {subject: cap}, within: {days: 6, of: 2020-12-02}}", "conditions.0.holds_when.within",
     "'within' takes a comparison with a value"),
    ("{subject: stock, change: {le: 0}, within: {days: 6, of: 2020-12-02}}", "conditions.0.holds_when.within",
     "'within' takes a comparison with a value"),
    ("{subject: mood, within: {days: 6, of: 2020-12-02}}", "conditions.0.holds_when", "got none"),
])
def test_a_malformed_deadline_is_located(tmp_path, condition, field, message):
    found = problems(tmp_path, condition)
    [problem] = [p for p in found if p.field == field]
    assert problem.where.endswith("rules.yaml:7"), problem
    assert message in problem.message, problem.message


def _opened(tmp_path, rules: str):
    """Sessions over ``rules`` with the ultimatum's first two facts (no relief yet); the
    caller closes them."""
    folder = tmp_path / "variant"
    folder.mkdir()
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    opened = open_sessions(load_scenario(folder), f"sqlite:///{tmp_path / 'log.db'}", NOW)
    opened.record(BASELINE, [(f"fact[{i}]", f) for i, f in enumerate(FACTS[:2])])
    return opened


def _ultimatum(tmp_path, condition: str):
    """The ultimatum's sessions with the law's condition replaced (a list value, an ``any``)."""
    rules = RULES.replace("values: [in_force, lifted]", "values: [in_force, eased, lifted]")
    return _opened(tmp_path, rules.replace("holds_when: {subject: B.sanctions, eq: lifted, within: {days: 60, of: 2020-12-02}}",
                                           f"holds_when: {condition}"))


def test_a_deadline_on_a_list_of_values_is_named_and_passes(tmp_path):
    opened = _ultimatum(tmp_path, "{subject: B.sanctions, in: [eased, lifted], within: {days: 60, of: 2020-12-02}}")
    try:
        [deadline] = opened.verdict(BASELINE, at("2021-01-15")).deadlines
        assert deadline.what == "position a_law waits for B.sanctions in [eased, lifted] within 60 days of 2020-12-02"
        entries = opened.timeline(BASELINE)
        assert [(e.at.date().isoformat(), e.changes) for e in entries[1:]] == [
            ("2021-02-01", ["deadline passed: position a_law waits for B.sanctions in [eased, lifted] within 60 days of 2020-12-02"])]
    finally:
        opened.close()


def test_a_deadline_on_one_alternative_is_moot_once_another_holds(tmp_path):
    # access only if sanctions are lifted in time, or eased (at any time): eased on 2021-01-10
    opened = _ultimatum(tmp_path, "{any: [{subject: B.sanctions, eq: lifted, within: {days: 60, of: 2020-12-02}}, "
                                  "{subject: B.sanctions, eq: eased}]}")
    try:
        pending = opened.verdict(BASELINE, at("2021-01-05")).deadlines
        assert [d.what for d in pending] == ["position a_law waits for B.sanctions = lifted within 60 days of 2020-12-02"]
        opened.record(BASELINE, [("eased", {"at": "2021-01-10", "actor": "B", "subject": "sanctions", "value": "eased", "source": "Beta"})])
        assert not opened.verdict(BASELINE, at("2021-01-15")).deadlines  # the law's condition holds: nothing waits
        assert not any("deadline passed" in line for e in opened.timeline(BASELINE) for line in e.changes)
    finally:
        opened.close()
