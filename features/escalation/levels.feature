Feature: How far escalation has gone, and what ends it
  The dock strike's pattern names two levels (three answered acts: tension; four: crisis) and
  recognises a truce by either side; the JCPOA pattern calls five answered strikes a crisis.

  Scenario: Pickets and lockouts reach the crisis level, and a truce ends it
    Given the scenario "strike"
    And the recorded facts of the scenario
    When on 2024-03-12 EMP lockout on UNI "All shifts locked out"
    Then the escalation level as of 2024-03-10 is tension
    And the escalation level as of 2024-03-12 is crisis
    And the timeline on 2024-03-12 says "escalation picket_and_lockout: tension → crisis"
    When on 2024-03-13 UNI truce "Pickets stood down for talks"
    Then escalation as of 2024-03-13 is off
    And escalation as of 2024-03-13 was ended by UNI truce
    And the escalation level as of 2024-03-12 is crisis

  Scenario: A truce in a what-if only
    Given the scenario "strike"
    And the recorded facts of the scenario
    And a what-if "calm" forked from baseline as of 2024-03-10
    When in "calm" on 2024-03-10 UNI truce "Pickets stood down"
    Then in "calm" escalation as of 2024-03-11 is off
    And escalation as of 2024-03-11 is on

  Scenario: The Soleimani crisis
    Given the scenario "jcpoa"
    And the recorded facts of the scenario
    Then the escalation level as of 2020-01-03 is tension
    And the escalation level as of 2020-01-08 is crisis
    And the timeline on 2020-01-08 says "escalation tit_for_tat: tension → crisis"
