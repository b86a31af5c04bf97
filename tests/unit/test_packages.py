"""One stance over several moves (a package: "no X and no Y until Z"): statements that
restate a statement of the same actor on another move are one concession."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from engine.errors import RuleFileError
from ripeness.bootstrap import load_scenario
from ripeness.render import verdict_text
from tests.unit.small import verdict_of

PACKAGE = """
scenario: {id: package, title: A package}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: a_x, actor: A, type: bool}
  - {id: a_y, actor: A, type: bool}
  - {id: b_z, actor: B, type: bool}
moves:
  - {id: x, actor: A, done_when: {subject: A.a_x, eq: true}}
  - {id: y, actor: A, done_when: {subject: A.a_y, eq: true}}
  - {id: z, actor: B, done_when: {subject: B.b_z, eq: true}}
goals:
  - {id: deal, done_when: {all: [{subject: A.a_x, eq: true}, {subject: A.a_y, eq: true}, {subject: B.b_z, eq: true}]},
     needs: [A.x, A.y, B.z]}
positions:
  # Alpha's leader: "no X and no Y until Beta does Z" (one quote, two moves), said again by two officials
  - {id: a_package, actor: A, withholds: A.x, until: {subject: B.b_z, eq: true},
     quote: "No X and no Y until Beta does Z.", source: speech, said_by: Alpha's leader, said_on: 2024-01-02}
  - {id: a_package_y, restates: a_package, actor: A, withholds: A.y, until: {subject: B.b_z, eq: true},
     quote: "No X and no Y until Beta does Z.", source: speech, said_by: Alpha's leader, said_on: 2024-01-02}
  - {id: a_minister_x, restates: a_package, actor: A, withholds: A.x, until: {subject: B.b_z, eq: true},
     quote: "Neither X nor Y before Z.", source: interview, said_by: Alpha's minister, said_on: 2024-01-10}
  - {id: a_minister_y, restates: a_package, actor: A, withholds: A.y, until: {subject: B.b_z, eq: true},
     quote: "Neither X nor Y before Z.", source: interview, said_by: Alpha's minister, said_on: 2024-01-10}
  - {id: b_waits, actor: B, withholds: B.z, until: {all: [{subject: A.a_x, eq: true}, {subject: A.a_y, eq: true}]},
     quote: "Alpha first.", source: speech, said_by: Beta's leader, said_on: 2024-01-03}
"""
FACTS = [{"at": "2024-01-01", "actor": a, "subject": s, "value": False, "source": "s"} for a, s in (("A", "a_x"), ("A", "a_y"), ("B", "b_z"))]


def verdict(tmp_path, rules: str = PACKAGE):
    return verdict_of(tmp_path, rules, FACTS, dt.date(2024, 2, 1))


def test_a_package_is_one_concession_naming_every_move_and_quote(tmp_path):
    result = verdict(tmp_path)
    assert result.status == "deadlock"
    assert sorted(map(tuple, result.concessions.sets)) == [("a_package",), ("b_waits",)]
    stance = next(s for s in result.concessions.stances if s.key == "a_package")
    assert stance.moves == ["A.x", "A.y"] and stance.move == "A.x"
    assert [p.id for p in stance.statements] == ["a_package", "a_package_y", "a_minister_x", "a_minister_y"]
    # the leader's words and the minister's, each once: a package is one statement over its moves
    (said,) = [line for line in result.summary if line.startswith("Stance a_package (A on A.x, A.y)")]
    assert said.startswith("Stance a_package (A on A.x, A.y), said 2 times")
    assert said.count("No X and no Y until Beta does Z.") == 1 and said.count("Neither X nor Y before Z.") == 1
    # the command line's concession block quotes each statement once too
    block = verdict_text(result).split("Smallest concession sets toward")[1].split("\n\n")[0]
    assert block.count('"No X and no Y until Beta does Z."') == 1 and block.count('"Neither X nor Y before Z."') == 1


def test_each_move_keeps_its_own_statements_in_its_stance(tmp_path):
    result = verdict(tmp_path)
    stances = {s.move: s for s in result.stances}
    assert [e.id for e in stances["A.x"].evidence] == ["a_package", "a_minister_x"]
    assert [e.id for e in stances["A.y"].evidence] == ["a_package_y", "a_minister_y"]
    # a way out that breaches the package names the stance, on either move
    breaching = {o.move: o.breaches for o in result.openings if o.breaches}
    assert breaching["A.x"] == ["a_package"] and breaching["A.y"] == ["a_package"]
    # in words it names the statement in force, with the stance it restates
    texts = {o.move: o.description for o in result.openings if o.breaches}
    assert texts["A.y"].endswith("breaching a_package_y (stance a_package)") and texts["A.x"].endswith("breaching a_package")


def test_a_way_out_names_the_statement_in_force_when_the_stances_first_has_ended(tmp_path):
    # the leader's statement on X ended before the minister said it again: the way out names the minister's
    rules = PACKAGE.replace('said_by: Alpha\'s leader, said_on: 2024-01-02}\n  - {id: a_package_y',
                            'said_by: Alpha\'s leader, said_on: 2024-01-02, in_force: {until: 2024-01-05}}\n  - {id: a_package_y', 1)
    assert rules != PACKAGE
    result = verdict(tmp_path, rules)
    opening = next(o for o in result.openings if o.move == "A.x" and o.breaches)
    assert opening.breaches == ["a_package"] and opening.description.endswith("breaching a_minister_x (stance a_package)")


def test_without_restates_across_moves_the_package_weighs_as_two_concessions(tmp_path):
    rules = PACKAGE.replace("id: a_package_y, restates: a_package,", "id: a_package_y,").replace(
        "id: a_minister_y, restates: a_package,", "id: a_minister_y, restates: a_package_y,")  # a stance per move
    result = verdict(tmp_path, rules)
    assert {s.key: s.moves for s in result.concessions.stances} == {"b_waits": ["B.z"]}
    # Alpha's one package counted once per move: Beta looks the cheaper party to move
    assert result.concessions.sets == [["b_waits"]]


def test_a_restatement_still_speaks_for_the_same_actor(tmp_path):
    rules = textwrap.dedent(PACKAGE).replace("- {id: b_waits, actor: B,", "- {id: b_waits, restates: a_package, actor: B,")
    (tmp_path / "rules.yaml").write_text(rules)
    with pytest.raises(RuleFileError) as caught:
        load_scenario(tmp_path)
    assert "a restatement speaks for the same actor: 'a_package' is A's on A.x, this position is B's on B.z" in str(caught.value)
