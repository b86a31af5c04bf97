Feature: The timeline of the standoff
  Replaying the recorded history, the timeline shows each change on the date it happened:
  of the status, of a goal's status, of what holds the goals back, or of escalation, with
  the facts and statements behind it and the verdict from then on.

  Background:
    Given the scenario "jcpoa"
    And the recorded facts of the scenario

  Scenario: From the deal to the Vienna talks
    Then the timeline shows progress from 2016-01-16
    And the timeline shows deadlock from 2018-11-05
    And the timeline on 2018-11-05 says "deal_restored: progress → deadlock"
    And the timeline on 2018-11-05 says "US Treasury, re-imposition of sanctions"
    And the timeline on 2021-01-20 says "cycle formed: irn_reversible_steps ⇄ usa_no_relief_until_compliance"
    And the timeline shows deadlock with escalation on from 2021-03-03
    And the timeline on 2021-04-02 says "talks_held: deadlock → opening"
    And the timeline on 2021-04-02 says "irn_vienna_talks (Mohammad Javad Zarif"
    And the timeline shows escalation off from 2021-04-02

  Scenario: The exchanges of strikes in 2019 and 2020 each show as escalation
    Then the timeline shows deadlock with escalation from 2019-07-19
    And the timeline shows escalation on from 2019-12-31
    And the timeline shows escalation on from 2020-03-14
    And the timeline shows escalation off from 2020-04-13

  Scenario: A fact added later changes the timeline from its date on
    When on 2021-04-06 talks are indirect
    Then the timeline on 2021-04-06 says "talks_held: opening → progress"
    And the timeline shows deadlock from 2018-11-05
