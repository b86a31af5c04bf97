Feature: Dates known only roughly (the fictional dock strike)
  A later account dates the employer's pay freeze only to early March; the verdict uses the
  date as given and cites it as approximate.

  Background:
    Given the scenario "strike"
    And the recorded facts of the scenario

  Scenario: A fact dated approximately is cited as "about" its date
    When these facts:
      | date       | actor | subject       | value | approx | source                  |
      | 2024-03-04 | EMP   | pay_offer_pct | 0     | yes    | a later account (rough) |
    Then the status as of 2024-03-21 is deadlock
    And the summary mentions "EMP.pay_offer_pct is 0 % pay rise since about 2024-03-04" as of 2024-03-21
    And the summary mentions "UNI.on_strike is true since 2024-03-01" as of 2024-03-21
