Feature: The Westmere dock strike (a fictional dispute)
  Nothing in the engine is about nuclear files: this invented labour dispute uses the same
  steps.  The union will not go back to work without a pay offer; the company will not make
  an offer while the pickets are up; the conciliation service's interim arbitration lets
  both move at once.

  Background:
    Given the scenario "strike"
    And the recorded facts of the scenario

  Scenario: Each side waits for the other
    Given the date is 2024-03-16
    Then the status is deadlock
    And the deadlock cycle involves UNI and EMP
    And a cycle includes the position "uni_no_return_without_offer"
    And a cycle includes the position "emp_no_offer_while_picketing"
    And the explanation quotes "until there is a pay offer on the table"
    And the explanation quotes "We will not negotiate pay with a picket line at our gates."
    And escalation is on
    And an opening reaches EMP.pay_offer_pct
    And an opening reaches UNI.on_strike
    And an opening switches on the variant "interim_arbitration"
    And an opening goes through the move UNI.return_to_work
    And no opening is available now
    And the smallest concession set has 1 move(s)
    And a smallest concession set gives up "emp_no_offer_while_picketing"

  Scenario: Before the company's statement nobody had said it would make an offer
    # silence is not consent: the company had neither refused nor offered
    Then the status as of 2024-03-02 is deadlock
    And the move EMP.make_offer is unknown as of 2024-03-02
    And the goal "work_resumed" is untested as of 2024-03-02

  Scenario: The mediator's interim award opens the way
    When on 2024-03-20 MED arbitration is interim_award according to "Invented: conciliation service award (fictional)"
    And the date is 2024-03-21
    Then the status is opening
    And an opening switches on the variant "interim_arbitration"
    And an opening is available now through the variant interim_arbitration
    And the summary mentions "interim_arbitration"
    And the status as of 2024-03-19 is deadlock

  Scenario: Offer tabled and pickets down: the port works again
    When these facts arrive:
      | date       | actor | subject       | value         | source                                   |
      | 2024-03-20 | MED   | arbitration   | interim_award | Invented: interim award (fictional)      |
      | 2024-03-22 | EMP   | pay_offer_pct | 4.5           | Invented: offer letter (fictional)       |
      | 2024-03-22 | UNI   | on_strike     | false         | Invented: union ballot (fictional)       |
    Then the status as of 2024-03-23 is progress
    And the goal "work_resumed" is done as of 2024-03-23
    And the timeline shows deadlock from 2024-03-05
    And the timeline shows opening from 2024-03-20
    And the timeline shows progress from 2024-03-22

  Scenario: The scenario can also be named by its path
    # (this starts afresh from the scenario, without the facts of the Background)
    Given the scenario "rules/strike"
    And the recorded facts of the scenario
    Then the status as of 2024-03-16 is deadlock
    And escalation as of 2024-03-16 is on

  Scenario: Pickets and lockouts answering one another
    Then escalation as of 2024-03-08 is off
    And escalation as of 2024-03-09 is on
    And the timeline shows deadlock with escalation on from 2024-03-09
