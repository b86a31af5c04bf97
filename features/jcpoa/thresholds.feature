Feature: The JCPOA limits, at their edges
  The US position waits for enrichment at most 3.67 % U-235 and a stockpile at most
  202.8 kg of uranium (300 kg of UF6).  Exactly at a limit is within it; a hair above is not.

  Scenario Outline: Enrichment <enrichment> % and stockpile <stockpile> kg U
    Given the scenario "jcpoa"
    And the recorded facts of the scenario
    When on 2021-03-10 IRN enrichment_pct is <enrichment>
    And on 2021-03-10 IRN stockpile_kg_u is <stockpile>
    Then the status as of 2021-03-11 is <status>

    Examples: Enrichment at the limit
      | enrichment | stockpile | status   |
      | 3.67       | 200       | opening  |
      | 3.68       | 200       | deadlock |
      | 3.66       | 200       | opening  |

    Examples: Stockpile at the limit
      | enrichment | stockpile | status   |
      | 3.67       | 202.8     | opening  |
      | 3.67       | 202.9     | deadlock |
      | 3          | 202       | opening  |
