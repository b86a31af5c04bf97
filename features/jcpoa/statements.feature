Feature: Positions stated and ended as the news comes in
  A demand made this morning is recorded like any other fact, with its words and its
  source, and counts from its date; a position dropped on a date that only a later report
  reveals is ended on that date.  As-of verdicts and what-ifs see each statement from its
  own date on, and never before.

  Background:
    Given the scenario "jcpoa"
    And the recorded facts of the scenario
    And a what-if "demand" forked from baseline as of 2021-03-07

  Scenario: A new demand counts from the day it was made
    When in "demand" on 2021-03-10 IRN states the position "irn_compensation_first" according to "a press conference":
      """
      withholds: IRN.join_talks
      until: {subject: USA.oil_sanctions, ne: in_force}
      quote: "The United States must first compensate Iran."
      """
    Then in "demand" the position "irn_compensation_first" is in force as of 2021-03-10
    And in "demand" the position "irn_compensation_first" is not in force as of 2021-03-09
    And in "demand" the move IRN.join_talks is withheld as of 2021-03-10
    And in "demand" the timeline on 2021-03-10 says "states position irn_compensation_first"

  Scenario: A precondition dropped on a date a later report reveals
    When in "demand" on 2021-03-08 the position "irn_no_talks_without_relief" ends saying "Tehran quietly dropped its precondition" according to "a report of 2021-05-01"
    Then in "demand" the position "irn_no_talks_without_relief" is not in force as of 2021-03-08
    And in "demand" the position "irn_no_talks_without_relief" is in force as of 2021-03-07
    And in baseline the position "irn_no_talks_without_relief" is in force as of 2021-03-08

  Scenario: A stance said twice is dropped whole, by its first statement
    When in "demand" on 2021-03-08 IRN states the position "irn_no_informal_talks_again" according to "a spokesman":
      """
      restates: irn_no_informal_talks
      withholds: IRN.join_indirect_talks
      until: {condition: relief_granted}
      quote: "Still no informal meeting."
      """
    And in "demand" on 2021-03-10 the stance "irn_no_informal_talks" ends saying "Iran will meet informally" according to "a report"
    Then in "demand" the position "irn_no_informal_talks_again" is in force as of 2021-03-09
    And in "demand" the position "irn_no_informal_talks" is not in force as of 2021-03-10
    And in "demand" the position "irn_no_informal_talks_again" is not in force as of 2021-03-10
    And in "demand" the timeline on 2021-03-10 says "ends stance irn_no_informal_talks (irn_no_informal_talks, irn_no_informal_talks_again)"
