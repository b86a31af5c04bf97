"""The pytest plugin of the Gherkin step library: load it, and ``.feature`` files bound with
``pytest_bdd.scenarios`` can use every step of ``features/README.md``.

It brings the step definitions (``steps.py``, ``comparing.py``), remembers the feature file and line of the
running step for error messages, adds ``--ripeness-rules DIR`` (scenario names are folders
under DIR instead of the bundled ``rules/``; ``--ripeness-allow-outside-rules`` lets a path
lead outside it) and ``--ripeness-url URL`` /
``--ripeness-token TOKEN`` (run on a live ``ripeness serve``; default ``$RIPENESS_URL`` and
``$RIPENESS_TOKEN``), and makes a step with no definition show as a failed step in Cucumber
JSON (pytest-bdd 9 leaves it out: pytest-dev/pytest-bdd#430, #721).

Load it with ``pytest_plugins = ["ripeness.gherkin.plugin"]`` in a root ``conftest.py``, or
``-p ripeness.gherkin.plugin``; ``ripeness scenarios`` loads it for you.
"""

from __future__ import annotations

import os

import pytest
from pytest_bdd import reporting

from ripeness.gherkin.comparing import *  # noqa: F403  (the step fixtures pytest-bdd registers)
from ripeness.gherkin.steps import *  # noqa: F403
from ripeness.gherkin.steps import OUTSIDE_OPTION, RULES_OPTION, STEP_WHERE, TOKEN_ENV, TOKEN_OPTION, URL_ENV, URL_OPTION


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ripeness")
    group.addoption("--ripeness-rules", dest=RULES_OPTION, metavar="DIR", default=None,
                    help='look up scenario names (Given the scenario "NAME") in DIR instead of the bundled rules/')
    group.addoption("--ripeness-allow-outside-rules", dest=OUTSIDE_OPTION, action="store_true", default=False,
                    help="let Given the scenario name a folder outside the rules folder (DIR or the bundled rules/)")
    group.addoption("--ripeness-url", dest=URL_OPTION, metavar="URL", default=None,
                    help=f"run the feature files on the ripeness server at URL (default ${URL_ENV}), each Gherkin"
                         " scenario in lines of its own there; scenarios for another rule scenario are skipped")
    group.addoption("--ripeness-token", dest=TOKEN_OPTION, metavar="TOKEN", default=None,
                    help=f"bearer token for --ripeness-url (default ${TOKEN_ENV}); the role analyst is enough")


@pytest.hookimpl
def pytest_bdd_before_step(request, feature, scenario, step, step_func) -> None:
    """Remember the feature file and line of the running step, for error messages."""
    request.node.stash[STEP_WHERE] = f"{feature_path(feature.filename, request.config)}:{step.line_number}"


@pytest.hookimpl
def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception) -> None:
    """Report a step with no definition as a failed step, like any other failing step."""
    report = reporting.scenario_reports_registry.get(request.node)
    if report is not None:
        report.add_step_report(reporting.StepReport(step=step))
        report.fail()


def feature_path(filename: str, config: pytest.Config) -> str:
    """A feature file as the person running pytest would write it: relative to the folder
    pytest was started in, unless it lies outside that folder."""
    try:
        path = os.path.relpath(filename, config.invocation_params.dir)
    except ValueError:  # another drive (Windows)
        return filename
    return filename if path.startswith(os.pardir) else path
