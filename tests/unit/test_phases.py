"""Main goals in phases: the headline follows the first phase not done (docs/concepts.md,
"The headline"; rules/README.md, goals: ``phase``)."""

from __future__ import annotations

import datetime as dt

from engine.sessions import BASELINE
from tests.unit.small import NOTHING_GIVEN, TWO_PARTIES, rule_file_problems, sessions_with, verdict_of

# phase 1: Alpha signs; phase 2: Beta puts the deal into effect.  Beta refuses outright.
PHASED = "scenario: {id: phased, title: A deal in two phases}" + TWO_PARTIES + """
moves:
  - {id: give, actor: A, done_when: {subject: A.a_x, eq: "yes"}}
  - {id: give, actor: B, done_when: {subject: B.b_y, eq: "yes"}}
goals:
  - {id: signed, rank: main, phase: 1, done_when: {subject: A.a_x, eq: "yes"}, needs: [A.give]}
  - {id: in_effect, rank: main, phase: 2, done_when: {subject: B.b_y, eq: "yes"}, needs: [B.give]}
offers:
  - {id: a_will, actor: A, offers: A.give, quote: "We will sign.", source: s}
positions:
  - {id: b_never, actor: B, withholds: B.give, quote: "Never.", source: s}
"""
SIGNED = [{"at": "2024-01-01", "actor": "A", "subject": "a_x", "value": "yes", "source": "s"},
          {"at": "2024-01-01", "actor": "B", "subject": "b_y", "value": "no", "source": "s"}]
DAY = dt.date(2024, 2, 1)


def verdict(folder, rules, facts):
    folder.mkdir()
    return verdict_of(folder, rules, facts, DAY)


def test_the_headline_follows_the_first_phase_not_done(tmp_path):
    before = verdict(tmp_path / "before", PHASED, NOTHING_GIVEN)
    assert {g.id: g.status for g in before.goals} == {"signed": "opening", "in_effect": "deadlock"}
    assert before.status == "opening"  # the refusal of the second phase does not hide the first's opening
    after = verdict(tmp_path / "after", PHASED, SIGNED)
    assert {g.id: g.status for g in after.goals} == {"signed": "progress", "in_effect": "deadlock"}
    assert after.status == "deadlock"  # signed, but the phase it is now at is refused
    assert after.summary[0].startswith("As of 2024-02-01, A deal in two phases: deadlock — in_effect")
    assert "Phases: 1. signed: done; 2. in_effect: deadlock (the phase the headline follows)." in after.summary
    assert [r.move for r in after.refusals] == ["B.give"]


def test_every_phase_done_is_progress_and_goals_without_phases_stay_alternatives(tmp_path):
    done = [*SIGNED[:1], {"at": "2024-01-01", "actor": "B", "subject": "b_y", "value": "yes", "source": "s"}]
    assert verdict(tmp_path / "done", PHASED, done).status == "progress"
    unphased = PHASED.replace(" phase: 1,", "").replace(" phase: 2,", "")
    assert verdict(tmp_path / "alternatives", unphased, SIGNED).status == "progress"  # the best main goal


def test_phases_are_for_main_goals_one_goal_a_phase(tmp_path):
    interim = rule_file_problems(tmp_path / "interim", PHASED.replace("rank: main, phase: 2", "rank: interim, phase: 2"))
    assert [(p.field, p.message.split(":")[0]) for p in interim] == [("goals.1.phase", "only main goals have phases")]
    twice = rule_file_problems(tmp_path / "twice", PHASED.replace("phase: 2", "phase: 1"))
    assert [(p.field, p.message.split(":")[0]) for p in twice] == [("goals.1.phase", "phase 1 is already goal 'signed''s")]


def test_a_phase_done_is_no_interim_goal_it_raises_no_headline(tmp_path):
    # Beta has said nothing of putting the deal into effect: the phase the headline follows
    # waits only on an untested move, which an interim goal's progress could carry, but the
    # signing, done, is the deal's first phase, not an interim goal
    silent = PHASED.replace('  - {id: b_never, actor: B, withholds: B.give, quote: "Never.", source: s}\n', "")
    silent = silent.replace("positions:\n", "")
    signed = verdict(tmp_path / "signed", silent, SIGNED)
    assert {g.id: g.status for g in signed.goals} == {"signed": "progress", "in_effect": "deadlock"}
    assert signed.status == "deadlock"
    assert signed.summary[0].startswith("As of 2024-02-01, A deal in two phases: deadlock — in_effect")
    talks = silent.replace("goals:\n", "goals:\n  - {id: talks, rank: interim, done_when: {subject: A.a_x, eq: \"yes\"}, needs: [A.give]}\n")
    carried = verdict(tmp_path / "talks", talks, SIGNED)
    assert carried.status == "progress"  # a real interim goal still carries it: no standoff, only silence
    assert "interim goal talks under way; main goal in_effect" in carried.summary[0]


def test_the_next_phase_being_carried_out_is_progress_unless_it_is_refused(tmp_path):
    # docs/modelling.md, step 3, "An agreed step being carried out": the work toward the
    # second phase (Beta's bill before its parliament) as an interim goal done while it goes on
    carrying = """goals:
  - {id: bill_before_parliament, rank: interim, done_when: {subject: B.b_bill, eq: "filed"}, needs: [B.file]}
"""
    moves = "moves:\n  - {id: file, actor: B, done_when: {subject: B.b_bill, eq: \"filed\"}}\n"
    bill = '  - {id: b_bill, actor: B, type: enum, values: ["none", "filed"]}\nmoves:\n'
    rules = PHASED.replace("goals:\n", carrying).replace("moves:\n", bill + moves.removeprefix("moves:\n"))
    filed = [*SIGNED, {"at": "2024-01-15", "actor": "B", "subject": "b_bill", "value": "filed", "source": "s"}]
    refused = verdict(tmp_path / "refused", rules, filed)
    assert refused.status == "deadlock"  # Beta refuses the second phase: the bill does not hide it
    silent = rules.replace('  - {id: b_never, actor: B, withholds: B.give, quote: "Never.", source: s}\n', "").replace("positions:\n", "")
    carried = verdict(tmp_path / "carried", silent, filed)
    assert carried.status == "progress"
    assert "interim goal bill_before_parliament under way; main goal in_effect" in carried.summary[0]
    assert verdict(tmp_path / "not_yet", silent, SIGNED).status == "deadlock"  # before the bill, silence


# Talks on each phase as interim goals, each a step ``toward`` its phase; nobody has said
# anything of signing or of putting the deal into effect (both moves untested).
TOWARD = PHASED.replace("positions:\n", "").replace('  - {id: b_never, actor: B, withholds: B.give, quote: "Never.", source: s}\n', "")
TOWARD = TOWARD.replace('  - {id: a_will, actor: A, offers: A.give, quote: "We will sign.", source: s}\n', "").replace("offers:\n", "")
TOWARD = TOWARD.replace('  - {id: b_y, actor: B, type: enum, values: ["no", "yes"]}\n',
                        '  - {id: b_y, actor: B, type: enum, values: ["no", "yes"]}\n'
                        '  - {id: sign_talks, type: enum, values: ["none", "held"]}\n'
                        '  - {id: effect_talks, type: enum, values: ["none", "held"]}\n')
TOWARD = TOWARD.replace("moves:\n", "moves:\n  - {id: talk, actor: A, done_when: {subject: sign_talks, eq: held}}\n"
                        "  - {id: talk, actor: B, done_when: {subject: effect_talks, eq: held}}\n")
TOWARD = TOWARD.replace("goals:\n", "goals:\n"
                        "  - {id: signing_talks, rank: interim, toward: signed, done_when: {subject: sign_talks, eq: held}, needs: [A.talk]}\n"
                        "  - {id: effect_talks_held, rank: interim, toward: in_effect, done_when: {subject: effect_talks, eq: held}, needs: [B.talk]}\n")


def talks(*which: str, signed: bool = False) -> list[dict]:
    facts = [dict(f) for f in (SIGNED if signed else NOTHING_GIVEN)]
    for subject in ("sign_talks", "effect_talks"):
        facts.append({"at": "2024-01-10", "subject": subject, "value": "held" if subject in which else "none", "source": "s"})
    return facts


def test_an_interim_goal_counts_only_while_the_goal_it_is_a_step_toward_makes_the_headline(tmp_path):
    # talks on putting the deal into effect, while the deal is unsigned: not progress
    early = verdict(tmp_path / "early", TOWARD, talks("effect_talks"))
    assert {g.id: g.status for g in early.goals}["effect_talks_held"] == "progress"
    assert early.status == "deadlock"
    assert early.summary[0].startswith("As of 2024-02-01, A deal in two phases: deadlock — signed out of reach")
    assert "Interim goal effect_talks_held: progress (a step toward in_effect, not the goal the headline follows now)." in early.summary
    # the same talks without ``toward`` raise the headline, as every interim goal does
    assert verdict(tmp_path / "plain", TOWARD.replace(" toward: in_effect,", ""), talks("effect_talks")).status == "progress"
    # talks on signing, while it is unsigned: they count
    signing = verdict(tmp_path / "signing", TOWARD, talks("sign_talks"))
    assert signing.status == "progress"
    assert "interim goal signing_talks under way; main goal signed" in signing.summary[0]
    # once signed, the headline follows putting it into effect: talks on signing no longer
    # count, talks on putting it into effect do
    assert verdict(tmp_path / "stale", TOWARD, talks("sign_talks", signed=True)).status == "deadlock"
    assert verdict(tmp_path / "next", TOWARD, talks("effect_talks", signed=True)).status == "progress"


def test_toward_names_a_main_goal_from_an_interim_one(tmp_path):
    main = rule_file_problems(tmp_path / "main", TOWARD.replace("{id: signed, rank: main,", "{id: signed, rank: main, toward: in_effect,"))
    assert [(p.field, p.message) for p in main] == [
        ("goals.2.toward", "only an interim goal is a step toward a main goal: a main goal makes the headline itself")]
    typo = rule_file_problems(tmp_path / "typo", TOWARD.replace("toward: in_effect", "toward: in_efect"))
    assert [(p.field, p.message) for p in typo] == [
        ("goals.1.toward", "'in_efect' is not a main goal of the scenario; did you mean 'in_effect'? (main goals: signed, in_effect)")]
    interim = rule_file_problems(tmp_path / "interim", TOWARD.replace("toward: in_effect", "toward: signing_talks"))
    assert [p.field for p in interim] == ["goals.1.toward"]


# docs/modelling.md, step 3, "An agreed step being carried out", as its rule-file example
# writes it: a joint move that starts the work produces the work subject
WORK = """scenario: {id: wk, title: Work under way}
actors:
  - {id: GOV, name: Government}
  - {id: REB, name: Rebels}
subjects:
  - {id: agreement, type: enum, values: [none, signed]}
  - {id: work, type: enum, values: [none, under_way, halted, completed]}
  - {id: troops, actor: REB, type: enum, values: [in_field, quartered]}
moves:
  - {id: sign, actor: GOV, consent: [REB], done_when: {subject: agreement, eq: signed}}
  - {id: start_work, actor: GOV, consent: [REB], after: [GOV.sign], done_when: {subject: work, eq: under_way}}
  - {id: quarter, actor: REB, after: [GOV.start_work], done_when: {subject: REB.troops, eq: quartered}}
goals:
  - {id: signed, rank: main, phase: 1, done_when: {subject: agreement, eq: signed}, needs: [GOV.sign]}
  - {id: in_effect, rank: main, phase: 2, done_when: {subject: REB.troops, eq: quartered}, needs: [REB.quarter]}
  - {id: carrying_out, rank: interim, toward: in_effect, done_when: {subject: work, in: [under_way, completed]}, needs: [GOV.start_work]}
"""


def test_the_guides_work_under_way_example_reads_progress_while_the_work_goes_on(tmp_path):
    facts = [{"at": "2024-01-01", "subject": s, "value": v, "source": "s"}
             for s, v in [("agreement", "signed"), ("work", "none"), ("REB.troops", "in_field")]]
    facts += [{"at": "2024-01-10", "subject": "work", "value": "under_way", "source": "s"},
              {"at": "2024-03-01", "subject": "work", "value": "halted", "source": "s"}]
    sessions = sessions_with(tmp_path / "work", WORK, facts)
    try:
        entries = sessions.timeline(BASELINE)
        assert [(e.at.date().isoformat(), e.status) for e in entries] == [
            ("2024-01-01", "deadlock"), ("2024-01-10", "progress"), ("2024-03-01", "deadlock")]
        assert "carrying_out: deadlock → progress" in entries[1].changes
    finally:
        sessions.close()


def test_the_guides_work_under_way_example_stays_done_once_the_work_is_completed(tmp_path):
    """Work recorded ``completed`` when it is done keeps its goal done: with ``eq: under_way``
    alone, the goal read as an opening for ever after (the ``iran_us_prisoners_2023``
    modeller's timeline)."""
    facts = [{"at": "2024-01-01", "subject": s, "value": v, "source": "s"}
             for s, v in [("agreement", "signed"), ("work", "none"), ("REB.troops", "in_field")]]
    facts += [{"at": "2024-01-10", "subject": "work", "value": "under_way", "source": "s"},
              {"at": "2024-03-01", "subject": "REB.troops", "value": "quartered", "source": "s"},
              {"at": "2024-03-01", "subject": "work", "value": "completed", "source": "s"}]
    sessions = sessions_with(tmp_path / "work", WORK, facts)
    try:
        verdict = sessions.verdict(BASELINE, as_of=dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc))
        assert {g.id: g.status for g in verdict.goals}["carrying_out"] == "progress"
        assert verdict.status == "progress"
    finally:
        sessions.close()
