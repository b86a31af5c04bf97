"""The fact-log backends the tests run on: a SQLite file, and PostgreSQL when one is found.

PostgreSQL is found, in this order:
1. ``RIPENESS_TEST_POSTGRES_URL``: a server of your own, as a SQLAlchemy URL
   (``postgresql+psycopg://user:password@host:5432/postgres``); its role must be allowed to
   create databases (each test gets a database of its own, dropped at its end).
2. PostgreSQL's own programs (``initdb`` and ``pg_ctl`` on the ``PATH`` or under
   ``/usr/lib/postgresql/*/bin``, Debian's ``postgresql`` package): a throwaway server is
   started in a temporary folder on a free port, with a password, and stopped (its folder
   removed) at the end of the test run.  As root, it runs as the ``postgres`` user (root
   cannot run ``initdb``).
3. Otherwise the PostgreSQL tests are skipped, saying why and how to provide one.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
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


def _programs() -> tuple[str, str] | None:
    found = shutil.which("initdb"), shutil.which("pg_ctl")
    if all(found):
        return found  # type: ignore[return-value]
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        initdb, pg_ctl = Path(folder, "initdb"), Path(folder, "pg_ctl")
        if initdb.is_file() and pg_ctl.is_file():
            return str(initdb), str(pg_ctl)
    return None


class Postgres:
    """A PostgreSQL server the tests may create databases on."""

    def __init__(self, admin_url: URL):
        self.admin_url = admin_url
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
        try:
            self._start(initdb)
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def _start(self, initdb: str) -> None:
        self._run([initdb, "-D", str(self.data), "-U", "ripeness", "--auth=scram-sha-256", f"--pwfile={self.folder / 'password'}",
                   "--no-sync", "-E", "UTF8", "--locale=C"])
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start"])

    def _run(self, command: list[str]) -> None:
        program = Path(command[0]).name
        if self.user is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode:
            log = self.folder / "server.log"
            raise StartFailed(f"{program} failed "
                              f"({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                              + (f"\n{log.read_text(errors='replace')}" if log.exists() else ""))

    def url(self) -> URL:
        return URL.create("postgresql+psycopg", "ripeness", self.password, "127.0.0.1", self.port, "postgres")

    def stop(self) -> None:
        try:
            self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


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
    programs = _programs()
    if programs is None:
        raise Unavailable(f"no PostgreSQL server: {HOW}")
    throwaway = _Throwaway(*programs)
    try:
        server = Postgres(throwaway.url())
        yield server
        server.close()
    finally:
        throwaway.stop()
