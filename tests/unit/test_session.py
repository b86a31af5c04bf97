"""Sessions at scale: long histories, many sessions, working memory kept small."""

from __future__ import annotations

import datetime as dt

from engine.facts import parse_inputs
from tests.conftest import NOW

START = dt.datetime(2021, 3, 1, tzinfo=dt.UTC)


def test_100k_facts_on_a_few_subjects_in_one_session(jcpoa):
    session = jcpoa.new_session("long", NOW)
    raw = [("setup", {"at": "2021-02-01", "actor": "USA", "subject": "oil_sanctions", "value": "in_force"})]
    for i in range(100_000):
        subject = ("enrichment_pct", "stockpile_kg_u")[i % 2]
        value = [2.0, 3.67, 4.5, 20.0][(i // 2) % 4] if i % 2 == 0 else [150.0, 202.8, 205.0][(i // 2) % 3]
        raw.append((f"stream[{i}]", {"at": (START + dt.timedelta(minutes=i)).isoformat(), "actor": "IRN",
                                      "subject": subject, "value": value}))
    session.record(parse_inputs(raw, jcpoa.rulebook))
    assert len(session.history) == 100_001
    for minute in range(1, 100_000, 4_999):
        as_of = START + dt.timedelta(minutes=minute)
        state = session.history.state_as_of(as_of)
        within = state["IRN.enrichment_pct"].value <= 3.67 and state["IRN.stockpile_kg_u"].value <= 202.8
        verdict = session.verdict(as_of)
        deal = next(g for g in verdict.goals if g.id == "deal_restored")
        assert deal.reachable == within, as_of
        # the working memory holds the current state only, never the history
        assert len(session.analyst.memory.live) <= len(jcpoa.rulebook.subjects)
    session.close()


def test_2000_sessions_in_one_process(jcpoa):
    sessions = []
    for n in range(2_000):
        session = jcpoa.new_session(f"s{n}", NOW)
        session.record(parse_inputs([
            ("a", {"at": "2021-03-01", "actor": "USA", "subject": "oil_sanctions", "value": "in_force"}),
            ("b", {"at": "2021-03-01", "actor": "IRN", "subject": "enrichment_pct", "value": 3.0 if n % 2 else 20.0}),
            ("c", {"at": "2021-03-01", "actor": "IRN", "subject": "stockpile_kg_u", "value": 100.0}),
        ], jcpoa.rulebook))
        sessions.append(session)
    for n, session in enumerate(sessions):
        assert session.status(dt.date(2021, 3, 10)) == (("opening" if n % 2 else "deadlock"), False), n
    for session in sessions:
        session.close()


def test_facts_no_rule_reads_stay_out_of_the_rules_engine_but_not_out_of_the_session(seed):
    assert "statement" not in seed.analyst.rules.subjects
    verdict = seed.verdict(dt.datetime(2021, 3, 7, tzinfo=dt.timezone.utc))
    live = seed.analyst.memory.live
    assert live and all(f.subject in seed.analyst.rules.subjects for f in live.values())
    assert any(f.subject == "statement" for f in seed.history.events())
    assert verdict.status == "deadlock" and verdict.escalation
