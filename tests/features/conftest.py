"""Gherkin step definitions for ``features/``: the step library ships in the package
(``ripeness.gherkin``); importing its plugin here makes the steps and hooks available to
every feature test under ``tests/features``."""

from __future__ import annotations

from ripeness.gherkin.plugin import *  # noqa: F403  (the step fixtures pytest-bdd registers)
from ripeness.gherkin.plugin import pytest_bdd_before_step, pytest_bdd_step_func_lookup_error  # noqa: F401
