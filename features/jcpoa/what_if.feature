Feature: What if the United States had eased the oil sanctions in March 2021?
  On 7 March 2021 the standoff was a deadlock: the United States would not ease sanctions
  until Iran was back within the JCPOA limits, and Iran would not come back within them
  until the sanctions were eased.  An analyst forks a what-if from the record as it stood
  that day, eases the oil sanctions in it, and compares it with the record.  The record
  itself is not touched, and what the record learns after the fork stays out of the what-if.

  Background:
    Given the scenario "jcpoa"
    And the recorded facts of the scenario
    And a what-if "oil_eased" forked from baseline as of 2021-03-07

  Scenario: Easing the oil sanctions breaks the cycle and opens the way
    When in "oil_eased" on 2021-03-08 USA oil_sanctions is eased according to "a hypothetical Treasury notice"
    Then in "oil_eased" the status as of 2021-03-08 is opening
    And in "oil_eased" an opening is available now through the move IRN.return_to_limits as of 2021-03-08
    But in baseline the status as of 2021-03-08 is deadlock
    And comparing "oil_eased" with baseline shows the status going from deadlock to opening
    And comparing "oil_eased" with baseline shows the cycle of IRN and USA broken
    And comparing "oil_eased" with baseline shows the move USA.grant_relief done
    And comparing "oil_eased" with baseline shows an opening available now through IRN.return_to_limits
    And comparing "oil_eased" with baseline shows escalation staying on
    And comparing "oil_eased" with baseline mentions "Broken in oil_eased: the cycle IRN.return_to_limits -> USA.grant_relief"

  Scenario: The same what-if, its facts given as a table
    When in "oil_eased" these facts are recorded:
      | date       | actor | subject       | value | source                         |
      | 2021-03-08 | USA   | oil_sanctions | eased | a hypothetical Treasury notice |
    Then comparing "oil_eased" with baseline as of 2021-03-08 shows the status going from deadlock to opening
    And comparing "oil_eased" with baseline as of 2021-03-08 shows an opening taken through the move USA.grant_relief
    And comparing "oil_eased" with baseline as of 2021-03-08 shows an opening taken through the variant "compliance_for_compliance"

  Scenario: Until something happens in it, the what-if is the record as it stood
    Then in "oil_eased" the status as of 2021-03-07 is deadlock
    And in "oil_eased" the deadlock cycle involves IRN and USA as of 2021-03-07
    And comparing "oil_eased" with baseline shows no difference

  Scenario: The what-if does not see a fact the record gets after the fork
    When on 2021-03-06 USA oil_sanctions is eased according to "a notice recorded after the fork, dated before it"
    Then in baseline the status as of 2021-03-07 is opening
    But in "oil_eased" the status as of 2021-03-07 is deadlock
    And comparing "oil_eased" with baseline as of 2021-03-07 shows the status going from opening to deadlock
    And comparing "oil_eased" with baseline as of 2021-03-07 shows a new cycle of IRN and USA

  Scenario: A what-if forked now, and one forked from it
    Given a what-if "relief" forked from baseline
    And a what-if "relief_then_talks" forked from "relief"
    When in "relief" on 2021-03-08 USA oil_sanctions is eased
    Then in "relief" the status as of 2021-03-08 is opening
    But in "relief_then_talks" the status as of 2021-03-08 is deadlock
    And the status as of 2021-03-08 is deadlock
