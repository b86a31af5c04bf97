"""A cycle's steps name what holds each move back toward the next: not a position another
alternative of which is already within reach, and the comparisons the next move would meet."""

from __future__ import annotations

import datetime as dt

from tests.unit.small import verdict_of

RULES = """
scenario: {id: steps, title: Cycle steps}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
  - {id: C, name: Gamma}
subjects:
  - {id: a, type: enum, values: ["no", "yes"]}
  - {id: b, type: enum, values: ["no", "yes"]}
  - {id: e, type: enum, values: ["no", "yes"]}
  - {id: c, type: enum, values: ["no", "yes"]}
  - {id: d, type: enum, values: ["no", "yes"]}
moves:
  - {id: go, actor: A, done_when: {subject: a, eq: "yes"}}
  - {id: go, actor: B, done_when: {all: [{subject: b, eq: "yes"}, {subject: e, eq: "yes"}]}}
  - {id: report, actor: C, free: true, done_when: {subject: c, eq: "yes"}}
  - {id: other, actor: C, done_when: {subject: d, eq: "yes"}}
goals:
  - {id: deal, done_when: {all: [{subject: a, eq: "yes"}, {subject: b, eq: "yes"}]}, needs: [A.go, B.go]}
positions:
  - {id: b_after_a, actor: B, withholds: B.go, until: {subject: a, eq: "yes"}, quote: "Alpha first.", source: s}
  - {id: a_after_b_or_report, actor: A, withholds: A.go, quote: "Beta first, or a report.", source: s,
     until: {any: [{subject: b, eq: "yes"}, {subject: c, eq: "yes"}]}}
  - {id: a_after_b_and_e_or_d, actor: A, withholds: A.go, quote: "Beta in full, or d.", source: s,
     until: {any: [{all: [{subject: b, eq: "yes"}, {subject: e, eq: "yes"}]}, {subject: d, eq: "yes"}]}}
"""


def test_a_step_names_only_what_holds_the_move_and_what_the_next_move_would_meet(tmp_path):
    facts = [{"at": "2024-01-01", "subject": s, "value": "no", "source": "s"} for s in "abecd"]
    verdict = verdict_of(tmp_path, RULES, facts, dt.date(2024, 2, 1))
    (cycle,) = verdict.cycles
    assert cycle.moves == ["A.go", "B.go"]
    alpha = [s for s in cycle.steps if s.move == "A.go"]
    # the free report is within reach, so "Beta first, or a report" holds nothing back
    assert [s.position.id for s in alpha] == ["a_after_b_and_e_or_d"]
    # its closest alternative is "d" (one failure), but Beta's move would meet the other one
    assert [u.test for u in alpha[0].unmet] == ["b = yes", "e = yes"]
