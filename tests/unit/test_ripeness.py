"""Ripeness of the main goal: who is hurting (declared costs), a stalemate, a mutually
hurting stalemate, a way out; each part with its evidence and the date it became true, in
the verdict and the timeline, never changing the headline status."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap

from engine.rulebook import check_folder
from ripeness.bootstrap import load_scenario
from tests.conftest import JCPOA, NOW, add
from tests.unit.test_rulebook_errors import only, scenario

MARCH_7 = dt.date(2021, 3, 7)


def deal(verdict):
    return next(r for r in verdict.ripeness if r.goal == "deal_restored")


def test_the_seed_is_ripe_on_2021_03_07_and_the_headline_stays_deadlock(seed):
    verdict = seed.verdict(MARCH_7)
    assert verdict.status == "deadlock"
    assert [r.goal for r in verdict.ripeness] == ["deal_restored"]  # main goals only
    ripe = deal(verdict)
    assert ripe.status == "ripe" and ripe.since == dt.date(2021, 2, 18)
    parties = {p.party: p for p in ripe.parties}
    assert parties["IRN"].hurting and parties["USA"].hurting and ripe.mutually_hurting
    sanctions = next(c for c in parties["IRN"].costs if c.cost == "irn_oil_sanctions")
    assert sanctions.why == "condition" and sanctions.since == dt.date(2018, 11, 5)
    assert [(f.subject, f.value) for f in sanctions.facts] == [("USA.oil_sanctions", "in_force")]
    assert "US Treasury" in sanctions.facts[0].source
    stalemate = ripe.stalemate
    assert stalemate.holds and stalemate.moves == ["IRN.return_to_limits", "USA.grant_relief"]
    assert stalemate.deadlock_since == dt.date(2019, 5, 8) and stalemate.days == 669
    assert stalemate.since == dt.date(2019, 5, 8) + dt.timedelta(days=180)
    assert {s.id for s in stalemate.statements} == {"irn_reversible_steps", "usa_no_relief_until_compliance"}
    assert stalemate.escalation_failed  # the strikes of February and March left the deadlock standing
    cited = {e.id: e for e in verdict.escalation_events}  # the stalemate names the verdict's events by id
    assert [cited[i].at.date() for i in stalemate.escalation] == [dt.date(2021, 2, 15), dt.date(2021, 2, 25), dt.date(2021, 3, 3)]
    assert ripe.mutually_hurting_stalemate
    assert ripe.way_out.holds and ripe.way_out.since == dt.date(2021, 2, 18)
    assert [s.variant for s in ripe.way_out.statements] == ["compliance_for_compliance"]
    assert "Blinken" in ripe.way_out.statements[0].said_by


def test_before_the_variant_was_said_it_is_ripening_and_before_iran_broke_the_limits_not_ripe(seed):
    before = deal(seed.verdict(dt.date(2021, 2, 10)))
    assert before.status == "ripening" and not before.way_out.holds and before.mutually_hurting_stalemate
    early = deal(seed.verdict(dt.date(2019, 6, 1)))
    assert early.status == "not_ripe" and early.since is None
    usa = next(p for p in early.parties if p.party == "USA")
    assert not usa.hurting and early.stalemate.holds  # a stalemate, but only Iran hurts
    assert not early.mutually_hurting_stalemate


def test_the_timeline_says_when_ripeness_began_and_why(seed):
    entries = {e.at.date(): e for e in seed.timeline()}
    began = [line for line in entries[dt.date(2019, 7, 1)].changes if line.startswith("ripeness")]
    assert began == ["ripeness of deal_restored: not_ripe → ripening (mutually hurting stalemate since 2019-07-01; no way out)"]
    ripe = [line for line in entries[dt.date(2021, 2, 18)].changes if line.startswith("ripeness")]
    assert len(ripe) == 1 and "ripening → ripe" in ripe[0] and "compliance_for_compliance" in ripe[0]
    assert entries[dt.date(2021, 2, 18)].status == "deadlock"


def test_ripeness_ends_when_a_side_stops_hurting(seed):
    add(seed, {"at": "2021-03-10", "actor": "IRN", "subject": "enrichment_pct", "value": 3.67, "source": "test"},
        {"at": "2021-03-10", "actor": "IRN", "subject": "stockpile_kg_u", "value": 200, "source": "test"})
    after = deal(seed.verdict(dt.date(2021, 3, 11)))
    assert after.status == "ripening" and not after.stalemate.holds and after.way_out.holds
    entry = next(e for e in seed.timeline() if e.at.date() == dt.date(2021, 3, 10))
    assert any(line.startswith("ripeness of deal_restored: ripe → ripening") for line in entry.changes)


def test_a_longer_declared_stalemate_is_not_reached(tmp_path):
    folder = tmp_path / "jcpoa"
    shutil.copytree(JCPOA, folder)
    path = folder / "scenario.yaml"
    path.write_text(path.read_text().replace("  title: US–Iran", "  stalemate_days: 1000\n  title: US–Iran"))
    session = load_scenario(folder).replay(folder / "facts.yaml", clock=NOW)
    try:
        ripe = deal(session.verdict(MARCH_7))
        assert not ripe.stalemate.holds and ripe.stalemate.deadlock and ripe.stalemate.min_days == 1000
        assert ripe.status == "ripening"  # the way out alone
    finally:
        session.close()


COSTS = """\
    subjects:
      - {id: inflation_pct, actor: IRN, type: number, unit: "%"}
      - {id: oil_exports_mbd, actor: IRN, type: number, unit: mb/d}
    costs:
      - {id: inflation, party: IRN, subject: IRN.inflation_pct, threshold: 30}
      - {id: exports_falling, party: IRN, subject: IRN.oil_exports_mbd, worse: lower, rising_days: 90, by: 0.2}
    """


def test_a_threshold_and_a_rising_cost_with_their_dates(tmp_path):
    folder = tmp_path / "jcpoa"
    shutil.copytree(JCPOA, folder)
    (folder / "more_costs.yaml").write_text(textwrap.dedent(COSTS))
    session = load_scenario(folder).replay(folder / "facts.yaml", clock=NOW)
    try:
        add(session, {"at": "2018-06-01", "actor": "IRN", "subject": "oil_exports_mbd", "value": 2.5, "source": "a"},
            {"at": "2019-06-01", "actor": "IRN", "subject": "oil_exports_mbd", "value": 0.4, "source": "b"},
            {"at": "2019-01-01", "actor": "IRN", "subject": "inflation_pct", "value": 31, "source": "c"},
            {"at": "2019-04-01", "actor": "IRN", "subject": "inflation_pct", "value": 40, "source": "d"},
            {"at": "2019-10-01", "actor": "IRN", "subject": "inflation_pct", "value": 25, "source": "e"})

        def costs(day):
            party = next(p for p in deal(session.verdict(day)).parties if p.party == "IRN")
            return {c.cost: c for c in party.costs}

        june = costs(dt.date(2019, 6, 15))
        assert june["inflation"].why == "threshold" and june["inflation"].since == dt.date(2019, 1, 1)  # 31 then 40: both at or above 30
        assert [f.source for f in june["inflation"].facts] == ["c", "d"]
        assert june["exports_falling"].why == "rising" and june["exports_falling"].since == dt.date(2019, 6, 1)
        assert "2.5 mb/d to 0.4 mb/d" in june["exports_falling"].text
        assert "exports_falling" in costs(dt.date(2019, 8, 30))  # 90 days after the fall
        later = costs(dt.date(2019, 9, 1))
        assert "exports_falling" not in later and "inflation" in later  # 92 days: no longer rising
        assert "inflation" not in costs(dt.date(2019, 10, 2))  # 25 %: below the threshold
    finally:
        session.close()


def test_cost_errors_name_file_line_and_field(tmp_path):
    folder = scenario(tmp_path, """\
        costs:
          - id: pain
            party: C
            subject: A.level
            threshold: 3
        """)
    problem = only(folder)
    assert problem.where == f"{folder / 'extra.yaml'}:3" and problem.field == "costs.0.party"
    assert "unknown actor 'C'" in problem.message
    folder = scenario(tmp_path / "2", """\
        costs:
          - id: pain
            party: A
            subject: strike
            rising_days: 30
        """)
    problem = only(folder)
    assert problem.field == "costs.0.subject" and "number state subject" in problem.message
    folder = scenario(tmp_path / "3", """\
        costs:
          - id: pain
            party: A
        """)
    problem = only(folder)
    assert problem.field.startswith("costs.0") and "at least one of 'threshold'" in problem.message
    folder = scenario(tmp_path / "4", """\
        costs:
          - id: pain
            party: A
            while_in_force: [no_such_position]
        """)
    problem = only(folder)
    assert problem.field == "costs.0.while_in_force.0" and "unknown position or offer 'no_such_position'" in problem.message
    folder = scenario(tmp_path / "5", """\
        costs:
          - id: pain
            party: B
            when: {subject: mood, eq: furious}
        """)
    problem = only(folder)
    assert problem.field == "costs.0.when.eq" and "furious" in problem.message
    rulebook, problems = check_folder(JCPOA)
    assert not problems and set(rulebook.costs) == {"irn_oil_sanctions", "irn_maximum_pressure", "usa_nuclear_advance"}


def test_the_cli_prints_ripeness_with_its_evidence():
    from typer.testing import CliRunner

    from ripeness.cli import app

    result = CliRunner().invoke(app, ["verdict", str(JCPOA), str(JCPOA / "facts.yaml"), "--as-of", "2021-03-07"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Ripeness of deal_restored: RIPE since 2021-02-18" in text
    assert "irn_oil_sanctions: USA.oil_sanctions = in_force since 2018-11-05" in text
    # a value read came after the cost began (20 % from January 2021): the date is the cost's, not the value's
    assert "usa_nuclear_advance: IRN.enrichment_pct = 20, IRN.stockpile_kg_u = 2967.8; the cost has held since 2020-11-11" in text
    assert "US Treasury, re-imposition of sanctions" in text
    assert "escalation failed to change it" in text
    assert "Antony Blinken" in text


def test_a_costs_facts_of_one_day_are_cited_in_one_order_whatever_order_they_arrived_in(jcpoa):
    """Found by the arrival-order property test: a cost's facts were cited in recording order."""
    day = [{"at": "2021-03-01", "actor": "IRN", "subject": "enrichment_pct", "value": 20.0, "source": "s"},
           {"at": "2021-03-01", "actor": "IRN", "subject": "stockpile_kg_u", "value": 2967.8, "source": "s"},
           {"at": "2021-03-01", "actor": "USA", "subject": "oil_sanctions", "value": "in_force", "source": "s"}]
    cited = []
    for facts in (day, day[::-1]):
        session = jcpoa.new_session("order", NOW)
        add(session, *facts)
        ripe = deal(session.verdict(dt.date(2021, 3, 2)))
        cited.append([[f.subject for f in c.facts] for p in ripe.parties for c in p.costs])
        session.close()
    assert cited[0] == cited[1] and ["IRN.enrichment_pct", "IRN.stockpile_kg_u"] in cited[0]


def test_a_cycle_through_an_order_of_moves_counts_its_days_from_the_position(tmp_path):
    # Alpha gives only once Beta has; Beta can give only after Alpha (``after``): a cycle
    # one of whose steps is an order of moves, not a stance.  The stalemate is as old as the
    # position that holds it, not "0 days" (the order of moves was taken as withheld today).
    from tests.unit.small import TWO_PARTIES, verdict_of

    rules = "scenario: {id: ordered, title: A cycle through an order}" + TWO_PARTIES + """
moves:
  - {id: give, actor: A, done_when: {subject: A.a_x, eq: "yes"}}
  - {id: give, actor: B, after: [A.give], done_when: {subject: B.b_y, eq: "yes"}}
goals:
  - {id: deal, done_when: {all: [{subject: A.a_x, eq: "yes"}, {subject: B.b_y, eq: "yes"}]}, needs: [A.give, B.give]}
offers:
  - {id: b_will, actor: B, offers: B.give, quote: "We will give.", source: s}
positions:
  - {id: a_first, actor: A, withholds: A.give, until: {subject: B.b_y, eq: "yes"}, quote: "You first.", source: s,
     in_force: {from: 2024-01-01}}
"""
    facts = [{"at": "2024-01-01", "actor": "A", "subject": "a_x", "value": "no", "source": "s"},
             {"at": "2024-01-01", "actor": "B", "subject": "b_y", "value": "no", "source": "s"}]
    folder = tmp_path / "ordered"
    folder.mkdir()
    verdict = verdict_of(folder, rules, facts, dt.date(2024, 6, 1))
    assert verdict.cycles, "the order of moves and the position make a cycle"
    [ripeness] = verdict.ripeness
    assert ripeness.stalemate.deadlock_since == dt.date(2024, 1, 1)
    assert ripeness.stalemate.days == (dt.date(2024, 6, 1) - dt.date(2024, 1, 1)).days
