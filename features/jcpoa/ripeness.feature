Feature: Ripeness of the JCPOA standoff
  A conflict is ripe for a settlement (Zartman) when both sides hurt in a stalemate that has
  lasted, and a way out rests on something a party has said.  Iran bears the oil sanctions;
  the United States bears Iran's nuclear steps beyond the deal's limits (rules/jcpoa/costs.yaml).

  Background:
    Given the scenario "jcpoa"
    And the recorded facts of the scenario

  Scenario: Ripe by March 2021, while the headline stays deadlock
    When the date is 2021-03-07
    Then the status is deadlock
    And the ripeness of "deal_restored" is ripe
    And there is a mutually hurting stalemate on "deal_restored"
    And there is a way out toward "deal_restored"
    And IRN is hurting
    And USA is hurting

  Scenario: Before Iran broke the limits only Iran hurt
    Then USA is not hurting as of 2019-06-01
    And there is a stalemate on "deal_restored" as of 2019-06-01
    And there is no mutually hurting stalemate on "deal_restored" as of 2019-06-01
    And the ripeness of "deal_restored" is not ripe as of 2019-06-01
    And the ripeness of "deal_restored" is ripening as of 2019-09-01
    And the timeline on 2019-07-01 says "ripeness of deal_restored: not_ripe → ripening"
    And the timeline on 2021-02-18 says "ripeness of deal_restored: ripening → ripe"

  Scenario: Iran back within the limits ends the stalemate
    When on 2021-03-10 IRN enrichment_pct is 3.67
    And on 2021-03-10 IRN stockpile_kg_u is 200
    Then USA is not hurting as of 2021-03-11
    And there is no stalemate on "deal_restored" as of 2021-03-11
    And the ripeness of "deal_restored" is ripening as of 2021-03-11
    And the timeline on 2021-03-10 says "ripeness of deal_restored: ripe → ripening"
