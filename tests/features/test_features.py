"""Every Gherkin scenario under ``features/`` (recursively), run with the step library
(``ripeness.gherkin``).  A step with no definition fails the scenario (StepDefinitionNotFoundError)."""

from __future__ import annotations

from pathlib import Path

from pytest_bdd import scenarios

FEATURES = Path(__file__).resolve().parents[2] / "features"

scenarios(str(FEATURES))
