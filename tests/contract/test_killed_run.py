"""What a test run starts outside itself is stopped however the run ends: its throwaway
PostgreSQL server (``tests/backends.py``; the folder removed too) and its ``ripeness serve``
processes (``tests/e2e/server.py``).  A run killed by a SIGTERM to its process group (as a
job is stopped) left its PostgreSQL server running and its ``/tmp/ripeness-pg-*`` folder
behind, and one killed alone (SIGTERM to its process) left its ``ripeness serve`` running
too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import backends
from tests.backends import Watchdog
from tests.conftest import ROOT

# a run of its own that holds the suite's own server fixture, says where its folder is, and waits to be killed
HOLDER = """
import os, time
from pathlib import Path
from tests.e2e.server import Server

def test_holds_the_servers(postgres_server, tmp_path):
    served = Server(f"sqlite:///{tmp_path / 'log.db'}", tmp_path / "serve.log").start()
    Path(os.environ["HELD_FOLDER"]).write_text(f"{postgres_server.folder} {served.process.pid}")
    time.sleep(600)
"""
KILLS = {"SIGTERM to the group": (signal.SIGTERM, True), "SIGINT to the group": (signal.SIGINT, True),
         "SIGTERM to the run alone": (signal.SIGTERM, False), "SIGKILL to the run alone": (signal.SIGKILL, False)}


def processes_naming(folder: Path) -> list[int]:
    """The processes whose command line names ``folder`` (the server's: ``postgres -D FOLDER/data``)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(folder).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a process not yet ended (a zombie has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@dataclass
class Run:
    """A test run holding a server, to be killed by ``sig`` (sent to its process group, or to it alone)."""

    process: subprocess.Popen
    held: Path  # where it writes its PostgreSQL server's folder and its ``ripeness serve``'s pid
    sig: signal.Signals
    group: bool
    watchdog: Watchdog

    def folder(self) -> Path | None:
        return Path(self.held.read_text().split()[0]) if self.held.exists() and self.held.read_text() else None

    def served(self) -> int:
        return int(self.held.read_text().split()[1])

    def written(self) -> str:
        """What the run has printed so far (its output goes to a file beside ``held``)."""
        return output_of(self.held).read_text(errors="replace")

    def output(self) -> str:
        self.process.wait()
        return self.written()

    def kill(self) -> None:
        (os.killpg if self.group else os.kill)(self.process.pid, self.sig)


def output_of(held: Path) -> Path:
    """The file a run holding ``held`` prints to."""
    return held.with_suffix(".out")


def start_run(tmp_path: Path, sig: signal.Signals, group: bool) -> Run:
    held = tmp_path / f"{sig.name}-{'group' if group else 'alone'}.held"
    env = {**os.environ, "HELD_FOLDER": str(held), "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
               str(tmp_path / "test_holder.py")]
    # its output to a file, not a pipe: waiting for a pipe's end waits for every process that holds
    # it, and twice (at load 5 to 6) one was still open 60 s after the run had been killed
    with output_of(held).open("wb") as output:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT)
    # in a session of its own, so a kill of this run's group does not reach it: stopped (and so its
    # servers) if this run ends before ``release`` (a suite killed during this test left a holding
    # run with its PostgreSQL server and its ripeness serve, waiting out its ten minutes)
    return Run(process, held, sig, group, Watchdog(kill=process.pid, named=f"\0{tmp_path / 'test_holder.py'}"))


@pytest.mark.skipif(os.environ.get(backends.ENV) is not None, reason=f"{backends.ENV} names a server of your own: none is started")
@pytest.mark.skipif(backends.postgres_programs() is None, reason=f"no PostgreSQL programs: {backends.HOW}")
def test_a_killed_run_leaves_no_server_running_and_no_folder(tmp_path: Path) -> None:
    (tmp_path / "test_holder.py").write_text(HOLDER)
    runs = {name: start_run(tmp_path, sig, group) for name, (sig, group) in KILLS.items()}  # all at once: each starts its own server
    try:
        for name, run in runs.items():
            assert wait_for(lambda run=run: run.folder() is not None or run.process.poll() is not None, 120), f"{name}: no server in 120 s"
            assert run.folder() is not None, f"{name}: the run ended before holding a server:\n{run.output()}"
            assert processes_naming(run.folder()), f"{name}: the server of {run.folder()} is not running"
            assert running(run.served()), f"{name}: its ripeness serve is not running"
        for run in runs.values():
            run.kill()
        for name, run in runs.items():
            # what is checked is what the run leaves behind, not how fast it goes: a busy machine
            # (four runs tearing down four servers at once, at load 3 to 6) has taken over 60 s
            try:
                run.process.wait(timeout=240)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{name}: the run was still running 240 s after its {run.sig.name}; its output:\n{run.written()}")
        for name, run in runs.items():
            folder = run.folder() or Path("/nonexistent")
            assert wait_for(lambda folder=folder: not processes_naming(folder) and not folder.exists(), 60), (
                f"{name}: left {'its server ' + str(processes_naming(folder)) if processes_naming(folder) else ''} "
                f"{'its folder ' + str(folder) if folder.exists() else ''}")
            assert wait_for(lambda run=run: not running(run.served()), 30), f"{name}: left its ripeness serve running ({run.served()})"
    finally:
        for run in runs.values():
            if run.process.poll() is None:
                os.killpg(run.process.pid, signal.SIGTERM)
                run.process.wait()
            run.watchdog.release()
