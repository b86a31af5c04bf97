"""The headline status from the goals' own: interim goals count, except against a standoff
on the main goals (docs/concepts.md, "The headline")."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from tests.unit.small import NOTHING_GIVEN, TWO_PARTIES, verdict_of

RULES = "scenario: {id: pair, title: Two parties}" + TWO_PARTIES + """  - {id: talks, type: enum, values: [none, agreed, under_way]}
moves:
  - {id: give, actor: A, done_when: {subject: A.a_x, eq: "yes"}}
  - {id: give, actor: B, done_when: {subject: B.b_y, eq: "yes"}}
  - {id: talk, actor: B, done_when: {subject: talks, eq: under_way}}
goals:
  - {id: deal, rank: main, done_when: {all: [{subject: A.a_x, eq: "yes"}, {subject: B.b_y, eq: "yes"}]}, needs: [A.give, B.give]}
  - {id: talks_held, rank: interim, done_when: {subject: talks, eq: under_way}, needs: [B.talk]}
offers:
  - {id: b_will_talk, actor: B, offers: B.talk, quote: "We will come to the table.", source: "Beta's envoy", said_on: 2024-01-05}
"""
STANDOFF = """
positions:
  - {id: a_waits, actor: A, withholds: A.give, until: {subject: B.b_y, eq: "yes"}, quote: "Beta first.", source: s}
  - {id: b_waits, actor: B, withholds: B.give, until: {subject: A.a_x, eq: "yes"}, quote: "Alpha first.", source: s}
"""
ONE_DEMAND = """
positions:
  - {id: a_waits, actor: A, withholds: A.give, until: {subject: B.b_y, eq: "yes"}, quote: "Beta first.", source: s}
"""
REFUSAL = """
positions:
  - {id: b_never, actor: B, withholds: B.give, quote: "Never.", source: s}
"""


def verdict(tmp_path, extra: str, talks: str):
    facts = [*NOTHING_GIVEN, {"at": "2024-01-10", "subject": "talks", "value": talks, "source": "s"}]
    return verdict_of(tmp_path, RULES + textwrap.dedent(extra), facts, dt.date(2024, 2, 1))


@pytest.mark.parametrize(("extra", "talks", "status"), [
    ("", "under_way", "progress"),  # nobody has refused the deal: talks under way are progress
    ("", "agreed", "opening"),  # talks agreed (an offer on the table), the deal untested: an opening
    (ONE_DEMAND, "under_way", "progress"),  # a demand awaiting an answer nobody has given is no standoff
    (STANDOFF, "under_way", "deadlock"),  # a cycle on the deal: talks never hide it
    (REFUSAL, "under_way", "deadlock"),  # an outright refusal on the deal's way
    (STANDOFF, "agreed", "deadlock"),
])
def test_interim_goals_count_except_against_a_standoff_on_the_main_goal(tmp_path, extra, talks, status):
    result = verdict(tmp_path, extra, talks)
    goals = {g.id: g for g in result.goals}
    assert goals["deal"].status == "deadlock"  # the main goal's own status never changes with the interim goal
    assert goals["deal"].reachable_if_willing == (extra in ("", ONE_DEMAND))
    assert result.status == status


def test_the_summary_says_an_interim_goal_carries_the_headline(tmp_path):
    result = verdict(tmp_path, ONE_DEMAND, "under_way")
    first = result.summary[0]
    assert "progress — interim goal talks_held under way" in first
    assert "main goal deal: deadlock, held back only by moves nobody has said they would make, not by a standoff" in first
    standoff = verdict(tmp_path, STANDOFF, "under_way")
    assert "deadlock — deal out of reach: positions that wait on each other" in standoff.summary[0]
    assert "Interim goal talks_held: progress." in standoff.summary


def test_each_opening_names_the_goals_it_leads_toward_and_the_main_goals_come_first(tmp_path):
    silent = RULES[:RULES.index("offers:")]  # nobody has said anything: every opening is a question
    result = verdict_of(tmp_path, silent, [{"at": "2024-01-01", "subject": "talks", "value": "none", "source": "s"}], dt.date(2024, 2, 1))
    asks = [(o.move, o.toward, o.reaches_goal) for o in result.openings]
    # asking Beta to talk opens the talks at once, asking either side to give opens nothing alone;
    # still the questions toward the deal come first: opening talks is not opening the deal
    assert asks == [("A.give", ["deal"], False), ("B.give", ["deal"], False), ("B.talk", ["talks_held"], True)]


# a second main goal besides the deal (one side prevailing), on a move nobody has spoken of
ALTERNATIVE = RULES.replace(
    "  - {id: talks, type: enum, values: [none, agreed, under_way]}\n",
    "  - {id: talks, type: enum, values: [none, agreed, under_way]}\n"
    '  - {id: won, actor: A, type: enum, values: ["no", "yes"]}\n',
).replace(
    "goals:\n",
    '  - {id: prevail, actor: A, done_when: {subject: A.won, eq: "yes"}}\n'
    "goals:\n"
    '  - {id: victory, rank: main, done_when: {subject: A.won, eq: "yes"}, needs: [A.prevail]}\n',
)


@pytest.mark.parametrize(("toward", "status"), [
    (", toward: deal", "deadlock"),  # talks on the deal, the deal in a standoff: the untested other way raises nothing
    ("", "progress"),  # talks toward no main goal in particular count while any main goal would open were the untested willing
])
def test_talks_on_a_deal_in_a_standoff_are_not_raised_by_another_main_goal_nobody_has_spoken_of(tmp_path, toward, status):
    rules = ALTERNATIVE.replace("needs: [B.talk]}", f"needs: [B.talk]{toward}}}") + textwrap.dedent(STANDOFF)
    facts = [*NOTHING_GIVEN, {"at": "2024-01-10", "subject": "talks", "value": "under_way", "source": "s"},
             {"at": "2024-01-01", "subject": "A.won", "value": "no", "source": "s"}]
    result = verdict_of(tmp_path, rules, facts, dt.date(2024, 2, 1))
    goals = {g.id: g for g in result.goals}
    assert (goals["deal"].status, goals["victory"].status, goals["talks_held"].status) == ("deadlock", "deadlock", "progress")
    assert (goals["deal"].reachable_if_willing, goals["victory"].reachable_if_willing) == (False, True)
    assert result.status == status
    if status == "progress":
        assert ("main goals victory, deal: deadlock; victory held back only by moves nobody has said they would make, "
                "deal by a standoff.") in result.summary[0]
    else:
        assert "deadlock — victory, deal out of reach" in result.summary[0]


@pytest.mark.parametrize(("toward", "status"), [
    (", toward: deal", "opening"),  # talks on the deal in a standoff raise nothing: the headline is the open other way's
    ("", "progress"),  # talks toward no main goal in particular count while a main goal is open
])
def test_talks_on_a_deal_in_a_standoff_are_not_raised_by_another_main_goal_that_is_open(tmp_path, toward, status):
    open_way = '  - {id: a_can_prevail, actor: A, offers: A.prevail, quote: "We can win.", source: s}\n'
    rules = ALTERNATIVE.replace("needs: [B.talk]}", f"needs: [B.talk]{toward}}}").replace(
        "offers:\n", "offers:\n" + open_way) + textwrap.dedent(STANDOFF)
    facts = [*NOTHING_GIVEN, {"at": "2024-01-10", "subject": "talks", "value": "under_way", "source": "s"},
             {"at": "2024-01-01", "subject": "A.won", "value": "no", "source": "s"}]
    result = verdict_of(tmp_path, rules, facts, dt.date(2024, 2, 1))
    goals = {g.id: g for g in result.goals}
    assert (goals["deal"].status, goals["victory"].status, goals["talks_held"].status) == ("deadlock", "opening", "progress")
    assert result.status == status
