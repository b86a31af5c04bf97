"""Escalation levels and de-escalation, on the fictional dock strike (its pattern names two
levels and recognises a truce): now, as of a past date, in the timeline and in a
what-if; and every malformed form refused with its file, line and field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.facts import parse_inputs
from engine.live_session import Session
from engine.rulebook import check_folder
from engine.sessions import BASELINE
from ripeness.bootstrap import Scenario, load_bundled_facts, load_scenario, open_sessions

STRIKE = Path(__file__).resolve().parents[2] / "rules" / "strike"
UTC = dt.timezone.utc
NOW = FixedClock(dt.datetime(2024, 6, 1, tzinfo=UTC))
BUNDLED = """    levels: {3: tension, 4: crisis}
    de_escalation: {events: [truce], by: either}
"""
TRUCE_SUBJECT = """  - id: truce
    kind: event
"""


def folder_with(tmp_path: Path, pattern: str, subjects: str = TRUCE_SUBJECT) -> Path:
    """A copy of the strike whose pattern ends with ``pattern`` instead of its levels and
    de-escalation, and whose truce subject begins as ``subjects`` says."""
    folder = tmp_path / "docks"
    shutil.copytree(STRIKE, folder)
    moves = folder / "moves.yaml"
    moves.write_text(moves.read_text().replace(BUNDLED, pattern.removeprefix("    exchanges: 3\n")), encoding="utf-8")
    if subjects != TRUCE_SUBJECT:
        path = folder / "subjects.yaml"
        path.write_text(path.read_text().replace(TRUCE_SUBJECT, subjects), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def docks() -> Scenario:
    return load_scenario(STRIKE)


LOCKOUT = {"at": "2024-03-12", "actor": "EMP", "target": "UNI", "subject": "lockout", "value": "all shifts locked out"}
TRUCE = {"at": "2024-03-13", "actor": "UNI", "subject": "truce", "value": "pickets stood down for talks"}


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def line(docks: Scenario, *facts: dict) -> Session:
    session = docks.replay(STRIKE / "facts.yaml", name="line", clock=NOW)
    session.record(parse_inputs([(f"fact[{i}]", f) for i, f in enumerate(facts)], docks.rulebook))
    return session


def test_the_level_follows_the_longest_live_chain(docks):
    session = line(docks, LOCKOUT)
    assert session.verdict(day("2024-03-08")).escalation_level is None
    tension = session.verdict(day("2024-03-10"))
    assert (tension.escalation_level, tension.escalation_levels) == ("tension", {"picket_and_lockout": "tension"})
    crisis = session.verdict(day("2024-03-12"))
    assert crisis.escalation_level == "crisis" and max(c.size for c in crisis.escalation_chains) == 4
    assert any(line.startswith("Escalation level (picket_and_lockout): crisis, 4 hostile events") for line in crisis.summary)
    assert session.verdict(day("2024-03-27")).escalation_level is None  # the window passed


def test_a_truce_ends_escalation_and_is_cited(docks):
    session = line(docks, LOCKOUT, TRUCE)
    assert session.verdict(day("2024-03-12")).escalation_level == "crisis"
    calm = session.verdict(day("2024-03-13"))
    assert not calm.escalation and calm.escalation_level is None
    [ended] = calm.de_escalations
    assert ended.pattern == "picket_and_lockout" and [e.value for e in ended.events] == ["pickets stood down for talks"]
    assert any(line.startswith("De-escalation (picket_and_lockout): UNI truce on 2024-03-13") for line in calm.summary)
    answered = line(docks, LOCKOUT, TRUCE, {**LOCKOUT, "at": "2024-03-14"}, {**LOCKOUT, "at": "2024-03-15", "actor": "UNI",
                                                                            "target": "EMP", "subject": "walkout"})
    assert not answered.verdict(day("2024-03-15")).escalation  # two acts since the truce: fewer than 3 exchanges


def test_the_timeline_shows_level_changes_and_the_truce_that_ended_it(docks):
    entries = {e.at.date().isoformat(): e for e in line(docks, LOCKOUT, TRUCE).timeline()}
    assert entries["2024-03-09"].escalation_level == "tension" and {"escalation on", "escalation picket_and_lockout: tension"} <= set(entries["2024-03-09"].changes)
    assert "escalation picket_and_lockout: tension → crisis" in entries["2024-03-12"].changes
    ended = entries["2024-03-13"]
    assert not ended.escalation and "escalation off" in ended.changes
    assert any(c.startswith("ended by de-escalation: f") for c in ended.changes)
    assert [c.subject for c in ended.causes] == ["truce"]


def test_a_whatif_truce_ends_escalation_there_only(docks, tmp_path):
    sessions = open_sessions(docks, f"sqlite:///{tmp_path / 'log.db'}", NOW)
    try:
        load_bundled_facts(sessions, docks)
        sessions.record(BASELINE, [("lockout", LOCKOUT)])
        sessions.fork("truce", BASELINE, as_of=day("2024-03-12"))
        sessions.record("truce", [("truce", TRUCE)])
        assert sessions.verdict("truce", day("2024-03-13")).escalation_level is None
        assert sessions.verdict(BASELINE, day("2024-03-13")).escalation_level == "crisis"
        compared = sessions.compare(BASELINE, "truce", day("2024-03-13"))
        assert compared.differences.escalation == (True, False)
    finally:
        sessions.close()


def test_escalation_rests_on_a_disputed_truce(docks):
    session = line(docks, LOCKOUT, {**TRUCE, "confidence": "disputed", "claimed_by": ["UNI"], "denied_by": ["EMP"]})
    verdict = session.verdict(day("2024-03-13"))
    assert not verdict.escalation and [f.subject for f in verdict.escalation_rests_on_unconfirmed] == ["truce"]
    assert session.verdict(day("2024-03-13"), admit="confirmed").escalation_level == "crisis"


@pytest.mark.parametrize(("pattern", "subjects", "field", "words"), [
    ("    exchanges: 3\n    levels: {1: tension}\n", TRUCE_SUBJECT, "escalation.0.levels.1", "greater than or equal to 2"),
    ("    exchanges: 3\n    levels: {3: tension, 4: tension}\n", TRUCE_SUBJECT, "escalation.0.levels", "'tension' is given twice"),
    ("    exchanges: 3\n    levels: {3: high tension}\n", TRUCE_SUBJECT, "escalation.0.levels.3", "expected a name of letters, digits and '_'"),
    ("    exchanges: 3\n    levels: {" + ", ".join(f"{n}: l{n}" for n in range(2, 11)) + "}\n", TRUCE_SUBJECT,
     "escalation.0.levels", "at most 8"),
    ("    exchanges: 3\n    de_escalation: {events: [truse]}\n", TRUCE_SUBJECT, "escalation.0.de_escalation.events.0", "did you mean 'truce'"),
    ("    exchanges: 3\n    de_escalation: {events: [UNI.on_strike]}\n", TRUCE_SUBJECT, "escalation.0.de_escalation.events.0", "state subject"),
    ("    exchanges: 3\n    de_escalation: {events: [walkout]}\n", TRUCE_SUBJECT, "escalation.0.de_escalation.events.0", "both escalate and de-escalate"),
    ("    exchanges: 3\n    de_escalation: {events: [truce], by: all}\n", TRUCE_SUBJECT, "escalation.0.de_escalation.by", "'either' or 'both'"),
    ("    exchanges: 3\n    de_escalation: {events: []}\n", TRUCE_SUBJECT, "escalation.0.de_escalation.events", "at least 1"),
])
def test_a_malformed_level_or_de_escalation_is_refused_at_its_field(tmp_path, pattern, subjects, field, words):
    folder = folder_with(tmp_path, pattern, subjects)
    rulebook, problems = check_folder(folder)
    assert rulebook is None and len(problems) == 1, problems
    [problem] = problems
    assert problem.field == field and words in problem.message, problem
    assert problem.where.startswith(str(folder / "moves.yaml") + ":")
