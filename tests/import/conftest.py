"""Imports of coded event data, through the CLI (typer's CliRunner) and the API
(TestClient), over a real SQLite fact log and the real engine.  The scenario is a copy of
the fictional ``rules/strike`` with two number subjects to count into (``data/counts.yaml``)
and the mapping files of ``data/`` in its ``imports/`` folder; every row of ``data/`` is
invented."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ripeness.bootstrap import Scenario, load_scenario
from tests.conftest import ROOT

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def docks_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios") / "docks"
    folder.mkdir()
    for path in (ROOT / "rules" / "strike").glob("*.yaml"):
        if not path.name.startswith("facts"):
            shutil.copy(path, folder / path.name)
    shutil.copy(DATA / "counts.yaml", folder / "counts.yaml")
    (folder / "imports").mkdir()
    for name in ("acled.yaml", "plover.yaml", "gdelt.yaml"):
        shutil.copy(DATA / name, folder / "imports" / name)
    return folder


@pytest.fixture(scope="session")
def docks(docks_folder: Path) -> Scenario:
    return load_scenario(docks_folder)
