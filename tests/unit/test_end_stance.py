"""A statement fact that ends a whole stance (``ends_stance``, ``engine.statements``): every
statement of the stance in force on its day, however many times it was said, and only
those; read as if each had been ended by ``ends``.  Refused as ``ends`` is refused, with the
field and a clear message, through the sessions, the HTTP API and a fact file."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from engine.errors import FactError
from engine.sessions import BASELINE, Sessions
from ripeness.bootstrap import load_scenario, open_sessions
from ripeness.cli import app
from tests.api.conftest import client_for, problem_of
from tests.conftest import NOW
from tests.unit.small import NOTHING_GIVEN, SWAP, at, sessions_with

RULES = SWAP + """
positions:
  - {id: b_first, actor: B, withholds: B.give, until: {subject: A.a_x, eq: "yes"},
     quote: "Alpha gives first.", source: rule file}
  - {id: a_old, actor: A, withholds: A.give, until: {subject: B.b_y, eq: "yes"},
     quote: "An old demand.", source: rule file, in_force: {until: 2024-01-15}}
"""


def a_says(sid: str, day: str, restates: str | None = None, **more: Any) -> dict[str, Any]:
    """A statement fact of ``day``: Alpha will not give before Beta does (``restates``: again)."""
    position = {"id": sid, "actor": "A", "withholds": "A.give", "until": {"subject": "B.b_y", "eq": "yes"},
                "quote": f"Beta gives first ({sid}).", "source": f"speech of {day}"}
    if restates:
        position["restates"] = restates
    return {"at": day, "source": f"speech of {day}", "states": {"position": position}, **more}


# Alpha's stance said three times: first on 10 January, again on 1 February and 1 March
STANCE = [*NOTHING_GIVEN, a_says("a1", "2024-01-10"), a_says("a2", "2024-02-01", "a1"), a_says("a3", "2024-03-01", "a1")]
END = {"at": "2024-04-01", "ends_stance": "a1", "quote": "We no longer wait for Beta.", "source": "a minister"}
EACH = {"at": "2024-04-01", "ends": ["a1", "a2", "a3"], "quote": "We no longer wait for Beta.", "source": "a minister"}
DAYS = ["2024-03-31", "2024-04-01", "2024-04-02", "2024-06-01"]


@pytest.fixture
def opened(tmp_path):
    made: list[Sessions] = []

    def open_(name: str, facts: list[dict[str, Any]]) -> Sessions:
        made.append(sessions_with(tmp_path / name, RULES, facts))
        return made[-1]

    yield open_
    for sessions in made:
        sessions.close()


def in_force(sessions: Sessions, day: str, name: str = BASELINE) -> list[str]:
    return sorted(p.id for p in sessions.verdict(name, at(day)).positions_in_force)


def causes_on(sessions: Sessions, day: str, name: str = BASELINE, **options: Any) -> list[str]:
    [entry] = [e for e in sessions.timeline(name, **options) if e.at.date().isoformat() == day]
    return [c.value for c in entry.causes]


def ended_by(sessions: Sessions, day: str, name: str = BASELINE) -> dict[str, tuple[bool, str | None, list[str]]]:
    return {s.id: (s.in_force, s.until and s.until.isoformat(), s.ended_by) for s in sessions.statements(name, at(day))
            if s.id.startswith("a")}


def test_a_stance_said_three_times_ends_whole_as_if_each_statement_were_ended(opened):
    whole, each = opened("whole", [*STANCE, END]), opened("each", [*STANCE, EACH])
    assert in_force(whole, "2024-03-31") == ["a1", "a2", "a3", "b_first"]
    assert in_force(whole, "2024-04-01") == ["b_first"]
    assert whole.verdict(BASELINE, at("2024-03-31")).cycles and not whole.verdict(BASELINE, at("2024-04-01")).cycles
    for day in DAYS:
        assert (whole.verdict(BASELINE, at(day)).model_dump(exclude={"session"})
                == each.verdict(BASELINE, at(day)).model_dump(exclude={"session"})), day
    assert ([(e.at, e.status, e.changes, [p.id for p in e.statements]) for e in whole.timeline(BASELINE)]
            == [(e.at, e.status, e.changes, [p.id for p in e.statements]) for e in each.timeline(BASELINE)])
    assert causes_on(whole, "2024-04-01") == ['ends stance a1 (a1, a2, a3): "We no longer wait for Beta."']
    assert causes_on(each, "2024-04-01") == ['ends a1, a2, a3: "We no longer wait for Beta."']
    [end] = [f.id for f in whole.facts(BASELINE, subject="a1").facts if f.value.get("ends_stance")]
    assert ended_by(whole, "2024-04-02") == {sid: (False, "2024-04-01", [end]) for sid in ("a1", "a2", "a3")} | {
        "a_old": (False, "2024-01-15", [])}


def test_a_restart_reads_the_end_of_the_stance_from_the_log_again(tmp_path):
    folder = tmp_path / "restart"
    first = sessions_with(folder, RULES, [*STANCE, END])
    try:
        before = [first.verdict(BASELINE, at(day)).model_dump_json() for day in DAYS]
        causes = causes_on(first, "2024-04-01")
    finally:
        first.close()
    again = open_sessions(load_scenario(folder), f"sqlite:///{tmp_path / 'restart.db'}", NOW)
    try:
        assert [again.verdict(BASELINE, at(day)).model_dump_json() for day in DAYS] == before
        assert causes_on(again, "2024-04-01") == causes == ['ends stance a1 (a1, a2, a3): "We no longer wait for Beta."']
    finally:
        again.close()


def test_a_restatement_said_after_the_end_survives_and_one_dated_before_is_ended_though_recorded_later(opened):
    sessions = opened("late", [*NOTHING_GIVEN, a_says("a1", "2024-01-10"), END])
    assert in_force(sessions, "2024-04-02") == ["b_first"]
    sessions.record(BASELINE, [("learnt late", a_says("a2", "2024-02-01", "a1"))])  # said before the end, learnt after it
    assert in_force(sessions, "2024-03-01") == ["a1", "a2", "b_first"]
    assert in_force(sessions, "2024-04-02") == ["b_first"]
    sessions.record(BASELINE, [("said again", a_says("a4", "2024-05-01", "a1"))])
    assert in_force(sessions, "2024-04-15") == ["b_first"]
    assert in_force(sessions, "2024-05-01") == ["a4", "b_first"]
    assert causes_on(sessions, "2024-04-01") == ['ends stance a1 (a1, a2): "We no longer wait for Beta."']
    assert ended_by(sessions, "2024-05-02")["a4"] == (True, None, [])


def test_softening_states_the_new_terms_and_ends_the_old_stance_in_one_fact(opened):
    softer = a_says("a_soft", "2024-04-01", "a1", ends_stance="a1", quote="Beta may give as we give.")
    softer["states"]["position"]["until"] = {"subject": "B.b_y", "eq": "yes"}
    sessions = opened("soft", [*STANCE, softer])
    assert in_force(sessions, "2024-04-01") == ["a_soft", "b_first"]
    assert causes_on(sessions, "2024-04-01") == ['states position a_soft; ends stance a1 (a1, a2, a3): "Beta may give as we give."']
    assert ended_by(sessions, "2024-04-02")["a_soft"] == (True, None, [])


def test_ends_stance_combines_with_ends_and_names_several_stances(opened):
    b_says = {"at": "2024-02-01", "source": "s", "states": {"position": {
        "id": "b_again", "restates": "b_first", "actor": "B", "withholds": "B.give", "until": {"subject": "A.a_x", "eq": "yes"},
        "quote": "Still: Alpha first.", "source": "s"}}}
    sessions = opened("both", [*STANCE, b_says, {"at": "2024-04-01", "ends": "a3", "ends_stance": ["a1", "b_first"]}])
    assert in_force(sessions, "2024-04-01") == []
    assert causes_on(sessions, "2024-04-01") == ["ends a3; ends stance a1 (a1, a2); ends stance b_first (b_first, b_again)"]


WRONG = [
    ({"at": "2024-04-01", "ends_stance": "a_1"}, "ends_stance",
     "no stance 'a_1' to end; did you mean 'a1'? (a stance is named by its first statement; known: a1, a_old, b_first)"),
    ({"at": "2024-04-01", "ends_stance": "a2"}, "ends_stance", "'a2' restates 'a1': name the stance by its first statement, 'a1'"),
    ({"at": "2024-01-05", "ends_stance": ["b_first", "a1"]}, "ends_stance.1",
     "stance 'a1' is first stated only on 2024-01-10; it cannot end on 2024-01-05"),
    ({"at": "2024-01-10", "ends_stance": "a1"}, "ends_stance",
     "no statement of stance 'a1' is in force on 2024-01-10: a1 in force from 2024-01-10"),
    ({"at": "2024-03-01", "ends_stance": "a_old"}, "ends_stance",
     "no statement of stance 'a_old' is in force on 2024-03-01: a_old ended on 2024-01-15"),
    ({"at": "2024-05-01", "ends_stance": "a1"}, "ends_stance",
     "no statement of stance 'a1' is in force on 2024-05-01: a1, a2, a3 ended on 2024-04-01"),
]


@pytest.mark.parametrize(("fact", "field", "message"), WRONG)
def test_a_wrong_end_of_a_stance_is_refused_at_its_field_and_changes_nothing(opened, fact, field, message):
    sessions = opened("wrong", [*STANCE, END])
    before = [sessions.verdict(BASELINE, at(day)).model_dump_json() for day in DAYS]
    count = len(sessions.facts(BASELINE, limit=1000).facts)
    with pytest.raises(FactError) as refused:
        sessions.record(BASELINE, [("fact[0]", {"source": "s", **fact})])
    assert [(p.where, p.field, p.message) for p in refused.value.problems] == [("fact[0]", field, message)]
    assert [sessions.verdict(BASELINE, at(day)).model_dump_json() for day in DAYS] == before
    assert len(sessions.facts(BASELINE, limit=1000).facts) == count


def test_withdrawing_the_first_statement_is_refused_and_a_restatement_withdrawn_is_not_ended(opened):
    sessions = opened("withdraw", [*STANCE, END])
    ids = {f.subject: f.id for f in sessions.facts(BASELINE, limit=1000).facts if f.kind == "statement" and "states" in f.value}
    end = next(f.id for f in sessions.facts(BASELINE, limit=1000).facts if f.kind == "statement" and "ends_stance" in f.value)
    with pytest.raises(FactError) as refused:
        sessions.record(BASELINE, [("body", {"withdraws": ids["a1"]})])
    [problem] = refused.value.problems
    assert problem.field == "ends_stance" and problem.message.startswith("no stance 'a1' to end"), problem
    assert end in problem.where
    assert in_force(sessions, "2024-03-01") == ["a1", "a2", "a3", "b_first"]
    sessions.record(BASELINE, [("body", {"withdraws": ids["a2"], "note": "misreported"})])
    assert in_force(sessions, "2024-03-01") == ["a1", "a3", "b_first"]
    assert in_force(sessions, "2024-04-01") == ["b_first"]
    assert causes_on(sessions, "2024-04-01") == ['ends stance a1 (a1, a3): "We no longer wait for Beta."']


def test_a_verdict_of_the_confirmed_facts_ends_only_the_confirmed_statements_of_the_stance(opened):
    reported = [*STANCE[:-1], a_says("a3", "2024-03-01", "a1", confidence="reported")]
    sessions = opened("sure", [*reported, END])
    assert causes_on(sessions, "2024-04-01") == ['ends stance a1 (a1, a2, a3): "We no longer wait for Beta."']
    assert causes_on(sessions, "2024-04-01", admit="confirmed") == ['ends stance a1 (a1, a2): "We no longer wait for Beta."']
    assert sorted(p.id for p in sessions.verdict(BASELINE, at("2024-03-15"), admit="confirmed").positions_in_force) == [
        "a1", "a2", "b_first"]
    assert sorted(p.id for p in sessions.verdict(BASELINE, at("2024-04-02"), admit="confirmed").positions_in_force) == ["b_first"]


def test_a_stance_kept_in_force_only_by_a_reported_statement_ends_nothing_among_the_confirmed_ones(opened):
    """Asked with every fact, the end ends the reported restatement; asked with the confirmed
    facts only, none of the stance is in force that day, and that is no error (Alpha gives
    that day too: the day has an entry either way)."""
    facts = [*STANCE[:-1], {"at": "2024-02-15", "ends": ["a1", "a2"], "source": "s"},
             a_says("a3", "2024-03-01", "a1", confidence="reported"), END,
             {"at": "2024-04-01", "actor": "A", "subject": "a_x", "value": "yes", "source": "s"}]
    sessions = opened("only_reported", facts)
    assert in_force(sessions, "2024-03-15") == ["a3", "b_first"]
    assert in_force(sessions, "2024-04-02") == ["b_first"]
    sure = sessions.verdict(BASELINE, at("2024-04-02"), admit="confirmed")
    assert [p.id for p in sure.positions_in_force] == ["b_first"]
    assert causes_on(sessions, "2024-04-01") == ['ends stance a1 (a3): "We no longer wait for Beta."', "yes"]
    assert causes_on(sessions, "2024-04-01", admit="confirmed") == [
        'ends stance a1 (none in force): "We no longer wait for Beta."', "yes"]


def test_a_reported_end_of_a_stance_is_left_out_of_a_confirmed_verdict_and_named_in_another(opened):
    b_offers = {"at": "2024-01-05", "source": "s", "ends": "b_first", "states": {"offer": {
        "id": "b_offer", "actor": "B", "offers": "B.give", "quote": "We give.", "source": "s"}}}
    sessions = opened("reported_end", [*STANCE, b_offers, {**END, "confidence": "reported"}])
    assert in_force(sessions, "2024-04-02") == []
    assert sorted(p.id for p in sessions.verdict(BASELINE, at("2024-04-02"), admit="confirmed").positions_in_force) == [
        "a1", "a2", "a3"]
    said = 'ends stance a1 (a1, a2, a3): "We no longer wait for Beta."'
    assert [f.value for f in sessions.verdict(BASELINE, at("2024-04-02")).rests_on_unconfirmed] == [said]
    [entry] = [e for e in sessions.timeline(BASELINE) if e.at.date().isoformat() == "2024-04-01"]
    assert [f.value for f in entry.rests_on_unconfirmed] == [said]


def test_a_what_if_ends_a_real_stance_and_its_parent_keeps_it(opened):
    sessions = opened("whatif", STANCE)
    parent_before = sessions.verdict(BASELINE, at("2024-04-02")).model_dump_json()
    sessions.fork("dropped", as_of=at("2024-03-15"))
    sessions.record("dropped", [("body", END)])
    assert in_force(sessions, "2024-04-02", "dropped") == ["b_first"]
    assert in_force(sessions, "2024-04-02") == ["a1", "a2", "a3", "b_first"]
    assert sessions.verdict(BASELINE, at("2024-04-02")).model_dump_json() == parent_before


def test_the_http_api_takes_an_end_of_a_stance_and_refuses_a_wrong_one_as_problem_json(opened):
    client = client_for(opened("http", STANCE))
    listed = client.get("/sessions/baseline/facts", params={"limit": 1000}).json()["facts"]
    wrong = problem_of(client.post("/sessions/baseline/facts", json=[END, {"at": "2024-04-02", "ends_stance": "a3"}]), 422)
    assert [(e["pointer"], e["detail"]) for e in wrong["errors"]] == [
        ("/1/ends_stance", "'a3' restates 'a1': name the stance by its first statement, 'a1'")]
    assert client.get("/sessions/baseline/facts", params={"limit": 1000}).json()["facts"] == listed
    reply = client.post("/sessions/baseline/facts", json=END)
    assert reply.status_code == 201, reply.text
    [end] = reply.json()["ids"]
    then = {s["id"]: s for s in client.get("/sessions/baseline/statements", params={"as_of": "2024-04-02"}).json()}
    assert [(then[sid]["in_force"], then[sid]["until"], then[sid]["ended_by"]) for sid in ("a1", "a2", "a3")] == [
        (False, "2024-04-01", [end])] * 3
    timeline = client.get("/sessions/baseline/timeline").json()
    [entry] = [e for e in timeline if e["at"].startswith("2024-04-01")]
    assert [c["value"] for c in entry["causes"]] == ['ends stance a1 (a1, a2, a3): "We no longer wait for Beta."']
    fact = client.get("/openapi.json").json()["components"]["schemas"]["FactInput"]
    assert "ends_stance" in fact["properties"] and {"required": ["at", "ends_stance"]} in fact["anyOf"]


def test_a_fact_file_with_a_wrong_end_of_a_stance_is_refused_naming_its_line(tmp_path):
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    facts = tmp_path / "facts.yaml"
    lines = ["facts:"] + [f"  - {_flow(f)}" for f in STANCE] + ["  - {at: 2024-04-01, ends_stance: a2, source: s}"]
    facts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["verdict", str(folder), str(facts), "--as-of", "2024-04-02"])
    assert result.exit_code == 1, result.output
    assert f"{facts}:{len(lines)}" in result.output and "ends_stance" in result.output
    assert "'a2' restates 'a1': name the stance by its first statement, 'a1'" in result.output
    facts.write_text("\n".join(lines[:-1] + ["  - {at: 2024-04-01, ends_stance: a1, source: s}"]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["timeline", str(folder), str(facts)])
    assert result.exit_code == 0, result.output
    assert "ends stance a1 (a1, a2, a3)" in result.output


def _flow(fact: dict[str, Any]) -> str:
    return json.dumps(fact)  # JSON is YAML's flow style
