Feature: The timeline of the standoff
  Replaying the recorded history, the timeline shows each change of status or of
  escalation on the date it happened, with the verdict from then on.

  Background:
    Given the scenario "jcpoa"
    And the recorded facts of the scenario

  Scenario: From the deal to the Vienna talks
    Then the timeline shows progress from 2016-01-16
    And the timeline shows opening from 2018-11-05
    And the timeline shows deadlock from 2021-02-28
    And the timeline shows deadlock with escalation on from 2021-03-03
    And the timeline shows opening from 2021-04-02
    And the timeline shows escalation off from 2021-04-02

  Scenario: The exchanges of strikes in 2019 and 2020 each show as escalation
    Then the timeline shows opening with escalation from 2019-07-19
    And the timeline shows escalation on from 2019-12-31
    And the timeline shows escalation on from 2020-03-14
    And the timeline shows escalation off from 2020-04-13

  Scenario: A fact added later changes the timeline from its date on
    When on 2021-04-06 talks are indirect
    Then the timeline shows progress from 2021-04-06
    And the timeline shows deadlock from 2021-02-28
