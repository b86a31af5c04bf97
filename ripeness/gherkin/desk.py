"""The desk one Gherkin scenario works at: the rule scenario, its lines of facts, the date.

A ``Desk`` knows the rule scenario (to check names and validate facts, with the feature file
and line in every error), the lines of facts a feature file names (``baseline`` and its
what-ifs, each with its fork time and latest fact), the default "as of" date, and caches
verdicts; its ``Driver`` (``drivers.py``) holds the facts and computes verdicts,
comparisons and timelines, always as of a time the desk gives, so results never depend on
the day the feature files run.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.comparison import Comparison
from engine.errors import FactError, OutsideFolderError, Problem, RuleFileError, UnknownNameError
from engine.facts import Confidence, ResolvedFact, parse_inputs, read_fact_file, to_utc
from engine.imports import plan_import, read_mapping, read_records
from engine.rulebook import Rulebook, outside_link
from engine.sessions import BASELINE
from engine.verdict import StatementState, TimelineEntry, Verdict
from ripeness.bootstrap import BUNDLED_RULES, Scenario, load_scenario, resolve_rules_dir
from ripeness.gherkin.drivers import NOW, Driver, InProcessDriver

__all__ = ["NOW", "Desk", "Line", "known_scenarios", "on_off", "open_scenario", "parse_date", "parse_value", "status_word",
           "unquoted"]

STATUSES = ("deadlock", "opening", "progress")
WHAT_IF_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")  # fits in a server name with its prefix


# --- scenarios by name ------------------------------------------------------------------------


@functools.cache
def _scenario_at(folder: str) -> Scenario:
    return load_scenario(folder)


_FACT_FILES: dict[tuple[str, int], tuple[Rulebook, list[ResolvedFact]]] = {}


def _recorded_facts(path: Path, rulebook: Rulebook) -> list[ResolvedFact]:
    """A scenario's fact file, read once per version of the file and of the rulebook: most
    Gherkin scenarios start from it, and parsing YAML is the slowest part of one."""
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    cached = _FACT_FILES.get(key)
    if cached is None or cached[0] is not rulebook:
        cached = _FACT_FILES[key] = (rulebook, read_fact_file(path, rulebook))
    return cached[1]


def known_scenarios(rules_dir: Path | None = None) -> list[str]:
    folder = rules_dir or BUNDLED_RULES
    return sorted(p.name for p in folder.iterdir() if (p / "scenario.yaml").is_file()) if folder.is_dir() else []


def open_scenario(name_or_path: str, rules_dir: Path | None = None, allow_outside: bool = False) -> Scenario:
    """A scenario by folder name (under ``rules_dir``, by default the bundled ``rules/``) or by
    path; an unknown name lists the known ones.  A name comes first: a feature file means
    the same scenario whatever folder it is run from.

    The folder must lie inside ``rules_dir`` or the bundled ``rules/`` (links resolved), or
    ``OutsideFolderError`` is raised before anything is read, unless ``allow_outside``.  A
    scenario whose files do not load raises ``RuleFileError`` with each problem's file,
    line and kind, never what the file holds (reports travel: see ``unquoted``)."""
    path = Path(name_or_path)
    named = (rules_dir or BUNDLED_RULES) / path
    if len(path.parts) == 1 and named.is_dir():
        folder = named
    else:
        folder = resolve_rules_dir(path)
        if not folder.is_dir() and not folder.is_absolute() and (BUNDLED_RULES.parent / folder).is_dir():
            folder = BUNDLED_RULES.parent / folder  # a path written from the repository root
    folder = folder.resolve()
    roots = [r.resolve() for r in (rules_dir, BUNDLED_RULES) if r is not None]
    if not allow_outside and not any(folder.is_relative_to(root) for root in roots):
        raise OutsideFolderError(
            f"the scenario {name_or_path!r} is the folder {folder}, outside the rules folder {roots[0]};"
            f" a scenario is a folder under it (known: {', '.join(known_scenarios(rules_dir)) or 'none'})."
            " To run one kept elsewhere, pass --allow-outside-rules (pytest: --ripeness-allow-outside-rules)")
    if not folder.is_dir():
        raise UnknownNameError("scenario", name_or_path, known_scenarios(rules_dir))
    try:
        return _scenario_at(str(folder))
    except RuleFileError as exc:
        raise RuleFileError(unquoted(exc.problems, f"`ripeness check {folder}` shows it")) from None


# The kinds of problem a report may name; anything else is "invalid value".  Each is the
# start of a message that quotes nothing before it.
KINDS = ("YAML syntax", "YAML aliases", "YAML anchors", "YAML nested", "larger than", "not UTF-8", "cannot read",
         "a link to a file outside the scenario folder", "unknown field", "required field", "expected a mapping",
         "expected a list of facts", "not valid JSON", "the scenario is described twice")


def unquoted(problems: list[Problem], hint: str) -> list[Problem]:
    """Rule- or fact-file problems for a report: file, line and the kind of problem, never
    the field names or values they quote (a file outside the scenario's, or a stray one,
    may hold a secret, and reports end up in CI dashboards); ``hint`` says where to see more."""
    def kind(message: str) -> str:
        return next((k for k in KINDS if message.startswith(k)), "invalid value")
    return [Problem(p.where, "", f"{kind(p.message)} ({hint})") for p in problems]


# --- the desk ---------------------------------------------------------------------------------


@dataclass
class Line:
    """A line of facts as a feature file names it: ``baseline``, or a what-if forked from
    ``parent`` as of ``fork_at``; ``latest`` is the time of its latest own fact."""

    name: str
    parent: str | None = None
    fork_at: dt.datetime | None = None
    latest: dt.datetime | None = None

    def present(self, now: dt.datetime) -> dt.datetime:
        """Its own "now", as the API's comparison reads it: ``now``, unless it is a what-if
        forked as of an earlier time, whose present is the later of that time and its latest
        own fact (so it is compared with its parent as it stood then)."""
        if self.fork_at is None or self.fork_at >= now:
            return now
        return max(self.fork_at, self.latest) if self.latest else self.fork_at


@dataclass(repr=False)
class Desk:
    """What one Gherkin scenario works with: the scenario, its lines of facts, the "as of"
    date of checks without one, the driver, and the verdicts computed since the last change
    (``last_verdict`` is the most recent one asked for, for reports)."""

    driver: Driver = field(default_factory=InProcessDriver)
    rules_dir: Path | None = None
    allow_outside: bool = False  # scenario folders outside the rules folder may be opened
    where: str = "feature"
    scenario: Scenario | None = None
    as_of: dt.datetime | None = None
    last_verdict: Verdict | None = None
    lines: dict[str, Line] = field(default_factory=dict)
    _verdicts: dict[tuple[str, dt.datetime, str], Verdict] = field(default_factory=dict)
    _timelines: dict[str, list[TimelineEntry]] = field(default_factory=dict)

    def __repr__(self) -> str:
        name = self.scenario.rulebook.id if self.scenario else None
        return f"Desk(scenario={name!r}, lines={list(self.lines)}, as_of={self.as_of}, at={self.where!r})"

    # setup
    def use(self, name_or_path: str) -> None:
        self.scenario = open_scenario(name_or_path, self.rules_dir, self.allow_outside)
        self.lines = {}
        self.driver.use(self.scenario)
        self.lines = {BASELINE: Line(BASELINE)}
        self._changed()

    def require(self) -> Scenario:
        if self.scenario is None:
            raise AssertionError(f'{self.where}: no scenario yet; start with: Given the scenario "jcpoa"'
                                 f" (known: {', '.join(known_scenarios(self.rules_dir))})")
        return self.scenario

    def line(self, name: str | None) -> str:
        """A line by the name a step gives (None: ``baseline``); an unknown name lists the
        known ones and suggests the closest."""
        self.require()
        name = BASELINE if name is None else name
        if name not in self.lines:
            raise UnknownNameError("session", name, list(self.lines))
        return name

    def fork(self, name: str, parent: str | None = None, date: str | None = None) -> None:
        """A what-if ``name`` that sees ``parent``'s facts recorded so far and true by the
        date (default: the scenario's date, else now), and never the ones recorded later."""
        source = self.line(parent)
        if not WHAT_IF_NAME.fullmatch(name):
            raise AssertionError(f"{self.where}: a what-if name is a letter then up to 39 letters, digits, '_' or '-';"
                                 f" got {name!r}")
        if name in self.lines:
            raise AssertionError(f"{self.where}: there is already a line named {name!r} in this scenario"
                                 f" (lines: {', '.join(self.lines)})")
        at = self.when(date)
        self.driver.fork(name, source, at)
        self.lines[name] = Line(name, parent=source, fork_at=at)
        self._changed()

    def close(self) -> None:
        self.driver.close()

    # facts
    def record(self, items: list[tuple[str, dict[str, Any]]], sentence: str | None = None, line: str | None = None) -> None:
        name = self.line(line)
        resolved = parse_inputs(items, self.rulebook)  # raises FactError, all or nothing
        if sentence is not None:
            problems = [Problem(where, "subject", _kind_hint(r.subject, r.kind, sentence))
                        for (where, _), r in zip(items, resolved) if r.kind != sentence]
            if problems:
                raise FactError(problems)
        self._record(name, resolved)

    def record_file(self, path: Path, line: str | None = None) -> None:
        """The facts of a file of the scenario folder (never a link out of it); a file that
        does not load raises ``FactError`` with file, line and kind only (see ``unquoted``)."""
        name = self.line(line)
        if not path.is_file():
            raise AssertionError(f"{self.where}: scenario {self.rulebook.id!r} has no recorded facts: {path} does not exist")
        folder = self.rulebook.folder
        linked = outside_link(path, folder, "its fact files") if folder is not None else None
        if linked is not None:
            raise FactError([linked])
        try:
            facts = _recorded_facts(path, self.rulebook)
        except FactError as exc:
            raise FactError(unquoted(exc.problems, f"`ripeness verdict {folder} {path}` shows it")) from None
        self._record(name, facts)

    def import_events(self, source: str, mapping: str, line: str | None = None) -> None:
        """The facts the rows of event data file ``source`` make under ``mapping`` (a name in
        the scenario's ``imports/`` folder, or a file), recorded as ``ripeness import --out``
        writes them.  Files are found next to the feature file and may not lie outside its
        folder (unless outside folders are allowed); a bad row or mapping raises its error,
        with file and line, and records nothing."""
        name = self.line(line)
        rulebook = self.rulebook
        here = Path(self.where.rsplit(":", 1)[0]).parent
        named = rulebook.folder / "imports" / f"{mapping}.yaml" if rulebook.folder and "/" not in mapping else None
        chosen = read_mapping(named if named is not None and named.is_file() else self._beside(here, mapping, "mapping"), rulebook)
        path = self._beside(here, source, "event data file")
        with path.open("rb") as stream:
            read = read_records(chosen.format, str(path), stream, keep=chosen.reads)
        items, _report = plan_import(chosen, read, rulebook)  # raises SourceRowError for a bad row
        self.record(items, line=name)

    def _beside(self, folder: Path, given: str, what: str) -> Path:
        path = folder / given
        if not path.is_file():
            raise AssertionError(f"{self.where}: no {what} {given!r} next to the feature file (looked for {path})")
        if not self.allow_outside and not path.resolve().is_relative_to(folder.resolve()):
            raise OutsideFolderError(f"{self.where}: the {what} {given!r} is outside the feature file's folder "
                                     f"({folder}); allow outside folders to read it")
        return path

    def _record(self, name: str, facts: list[ResolvedFact]) -> None:
        self.driver.record(name, facts)
        times = [f.input.at for f in facts if f.input.at is not None]
        line = self.lines[name]
        line.latest = max([*times, *([line.latest] if line.latest else [])], default=None)
        self._changed()

    def _changed(self) -> None:
        self._verdicts.clear()
        self._timelines.clear()

    # reading
    def when(self, date: str | None) -> dt.datetime:
        if date:
            return parse_date(date, self.where)
        return self.as_of or self.driver.now

    def verdict(self, date: str | None = None, line: str | None = None, admit: Confidence = "disputed") -> Verdict:
        name = self.line(line)
        at = self.when(date)
        if (name, at, admit) not in self._verdicts:
            self._verdicts[name, at, admit] = self.driver.verdict(name, at, admit)
        self.last_verdict = self._verdicts[name, at, admit]
        return self.last_verdict

    def statements(self, date: str | None = None, line: str | None = None) -> list[StatementState]:
        """The line's positions and offers as of the date (``engine.statements``)."""
        return self.driver.statements(self.line(line), self.when(date))

    def compare(self, a: str | None, b: str | None, date: str | None = None) -> Comparison:
        """Going from line ``a`` to line ``b``, both as of the date; without one, as of the
        scenario's date if set, else the earlier of the two lines' presents (``Line.present``)."""
        first, second = self.line(a), self.line(b)
        at = self.when(date) if date or self.as_of else min(self.lines[first].present(self.driver.now), self.lines[second].present(self.driver.now))
        self.last_verdict = None  # a failed comparison quotes its own summary
        return self.driver.compare(first, second, at)

    def timeline(self, line: str | None = None) -> list[TimelineEntry]:
        name = self.line(line)
        if name not in self._timelines:
            self._timelines[name] = self.driver.timeline(name)
        return self._timelines[name]

    # names, checked against the scenario
    @property
    def rulebook(self) -> Rulebook:
        return self.require().rulebook

    def actor(self, name: str) -> str:
        return self.rulebook.actor(name).id

    def subject(self, name: str) -> str:
        return self.rulebook.subject(name).key

    def move(self, name: str) -> str:
        return self.rulebook.move(name).key

    def position(self, name: str) -> str:
        return self.rulebook.position(name).id

    def variant(self, name: str) -> str:
        self.rulebook.variant(name)
        return name

    def goal(self, name: str) -> str:
        if name not in self.rulebook.goals:
            raise UnknownNameError("goal", name, list(self.rulebook.goals))
        return name


def _kind_hint(subject: str, kind: str, written_as: str) -> str:
    if kind == "event":
        return (f"{subject} is an event, not a state: write it as"
                f' `on DATE ACTOR {subject.split(".")[-1]} [on TARGET] "what happened"`')
    return f"{subject} is a state, not an event: write it as `on DATE [ACTOR] {subject.split('.')[-1]} is VALUE`"


# --- words as analysts write them -------------------------------------------------------------


def parse_date(text: str, where: str = "step") -> dt.datetime:
    try:
        value: dt.date = dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        raise AssertionError(f"{where}: {text!r} is not a date; write dates as YYYY-MM-DD (or YYYY-MM-DDTHH:MM)") from None
    return to_utc(value)


def parse_value(text: str | None) -> Any:
    """A value as an analyst writes it: "quoted" is always text; otherwise a number parses
    as a number, true/false as a boolean, anything else is text."""
    if text is None:
        return None
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def status_word(word: str) -> str:
    if word not in STATUSES:
        raise UnknownNameError("status", word, list(STATUSES))
    return word


def on_off(word: str) -> bool:
    if word not in ("on", "off"):
        raise UnknownNameError("escalation state", word, ["off", "on"])
    return word == "on"
