Feature: Facts from event data, in a feature file
  An analyst follows the dispute through ACLED-style event data.  The scenario's mapping
  (rules/strike/imports/acled.yaml) says which rows are walkouts, lockouts and the
  conciliation service's proposals; the file data/westmere_acled.csv (invented rows) holds
  a picket, a lockout and a blockade within a week: three exchanges, so escalation.

  Background:
    Given the scenario "strike"

  Scenario: The imported picket, lockout and blockade are an escalation
    Given the events of "data/westmere_acled.csv" imported with the mapping "acled"
    Then escalation as of 2024-03-09 is on
    And escalation as of 2024-03-08 is off
    And the timeline shows escalation on from 2024-03-09
    And the timeline shows escalation off from 2024-03-23

  Scenario: Imported into a what-if only
    Given a what-if "with_events" forked from baseline as of 2024-03-01
    When in "with_events" the events of "data/westmere_acled.csv" are imported with the mapping "acled"
    Then in "with_events" escalation as of 2024-03-10 is on
    And escalation as of 2024-03-10 is off
