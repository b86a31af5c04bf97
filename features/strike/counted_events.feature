Feature: Counted events: one report standing for many acts
  The union's bulletin reports "about 180 walkouts and pickets between April and June"
  without dating each one.  One fact records them all: its count, and the period it covers
  (from `since` to its date, when the count was known).  The strike scenario's escalation
  pattern is on at twenty acts of one side within 14 days (`intensity: 20`); the 180 spread
  over 90 days put 28 in any 14 of them.

  Background:
    Given the scenario "strike"

  Scenario: A quarter's walkouts, counted at the end of the quarter
    When on 2024-06-30 UNI walkout 180 times since 2024-04-01 "walkouts and pickets" according to "Invented: union bulletin (fictional)"
    Then escalation as of 2024-06-30 is on
    And escalation as of 2024-06-29 is off
    And escalation as of 2024-07-15 is off
    And the timeline shows escalation on from 2024-06-30
    And the timeline shows escalation off from 2024-07-14

  Scenario: Too few in the window, until one more report adds to them
    When these facts arrive:
      | date       | since      | count | actor | subject | value               | source                              |
      | 2024-06-30 | 2024-04-01 | 60    | UNI   | walkout | walkouts and pickets | Invented: union bulletin (fictional) |
    Then escalation as of 2024-06-30 is off
    When on 2024-07-02 UNI walkout 12 times "blockade of twelve gates"
    Then escalation as of 2024-07-02 is on

  Scenario: In a what-if, the same quarter with fewer acts is no escalation
    Given a what-if "fewer" forked from baseline as of 2024-06-01
    When on 2024-06-30 UNI walkout 180 times since 2024-04-01
    And in "fewer" on 2024-06-30 UNI walkout 30 times since 2024-04-01
    Then escalation as of 2024-06-30 is on
    And in "fewer" escalation as of 2024-06-30 is off
