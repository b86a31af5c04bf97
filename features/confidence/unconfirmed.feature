Feature: Facts that are reported or disputed (the fictional dock strike)
  A rumoured interim award would open the way; an analyst wants the verdict to say that it
  rests on the rumour, and to see the verdict without it.

  Background:
    Given the scenario "strike"
    And the recorded facts of the scenario

  Scenario: An opening that rests on a disputed award
    When these facts:
      | date       | actor | subject     | value         | confidence | claimed_by | denied_by | source             |
      | 2024-03-20 | MED   | arbitration | interim_award | disputed   | MED        | UNI       | a Gazette rumour   |
    Then the status as of 2024-03-21 is opening
    And the status as of 2024-03-21 rests on the disputed fact "interim_award"
    And with confirmed facts only, the status as of 2024-03-21 is deadlock
    And the status as of 2024-03-19 rests on no fact that is not confirmed

  Scenario: Escalation that rests on a reported lockout
    When these facts:
      | date       | actor | subject | value        | target | confidence |
      | 2024-03-23 | UNI   | walkout | Gates closed | EMP    |            |
      | 2024-03-25 | EMP   | lockout | Rumoured     | UNI    | reported   |
      | 2024-03-27 | UNI   | walkout | Gates again  | EMP    |            |
    Then escalation as of 2024-03-28 rests on the reported fact "Rumoured"
    And the status as of 2024-03-28 rests on no fact that is not confirmed
    And in baseline the timeline on 2024-03-27 says "rests on facts not confirmed"
