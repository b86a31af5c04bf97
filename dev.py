#!/usr/bin/env python3
"""Set up and run ripeness on a fresh machine: only Python 3.11+ and a C compiler needed.

    python3 dev.py run     # create .venv, install, serve the API on 127.0.0.1:8000 (bundled JCPOA facts in baseline)
    python3 dev.py test    # create .venv, install with test tools, run the whole test suite
    python3 dev.py demo    # the command-line demo: check the JCPOA rules, print a verdict and the timeline
    python3 dev.py bench   # the benchmarks, quick mode (add --full for the full sizes)

Extra arguments go to the command run (``ripeness serve``, pytest, the benchmark runner).
The virtual environment is reused while pyproject.toml is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
SERVE = ["ripeness", "serve"]  # defaults: rules/jcpoa, data/jcpoa.db, 127.0.0.1:8000, bundled facts loaded
DEMO = [
    ["ripeness", "check", "rules/jcpoa"],
    ["ripeness", "verdict", "rules/jcpoa", "rules/jcpoa/facts.yaml", "--as-of", "2021-03-07"],
    ["ripeness", "timeline", "rules/jcpoa", "rules/jcpoa/facts.yaml"],
]


def setup() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"ripeness needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    stamp = VENV / ".installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    env = dict(os.environ)
    # durable-rules ships as C source; on Python 3.13 it builds only with this (harmless on 3.11/3.12)
    env["CPPFLAGS"] = (env.get("CPPFLAGS", "") + " -DPyEval_CallObject=PyObject_CallObject").strip()
    print("installing ripeness with its test tools (durable-rules compiles from source: a minute or two)", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True, env=env)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", ".[dev]"], check=True, env=env, cwd=ROOT)
    stamp.write_text(digest)


def run(command: list[str]) -> int:
    print("$ " + " ".join(command), flush=True)
    executable = str(BIN / command[0]) if (BIN / command[0]).exists() else command[0]
    return subprocess.run([executable, *command[1:]], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "demo", "bench"):
        print(__doc__)
        return 2
    setup()
    if argv[0] == "run":
        return run([*SERVE, *argv[1:]])
    if argv[0] == "demo":
        for command in DEMO:
            code = run(command)
            if code:
                return code
        return 0
    if argv[0] == "bench":
        return run([str(PYTHON), "-m", "benchmarks.run", *argv[1:]])
    return run([str(PYTHON), "-m", "pytest", *argv[1:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
