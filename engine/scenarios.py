"""Every scenario one service serves, each with its own rule folder, ``baseline`` and
what-ifs, over one fact log (each session names its scenario: their sessions never mix).

Promises:
- One scenario is the default (the API's routes without ``/scenarios/{id}``).
- ``prepare`` loads a scenario folder (every rule-file problem, located, as a
  ``RuleFileError``) without touching what is served; ``put`` then serves it in place of the
  scenario of the same id, if any, and gives that back for its owner to close once nothing
  uses it.  A reload that fails changes nothing.
- With a root folder (``ripeness serve --rules rules/``), a scenario's id is the name of its
  folder under the root (and its ``scenario.id``); a scenario not served yet can be added
  by preparing it.  Without one, only the scenario served can be reloaded, from its folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.errors import Problem, RuleFileError, UnknownNameError
from engine.sessions import Sessions

SCENARIO_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Served:
    """A scenario as served: its id, the folder it was loaded from and when, its sessions, and
    how many facts its settling stored (its bundled facts, loaded into ``baseline``)."""

    id: str
    folder: Path | None
    sessions: Sessions
    loaded_at: dt.datetime
    facts_loaded: int = 0


def scenario_folders(root: Path) -> list[Path]:
    """The scenario folders directly under ``root`` (those holding a ``scenario.yaml``), by name."""
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "scenario.yaml").is_file())


def is_scenario_folder(folder: Path) -> bool:
    return (folder / "scenario.yaml").is_file()


class Scenarios:
    """The scenarios of one service by id.  ``opener`` loads a scenario folder and opens its
    sessions over the service's log (``RuleFileError`` when the folder is wrong); ``settle``
    is done to a reloaded scenario's sessions before they are served (loading its bundled
    facts); ``root``: the folder of scenario folders, if the service was started on one;
    ``on_close``: closes what they share (the store)."""

    def __init__(self, served: list[Served], default: str, *, opener: Callable[[Path], Sessions] | None = None,
                 settle: Callable[[Sessions], int] | None = None, root: Path | None = None,
                 clock: Callable[[], dt.datetime] | None = None, on_close: Callable[[], None] | None = None):
        self._served = {s.id: s for s in served}
        if default not in self._served:
            raise UnknownNameError("scenario", default, list(self._served))
        self.default_id, self.root = default, root
        self._opener, self._settle, self._on_close = opener, settle, on_close
        self._clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._guard = threading.Lock()

    @classmethod
    def single(cls, sessions: Sessions) -> Scenarios:
        """One scenario's sessions as the only (and default) scenario, never reloaded."""
        served = Served(sessions.rulebook.id, sessions.rulebook.folder, sessions, sessions.clock.now())
        return cls([served], served.id)

    def ids(self) -> list[str]:
        with self._guard:
            return sorted(self._served)

    def served(self) -> list[Served]:
        with self._guard:
            return [self._served[i] for i in sorted(self._served)]

    def get(self, scenario: str) -> Sessions:
        """The sessions of a scenario served (``UnknownNameError`` otherwise)."""
        with self._guard:
            if scenario not in self._served:
                raise UnknownNameError("scenario", scenario, list(self._served))
            return self._served[scenario].sessions

    @property
    def default(self) -> Sessions:
        return self.get(self.default_id)

    def prepare(self, scenario: str) -> Served:
        """The scenario ``scenario`` loaded afresh from its folder, not served yet (see ``put``).
        ``UnknownNameError`` when there is no such folder; ``RuleFileError`` with every
        problem of its files."""
        folder = self._folder_of(scenario)
        if self._opener is None:
            raise RuleFileError([Problem(str(folder), "", "this service was started without a way to load scenarios")])
        sessions = self._opener(folder)
        if sessions.rulebook.id != scenario:
            sessions.close()
            raise RuleFileError([Problem(str(folder / "scenario.yaml"), "scenario.id",
                                         f"is {sessions.rulebook.id!r}; served as {scenario!r}, its id must be the name of its folder")])
        return Served(scenario, folder, sessions, self._clock())

    def put(self, served: Served) -> Served | None:
        """Serve ``served`` in place of the scenario of its id, once settled (if that fails,
        nothing changes and ``served`` is closed); the one it replaces, to close.  Call it when
        no write to the scenario is in flight: a session's memory is read from the log."""
        if self._settle is not None:
            try:
                served = dataclasses.replace(served, facts_loaded=self._settle(served.sessions))
            except BaseException:
                served.sessions.close()
                raise
        with self._guard:
            old = self._served.get(served.id)
            self._served[served.id] = served
            return old

    def close(self) -> None:
        for served in self.served():
            served.sessions.close()
        if self._on_close is not None:
            self._on_close()

    def _folder_of(self, scenario: str) -> Path:
        with self._guard:
            current = self._served.get(scenario)
            known = list(self._served)
        if self.root is None:
            if current is None or current.folder is None:
                raise UnknownNameError("scenario", scenario, known)
            return current.folder
        folder = self.root / scenario
        if not SCENARIO_ID.fullmatch(scenario) or not folder.is_dir() or folder.resolve().parent != self.root.resolve():
            raise UnknownNameError("scenario", scenario, sorted({*known, *(p.name for p in scenario_folders(self.root))}))
        return folder
