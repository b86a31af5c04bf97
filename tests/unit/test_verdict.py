"""Verdicts on the JCPOA seed: what an analyst reads off the engine."""

from __future__ import annotations

import datetime as dt

from tests.conftest import NOW, add

MARCH_7 = dt.date(2021, 3, 7)


def test_seed_is_deadlock_with_escalation_on_2021_03_07(seed):
    verdict = seed.verdict(MARCH_7)
    assert verdict.status == "deadlock"
    assert verdict.escalation is True
    cycle = next(c for c in verdict.cycles if set(c.moves) == {"USA.grant_relief", "IRN.return_to_limits"})
    assert cycle.actors == ["IRN", "USA"]
    positions = {s.position.id: s.position for s in cycle.steps}
    assert set(positions) == {"usa_no_relief_until_compliance", "irn_reversible_steps"}
    assert "No." in positions["usa_no_relief_until_compliance"].quote
    assert "reversible" in positions["irn_reversible_steps"].quote
    evidence = {u.fact.subject: u.fact for s in cycle.steps for u in s.unmet if u.fact}
    assert evidence["IRN.enrichment_pct"].value == 20
    assert evidence["IRN.enrichment_pct"].at.date() == dt.date(2021, 1, 4)
    assert evidence["IRN.enrichment_pct"].source
    assert evidence["USA.oil_sanctions"].value == "in_force"
    dates = [e.at.date() for e in verdict.escalation_events]
    assert dates == [dt.date(2021, 2, 15), dt.date(2021, 2, 25), dt.date(2021, 3, 3)]


def test_summary_names_positions_facts_and_ways_out(seed):
    text = "\n".join(seed.verdict(MARCH_7).summary)
    assert "deadlock" in text
    assert "usa_no_relief_until_compliance" in text and "irn_reversible_steps" in text
    assert "20 % U-235 since 2021-01-04" in text
    assert "Escalation" in text
    assert "Way out" in text


def test_openings_are_ranked_and_concessions_minimal(seed):
    verdict = seed.verdict(MARCH_7)
    ranks = [o.rank for o in verdict.openings]
    assert ranks == list(range(1, len(ranks) + 1))
    relief = next(o for o in verdict.openings if o.what == "USA.grant_relief")
    assert relief.breaks_all_cycles and relief.reaches_goal
    assert set(relief.satisfies) >= {"irn_reversible_steps", "irn_no_talks_without_relief"}
    assert relief.breaches == ["usa_no_relief_until_compliance"]
    talks = next(o for o in verdict.openings if o.what == "IRN.join_talks")
    assert not talks.breaks_all_cycles
    assert verdict.openings.index(relief) < verdict.openings.index(talks)
    assert verdict.concessions.exact
    assert verdict.concessions.size == 1
    assert sorted(map(tuple, verdict.concessions.sets)) == [("irn_reversible_steps",), ("usa_no_relief_until_compliance",)]


def test_back_within_limits_opens_then_enrichment_rising_deadlocks_again(seed):
    add(seed, {"at": "2021-03-10", "actor": "IRN", "subject": "enrichment_pct", "value": 3.67, "source": "test"},
        {"at": "2021-03-10", "actor": "IRN", "subject": "stockpile_kg_u", "value": 200, "source": "test"})
    opened = seed.verdict(dt.date(2021, 3, 11))
    assert opened.status == "opening"
    first = opened.openings[0]
    assert first.available_now and first.what == "USA.grant_relief"
    assert "usa_no_relief_until_compliance" in first.description
    assert opened.cycles == []

    add(seed, {"at": "2021-03-20", "actor": "IRN", "subject": "enrichment_pct", "value": 60, "source": "test"})
    again = seed.verdict(dt.date(2021, 3, 21))
    assert again.status == "deadlock"
    step = next(s for c in again.cycles for s in c.steps if s.position.id == "usa_no_relief_until_compliance")
    assert {u.fact.value for u in step.unmet if u.fact and u.fact.subject == "IRN.enrichment_pct"} == {60}
    # and the opening in between is still there for the dates it held
    assert seed.verdict(dt.date(2021, 3, 15)).status == "opening"


def test_late_fact_dated_earlier_changes_later_dates_only(seed):
    before = seed.verdict(dt.date(2021, 2, 1)).status
    assert seed.verdict(MARCH_7).status == "deadlock"
    add(seed, {"at": "2021-02-20", "actor": "USA", "subject": "oil_sanctions", "value": "eased", "source": "late report"})
    assert seed.verdict(dt.date(2021, 2, 1)).status == before
    after = seed.verdict(MARCH_7)
    assert after.status == "opening"
    assert seed.verdict(dt.date(2021, 2, 19)).status == before


def test_compliance_for_compliance_variant_opens_and_is_named(seed):
    add(seed, {"at": "2021-03-08", "actor": "USA", "subject": "relief_policy", "value": "compliance_for_compliance", "source": "test"})
    verdict = seed.verdict(dt.date(2021, 3, 9))
    assert verdict.status == "opening"
    first = verdict.openings[0]
    assert first.kind == "variant" and first.available_now
    assert "compliance_for_compliance" in first.description
    assert first.evidence[0].variant == "compliance_for_compliance"
    assert "strict compliance" in first.evidence[0].quote


def test_escalation_turns_off_after_the_window(seed):
    assert seed.verdict(dt.date(2021, 4, 1)).escalation is True
    assert seed.verdict(dt.date(2021, 4, 3)).escalation is False


def test_talks_held_are_progress_on_the_interim_goal_but_never_hide_the_deal(seed):
    add(seed, {"at": "2021-04-06", "subject": "talks", "value": "indirect", "source": "Vienna talks open"})
    verdict = seed.verdict(dt.date(2021, 4, 7))
    goals = {g.id: g for g in verdict.goals}
    assert goals["talks_held"].status == "progress" and goals["talks_held"].rank == "interim"
    assert goals["deal_restored"].status == "deadlock" and goals["deal_restored"].blocked_by == ["cycle"]
    assert verdict.status == "deadlock"  # the main goal's
    assert verdict.cycles and verdict.concessions.sets
    assert "deal_restored" in verdict.summary[0] and "deadlock" in verdict.summary[0]


def test_timeline_shows_each_transition_on_its_date(seed):
    entries = seed.timeline()
    pairs = [(e.at.date(), e.status, e.escalation) for e in entries]
    assert (dt.date(2018, 11, 5), "deadlock", False) in pairs
    assert (dt.date(2021, 3, 3), "deadlock", True) in pairs
    vienna = next(e for e in entries if e.at == dt.datetime(2021, 4, 2, tzinfo=dt.timezone.utc))
    assert "talks_held: deadlock → opening" in vienna.changes  # a goal's change under the same headline status
    assert {s.id for s in vienna.statements} == {"irn_no_informal_talks", "irn_vienna_talks"}
    assert all(a.at < b.at for a, b in zip(entries, entries[1:]))
    assert all(b.changes for b in entries[1:])  # each entry says what changed


def test_silence_is_not_consent(seed):
    # nobody had said in 2019 that Iran would join indirect talks: no opening rests on that
    verdict = seed.verdict(dt.date(2019, 1, 1))
    assert verdict.status == "deadlock"
    talks = next(g for g in verdict.goals if g.id == "talks_held")
    assert talks.status == "deadlock" and "untested" in talks.blocked_by and talks.untested == ["IRN.join_indirect_talks"]
    assert talks.reachable_if_willing
    ask = next(o for o in verdict.openings if o.move == "IRN.join_indirect_talks")
    assert ask.kind == "ask" and not ask.available_now and ask.description.startswith("Ask IRN whether it would")
    assert {s.move: s.stance for s in verdict.stances}["IRN.join_indirect_talks"] == "unknown"
    assert not any(line.startswith("Opening now") for line in verdict.summary)


def test_an_opening_rests_on_an_offer_in_force(seed):
    later = seed.verdict(dt.date(2021, 4, 3))
    talks = next(g for g in later.goals if g.id == "talks_held")
    assert talks.status == "opening"
    first = next(o for o in later.openings if o.available_now)
    assert first.what == "IRN.join_indirect_talks" and "irn_vienna_talks" in first.description
    assert [e.id for e in first.evidence] == ["irn_vienna_talks"] and first.evidence[0].kind == "offer"
    stance = next(s for s in later.stances if s.move == "IRN.join_indirect_talks")
    assert stance.stance == "willing" and stance.evidence[0].said_by.startswith("Mohammad Javad Zarif")


def test_a_fact_no_rule_reads_gives_the_kept_verdict_and_a_read_one_a_new_one(seed):
    as_of = dt.datetime(2021, 3, 7, tzinfo=dt.timezone.utc)
    before = seed.verdict(as_of)
    add(seed, {"at": "2021-03-06", "actor": "IRN", "subject": "statement", "value": "no talks under pressure"})
    assert seed.verdict(as_of) is before  # nothing the analysis reads changed
    add(seed, {"at": "2021-03-06", "actor": "IRN", "subject": "enrichment_pct", "value": 20})  # same value, a new fact
    after = seed.verdict(as_of)
    assert after is not before and after.status == before.status
    cited = {u.fact.id for c in after.cycles for s in c.steps for u in s.unmet if u.fact and u.fact.subject == "IRN.enrichment_pct"}
    assert cited == {seed.history.state_as_of(as_of)["IRN.enrichment_pct"].id}


def test_a_withheld_move_shows_what_is_unmet_by_the_values_of_its_own_verdict(seed):
    """Blocks and their evidence are kept from one verdict to the next (by the values they
    read): a value that changes and changes back is seen each time, with its gap."""
    as_of = dt.datetime(2021, 3, 7, tzinfo=dt.timezone.utc)

    def unmet() -> list[tuple[str, float | None]]:
        stance = next(s for s in seed.verdict(as_of).stances if s.move == "USA.grant_relief")
        assert stance.stance == "withheld"
        return [(u.test, u.gap) for u in stance.unmet]

    both = [("IRN.enrichment_pct ≤ 3.67 % U-235", 16.33), ("IRN.stockpile_kg_u ≤ 202.8 kg U", 2765.0)]
    assert unmet() == both
    add(seed, {"at": "2021-03-06", "actor": "IRN", "subject": "enrichment_pct", "value": 3.67})
    assert unmet() == both[1:]
    add(seed, {"at": "2021-03-06T12:00:00", "actor": "IRN", "subject": "enrichment_pct", "value": 20})
    assert unmet() == both


def test_a_late_fact_that_changes_only_a_trend_gives_a_new_verdict(seed):
    as_of = dt.datetime(2021, 3, 7, tzinfo=dt.timezone.utc)

    def trend() -> set:
        return {u.trend for c in seed.verdict(as_of).cycles for s in c.steps for u in s.unmet if u.fact and u.fact.subject == "IRN.enrichment_pct"}

    assert trend() == {"away"}  # 4.5 % before, 20 % now: further from 3.67 %
    add(seed, {"at": "2020-12-01", "actor": "IRN", "subject": "enrichment_pct", "value": 60})  # late: now 20 % follows 60 %
    assert trend() == {"toward"}


def test_escalation_ends_a_window_after_the_last_strike_though_the_strikes_are_still_read(seed):
    last = max(e.at for e in seed.history.events() if e.subject == "strike")
    window = dt.timedelta(days=seed.rulebook.escalations["tit_for_tat"].window_days)
    assert seed.verdict(last + window).escalation
    later = seed.verdict(last + window + dt.timedelta(hours=1))
    assert not later.escalation and later.escalation_chains == []



def test_a_strike_answered_exactly_a_window_later_still_links_the_chain(jcpoa):
    """Each answer within ``window_days`` of the one before links the chain, the last day of
    the window included."""
    session = jcpoa.new_session("edge", clock=NOW)
    window = jcpoa.rulebook.escalations["tit_for_tat"].window_days
    days = [dt.date(2022, 1, 1) + dt.timedelta(days=window * i) for i in range(3)]
    add(session, *({"at": day.isoformat(), "actor": actor, "target": target, "subject": "strike", "value": "strike"}
                   for day, (actor, target) in zip(days, [("IRN", "USA"), ("USA", "IRN"), ("IRN", "USA")], strict=True)))
    verdict = session.verdict(days[-1])
    assert verdict.escalation and [e.at.date() for e in verdict.escalation_events] == days
    add(session, {"at": (days[-1] + dt.timedelta(days=window + 1)).isoformat(), "actor": "USA", "target": "IRN",
                  "subject": "strike", "value": "strike"})  # a day too late: no link, and no chain of its own
    assert not session.verdict(days[-1] + dt.timedelta(days=window + 1)).escalation
    session.close()


VERDICT_OF_A_GENERATED_SCENARIO = """
import sys, tempfile, pathlib
from benchmarks import generate, world
from engine.analysis import explain
from engine.live_session import Session
from ripeness.bootstrap import rules_engine
explain.MAX_CYCLES = 7  # the cap falls inside a component that holds several cycles
loaded = world.load(dict(actors=6, positions=60, cycles=[2, 3, 4, 6], subjects=120, seed=3), folder=pathlib.Path(tempfile.mkdtemp()))
subjects = len(loaded.generated.state_subjects)
facts = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects, subjects=subjects, events=0, seed=3)))
_, head = world.heads(facts, generate.START)
session = Session("s", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
session.record(world.resolve(loaded.rulebook, facts))
sys.stdout.write(session.verdict().model_dump_json())
"""


def test_a_verdict_is_the_same_in_every_process_whatever_the_string_hashing():
    """Sets of move names iterate in an order that changes with PYTHONHASHSEED: neither the
    cycles listed nor their order may depend on it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    def verdict(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        return subprocess.run([sys.executable, "-c", VERDICT_OF_A_GENERATED_SCENARIO], env=env, cwd=Path(__file__).parents[2],
                              capture_output=True, text=True, check=True, timeout=120).stdout

    first = verdict("1")
    assert '"cycles":[{' in first
    for hash_seed in ("2", "3", "4"):
        assert verdict(hash_seed) == first, hash_seed


def test_every_verdict_is_equal_to_itself_validated_from_its_json(seed, tmp_path):
    """A verdict is of its declared types throughout (what the API's clients and the
    Gherkin steps read back): on the seed at several dates and on a generated deadlock."""
    from benchmarks import generate, world
    from engine.live_session import Session
    from engine.verdict import Verdict
    from ripeness.bootstrap import rules_engine

    verdicts = [seed.verdict(day) for day in (dt.date(2019, 6, 1), MARCH_7, dt.date(2021, 4, 20))]
    loaded = world.load(dict(actors=6, positions=40, cycles=[2, 3, 4], subjects=80, seed=2), folder=tmp_path / "rules")
    subjects = len(loaded.generated.state_subjects)
    facts = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects, subjects=subjects, events=0, seed=2)))
    _, head = world.heads(facts, generate.START)
    session = Session("s", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    session.record(world.resolve(loaded.rulebook, facts))
    verdicts.append(session.verdict())
    session.close()
    assert len(verdicts[-1].openings) > 10
    for verdict in verdicts:
        assert verdict.openings
        assert Verdict.model_validate_json(verdict.model_dump_json()) == verdict


def test_a_verdict_cites_each_hostile_event_once_and_its_chains_name_them_by_id(seed):
    """Live chains overlap (two strikes answering the same one make two chains sharing their
    start): each event is cited once, in ``escalation_events`` by time then id, and every
    chain (and a stalemate's escalation) names its events by ids that resolve there."""
    add(seed, {"at": "2021-03-04", "actor": "IRN", "target": "USA", "subject": "strike", "value": "second answer"})
    verdict = seed.verdict(MARCH_7)
    ids = [e.id for e in verdict.escalation_events]
    assert len(ids) == len(set(ids)) == 4
    assert [(e.at, e.id) for e in verdict.escalation_events] == sorted((e.at, e.id) for e in verdict.escalation_events)
    cited = {e.id: e for e in verdict.escalation_events}
    chains = verdict.escalation_chains
    assert len(chains) == 2 and chains[0].events[:2] == chains[1].events[:2]  # the two share their first two events
    for chain in chains:
        assert all(i in cited for i in chain.events) and chain.size == len(chain.events)
        assert (chain.first_at, chain.last_at) == (cited[chain.events[0]].at, cited[chain.events[-1]].at)
    assert {i for c in chains for i in c.events} == set(ids)
    stalemate = next(r for r in verdict.ripeness if r.goal == "deal_restored").stalemate
    assert stalemate.escalation_failed and stalemate.escalation == ids
    assert verdict.model_dump_json().count(f'"id":"{ids[0]}"') == 1  # cited whole once in the JSON


WAY_OUT_NOW = """\
scenario: {id: wo, title: Talks possible while the deal is refused (synthetic)}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: talks, type: enum, values: [none, held]}
  - {id: signed, actor: A, type: bool}
moves:
  - {id: hold_talks, actor: B, consent: [A], done_when: {subject: talks, eq: held}}
  - {id: sign, actor: A, done_when: {subject: A.signed, eq: true}}
goals:
  - {id: deal, rank: main, done_when: {subject: A.signed, eq: true}, needs: [A.sign]}
  - {id: talks_held, rank: interim, done_when: {subject: talks, eq: held}, needs: [B.hold_talks]}
positions:
  - {id: a_never, actor: A, withholds: A.sign, quote: We will never sign., source: synthetic}
offers:
  - {id: b_talks, actor: B, offers: B.hold_talks, quote: Let us talk., source: synthetic}
  - {id: a_talks, actor: A, offers: B.hold_talks, quote: We will talk., source: synthetic}
"""


def test_under_a_deadlock_a_way_out_possible_now_is_numbered_and_named_not_left_out(tmp_path):
    # the talks could be held now, the deal is refused: the summary numbers the ways out as
    # ranked (it began at "Way out 2" when it left the first out) and says what the first opens
    from tests.unit.small import verdict_of
    verdict = verdict_of(tmp_path, WAY_OUT_NOW, [{"at": "2024-01-01", "subject": "talks", "value": "none"},
                                                 {"at": "2024-01-01", "actor": "A", "subject": "signed", "value": False}],
                         dt.date(2024, 2, 1))
    assert verdict.status == "deadlock" and verdict.openings[0].available_now
    ways = [line for line in verdict.summary if line.startswith(("Way out", "Opening now"))]
    assert ways[0].startswith("Way out 1 (possible now, toward talks_held): B can hold talks now")
    assert ways[1].startswith("Way out 2: A makes 'sign'")
