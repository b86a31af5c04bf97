"""Gherkin step definitions for ``features/``: the steps live in ``steps.py``; importing them
here makes them available to every feature test under ``tests/features``."""

from __future__ import annotations

import os

import pytest

from tests.features.steps import *  # noqa: F403  (the step fixtures pytest-bdd registers)
from tests.features.steps import STEP_WHERE


@pytest.hookimpl
def pytest_bdd_before_step(request, feature, scenario, step, step_func) -> None:
    """Remember the feature file and line of the running step, for error messages."""
    try:
        path = os.path.relpath(feature.filename, request.config.rootpath)
    except ValueError:
        path = feature.filename
    request.node.stash[STEP_WHERE] = f"{path}:{step.line_number}"
