Feature: The standoff of February–March 2021
  In early 2021 the new US administration would not ease sanctions until Iran was back
  within the JCPOA limits, and Iran would not come back within them, nor talk, until the
  sanctions were eased.  Meanwhile militias backed by Iran and US forces traded strikes.
  On 7 March 2021 the engine should call it a deadlock, with escalation, and say why in the
  parties' own words.

  Scenario: The February–March 2021 story, told fact by fact
    Given the scenario "jcpoa"
    And these facts:
      | date       | actor | subject        | value       | target | source                                        |
      | 2018-11-05 | USA   | oil_sanctions  | in_force    |        | US Treasury, 5 November 2018                  |
      | 2021-01-04 | IRN   | enrichment_pct | 20          |        | IAEA report to Member States, 4 January 2021  |
      | 2021-02-07 | USA   | relief_policy  | iran_first  |        | CBS News interview, 7 February 2021           |
      | 2021-02-23 | IRN   | stockpile_kg_u | 2967.8      |        | IAEA quarterly report GOV/2021/10             |
    And on 2021-02-15 MIL strike on USA "Rocket attack on Erbil" according to "US-led coalition, 15 February 2021"
    And on 2021-02-25 USA strike on MIL "US air strikes on militia facilities in eastern Syria"
    And on 2021-03-03 MIL strike on USA "At least ten rockets hit Ain al-Asad air base"
    And on 2021-03-07 USA show_of_force "Two B-52 bombers fly over the Middle East"
    When the date is 2021-03-07
    Then the status is deadlock
    And escalation is on
    And the deadlock cycle involves IRN and USA
    And a cycle includes the position "usa_no_relief_until_compliance"
    And a cycle includes the position "irn_reversible_steps"
    And the explanation quotes "No."
    And the explanation quotes "All these steps are reversible upon EFFECTIVE implementation of reciprocal obligations."
    And the summary mentions "20 % U-235 since 2021-01-04"
    And the summary mentions "Escalation"
    And no opening is available now
    And an opening reaches USA.oil_sanctions
    And an opening reaches IRN.enrichment_pct
    And an opening switches on the variant "compliance_for_compliance"
    And the smallest concession set has 1 move(s)

  Scenario: The same date, read off the recorded history
    Given the scenario "jcpoa"
    And the recorded facts of the scenario
    Then the status as of 2021-03-07 is deadlock
    And escalation as of 2021-03-07 is on
    And the deadlock cycle involves IRN and USA as of 2021-03-07
    And the explanation quotes "Asked whether the United States would lift sanctions first" as of 2021-03-07
    And a smallest concession set gives up "usa_no_relief_until_compliance" as of 2021-03-07
    And a smallest concession set gives up "irn_reversible_steps" as of 2021-03-07

  Scenario: Before the third strike the exchanges are not yet an escalation
    Given the scenario "jcpoa"
    And the recorded facts of the scenario
    Then the status as of 2021-03-01 is deadlock
    And escalation as of 2021-03-01 is off
    And escalation as of 2021-03-03 is on

  Scenario: A month without another strike ends the escalation, not the deadlock
    Given the scenario "jcpoa"
    And the recorded facts of the scenario
    And the date is 2021-04-01
    Then escalation is on
    And escalation is off as of 2021-04-03
    And the status is deadlock
