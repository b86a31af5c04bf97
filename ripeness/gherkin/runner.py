"""``ripeness scenarios``: run a folder (or one file) of ``.feature`` files with the step
library and report each Gherkin scenario in the analysts' terms.

The run is an ordinary pytest session started in this process (``pytest.main``), isolated
from wherever it is started: a temporary folder holds an empty ``pytest.ini`` (so no
project's ``addopts``, ``testpaths`` or ``conftest.py`` apply) and one generated test module
per feature file (``pytest_bdd.scenarios(<the file>)``), so a feature file that does not
parse is reported alone.  Nothing is written next to the feature files.  Installed pytest
plugins are not auto-loaded and ``PYTEST_ADDOPTS``/``PYTEST_PLUGINS`` are ignored;
pytest-bdd, the step library's plugin and a ``_Recorder`` are passed in.  The recorder
collects, per scenario, the outcome, the failing step and its error (or why it was
skipped), and the last verdict its desk computed; pytest's own terminal output is kept only
to explain a run that pytest itself stopped.  With a server URL the scenarios run on that
live ``ripeness serve`` (see ``drivers.HttpDriver``); ``server_problem`` checks first that it
answers and takes the token.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_bdd.plugin
from pytest_bdd.exceptions import StepDefinitionNotFoundError
from pytest_bdd.scenario import scenario_wrapper_template_registry

from engine.verdict import Verdict
from ripeness import render
from ripeness.gherkin import plugin
from ripeness.gherkin.steps import DESK

INI = """[pytest]
filterwarnings =
    ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning
"""
# Variables through which a user's pytest set-up would reach into the run.
PYTEST_ENVIRONMENT = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")


@dataclass
class ScenarioResult:
    """One Gherkin scenario (one row of an outline's examples): where it is, whether it passed,
    and for a failure the step that failed, the error, and the last verdict computed."""

    feature: str  # the feature file, as the user would write it
    line: int
    name: str
    outcome: str = "passed"  # passed, failed or skipped
    step: str | None = None  # "Then the status is opening (line 12)"
    error: str | None = None  # for a skipped scenario, why
    verdict: Verdict | None = None

    @property
    def where(self) -> str:
        return f"{self.feature}:{self.line}"


@dataclass
class RunReport:
    """Every scenario run, and the feature files that could not be read (with why)."""

    scenarios: list[ScenarioResult] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (feature file, error)
    problem: str | None = None  # pytest itself stopped (should not happen)

    def count(self, outcome: str) -> int:
        return sum(1 for s in self.scenarios if s.outcome == outcome)

    @property
    def ok(self) -> bool:
        return bool(self.scenarios) and not self.count("failed") and not self.unreadable and self.problem is None

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


# --- checking the command line -----------------------------------------------------------------


def feature_files(path: Path) -> list[Path]:
    """The ``.feature`` files of a folder (recursively, sorted), or the one file given."""
    return [path] if path.is_file() else sorted(p for p in path.rglob("*.feature") if p.is_file())


def usage_problem(path: Path, rules_dir: Path | None = None, cucumber_json: Path | None = None) -> str | None:
    """Why the command cannot run as given (a usage error), or None."""
    if not path.exists():
        return f"{path}: no such file or folder; expected a .feature file or a folder of them"
    if path.is_file() and path.suffix != ".feature":
        return f"{path}: not a .feature file"
    if path.is_dir() and not feature_files(path):
        return f"{path}: no .feature files in this folder (or its subfolders)"
    if rules_dir is not None and not rules_dir.is_dir():
        return f"--rules {rules_dir}: no such folder; expected a folder of scenario folders (like rules/)"
    if cucumber_json is not None and not cucumber_json.absolute().parent.is_dir():
        return f"--cucumber-json {cucumber_json}: the folder {cucumber_json.absolute().parent} does not exist"
    return None


def server_problem(url: str, token: str | None = None) -> str | None:
    """Why the scenarios cannot run on the server at ``url`` (it does not answer as a
    ripeness server, or refuses the token), or None."""
    if not url.startswith(("http://", "https://")):
        return f"--url {url}: expected the server's base URL, such as http://127.0.0.1:8000"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            health = client.get("/health")
            if health.status_code != 200 or "scenario" not in health.json():
                return f"--url {url}: GET /health answered {health.status_code}; is this a ripeness server?"
            sessions = client.get("/sessions")
    except (httpx.HTTPError, ValueError) as exc:
        return f"--url {url}: cannot reach the ripeness server: {type(exc).__name__}: {exc}"
    if sessions.status_code in (401, 403):
        detail = sessions.json().get("detail", "") if "json" in sessions.headers.get("content-type", "") else sessions.text
        return f"--url {url}: the server refused {'the token' if token else 'a request without a token'} ({sessions.status_code}): {detail}"
    return None


# --- running -----------------------------------------------------------------------------------


def run(path: Path, rules_dir: Path | None = None, cucumber_json: Path | None = None,
        url: str | None = None, token: str | None = None, allow_outside_rules: bool = False) -> RunReport:
    """Run every scenario of the feature file(s) at ``path`` (see ``usage_problem`` first), in
    this process, or on the server at ``url`` (see ``server_problem`` first)."""
    recorder = _Recorder()
    with tempfile.TemporaryDirectory(prefix="ripeness-scenarios-") as tmp, _without(PYTEST_ENVIRONMENT):
        folder = Path(tmp)
        (folder / "pytest.ini").write_text(INI, encoding="utf-8")
        modules = _bind(folder, feature_files(path))
        recorder.modules = {f"{name}.py": feature for name, feature in modules.items()}
        args = [str(folder), "-c", str(folder / "pytest.ini"), "--rootdir", str(folder), "--import-mode=importlib",
                "--continue-on-collection-errors", "--tb=short", "-q", "-p", "no:cacheprovider"]
        if rules_dir is not None:
            args += ["--ripeness-rules", str(rules_dir.resolve())]
        if allow_outside_rules:
            args += ["--ripeness-allow-outside-rules"]
        if cucumber_json is not None:
            args += ["--cucumberjson", str(cucumber_json.absolute())]
        if url is not None:
            args += ["--ripeness-url", url]
        if token is not None:
            args += ["--ripeness-token", token]
        terminal = io.StringIO()  # pytest's own report: shown only if pytest itself stops
        try:
            with contextlib.redirect_stdout(terminal):
                code = pytest.main(args, plugins=[pytest_bdd.plugin, plugin, recorder])
        finally:
            for name in modules:  # generated modules must not outlive their folder
                sys.modules.pop(name, None)
    report = recorder.report()
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        report.problem = f"pytest stopped ({pytest.ExitCode(code).name}):\n{terminal.getvalue().strip()}"
    return report


def _bind(folder: Path, features: list[Path]) -> dict[str, str]:
    """One test module per feature file; module names are unique to this run, since pytest
    keeps imported test modules in ``sys.modules``."""
    run_id = uuid.uuid4().hex[:12]
    modules = {}
    for number, feature in enumerate(features):
        name = f"test_ripeness_{run_id}_{number}"
        (folder / f"{name}.py").write_text(
            f"from pytest_bdd import scenarios\n\nscenarios({str(feature.resolve())!r})\n", encoding="utf-8")
        modules[name] = str(feature)
    return modules


@contextlib.contextmanager
def _without(names: tuple[str, ...]) -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        os.environ.update(saved)
        if autoload is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = autoload


class _Recorder:
    """A pytest plugin that turns the session's hooks into a ``RunReport``."""

    def __init__(self) -> None:
        self.modules: dict[str, str] = {}  # generated module file -> feature file
        self.results: dict[str, ScenarioResult] = {}  # by pytest node id
        self.unreadable: list[tuple[str, str]] = []

    def report(self) -> RunReport:
        return RunReport(list(self.results.values()), self.unreadable)

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:  # every scenario, also those a tag (@skip) keeps from running
            template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
            if template is not None:
                self.results[item.nodeid] = ScenarioResult(plugin.feature_path(template.feature.filename, config),
                                                           template.line_number, _name(template.name, item))

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_before_scenario(self, request, feature, scenario) -> None:
        self.results[request.node.nodeid] = ScenarioResult(
            plugin.feature_path(feature.filename, request.config), scenario.line_number, _name(scenario.name, request.node))

    def pytest_bdd_step_error(self, request, feature, scenario, step, step_func, step_func_args, exception) -> None:
        self._failed(request, step, _error_text(exception))

    def pytest_bdd_step_func_lookup_error(self, request, feature, scenario, step, exception) -> None:
        self._failed(request, step, _error_text(exception, step))

    def pytest_bdd_after_scenario(self, request, feature, scenario) -> None:
        desk = request.node.stash.get(DESK, None)
        result = self.results.get(request.node.nodeid)
        if desk is not None and result is not None:
            result.verdict = desk.last_verdict

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = self.results.get(report.nodeid)
        if result is None or result.outcome == "failed":
            return
        if report.failed:
            result.outcome = "failed"
            if result.error is None:  # failed outside any step (a fixture, say)
                crash = getattr(report.longrepr, "reprcrash", None)
                result.error = crash.message if crash else str(report.longrepr)
        elif report.skipped:
            result.outcome = "skipped"
            if isinstance(report.longrepr, tuple):  # (file, line, "Skipped: why")
                result.error = str(report.longrepr[2]).removeprefix("Skipped: ")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        feature = self.modules.get(Path(report.nodeid).name) if report.nodeid else None
        if report.failed and feature is not None:
            crash = getattr(report.longrepr, "reprcrash", None)
            message = crash.message if crash else str(report.longrepr).strip().splitlines()[-1]
            if "NoScenariosFound" in message:
                message = "no Scenario in this file"
            self.unreadable.append((feature, message.removeprefix("pytest_bdd.exceptions.")))

    def _failed(self, request, step, error: str) -> None:
        result = self.results.get(request.node.nodeid)
        if result is not None and result.step is None:
            result.step = f"{step.keyword} {step.name} (line {step.line_number})"
            result.error = error


def _name(name: str, item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    return f"{name} [{callspec.id}]" if callspec is not None else name  # a row of an outline's examples


def _error_text(exception: BaseException, step=None) -> str:
    if isinstance(exception, StepDefinitionNotFoundError) and step is not None:
        return (f"StepDefinitionNotFoundError: no step matches {step.name!r}"
                " (the steps are listed in features/README.md)")
    if isinstance(exception, AssertionError):
        return str(exception) or "assertion failed"
    return f"{type(exception).__name__}: {exception}"


# --- the report --------------------------------------------------------------------------------


def report_text(report: RunReport) -> str:
    lines: list[str] = []
    for feature, error in report.unreadable:
        lines += [f"ERROR   {feature}: cannot be read", *_indented("error:", error)]
    for result in report.scenarios:
        lines.append(f"{result.outcome.upper():<7} {result.where}  {result.name}")
        if result.outcome == "skipped" and result.error:
            lines += _indented("why:", result.error)
        if result.outcome != "failed":
            continue
        if result.step:
            lines.append(f"        step:  {result.step}")
        lines += _indented("error:", result.error or "(no message)")
        verdict = result.verdict
        if verdict is not None and not all(line in (result.error or "") for line in verdict.summary):
            of = f' of "{verdict.session}"' if verdict.session != "baseline" else ""
            lines.append(f"        summary of the verdict{of} as of {render.when(verdict.as_of)} ({verdict.status}):")
            lines += [f"            {line}" for line in verdict.summary]
    if report.problem:
        lines.append(report.problem)
    counts = [f"{report.count('passed')} passed", f"{report.count('failed')} failed"]
    if report.count("skipped"):
        counts.append(f"{report.count('skipped')} skipped")
    if report.unreadable:
        counts.append(f"{len(report.unreadable)} feature file(s) unreadable")
    lines += ["", f"{len(report.scenarios)} scenario(s): {', '.join(counts)}"]
    return "\n".join(lines)


def _indented(label: str, text: str) -> list[str]:
    first, *rest = text.splitlines() or [""]
    return [f"        {label} {first}", *(f"        {' ' * len(label)} {line}" for line in rest)]
