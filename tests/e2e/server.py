"""``ripeness serve`` as a real process on a free port, for tests that need a real server:
a SIGKILL, a restart on the same fact log, many clients at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.backends import Watchdog

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ripeness_command() -> list[str]:
    """The ``ripeness`` script of this interpreter's environment (or the same through ``-c``)."""
    script = Path(sys.executable).with_name("ripeness")
    return [str(script)] if script.is_file() else [sys.executable, "-c", "from ripeness.cli import main; main()"]


class Server:
    """One ``ripeness serve`` process over ``db_url``; its stderr goes to ``log``; on ``port``
    (default a free one), with further ``serve`` ``options`` (e.g. ``["--tokens", FILE]``).
    ``scripts/replicas.py`` and the PostgreSQL benchmarks start their replicas with it too."""

    def __init__(self, db_url: str, log: Path, *, load_facts: bool = False, env: dict[str, str] | None = None,
                 rules: str | None = None, port: int | None = None, options: list[str] | None = None):
        self.db_url, self.log, self.load_facts, self.env, self.rules = db_url, log, load_facts, env, rules
        self.options = options or []
        self._chose_port, self._retries = port is None, 3
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self._watchdog: Watchdog | None = None

    def launch(self) -> Server:
        """Start the process, not waiting for it to answer (``start`` waits)."""
        command = [*ripeness_command(), "serve", "--db", self.db_url, "--port", str(self.port),
                   "--load-facts" if self.load_facts else "--no-load-facts", *(["--rules", self.rules] if self.rules else []), *self.options]
        self._log_from = self.log.stat().st_size if self.log.exists() else 0
        self._release()
        with self.log.open("ab") as err:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=err, stderr=err, cwd=self.log.parent,
                                            env=self.env)
        self._watchdog = Watchdog(kill=self.process.pid, named=f"\0--port\0{self.port}\0")  # stops it if this process is killed first
        return self

    def _release(self) -> None:
        if self._watchdog is not None:
            self._watchdog.release()
            self._watchdog = None

    def start(self) -> Server:
        self.launch()
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if self._chose_port and self._port_taken():
                    return self._on_another_port().start()
                raise AssertionError(f"ripeness serve exited with {self.process.returncode}:\n{self.stderr()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"ripeness serve did not answer /health within {STARTUP_SECONDS} s:\n{self.stderr()}")

    def _port_taken(self) -> bool:
        # another process took the free port between ``free_port`` and the server's bind (the
        # suite runs in two processes, each starting servers and opening connections)
        with self.log.open("rb") as log:
            log.seek(self._log_from)
            return self._retries > 0 and b"address already in use" in log.read().lower()

    def _on_another_port(self) -> Server:
        self._retries -= 1
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing; what is on disk is what there is."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._release()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._release()

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def client(self, **options) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=options.pop("timeout", 30), **options)


def ok(reply: httpx.Response, status: int = 200) -> Any:
    assert reply.status_code == status, f"{reply.request.method} {reply.request.url}: {reply.status_code} {reply.text}"
    return reply.json()


def all_facts(client: httpx.Client, session: str, page: int = 97) -> list[dict[str, Any]]:
    """Every fact of the session, page by page through ``after``/``next_after``."""
    found, after = [], None
    while True:
        params = {"limit": page, **({"after": after} if after else {})}
        reply = ok(client.get(f"/sessions/{session}/facts", params=params))
        found += reply["facts"]
        after = reply["next_after"]
        if after is None:
            return found
