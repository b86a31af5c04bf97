"""The same feature files on a live ``ripeness serve``: a real server in a subprocess, over a
SQLite fact log in a temporary folder, with tokens; the scenarios run through
``ripeness scenarios --url`` and through pytest's ``--ripeness-url``.  The server's own
baseline (loaded with the bundled facts) must come out untouched, and no line of a Gherkin
scenario may be left behind."""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ripeness.cli import app
from tests.e2e.server import Server, free_port

pytest_plugins = ["pytester"]
# one worker runs the module, so that its server is started once (pyproject.toml: -n 2)
pytestmark = pytest.mark.xdist_group("live-server")

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ROOT / "features"
ANALYST = "gherkin-analyst-token-0001"
READER = "gherkin-reader-token-00001"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The base URL of a ``ripeness serve`` of the jcpoa scenario, with its bundled facts."""
    folder = tmp_path_factory.mktemp("live-server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPENESS_")}
    env["RIPENESS_TOKENS"] = f"{ANALYST} analyst gherkin; {READER} reader watcher"
    served = Server(f"sqlite:///{folder / 'log.db'}", folder / "stderr.txt", load_facts=True, env=env).start()
    try:
        yield served.url
    finally:
        served.stop()


def server_state(url: str) -> tuple[list[str], int]:
    """The server's sessions, and how many facts its baseline holds."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ANALYST}"}) as client:
        names = [s["name"] for s in client.get("/sessions").raise_for_status().json()]
        facts = client.get("/sessions/baseline/facts", params={"limit": 10000}).raise_for_status().json()["facts"]
    return names, len(facts)


def scenarios(*args: str):
    return CliRunner().invoke(app, ["scenarios", *args])


def test_the_jcpoa_feature_files_pass_on_the_server_and_leave_it_as_it_was(server):
    before = server_state(server)
    assert before[0] == ["baseline"] and before[1] > 0  # the bundled facts

    result = scenarios(str(FEATURES / "jcpoa"), "--url", server, "--token", ANALYST)

    assert result.exit_code == 0, result.output
    counts = re.fullmatch(r"(\d+) scenario\(s\): (\d+) passed, 0 failed", result.stdout.splitlines()[-1])
    assert counts and counts[1] == counts[2] and int(counts[1]) >= 20, result.stdout
    assert "PASSED  " in result.stdout and f"{Path('features') / 'jcpoa' / 'what_if.feature'}" in result.stdout
    assert server_state(server) == before  # baseline untouched, every line deleted


def test_feature_files_of_another_scenario_are_skipped_saying_why(server):
    result = scenarios(str(FEATURES / "strike"), "--url", server, "--token", ANALYST)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    skipped = [line for line in lines if line.startswith("SKIPPED ")]
    assert skipped and len(skipped) == len([line for line in lines if line.startswith(("SKIPPED", "PASSED", "FAILED"))])
    assert f"why: the server at {server} runs the scenario 'jcpoa'; this Gherkin scenario needs 'strike'" in result.stdout
    assert re.fullmatch(r"(\d+) scenario\(s\): 0 passed, 0 failed, \1 skipped", lines[-1])


def test_the_pytest_option_and_token_variable_run_a_feature_file_on_the_server(server, pytester, monkeypatch):
    monkeypatch.setenv("RIPENESS_TOKEN", ANALYST)
    pytester.makeconftest("from ripeness.gherkin.plugin import *  # noqa: F403\n")
    pytester.makepyfile(test_live=f"from pytest_bdd import scenarios\nscenarios({str(FEATURES / 'jcpoa' / 'what_if.feature')!r})\n")
    result = pytester.runpytest_inprocess("--ripeness-url", server, "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=5)
    assert server_state(server)[0] == ["baseline"]


def test_a_refusal_by_the_server_fails_the_step_with_its_detail_and_an_unknown_phrase_still_fails(server, tmp_path):
    feature = tmp_path / "reader.feature"
    feature.write_text(textwrap.dedent("""\
        Feature: a reader cannot make lines of its own
          Scenario: The reader tries
            Given the scenario "jcpoa"
            Then the status is opening

          Scenario: A phrase nobody defined
            When the analyst hums a tune
    """), encoding="utf-8")

    result = scenarios(str(feature), "--url", server, "--token", READER)

    assert result.exit_code == 1, result.output
    assert f"FAILED  {feature}:2  The reader tries" in result.stdout
    assert (f"error: ServerProblem: POST {server}/sessions: 403 Forbidden: creating a what-if session needs the role"
            " analyst or above; watcher is reader") in result.stdout
    assert "StepDefinitionNotFoundError: no step matches 'the analyst hums a tune'" in result.stdout
    assert "SKIPPED" not in result.stdout


def test_a_wrong_token_or_no_server_is_a_usage_error(server, tmp_path):
    refused = scenarios(str(FEATURES / "strike"), "--url", server, "--token", "not-a-known-token-000")
    assert refused.exit_code == 2 and refused.stdout == ""
    assert f"--url {server}: the server refused the token (401)" in refused.stderr

    nobody = scenarios(str(FEATURES / "strike"), "--url", f"http://127.0.0.1:{free_port()}")
    assert nobody.exit_code == 2 and "cannot reach the ripeness server" in nobody.stderr

    not_a_url = scenarios(str(FEATURES / "strike"), "--url", "127.0.0.1:8000")
    assert not_a_url.exit_code == 2 and "expected the server's base URL" in not_a_url.stderr
