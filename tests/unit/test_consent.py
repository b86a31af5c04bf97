"""A move that needs several parties' consent (``consent``): a law needs the House, the
Senate and the President; it is willing only when each of them is."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import RuleFileError
from ripeness.bootstrap import load_scenario
from tests.unit.small import rule_file_problems, verdict_of

LAW = """
scenario: {id: law, title: A law}
actors:
  - {id: HOUSE, name: House}
  - {id: SENATE, name: Senate}
  - {id: PRES, name: President}
subjects:
  - {id: law, type: bool}
moves:
  - {id: enact, actor: HOUSE, description: Enact the law., done_when: {subject: law, eq: true}, consent: [SENATE, PRES]}
goals:
  - {id: g, done_when: {subject: law, eq: true}, needs: [HOUSE.enact]}
"""
SAID = {
    "HOUSE": "  - {id: h_yes, actor: HOUSE, offers: HOUSE.enact, quote: We will pass it., source: s}",
    "SENATE": "  - {id: s_yes, actor: SENATE, offers: HOUSE.enact, quote: We will pass it too., source: s}",
    "PRES": "  - {id: p_yes, actor: PRES, offers: HOUSE.enact, quote: I will sign it., source: s}",
}
VETO = "positions:\n  - {id: p_veto, actor: PRES, withholds: HOUSE.enact, quote: I will veto it., source: s}\n"


def verdict(tmp_path, willing: tuple[str, ...] = (), extra: str = ""):
    offers = "offers:\n" + "\n".join(SAID[p] for p in willing) + "\n" if willing else ""
    return verdict_of(tmp_path, LAW + offers + extra, [{"at": "2024-01-01", "subject": "law", "value": False, "source": "s"}],
                      dt.date(2024, 2, 1))


def test_willing_only_when_every_party_is(tmp_path):
    result = verdict(tmp_path, ("HOUSE", "SENATE", "PRES"))
    [stance] = result.stances
    assert stance.stance == "willing" and [e.id for e in stance.evidence] == ["h_yes", "s_yes", "p_yes"] and stance.silent == []
    assert result.status == "opening"
    [now] = [o for o in result.openings if o.available_now]
    assert now.description == "HOUSE can enact (Enact the law) now: HOUSE and SENATE and PRES have each said they would (HOUSE: h_yes, SENATE: s_yes, PRES: p_yes)"


def test_unknown_while_a_party_is_silent_and_the_way_to_test_asks_each_silent_party(tmp_path):
    result = verdict(tmp_path, ("HOUSE",))
    [stance] = result.stances
    assert stance.stance == "unknown" and stance.silent == ["SENATE", "PRES"] and [e.id for e in stance.evidence] == []
    assert result.status == "deadlock" and result.goals[0].untested == ["HOUSE.enact"]
    [ask] = result.openings
    assert ask.kind == "ask"
    assert ask.description == "Ask SENATE and PRES whether each would agree that HOUSE makes 'enact' (Enact the law): they have not said"
    assert result.concessions.sets == [["unknown:HOUSE.enact:PRES", "unknown:HOUSE.enact:SENATE"]]
    assert {s.key: s.actor for s in result.concessions.stances} == {"unknown:HOUSE.enact:PRES": "PRES", "unknown:HOUSE.enact:SENATE": "SENATE"}
    assert result.goals[0].reachable_if_willing


def test_refused_when_one_party_refuses(tmp_path):
    result = verdict(tmp_path, ("HOUSE", "SENATE"), VETO)
    [stance] = result.stances
    assert stance.stance == "refused" and [e.id for e in stance.evidence] == ["p_veto"]
    assert [(r.move, r.actor) for r in result.refusals] == [("HOUSE.enact", "PRES")]
    assert result.concessions.sets == [["p_veto"]] and result.concessions.stances[0].actor == "PRES"


def test_a_refusal_outranks_silence(tmp_path):
    result = verdict(tmp_path, (), VETO)
    assert result.stances[0].stance == "refused" and result.stances[0].silent == ["HOUSE", "SENATE"]
    assert result.goals[0].blocked_by == ["refusal", "untested"]  # both hold it: the veto, and two silent chambers


def test_a_single_party_move_reads_as_before(tmp_path):
    result = verdict_of(tmp_path, LAW.replace(", consent: [SENATE, PRES]", "") + "offers:\n" + SAID["HOUSE"] + "\n",
                        [{"at": "2024-01-01", "subject": "law", "value": False, "source": "s"}], dt.date(2024, 2, 1))
    assert result.status == "opening" and result.stances[0].silent == []
    assert result.openings[0].description == "HOUSE can enact (Enact the law) now: it has said it will (offer h_yes)"


@pytest.mark.parametrize("consent, message", [
    ("[SENATE, SENATE]", "'SENATE' is named twice in 'consent'"),
    ("[HOUSE]", "HOUSE makes 'HOUSE.enact': 'consent' names the other actors whose consent it needs"),
    ("[SENAT]", "unknown actor 'SENAT'; did you mean 'SENATE'?"),
])
def test_check_names_a_wrong_consent(tmp_path, consent, message):
    assert message in "\n".join(map(str, rule_file_problems(tmp_path, LAW.replace("consent: [SENATE, PRES]", f"consent: {consent}"))))


def test_only_a_party_may_withhold_or_offer_the_move(tmp_path):
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(LAW).replace("consent: [SENATE, PRES]", "consent: [SENATE]")
                                         + "offers:\n" + SAID["PRES"] + "\n")
    with pytest.raises(RuleFileError) as caught:
        load_scenario(tmp_path)
    assert ("an actor can only offer its own moves: 'HOUSE.enact' is HOUSE's, the offer is PRES's"
            " (or one whose consent it needs: SENATE)") in str(caught.value)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["offer", "refuse", "silent"]), min_size=3, max_size=3))
def test_the_stance_is_the_least_willing_partys(tmp_path_factory, said):
    parties = ("HOUSE", "SENATE", "PRES")
    offers = [SAID[p] for p, s in zip(parties, said) if s == "offer"]
    refusals = [f"  - {{id: no_{p.lower()}, actor: {p}, withholds: HOUSE.enact, quote: q, source: s}}"
                for p, s in zip(parties, said) if s == "refuse"]
    rules = LAW + ("offers:\n" + "\n".join(offers) + "\n" if offers else "") + ("positions:\n" + "\n".join(refusals) + "\n" if refusals else "")
    result = verdict_of(tmp_path_factory.mktemp("law"), rules, [{"at": "2024-01-01", "subject": "law", "value": False, "source": "s"}],
                        dt.date(2024, 2, 1))
    expected = "refused" if "refuse" in said else "unknown" if "silent" in said else "willing"
    assert result.stances[0].stance == expected
    assert result.stances[0].silent == [p for p, s in zip(parties, said) if s == "silent"]
    assert (result.status == "opening") == (expected == "willing")
    asks = [o for o in result.openings if o.kind == "ask"]
    if asks:  # a way to test names every silent party, and only those
        assert expected == "unknown" and all(p in asks[0].description for p in result.stances[0].silent)


def test_every_party_whose_consent_a_needed_move_needs_is_a_side_for_ripeness(tmp_path):
    result = verdict(tmp_path, ("HOUSE",))
    [ripeness] = result.ripeness
    assert sorted(p.party for p in ripeness.parties if p.side) == ["HOUSE", "PRES", "SENATE"]


def test_a_move_after_another_names_its_silent_parties_not_its_actor(tmp_path):
    # the law can be enacted only after a bill is drafted; the House has offered, the Senate and
    # the President are silent: the order of moves says whose word is missing
    drafted = LAW.replace("subjects:\n", "subjects:\n  - {id: bill, type: bool}\n").replace(
        "consent: [SENATE, PRES]}", "consent: [SENATE, PRES], after: [HOUSE.draft]}\n"
        "  - {id: draft, actor: HOUSE, done_when: {subject: bill, eq: true}}")
    result = verdict_of(tmp_path, drafted + "offers:\n" + SAID["HOUSE"] + "\n",
                        [{"at": "2024-01-01", "subject": "law", "value": False, "source": "s"}], dt.date(2024, 2, 1))
    line = next(s for s in result.summary if s.startswith("HOUSE.enact (after HOUSE.draft)"))
    assert line.endswith("whatever its parties have said (unknown: SENATE and PRES have not said).")
    # the Senate refuses, the President is silent: the refusal is the Senate's, the silence the President's
    refused = drafted + "offers:\n" + SAID["HOUSE"] + "\npositions:\n  - {id: no_senate, actor: SENATE, withholds: HOUSE.enact, quote: q, source: s}\n"
    (tmp_path / "refused").mkdir()
    result = verdict_of(tmp_path / "refused", refused, [{"at": "2024-01-01", "subject": "law", "value": False, "source": "s"}],
                        dt.date(2024, 2, 1))
    line = next(s for s in result.summary if s.startswith("HOUSE.enact (after HOUSE.draft)"))
    assert line.endswith("whatever its parties have said (refused by SENATE; PRES has not said).")
