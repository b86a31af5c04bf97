"""The fact-log backends the tests run on: a SQLite file, and PostgreSQL when one is found.

PostgreSQL is found, in this order:
1. ``RIPENESS_TEST_POSTGRES_URL``: a server of your own, as a SQLAlchemy URL
   (``postgresql+psycopg://user:password@host:5432/postgres``); its role must be allowed to
   create databases (each test gets a database of its own, dropped at its end).
2. PostgreSQL's own programs (``initdb`` and ``pg_ctl`` on the ``PATH`` or under
   ``/usr/lib/postgresql/*/bin``, Debian's ``postgresql`` package): a throwaway server is
   started in a temporary folder on a free port, with a password, and stopped (its folder
   removed) at the end of the test run.  As root, it runs as the ``postgres`` user (root
   cannot run ``initdb``).  A run that is killed (SIGTERM, Ctrl-C, SIGKILL) stops it too:
   a ``Watchdog`` does, once the run's process has ended.
3. Otherwise the PostgreSQL tests are skipped, saying why and how to provide one.
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

ENV = "RIPENESS_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]
HOW = (f"set {ENV} to a server's SQLAlchemy URL (postgresql+psycopg://user:password@host:5432/postgres, "
       "a role that may create databases), or install PostgreSQL's server (Debian: apt-get install postgresql)")
_numbers = itertools.count(1)


class Unavailable(Exception):
    """No PostgreSQL server for the tests (the message says why and how to provide one)."""


class StartFailed(RuntimeError):
    """PostgreSQL's programs are installed but the throwaway server did not start: an error,
    not a skip, so that a broken installation is seen."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_programs() -> tuple[str, str] | None:
    found = shutil.which("initdb"), shutil.which("pg_ctl")
    if all(found):
        return found  # type: ignore[return-value]
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        initdb, pg_ctl = Path(folder, "initdb"), Path(folder, "pg_ctl")
        if initdb.is_file() and pg_ctl.is_file():
            return str(initdb), str(pg_ctl)
    return None


class Postgres:
    """A PostgreSQL server the tests may create databases on; ``folder``: the throwaway
    server's (None for a server of your own)."""

    def __init__(self, admin_url: URL, folder: Path | None = None):
        self.admin_url, self.folder = admin_url, folder
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)

    def fresh_url(self) -> str:
        """The URL of a new, empty database (password included: it is given to the store)."""
        name = f"ripeness_test_{os.getpid()}_{next(_numbers)}_{secrets.token_hex(3)}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        self._admin.dispose()


# The watchdog's program: wait until the pipe's writer is gone; nothing read means it ended
# without cleaning up (killed): then clean up (``Watchdog``'s arguments, as JSON).
_WATCHDOG = """
import json, os, shutil, signal, subprocess, sys
if not os.read(int(sys.argv[1]), 1):
    todo = json.loads(sys.argv[2])
    try:  # only the very process: its command line holds ``named`` (a pid may be another's since)
        with open(f"/proc/{todo['kill']}/cmdline", "rb") as cmdline:
            if todo["kill"] and todo["named"].encode() in cmdline.read():
                os.kill(todo["kill"], signal.SIGTERM)
    except OSError:
        pass
    if todo["run"] and os.path.exists(todo["if_exists"] or "/"):
        subprocess.run(todo["run"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    if todo["remove"]:
        shutil.rmtree(todo["remove"], ignore_errors=True)
"""


class Watchdog:
    """Cleans up after this process if it ends without doing so itself (a SIGTERM, a Ctrl-C
    whose KeyboardInterrupt never reached a fixture's teardown, a SIGKILL): a small process
    of its own that waits on a pipe whose only writer is this process (its end is not
    inherited by the programs this process starts), which the kernel closes however this
    process ends.  Then it sends SIGTERM to ``kill`` (a process this one started, if its
    command line still holds ``named``), runs
    ``run`` (when ``if_exists`` exists) and removes the folder ``remove``.  It runs in a
    session of its own, so neither a Ctrl-C at the terminal nor a kill of the test run's
    process group reaches it.  ``release`` (cleaned up in order) lets it exit doing nothing."""

    def __init__(self, *, kill: int | None = None, named: str = "", run: list[str] | None = None, if_exists: Path | None = None,
                 remove: Path | None = None):
        todo = json.dumps({"kill": kill, "named": named, "run": run, "if_exists": str(if_exists) if if_exists else None,
                           "remove": str(remove) if remove else None})
        read, self._alive = os.pipe()
        try:
            self._process = subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(read), todo], pass_fds=(read,), start_new_session=True,
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except BaseException:
            os.close(self._alive)
            raise
        finally:
            os.close(read)

    def release(self, cleaned: bool = True) -> None:
        """Let the watchdog go: ``cleaned``, doing nothing; else cleaning up now."""
        if cleaned:
            os.write(self._alive, b"cleaned")
        os.close(self._alive)
        self._process.wait(timeout=150)


class _Throwaway:
    """A PostgreSQL server of our own in a temporary folder (fsync off: it is thrown away)."""

    def __init__(self, initdb: str, pg_ctl: str):
        self.pg_ctl = pg_ctl
        self.folder = Path(tempfile.mkdtemp(prefix="ripeness-pg-"))
        self.data = self.folder / "data"
        self.password = secrets.token_urlsafe(12)
        self.port = free_port()
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.user is not None:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        secret = self.folder / "password"
        secret.write_text(self.password)
        if self.user is not None:
            os.chown(secret, self.user.pw_uid, self.user.pw_gid)
        self._watchdog = Watchdog(run=self._as_server(self._stop_command()), if_exists=self.data / "postmaster.pid", remove=self.folder)
        try:
            self._start(initdb)
        except BaseException:
            self._watchdog.release(cleaned=False)  # a server half started is stopped too, and the folder removed
            raise

    def _start(self, initdb: str) -> None:
        self._run([initdb, "-D", str(self.data), "-U", "ripeness", "--auth=scram-sha-256", f"--pwfile={self.folder / 'password'}",
                   "--no-sync", "-E", "UTF8", "--locale=C"])
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start"])

    def _as_server(self, command: list[str]) -> list[str]:
        """``command`` as the server's user (``postgres`` when run as root)."""
        return ["runuser", "-u", "postgres", "--", *command] if self.user is not None else command

    def _stop_command(self) -> list[str]:
        return [self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"]

    def _run(self, command: list[str]) -> None:
        program = Path(command[0]).name
        done = subprocess.run(self._as_server(command), capture_output=True, text=True, cwd=self.folder)
        if done.returncode:
            log = self.folder / "server.log"
            raise StartFailed(f"{program} failed "
                              f"({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                              + (f"\n{log.read_text(errors='replace')}" if log.exists() else ""))

    def url(self) -> URL:
        return URL.create("postgresql+psycopg", "ripeness", self.password, "127.0.0.1", self.port, "postgres")

    def stop(self) -> None:
        """Stop the server and remove its folder (when the stop fails, the watchdog tries
        again once this process has ended)."""
        self._run(self._stop_command())
        shutil.rmtree(self.folder, ignore_errors=True)
        self._watchdog.release()


@contextmanager
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server for the tests (see the module docstring); raises ``Unavailable``."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable("psycopg is not installed (pip install -e '.[dev]' or '.[postgres]')") from None
    given = os.environ.get(ENV)
    if given:
        server = Postgres(make_url(given))
        try:
            with server._admin.connect():
                pass
        except Exception as exc:  # noqa: BLE001  # any failure to connect: say so, as a skip
            raise Unavailable(f"{ENV} names a server that does not answer: {exc.__class__.__name__}") from None
        yield server
        server.close()
        return
    programs = postgres_programs()
    if programs is None:
        raise Unavailable(f"no PostgreSQL server: {HOW}")
    throwaway = _Throwaway(*programs)
    try:
        server = Postgres(throwaway.url(), throwaway.folder)
        yield server
        server.close()
    finally:
        throwaway.stop()
