"""Concessions count stances, not quotes; each goal has its own concession sets."""

from __future__ import annotations

import datetime as dt

from tests.unit.small import NOTHING_GIVEN, TWO_PARTIES, verdict_of

RULES = "scenario: {id: pair, title: Two parties}" + TWO_PARTIES + """  - {id: talks, type: bool}
moves:
  - {id: give, actor: A, done_when: {subject: A.a_x, eq: "yes"}}
  - {id: give, actor: B, done_when: {subject: B.b_y, eq: "yes"}}
  - {id: talk, actor: B, done_when: {subject: talks, eq: true}}
goals:
  - {id: deal, rank: main, done_when: {all: [{subject: A.a_x, eq: "yes"}, {subject: B.b_y, eq: "yes"}]}, needs: [A.give, B.give]}
  - {id: talks_held, rank: interim, done_when: {subject: talks, eq: true}, needs: [B.talk]}
positions:
  - {id: a_waits, actor: A, withholds: A.give, until: {subject: B.b_y, eq: "yes"},
     quote: "Beta first.", source: "Alpha's leader, speech", said_by: Alpha leader, said_on: 2024-01-02}
  - {id: a_waits_again, restates: a_waits, actor: A, withholds: A.give, until: {subject: B.b_y, eq: "yes"},
     quote: "We said it: Beta moves first.", source: "Alpha's minister, interview", said_by: Alpha minister, said_on: 2024-02-01}
  - {id: b_waits, actor: B, withholds: B.give, until: {subject: A.a_x, eq: "yes"},
     quote: "Alpha first.", source: "Beta's leader, speech", said_by: Beta leader, said_on: 2024-01-03}
  - {id: b_no_talks, actor: B, withholds: B.talk, until: {subject: A.a_x, eq: "yes"},
     quote: "No talks before Alpha moves.", source: "Beta's envoy", said_on: 2024-01-04}
"""

FACTS = [*NOTHING_GIVEN, {"at": "2024-01-01", "subject": "talks", "value": False, "source": "s"}]


def verdict(tmp_path, rules: str = RULES, as_of=dt.date(2024, 3, 1)):
    return verdict_of(tmp_path, rules, FACTS, as_of)


def test_a_restated_stance_is_one_concession_with_every_quote(tmp_path):
    result = verdict(tmp_path)
    assert result.status == "deadlock"
    assert result.concessions.size == 1
    assert sorted(map(tuple, result.concessions.sets)) == [("a_waits",), ("b_waits",)]
    stance = next(s for s in result.concessions.stances if s.key == "a_waits")
    assert (stance.actor, stance.move, stance.kind) == ("A", "A.give", "position")
    assert [p.id for p in stance.statements] == ["a_waits", "a_waits_again"]
    assert any("said 2 times" in line and "We said it" in line for line in result.summary)


def test_without_restates_the_two_quotes_are_two_stances(tmp_path):
    result = verdict(tmp_path, RULES.replace("restates: a_waits, ", ""))
    # Alpha said it twice, so giving it up looks twice as costly: only Beta's concession is "smallest"
    assert result.concessions.sets == [["b_waits"]]


def test_a_restatement_not_yet_said_is_not_cited(tmp_path):
    rules = RULES.replace("said_on: 2024-02-01}", "said_on: 2024-02-01, in_force: {from: 2024-02-01}}")
    before = verdict(tmp_path, rules, as_of=dt.date(2024, 1, 15))
    assert [p.id for p in next(s for s in before.concessions.stances if s.key == "a_waits").statements] == ["a_waits"]


def test_each_goal_has_its_own_concessions(tmp_path):
    result = verdict(tmp_path)
    goals = {g.id: g for g in result.goals}
    assert goals["deal"].concessions == result.concessions  # the main goal's are the headline's
    talks = goals["talks_held"].concessions
    assert talks is not None and talks.size == 1
    assert ["b_no_talks"] in talks.sets  # giving up the ban on talks opens talks, not the deal
    assert ["b_no_talks"] not in result.concessions.sets
    assert {s.key for s in talks.stances} == {k for s in talks.sets for k in s}


def test_a_goal_in_reach_needs_no_concession(tmp_path):
    rules = RULES.replace('until: {subject: A.a_x, eq: "yes"},\n     quote: "No talks', 'until: {subject: B.b_y, eq: "no"},\n     quote: "No talks')
    result = verdict(tmp_path, rules)
    goals = {g.id: g for g in result.goals}
    assert goals["talks_held"].status == "opening"
    assert goals["talks_held"].concessions.sets == [] and goals["talks_held"].concessions.note == "no concession is needed"


def test_a_verdict_searches_the_own_sets_of_twenty_goals_at_most_and_says_so(tmp_path):
    n = 22
    rules = ["scenario: {id: many, title: Many goals}", "actors:", "  - {id: A, name: Alpha}", "subjects:"]
    rules += [f"  - {{id: s{i}, actor: A, type: bool}}" for i in range(n)]
    rules += ["moves:"] + [f"  - {{id: m{i}, actor: A, done_when: {{subject: A.s{i}, eq: true}}}}" for i in range(n)]
    rules += ["goals:"] + [f"  - {{id: g{i:02d}, rank: {'main' if i == 0 else 'interim'}, done_when: {{subject: A.s{i}, eq: true}},"
                           f" needs: [A.m{i}]}}" for i in range(n)]
    rules += ["positions:"] + [f"  - {{id: p{i}, actor: A, withholds: A.m{i}, quote: never, source: s}}" for i in range(n)]
    facts = [{"at": "2024-01-01", "actor": "A", "subject": f"s{i}", "value": False, "source": "s"} for i in range(n)]
    result = verdict_of(tmp_path, "\n".join(rules) + "\n", facts, dt.date(2024, 3, 1))
    goals = {g.id: g.concessions for g in result.goals}
    assert goals["g00"] == result.concessions and result.concessions.sets == [["p0"]]
    assert [goals[f"g{i:02d}"].sets for i in range(1, 21)] == [[[f"p{i}"]] for i in range(1, 21)]  # the main goal, then 20 more
    for late in ("g21",):
        assert goals[late].sets == [] and not goals[late].exact and "not worked out: more than 20 goals" in goals[late].note
