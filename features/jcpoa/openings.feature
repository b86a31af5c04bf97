Feature: Openings in the JCPOA standoff
  An opening exists when every move left on the way to a goal has a party's word behind
  it: a withheld move's condition is met, a softer variant of a position is switched on,
  or an offer in force says the party will make it.  A move nobody has spoken of opens
  nothing: it is untested.

  Background:
    Given the scenario "jcpoa"
    And the recorded facts of the scenario

  Scenario: Iran back within the limits opens the way to relief
    When on 2021-03-10 IRN enrichment_pct is 3.67 according to "hypothetical IAEA verification"
    And on 2021-03-10 IRN stockpile_kg_u is 200
    And the date is 2021-03-11
    Then the status is opening
    And an opening is available now through the move USA.grant_relief
    And the summary mentions "usa_no_relief_until_compliance"

  Scenario: Iran back within the limits, then enriching again, is deadlocked again
    When on 2021-03-10 IRN enrichment_pct is 3.67
    And on 2021-03-10 IRN stockpile_kg_u is 200
    And on 2021-03-20 IRN enrichment_pct is 60
    Then the status as of 2021-03-15 is opening
    And the status as of 2021-03-21 is deadlock
    And a cycle includes the position "usa_no_relief_until_compliance" as of 2021-03-21

  Scenario: Sanctions eased open the way for Iran to return to the limits
    When on 2021-03-10 USA oil_sanctions is eased
    Then the status as of 2021-03-11 is opening
    And an opening is available now through IRN.return_to_limits as of 2021-03-11

  Scenario: Compliance for compliance: simultaneous steps
    When on 2021-03-08 USA relief_policy is compliance_for_compliance
    And the date is 2021-03-09
    Then the status is opening
    And an opening switches on the variant "compliance_for_compliance"
    And an opening is available now through the variant compliance_for_compliance
    And the summary mentions "compliance_for_compliance"

  Scenario: Mediated indirect talks once the refusal of informal talks lapses
    # Iran's refusal of even informal talks was in force from 28 February to 2 April 2021,
    # when Iran agreed to talks in Vienna with the EU carrying messages to the US delegation.
    Then the goal "talks_held" is deadlock as of 2021-04-01
    And the goal "talks_held" is opening as of 2021-04-05
    And the move IRN.join_indirect_talks is willing as of 2021-04-05
    And the status as of 2021-04-05 is deadlock
    And an opening is available now through the substitute IRN.join_indirect_talks as of 2021-04-05
    And an opening reaches talks as of 2021-03-07
    And an opening goes through the substitute IRN.join_indirect_talks as of 2021-03-07

  Scenario: Indirect talks in Vienna are progress on talks, not on the deal
    When on 2021-04-06 talks are indirect according to "Vienna talks open, 6 April 2021"
    Then the goal "talks_held" is progress as of 2021-04-07
    And the goal "deal_restored" is deadlock as of 2021-04-07
    And the status as of 2021-04-07 is deadlock
    And a cycle includes the position "usa_no_relief_until_compliance" as of 2021-04-07

  Scenario: Before anyone spoke of indirect talks, they opened nothing
    Then the goal "talks_held" is untested as of 2019-06-01
    And the move IRN.join_indirect_talks is unknown as of 2019-06-01
    And the status as of 2019-06-01 is deadlock
