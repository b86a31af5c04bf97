"""Small scenarios written inside a test: rule text and facts in, a verdict out."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from engine.errors import Problem, RuleFileError
from engine.facts import parse_inputs
from engine.rulebook import load_rulebook
from engine.sessions import BASELINE, Sessions
from engine.verdict import Verdict
from ripeness.bootstrap import load_scenario, open_sessions
from tests.conftest import NOW

# two parties, each with one thing to give ("no" until given): the start of several scenarios
TWO_PARTIES = """
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: a_x, actor: A, type: enum, values: ["no", "yes"]}
  - {id: b_y, actor: B, type: enum, values: ["no", "yes"]}
"""
# a swap between them: each gives its thing, and the deal needs both
SWAP = "scenario: {id: swap, title: A swap}" + TWO_PARTIES + """
moves:
  - {id: give, actor: A, done_when: {subject: A.a_x, eq: "yes"}}
  - {id: give, actor: B, done_when: {subject: B.b_y, eq: "yes"}}
goals:
  - {id: deal, done_when: {all: [{subject: A.a_x, eq: "yes"}, {subject: B.b_y, eq: "yes"}]}, needs: [A.give, B.give]}
"""
# values worth trying for each state subject of rules/jcpoa (on and around its thresholds)
JCPOA_VALUES = {
    ("IRN", "enrichment_pct"): st.sampled_from([2.0, 3.67, 3.68, 20.0, 60.0]),
    ("IRN", "stockpile_kg_u"): st.sampled_from([100.0, 202.8, 202.9, 2967.8]),
    ("USA", "oil_sanctions"): st.sampled_from(["in_force", "eased", "lifted"]),
    ("USA", "relief_policy"): st.sampled_from(["iran_first", "compliance_for_compliance"]),
    (None, "talks"): st.sampled_from(["none", "indirect", "direct"]),
}
NOTHING_GIVEN = [{"at": "2024-01-01", "actor": "A", "subject": "a_x", "value": "no", "source": "s"},
                 {"at": "2024-01-01", "actor": "B", "subject": "b_y", "value": "no", "source": "s"}]


def verdict_of(folder: Path, rules: str, facts: list[dict[str, Any]], as_of: dt.date) -> Verdict:
    """Write ``rules`` as the folder's one rule file, record ``facts`` in a new session, and
    ask its verdict as of ``as_of``."""
    (folder / "rules.yaml").write_text(textwrap.dedent(rules))
    session = load_scenario(folder).new_session("t", NOW)
    session.record(parse_inputs([(f"fact[{i}]", f) for i, f in enumerate(facts)], session.rulebook))
    try:
        return session.verdict(as_of)
    finally:
        session.close()


def at(day: str) -> dt.datetime:
    """An ISO date or datetime as UTC."""
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc)


def sessions_with(folder: Path, rules: str, facts: list[dict[str, Any]]) -> Sessions:
    """``rules`` as the one rule file of a new scenario ``folder``, its sessions over a
    SQLite log beside it, and ``facts`` recorded in ``baseline`` (the caller closes them)."""
    folder.mkdir()
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    opened = open_sessions(load_scenario(folder), f"sqlite:///{folder.parent / (folder.name + '.db')}", NOW)
    opened.record(BASELINE, [(f"fact[{i}]", f) for i, f in enumerate(facts)])
    return opened


def sessions_fixture(folder: str, rules: str, facts: list[dict[str, Any]]):
    """A pytest fixture ``sessions``: ``sessions_with`` a new scenario folder ``folder`` in the
    test's temporary directory, closed after the test (``sessions = sessions_fixture(...)``)."""
    @pytest.fixture
    def sessions(tmp_path: Path):
        opened = sessions_with(tmp_path / folder, rules, facts)
        yield opened
        opened.close()
    return sessions


def rule_file_problems(folder: Path, rules: str) -> list[Problem]:
    """``rules`` (dedented) as the one rule file of ``folder``, which must be refused: the
    problems ``load_rulebook`` names."""
    folder.mkdir(exist_ok=True)
    (folder / "rules.yaml").write_text(textwrap.dedent(rules), encoding="utf-8")
    with pytest.raises(RuleFileError) as refused:
        load_rulebook(folder)
    return refused.value.problems


def condition_problems(tmp_path: Path, condition: str) -> list[Problem]:
    """The problems of a scenario whose one condition is ``condition``, over a number
    ``stock`` and ``cap`` and an enum ``mood`` (calm, angry)."""
    return rule_file_problems(tmp_path / "bad", f"""\
        subjects:
          - {{id: stock, type: number}}
          - {{id: cap, type: number}}
          - {{id: mood, type: enum, values: [calm, angry]}}
        conditions:
          - id: c
            holds_when: {condition}
        """)
