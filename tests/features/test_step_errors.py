"""Wrong Gherkin steps fail loudly, saying what is wrong and where, and never skip.

Each case writes a small feature file to a temporary folder and runs it through pytest
(``pytester``, in-process) with the real step library; a few call the step helpers directly.
"""

from __future__ import annotations

import textwrap

import pytest

from engine.errors import UnknownNameError
from ripeness.gherkin.desk import Desk, open_scenario, parse_date, parse_value, status_word

pytest_plugins = ["pytester"]

CONFTEST = """
from tests.features.conftest import *  # noqa: F403  (steps and the step-location hook)
from tests.features.conftest import pytest_bdd_before_step  # noqa: F401
"""

TEST_MODULE = """
from pytest_bdd import scenarios
scenarios("case.feature")
"""


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    """These cases are about the step library itself: never on a live server."""
    monkeypatch.delenv("RIPENESS_URL", raising=False)


def run_feature(pytester: pytest.Pytester, steps: str, scenario: str = "jcpoa") -> tuple[str, str]:
    """Run one Gherkin scenario; its outcome and the failure text."""
    background = f'Given the scenario "{scenario}"\n' if scenario else ""
    body = textwrap.indent(background + textwrap.dedent(steps).strip(), " " * 4)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_case=TEST_MODULE)
    pytester.makefile(".feature", case=f"Feature: a case\n  Scenario: the case\n{body}\n")
    recorder = pytester.inline_run("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    reports = [r for r in recorder.getreports("pytest_runtest_logreport") if r.when == "call" or r.outcome != "passed"]
    assert len(reports) == 1, [r.nodeid for r in reports]
    return reports[0].outcome, reports[0].longreprtext


def test_a_good_scenario_passes(pytester):
    outcome, text = run_feature(pytester, """
        And on 2021-03-10 IRN enrichment_pct is 3.67
        Then the status as of 2021-03-11 is deadlock
    """)
    assert outcome == "passed", text


def test_an_undefined_step_fails_and_is_not_skipped(pytester):
    outcome, text = run_feature(pytester, """
        When Iran says something nobody wrote a step for
        Then the status is deadlock
    """)
    assert outcome == "failed"
    assert "StepDefinitionNotFoundError" in text
    assert "Iran says something nobody wrote a step for" in text


def test_a_misspelt_status_word_fails_naming_the_known_ones(pytester):
    outcome, text = run_feature(pytester, "Then the status as of 2021-03-07 is stuck")
    assert outcome == "failed"
    assert "UnknownNameError" in text
    assert "unknown status 'stuck'" in text and "Known: deadlock, opening, progress" in text


def test_an_unknown_actor_in_a_fact_names_it_suggests_and_lists(pytester):
    outcome, text = run_feature(pytester, 'When on 2021-02-15 MLI strike on USA "Rocket attack on Erbil"')
    assert outcome == "failed"
    assert "FactError" in text
    assert "case.feature:4" in text  # the feature file and line of the step
    assert "unknown actor 'MLI'; did you mean 'MIL'?" in text
    assert "known: E3, EU, IAEA, IRN, MIL, USA" in text


def test_an_unknown_subject_in_a_fact_names_it_and_suggests(pytester):
    outcome, text = run_feature(pytester, "When on 2021-01-04 IRN enrichment_pc is 20")
    assert outcome == "failed"
    assert "unknown subject 'IRN.enrichment_pc'; did you mean 'IRN.enrichment_pct'?" in text
    assert "IRN.stockpile_kg_u" in text  # the known subjects are listed


def test_a_value_outside_a_subjects_set_is_rejected(pytester):
    outcome, text = run_feature(pytester, "When on 2021-03-10 USA oil_sanctions is relaxed")
    assert outcome == "failed"
    assert "'relaxed' is not an allowed value of USA.oil_sanctions; expected one of in_force, eased, lifted" in text


def test_an_event_written_as_a_state_says_how_to_write_it(pytester):
    outcome, text = run_feature(pytester, 'When on 2021-02-15 MIL strike is "Rocket attack on Erbil"')
    assert outcome == "failed"
    assert "strike is an event, not a state" in text


def test_an_unknown_position_names_it_and_lists_the_known_ones(pytester):
    outcome, text = run_feature(pytester, """
        And the recorded facts of the scenario
        Then a cycle includes the position "usa_no_relief_until_complaince" as of 2021-03-07
    """)
    assert outcome == "failed"
    assert "unknown position 'usa_no_relief_until_complaince'. Did you mean 'usa_no_relief_until_compliance'?" in text
    assert "irn_reversible_steps" in text


def test_an_unknown_variant_names_it_and_lists_the_known_ones(pytester):
    outcome, text = run_feature(pytester, 'Then an opening switches on the variant "compliance_first"')
    assert outcome == "failed"
    assert "unknown variant 'compliance_first'" in text and "Known: compliance_for_compliance" in text


def test_an_unknown_actor_in_a_check_names_it(pytester):
    outcome, text = run_feature(pytester, "Then the deadlock cycle involves IRN and USB")
    assert outcome == "failed"
    assert "unknown actor 'USB'. Did you mean 'USA'?" in text


def test_an_unknown_subject_in_a_check_names_it(pytester):
    outcome, text = run_feature(pytester, "Then an opening reaches USA.oil_sanction")
    assert outcome == "failed"
    assert "unknown subject 'USA.oil_sanction'. Did you mean 'USA.oil_sanctions'?" in text


def test_an_unknown_scenario_names_it_and_lists_the_known_ones(pytester):
    outcome, text = run_feature(pytester, 'Given the scenario "jcpao"', scenario="")
    assert outcome == "failed"
    assert "unknown scenario 'jcpao'. Did you mean 'jcpoa'?" in text and "strike" in text


def test_a_fact_before_any_scenario_says_to_start_with_one(pytester):
    outcome, text = run_feature(pytester, "Given on 2021-01-04 IRN enrichment_pct is 20", scenario="")
    assert outcome == "failed"
    assert 'no scenario yet; start with: Given the scenario "jcpoa"' in text


def test_a_fact_table_with_an_unknown_column_names_it(pytester):
    outcome, text = run_feature(pytester, """
        And these facts:
          | date       | actor | subject        | amount |
          | 2021-01-04 | IRN   | enrichment_pct | 20     |
    """)
    assert outcome == "failed"
    assert "unknown fact table column 'amount'" in text
    assert "actor, approx, claimed_by, confidence, count, date, denied_by, note, since, source, subject, target, value" in text


def test_a_bad_row_in_a_fact_table_names_the_row(pytester):
    outcome, text = run_feature(pytester, """
        And these facts:
          | date       | actor | subject        | value | target |
          | 2021-01-04 | IRN   | enrichment_pct | 20    |        |
          | 2021-01-05 | IRN   | enrichment_pct | 200   |        |
    """)
    assert outcome == "failed"
    assert "row 2" in text and "IRN.enrichment_pct must be at most 100" in text


def test_a_failed_check_says_what_was_expected_and_what_the_verdict_says(pytester):
    outcome, text = run_feature(pytester, """
        And the recorded facts of the scenario
        Then the status as of 2021-03-07 is opening
    """)
    assert outcome == "failed"
    assert "expected opening as of 2021-03-07, the verdict is deadlock" in text
    assert "usa_no_relief_until_compliance" in text  # the summary is shown


def test_a_timeline_check_that_fails_lists_the_timeline(pytester):
    outcome, text = run_feature(pytester, """
        And the recorded facts of the scenario
        Then the timeline shows deadlock from 2021-03-01
    """)
    assert outcome == "failed"
    assert "the timeline has no change to deadlock on 2021-03-01" in text
    assert "from 2021-02-28T00:00:00+00:00: deadlock, escalation off" in text


def test_a_bad_date_says_how_to_write_dates(pytester):
    outcome, text = run_feature(pytester, "Then the status as of 07/03/2021 is deadlock")
    assert outcome == "failed"
    assert "'07/03/2021' is not a date; write dates as YYYY-MM-DD" in text


WHAT_IF = """
    And the recorded facts of the scenario
    And a what-if "oil_eased" forked from baseline as of 2021-03-07
"""


def test_an_unknown_what_if_names_it_suggests_and_lists_the_known_ones(pytester):
    outcome, text = run_feature(pytester, WHAT_IF + 'Then in "oil_easd" the status is opening')
    assert outcome == "failed"
    assert "unknown session 'oil_easd'. Did you mean 'oil_eased'? Known: baseline, oil_eased" in text


def test_a_fact_for_an_unknown_what_if_is_refused_before_anything_is_recorded(pytester):
    outcome, text = run_feature(pytester, WHAT_IF + "When in oil on 2021-03-08 USA oil_sanctions is eased")
    assert outcome == "failed"
    assert "unknown session 'oil'" in text and "Known: baseline, oil_eased" in text


def test_a_what_if_name_must_be_new(pytester):
    outcome, text = run_feature(pytester, WHAT_IF + 'And a what-if "oil_eased" forked from baseline')
    assert outcome == "failed" and "there is already a line named 'oil_eased' in this scenario" in text


def test_a_what_if_name_must_be_well_formed(pytester):
    outcome, text = run_feature(pytester, 'Given a what-if "oil eased" forked from baseline')
    assert outcome == "failed" and "a what-if name is a letter then up to 39 letters, digits, '_' or '-'; got 'oil eased'" in text


def test_a_failed_comparison_says_what_was_expected_and_quotes_the_comparison(pytester):
    outcome, text = run_feature(pytester, WHAT_IF + """
        When in "oil_eased" on 2021-03-08 USA oil_sanctions is eased
        Then comparing "oil_eased" with baseline shows no difference
    """)
    assert outcome == "failed"
    assert 'comparing "oil_eased" with "baseline" as of 2021-03-08: expected no difference; the comparison reads:' in text
    assert "Status: deadlock in baseline, opening in oil_eased." in text


def test_a_comparison_without_a_date_is_made_as_of_the_what_ifs_present(pytester):
    outcome, text = run_feature(pytester, WHAT_IF + """
        When in "oil_eased" on 2021-03-09 USA oil_sanctions is eased
        Then comparing "oil_eased" with baseline shows the status staying deadlock
    """)
    assert outcome == "failed"  # as of 2021-03-09, its latest fact: not as of "now", where both are open
    assert 'as of 2021-03-09: expected the status staying deadlock' in text


def test_an_opening_lost_that_was_taken_names_the_openings_of_both_lines(pytester):
    outcome, text = run_feature(pytester, WHAT_IF + """
        When in "oil_eased" on 2021-03-08 USA oil_sanctions is eased
        Then comparing "oil_eased" with baseline shows an opening lost through the move USA.grant_relief
    """)
    assert outcome == "failed"  # it was taken (the move is done), not lost
    assert "expected an opening lost through move USA.grant_relief" in text
    assert "openings of baseline:" in text and "openings of oil_eased:" in text


def test_an_opening_gained_going_from_the_what_if_to_baseline(pytester):
    outcome, text = run_feature(pytester, WHAT_IF + """
        When in "oil_eased" on 2021-03-08 USA oil_sanctions is eased
        Then comparing baseline with "oil_eased" shows an opening gained through the move USA.grant_relief
    """)
    assert outcome == "passed", text


# --- the helpers, directly ---------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("20", 20), ("3.67", 3.67), ("true", True), ("false", False), ("eased", "eased"),
    ('"20"', "20"), ('"Rocket attack on Erbil"', "Rocket attack on Erbil"),
])
def test_values_are_parsed_as_an_analyst_writes_them(text, value):
    parsed = parse_value(text)
    assert parsed == value and type(parsed) is type(value)


def test_unknown_names_raise_unknown_name_error():
    with pytest.raises(UnknownNameError, match="unknown scenario 'nope'"):
        open_scenario("nope")
    with pytest.raises(UnknownNameError, match="Known: deadlock, opening, progress"):
        status_word("Deadlocked")
    with pytest.raises(AssertionError, match="not a date"):
        parse_date("2021-13-45")


def test_a_stated_position_without_its_terms_says_how_to_write_them(pytester):
    outcome, text = run_feature(pytester, """
        When on 2021-03-10 IRN states the position "irn_new"
    """)
    assert outcome == "failed"
    assert 'write the position under this step as a doc string' in text and "withholds, until, quote" in text


def test_a_stated_position_with_a_wrong_field_names_the_step_and_the_field(pytester):
    outcome, text = run_feature(pytester, '''
        When on 2021-03-10 IRN states the position "irn_new":
          """
          withholds: IRN.join_talk
          quote: "No."
          """
    ''')
    assert outcome == "failed"
    assert "case.feature:4: states.position.withholds: unknown move 'IRN.join_talk'; did you mean 'IRN.join_talks'?" in text


def test_ending_a_position_that_does_not_exist_names_it(pytester):
    outcome, text = run_feature(pytester, """
        When on 2021-03-10 the position "irn_no_talks" ends
    """)
    assert outcome == "failed"
    assert "ends: no position or offer 'irn_no_talks' to end" in text


# --- importing event data ------------------------------------------------------------------

ACLED_HEADER = "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,actor2,country,fatalities,source,notes\n"


GOOD_ROWS = ("WM1,2024-03-04,2024,Protests,Peaceful protest,Westmere Dockworkers Union,,Westmere,0,Gazette,picket\n"
             "WM2,2024-03-06,2024,Strategic developments,Lockout,Westmere Port Company,,Westmere,0,Radio,gates locked\n"
             "WM3,2024-03-09,2024,Protests,Peaceful protest,Westmere Dockworkers Union,,Westmere,0,Gazette,blockade\n")


def test_imported_events_are_recorded(pytester):
    pytester.makefile(".csv", events=ACLED_HEADER + GOOD_ROWS)
    outcome, text = run_feature(pytester, """
        When the events of "events.csv" are imported with the mapping "acled"
        Then escalation as of 2024-03-09 is on
        And escalation as of 2024-03-08 is off
    """, scenario="strike")
    assert outcome == "passed", text


def test_a_bad_row_of_imported_events_fails_the_step_with_its_line(pytester):
    pytester.makefile(".csv", events=ACLED_HEADER + GOOD_ROWS + "WM4,the fourth,2024,Protests,,Westmere Dockworkers Union,,W,0,,\n")
    outcome, text = run_feature(pytester, """
        When the events of "events.csv" are imported with the mapping "acled"
    """, scenario="strike")
    assert outcome == "failed" and "events.csv:5: event_date: expected a date" in text


def test_an_event_file_outside_the_feature_folder_is_refused(pytester):
    (pytester.path.parent / "outside.csv").write_text(ACLED_HEADER + GOOD_ROWS, encoding="utf-8")
    outcome, text = run_feature(pytester, """
        When the events of "../outside.csv" are imported with the mapping "acled"
    """, scenario="strike")
    assert outcome == "failed" and "outside the feature file's folder" in text


def test_a_missing_event_file_or_mapping_is_named(pytester):
    outcome, text = run_feature(pytester, """
        When the events of "nothing.csv" are imported with the mapping "acled"
    """, scenario="strike")
    assert outcome == "failed" and "no event data file 'nothing.csv' next to the feature file" in text
    with pytest.raises(AssertionError, match="no mapping 'acledd' next to the feature file"):
        desk = Desk(where=str(pytester.path / "case.feature:3"))
        desk.use("strike")
        try:
            desk.import_events("events.csv", "acledd")
        finally:
            desk.close()


def test_a_wrong_escalation_level_lists_the_live_chains_with_their_dates(pytester):
    outcome, text = run_feature(pytester, """
        And the recorded facts of the scenario
        Then the escalation level as of 2020-01-08 is tension
    """)
    assert outcome == "failed"
    assert "it is crisis (tit_for_tat: 5 events from 2019-12-27 to 2020-01-08, crisis" in text


def test_a_fact_table_with_a_wrong_approx_names_the_row_and_field(pytester):
    outcome, text = run_feature(pytester, """
        And these facts:
          | date       | actor | subject        | value | approx  |
          | 2021-01-04 | IRN   | enrichment_pct | 20    | roughly |
    """)
    assert outcome == "failed"
    assert "row 1" in text and "approx" in text and "valid boolean" in text
