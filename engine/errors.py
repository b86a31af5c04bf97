"""Every exception ripeness raises on purpose, in one tree.

    RipenessError                  base: misuse or a fault, never a business outcome
    ├── RuleFileError              one or more rule-file problems (``.problems``)
    ├── FactError                  one or more bad facts (``.problems``); nothing was used
    ├── MappingError               an import mapping file is wrong (``.problems``); nothing was imported
    ├── SourceRowError             rows of event data that cannot be read (``.problems``); nothing was imported
    ├── LabelsError                a fidelity case's labels file is wrong (``.problems``); never reaches the API
    ├── UnknownNameError           an actor, subject, position, variant or session that does not exist
    ├── SessionError               a session operation that cannot be done (e.g. deleting baseline)
    │   ├── WhatIfLimitError       a caller already has as many what-if sessions as allowed
    │   └── AnalystClosed          the session's analyst was closed (its session dropped) meanwhile
    ├── IdempotencyKeyError        an Idempotency-Key reused with a different request body
    ├── StoreError                 the fact log cannot be opened or refused a write
    │   ├── WriteConflict          a session was written by another replica since this one read it (retried)
    │   │   └── WrittenBetween     a write that took the log to be as this process left it was overtaken (retried)
    │   └── SessionGone            the session was deleted (by another replica, say): nothing written
    ├── OutsideFolderError         a scenario named by a path outside the folder it must be in
    ├── EngineFault                the rules engine failed or swallowed an exception
    ├── AnalysisStopped            an analysis stopped early: past its time budget, or its client went away
    ├── Misuse                     a function called with an argument it does not take: a bug of the caller (ValueError, TypeError too)
    ├── InputTextError             a file ripeness reads, refused before any of it is used (ValueError too)
    │   ├── YamlSyntaxError        not YAML, or YAML ripeness refuses (anchors, depth); ``.line``
    │   ├── FileTooLarge           beyond its size limit
    │   └── TokenError             a tokens file or variable that cannot be read
    ├── ApiProblem                 a request the API layer refuses itself (too large, not allowed, bad JSON)
    ├── ServeError                 ``ripeness serve`` cannot start as asked
    ├── RemoteImportError          ``ripeness import --server``: the server refused the import (in ``ripeness.importing``)
    └── GherkinServerError         a Gherkin run against a live server cannot go on
        ├── ScenarioMismatch       the server runs another rule scenario than the feature asks for
        └── ServerProblem          the server refused a request, or could not be reached

A deadlock is a ``Verdict``, not an exception.  Each class that can reach the API maps to one problem+json
``type`` at the API boundary.
"""

from __future__ import annotations

import difflib
import reprlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected."""

    where: str  # "rules/jcpoa/positions.yaml:12" or "facts.jsonl:3" or "facts[2]"
    field: str  # dotted path of the field inside the item, "" for the whole item
    message: str

    def __str__(self) -> str:
        location = f"{self.where}: {self.field}" if self.field else self.where
        return f"{location}: {self.message}"


class RipenessError(Exception):
    """Base class: misuse or a fault."""


class _ProblemsError(RipenessError):
    kind = "input"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} {self.kind} error(s):\n{lines}")


class RuleFileError(_ProblemsError):
    """A scenario folder has errors; every one found is in ``problems``."""

    kind = "rule-file"


class FactError(_ProblemsError):
    """Facts were rejected; every problem found is in ``problems``; none were used."""

    kind = "fact"


class MappingError(_ProblemsError):
    """An import mapping file (``engine.imports.mapping``) has errors; every one found is in
    ``problems``; nothing was imported."""

    kind = "mapping-file"


class SourceRowError(_ProblemsError):
    """Rows of an event-data file that cannot be read or turned into facts, each with its
    file and line; nothing of the file was imported (``--skip-bad`` imports the others)."""

    kind = "source-row"


class LabelsError(_ProblemsError):
    """A fidelity case's ``labels.yaml`` (historians' labels, see ``fidelity/report.py``) has
    errors; every one found is in ``problems``."""

    kind = "labels-file"


class UnknownNameError(RipenessError):
    """A name that the scenario or the service does not know."""

    def __init__(self, kind: str, name: str, known: list[str]):
        self.kind, self.name, self.known = kind, name, sorted(known)
        self.suggestion = suggest(name, self.known)
        hint = f" Did you mean {self.suggestion!r}?" if self.suggestion else ""
        super().__init__(
            f"unknown {kind} {name!r}.{hint} Known: {', '.join(self.known) or '(none)'}"
        )


class SessionError(RipenessError):
    """A session operation that cannot be done."""


class WhatIfLimitError(SessionError):
    """The caller has as many what-if sessions as one caller may have; nothing was created."""

    def __init__(self, who: str, limit: int):
        self.who, self.limit = who, limit
        super().__init__(f"{who or 'this caller'} already has {limit} what-if session(s), as many as one caller may have "
                         "(the server's --max-whatifs): delete one first")


class AnalystClosed(SessionError):
    """The analyst asked was closed (its session was dropped or deleted meanwhile)."""


class IdempotencyKeyError(RipenessError):
    """The key was used before for a different request; nothing was stored."""


class StoreError(RipenessError):
    """The fact log cannot be opened (wrong schema, another scenario) or refused a write."""


class WriteConflict(StoreError):
    """A write expected a session at one version (its last fact) and found another: a
    replica wrote it meanwhile.  Nothing was stored; ``engine.sessions`` reads the session
    again and retries."""


class WrittenBetween(WriteConflict):
    """A write that took the log to be as this process's last write left it (on PostgreSQL,
    one round trip instead of two: ``engine.store.log.PgWriting``) found at its commit that
    another write had come in between.  Nothing was stored, and the session in memory may hold
    the write's facts already: ``engine.sessions`` reads the session again and retries."""


class SessionGone(StoreError):
    """A write into, a fork of, or a deletion of a session that is deleted in the log
    (another replica deleted it).  Nothing was stored; ``engine.sessions`` answers as for
    an unknown session."""

    def __init__(self, session_id: int):
        self.session_id = session_id
        super().__init__(f"session {session_id} is deleted")


class OutsideFolderError(RipenessError):
    """A scenario name that leads outside the rules folder (``../../etc``), or a Gherkin step's
    event data file outside its feature file's folder; nothing was read."""


class EngineFault(RipenessError):
    """durable-rules failed, or raised inside an action (it swallows those)."""


class Misuse(RipenessError, ValueError, TypeError):
    """A function of ripeness called with an argument it does not take (a negative time
    budget, a walk asked to go back in time): a bug of the caller, never an input from
    outside, which gets a ``Problem`` instead.  It is a ``ValueError`` and a ``TypeError``
    too, so callers that caught those still do."""


class AnalysisStopped(RipenessError):
    """An analysis stopped before its end: past its time budget (``budget`` seconds), or
    cancelled because nobody waits for it any more (``cancelled``)."""

    def __init__(self, what: str, *, budget: float | None, cancelled: bool):
        self.what, self.budget, self.cancelled = what, budget, cancelled
        if cancelled:
            message = f"{what} was stopped: nobody waits for it any more"
        else:
            message = f"{what} needed more than its time budget of {budget:g} s and was stopped"
        super().__init__(message)


class InputTextError(RipenessError, ValueError):
    """A file or variable ripeness reads (YAML, tokens) that it refuses before using any of it;
    callers add the file's name, or turn it into a ``Problem``."""


class YamlSyntaxError(InputTextError):
    """Text that is not YAML, or YAML ripeness refuses; ``line`` is where (1-based)."""

    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


class FileTooLarge(InputTextError):
    """A file over its size limit; the message says the limit."""


class TokenError(InputTextError):
    """A token file or variable that cannot be read; says where."""


class ApiProblem(RipenessError):
    """An error the API layer itself finds (body too large, not allowed, bad JSON): answered
    as problem+json with ``status``, ``/problems/{kind}``, ``title`` and ``detail``."""

    def __init__(self, status: int, kind: str, title: str, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail, self.headers = status, kind, title, detail, headers


class ServeError(RipenessError):
    """The service cannot start as asked; the message says why."""


class GherkinServerError(RipenessError):
    """A Gherkin run against a live server (``ripeness.gherkin.drivers``) cannot go on."""


class ScenarioMismatch(GherkinServerError):
    """The server runs another rule scenario than the feature file asks for; the message says
    which and which (the step library skips the Gherkin scenario with it)."""


class ServerProblem(GherkinServerError):
    """The server refused a request, or could not be reached; the message carries the
    request, the status and the problem's detail."""


# what of a wrong input an error message echoes: enough to recognise it, never a 10 MB input
_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxdict, _SHOWN.maxlist, _SHOWN.maxstring, _SHOWN.maxother, _SHOWN.maxlong = 3, 6, 6, 80, 80, 40


def brief(value: object) -> str:
    """``repr(value)``, cut short: long text to its first 80 characters and its length,
    containers to their first items and three levels."""
    text = _SHOWN.repr(value)
    if isinstance(value, str) and len(value) > 80:
        text += f" ({len(value)} characters)"
    return text


def suggest(name: str, known: list[str]) -> str | None:
    """The closest known name, if any is close enough to be a likely typo."""
    matches = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not matches:
        lowered = {k.lower(): k for k in known}
        matches = [lowered[name.lower()]] if name.lower() in lowered else []
    return matches[0] if matches else None
