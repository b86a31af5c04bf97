"""Where the facts of one Gherkin scenario go and where its verdicts come from.

    Driver            the port: lines of facts (``baseline`` and named what-ifs), verdicts,
                      comparisons and timelines, always at an explicit time
    InProcessDriver   ``engine.sessions.Sessions`` in this process, over a SQLite file in a
                      temporary folder, on a clock fixed at ``NOW``
    HttpDriver        a running ``ripeness serve``, through its HTTP API, without touching
                      the server's own baseline

Both give the same answers for the same feature file: the time of every verdict is given
by the ``Desk`` (never the driver's or the server's clock) and timelines stop at ``NOW``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, Protocol

import httpx

from engine.clock import FixedClock
from engine.comparison import Comparison
from engine.errors import Misuse, ScenarioMismatch, ServerProblem
from engine.facts import EARLIEST, Confidence, ResolvedFact
from engine.sessions import BASELINE, Sessions
from engine.verdict import StatementState, TimelineEntry, Verdict
from ripeness.bootstrap import Scenario, open_sessions

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
# The root line of a scenario on a server is forked from the server's baseline as of the
# earliest time a fact can have, so it starts with none of the server's facts (but one dated
# exactly then).
BEFORE_ANY_FACT = EARLIEST.isoformat()


class Driver(Protocol):
    """The lines of facts of one Gherkin scenario, named as the feature file names them.

    ``use`` starts afresh for a rule scenario with an empty ``baseline`` (dropping every line
    of an earlier one); ``fork`` adds the what-if ``name``, which sees the facts ``parent``
    holds now and true by ``as_of``, and never the facts ``parent`` gets later; ``record``
    adds facts already validated against the scenario, all or nothing.  ``verdict`` and
    ``compare`` are made as of the time given; ``timeline`` lists the changes up to ``now``.
    No answer depends on the wall clock.  ``close`` drops every line."""

    now: dt.datetime

    def use(self, scenario: Scenario) -> None: ...

    def fork(self, name: str, parent: str, as_of: dt.datetime) -> None: ...

    def record(self, line: str, facts: list[ResolvedFact]) -> None: ...

    def verdict(self, line: str, as_of: dt.datetime, admit: Confidence = "disputed") -> Verdict: ...

    def compare(self, a: str, b: str, as_of: dt.datetime) -> Comparison: ...

    def timeline(self, line: str) -> list[TimelineEntry]: ...

    def statements(self, line: str, as_of: dt.datetime) -> list[StatementState]: ...

    def close(self) -> None: ...


def _raw(facts: list[ResolvedFact]) -> list[dict[str, Any]]:
    # as written (by alias, nothing unset filled in): a stated position is sent as its author wrote it
    return [f.input.model_dump(mode="json", exclude_none=True, exclude_unset=True, by_alias=True) for f in facts]


def _scratch() -> str | None:
    """Where the fact log of a Gherkin scenario goes: a memory-backed folder where there is
    one (Linux), since the log is thrown away at the scenario's end and waiting for the disk
    on every write (the log's ``synchronous=FULL``) was half the time of a scenario; else the
    system's temporary folder."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


class InProcessDriver:
    """``Sessions`` in this process over a fresh SQLite file per ``use``, on a clock fixed at
    ``now``; the file and its folder are removed by ``close``."""

    def __init__(self, now: dt.datetime = NOW):
        self.now = now
        self._sessions: Sessions | None = None
        self._folder: Path | None = None

    def use(self, scenario: Scenario) -> None:
        self.close()
        self._folder = Path(tempfile.mkdtemp(prefix="ripeness-gherkin-", dir=_scratch()))
        self._sessions = open_sessions(scenario, f"sqlite:///{(self._folder / 'log.db').as_posix()}", FixedClock(self.now))

    @property
    def folder(self) -> Path | None:
        """The temporary folder of the current fact log (None between scenarios)."""
        return self._folder

    def fork(self, name: str, parent: str, as_of: dt.datetime) -> None:
        self._open().fork(name, parent, as_of, description="a what-if of a Gherkin scenario")

    def record(self, line: str, facts: list[ResolvedFact]) -> None:
        self._open().record(line, [(f.where, raw) for f, raw in zip(facts, _raw(facts))], then=False)  # the reply is not read

    def verdict(self, line: str, as_of: dt.datetime, admit: Confidence = "disputed") -> Verdict:
        return self._open().verdict(line, as_of, admit=admit)

    def compare(self, a: str, b: str, as_of: dt.datetime) -> Comparison:
        return self._open().compare(a, b, as_of)

    def timeline(self, line: str) -> list[TimelineEntry]:
        return self._open().timeline(line)

    def statements(self, line: str, as_of: dt.datetime) -> list[StatementState]:
        return self._open().statements(line, as_of)

    def close(self) -> None:
        if self._sessions is not None:
            self._sessions.close()
            self._sessions = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _open(self) -> Sessions:
        if self._sessions is None:
            raise Misuse("InProcessDriver: use(scenario) first")
        return self._sessions


class HttpDriver:
    """The lines of one Gherkin scenario on a running ``ripeness serve`` at ``url``, isolated
    from the server's own sessions and from other runs: ``baseline`` is a root line
    ``gk-<8 hex>`` forked from the server's baseline as of ``BEFORE_ANY_FACT`` (so it sees
    none of the server's facts), a what-if ``NAME`` is ``gk-<8 hex>-NAME``; ``close`` deletes
    them all.  Names in verdicts and comparisons are given back as the feature file wrote
    them.  On a server of several rule scenarios the lines are made in the one the feature
    file names (``/scenarios/{id}/...``); ``use`` raises ``ScenarioMismatch`` when the server
    does not serve it."""

    def __init__(self, url: str, token: str | None = None, now: dt.datetime = NOW,
                 client: httpx.Client | None = None, timeout: float = 60.0):
        self.url, self.now = url.rstrip("/"), now
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._owns_client = client is None
        self._client = client or httpx.Client(base_url=self.url, headers=headers, timeout=timeout)
        self._names: dict[str, str] = {}  # feature name -> server name
        self._created: list[str] = []  # server names, in creation order
        self._prefix = ""  # the paths of the Gherkin scenario's rule scenario on the server (see use)

    def use(self, scenario: Scenario) -> None:
        self._drop()
        wanted = scenario.rulebook.id
        running = self._call("GET", "/health").get("scenario")  # the default scenario, at the paths without a prefix
        self._prefix = ""
        if running != wanted:  # a server of several scenarios serves each under /scenarios/{id}
            if not self._call("GET", f"/scenarios/{wanted}/health", missing_ok=True):
                raise ScenarioMismatch(f"the server at {self.url} runs the scenario {running!r};"
                                       f" this Gherkin scenario needs {wanted!r}")
            self._prefix = f"/scenarios/{wanted}"
        root = f"gk-{uuid.uuid4().hex[:8]}"
        self._create(BASELINE, root, parent=BASELINE, as_of=BEFORE_ANY_FACT)

    def fork(self, name: str, parent: str, as_of: dt.datetime) -> None:
        self._create(name, f"{self._names[BASELINE]}-{name}", parent=self._server(parent), as_of=as_of.isoformat())

    def record(self, line: str, facts: list[ResolvedFact]) -> None:
        self._call("POST", f"/sessions/{self._server(line)}/facts", json={"facts": _raw(facts)})

    def verdict(self, line: str, as_of: dt.datetime, admit: Confidence = "disputed") -> Verdict:
        found = self._call("GET", f"/sessions/{self._server(line)}/verdict", params={"as_of": as_of.isoformat(), "confidence": admit})
        return Verdict.model_validate({**found, "session": line})

    def compare(self, a: str, b: str, as_of: dt.datetime) -> Comparison:
        found = self._call("GET", f"/sessions/{self._server(a)}/compare/{self._server(b)}",
                           params={"as_of": as_of.isoformat()})
        found["a"]["session"], found["b"]["session"] = a, b
        found["summary"] = [self._feature_names(line) for line in found["summary"]]
        return Comparison.model_validate(found)

    def timeline(self, line: str) -> list[TimelineEntry]:
        # the server's timeline runs to its own clock; a feature file's runs to ``now``
        entries = [TimelineEntry.model_validate(e) for e in self._call("GET", f"/sessions/{self._server(line)}/timeline")]
        return [e for e in entries if e.at <= self.now]

    def statements(self, line: str, as_of: dt.datetime) -> list[StatementState]:
        found = self._call("GET", f"/sessions/{self._server(line)}/statements", params={"as_of": as_of.isoformat()})
        return [StatementState.model_validate(s) for s in found]

    def close(self) -> None:
        try:
            self._drop()
        finally:
            if self._owns_client:
                self._client.close()

    # inside -------------------------------------------------------------------------------
    def _create(self, name: str, server_name: str, *, parent: str, as_of: str) -> None:
        self._call("POST", "/sessions", json={"name": server_name, "parent": parent, "as_of": as_of,
                                              "description": "a line of a Gherkin scenario run; deleted when it ends"})
        self._names[name] = server_name
        self._created.append(server_name)

    def _drop(self) -> None:
        """Delete every line this driver made, forks before the lines they fork from."""
        failures = []
        for name in reversed(self._created):
            try:
                self._call("DELETE", f"/sessions/{name}", missing_ok=True)
            except ServerProblem as problem:
                failures.append(str(problem))
        self._names, self._created = {}, []
        if failures:
            raise ServerProblem("could not delete the lines of this Gherkin scenario:\n  " + "\n  ".join(failures))

    def _server(self, line: str) -> str:
        if line not in self._names:
            raise Misuse(f"HttpDriver: no line {line!r}; use(scenario) and fork(...) first")
        return self._names[line]

    def _feature_names(self, text: str) -> str:
        for feature, server in sorted(self._names.items(), key=lambda item: -len(item[1])):
            text = text.replace(server, feature)
        return text

    def _call(self, method: str, path: str, *, missing_ok: bool = False, **kwargs: Any) -> Any:
        if not path.startswith("/scenarios/") and path != "/health":
            path = self._prefix + path
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServerProblem(f"cannot reach the ripeness server at {self.url}: {type(exc).__name__}: {exc}") from None
        if response.status_code == 404 and missing_ok:
            return None
        if response.is_error:
            raise ServerProblem(f"{method} {self.url}{path}: {self._feature_names(_problem_text(response))}")
        return response.json() if response.content else None


def _problem_text(response: httpx.Response) -> str:
    """A problem+json reply as one message: status, title, detail, each bad field."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return f"{response.status_code} {response.reason_phrase}: {response.text[:500]}"
    lines = [f"{response.status_code} {body.get('title', response.reason_phrase)}: {body.get('detail', '')}"]
    lines += [f"  {e.get('pointer', '')}: {e.get('detail', '')}" for e in body.get("errors") or []]
    return "\n".join(lines)
