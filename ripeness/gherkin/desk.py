"""The desk one Gherkin scenario works at, and the driver that holds its line of facts.

A ``Desk`` knows the rule scenario (to check names and validate facts, with the feature file
and line in every error), the default "as of" date, and caches verdicts; its ``Driver``
records the facts and computes verdicts and timelines.  ``InProcessDriver`` runs a
``baseline`` session in this process on a fixed clock, so results never depend on the day
the feature files run.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from engine.errors import FactError, Problem, UnknownNameError
from engine.facts import ResolvedFact, parse_inputs, read_fact_file, to_utc
from engine.rulebook import Rulebook
from engine.session import FixedClock, Session
from engine.verdict import TimelineEntry, Verdict
from ripeness.bootstrap import BUNDLED_RULES, Scenario, load_scenario, resolve_rules_dir

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
STATUSES = ("deadlock", "opening", "progress")


class Driver(Protocol):
    """Where the facts of one Gherkin scenario go and where its verdicts come from.

    ``use`` starts a fresh line of facts for a scenario (dropping any earlier one);
    ``record`` adds facts already validated against that scenario, all or nothing;
    ``verdict`` is the verdict as of a time; ``timeline`` covers the whole history up to the
    driver's "now".  Verdicts depend only on the facts recorded, never on the wall clock."""

    def use(self, scenario: Scenario) -> None: ...

    def record(self, facts: list[ResolvedFact]) -> None: ...

    def verdict(self, as_of: dt.datetime) -> Verdict: ...

    def timeline(self) -> list[TimelineEntry]: ...

    def close(self) -> None: ...


class InProcessDriver:
    """A ``baseline`` session in this process, on a clock fixed at ``now``."""

    def __init__(self, now: dt.datetime = NOW):
        self.now = now
        self.session: Session | None = None

    def use(self, scenario: Scenario) -> None:
        self.close()
        self.session = scenario.new_session("baseline", FixedClock(self.now))

    def record(self, facts: list[ResolvedFact]) -> None:
        self._session().record(facts)

    def verdict(self, as_of: dt.datetime) -> Verdict:
        return self._session().verdict(as_of)

    def timeline(self) -> list[TimelineEntry]:
        return self._session().timeline(self.now)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def _session(self) -> Session:
        if self.session is None:
            raise RuntimeError("InProcessDriver: use(scenario) first")
        return self.session


# --- scenarios by name ------------------------------------------------------------------------


@functools.cache
def _scenario_at(folder: str) -> Scenario:
    return load_scenario(folder)


def known_scenarios(rules_dir: Path | None = None) -> list[str]:
    folder = rules_dir or BUNDLED_RULES
    return sorted(p.name for p in folder.iterdir() if (p / "scenario.yaml").is_file()) if folder.is_dir() else []


def open_scenario(name_or_path: str, rules_dir: Path | None = None) -> Scenario:
    """A scenario by folder name (under ``rules_dir``, by default the bundled ``rules/``) or by
    path; an unknown name lists the known ones.  A name comes first: a feature file means
    the same scenario whatever folder it is run from."""
    path = Path(name_or_path)
    named = (rules_dir or BUNDLED_RULES) / path
    if len(path.parts) == 1 and named.is_dir():
        folder = named
    else:
        folder = resolve_rules_dir(path)
        if not folder.is_dir() and not folder.is_absolute() and (BUNDLED_RULES.parent / folder).is_dir():
            folder = BUNDLED_RULES.parent / folder  # a path written from the repository root
    if not folder.is_dir():
        raise UnknownNameError("scenario", name_or_path, known_scenarios(rules_dir))
    return _scenario_at(str(folder.resolve()))


# --- the desk ---------------------------------------------------------------------------------


@dataclass(repr=False)
class Desk:
    """What one Gherkin scenario works with: the scenario, the "as of" date of checks without
    one, the driver, and the verdicts computed since the last fact (``last_verdict`` is the
    most recent one asked for, for reports)."""

    driver: Driver = field(default_factory=InProcessDriver)
    rules_dir: Path | None = None
    where: str = "feature"
    scenario: Scenario | None = None
    as_of: dt.datetime | None = None
    last_verdict: Verdict | None = None
    _verdicts: dict[dt.datetime, Verdict] = field(default_factory=dict)
    _timeline: list[TimelineEntry] | None = None

    def __repr__(self) -> str:
        name = self.scenario.rulebook.id if self.scenario else None
        return f"Desk(scenario={name!r}, as_of={self.as_of}, at={self.where!r})"

    # setup
    def use(self, name_or_path: str) -> None:
        self.scenario = open_scenario(name_or_path, self.rules_dir)
        self.driver.use(self.scenario)
        self._changed()

    def require(self) -> Scenario:
        if self.scenario is None:
            raise AssertionError(f'{self.where}: no scenario yet; start with: Given the scenario "jcpoa"'
                                 f" (known: {', '.join(known_scenarios(self.rules_dir))})")
        return self.scenario

    def close(self) -> None:
        self.driver.close()

    # facts
    def record(self, items: list[tuple[str, dict[str, Any]]], sentence: str | None = None) -> None:
        rulebook = self.rulebook
        resolved = parse_inputs(items, rulebook)  # raises FactError, all or nothing
        if sentence is not None:
            problems = [Problem(where, "subject", _kind_hint(r.subject, r.kind, sentence))
                        for (where, _), r in zip(items, resolved) if r.kind != sentence]
            if problems:
                raise FactError(problems)
        self.driver.record(resolved)
        self._changed()

    def record_file(self, path: Path) -> None:
        rulebook = self.rulebook
        if not path.is_file():
            raise AssertionError(f"{self.where}: scenario {rulebook.id!r} has no recorded facts: {path} does not exist")
        self.driver.record(read_fact_file(path, rulebook))
        self._changed()

    def _changed(self) -> None:
        self._verdicts.clear()
        self._timeline = None

    # reading
    def when(self, date: str | None) -> dt.datetime:
        if date:
            return parse_date(date, self.where)
        return self.as_of or NOW

    def verdict(self, date: str | None = None) -> Verdict:
        self.require()
        at = self.when(date)
        if at not in self._verdicts:
            self._verdicts[at] = self.driver.verdict(at)
        self.last_verdict = self._verdicts[at]
        return self.last_verdict

    def timeline(self) -> list[TimelineEntry]:
        self.require()
        if self._timeline is None:
            self._timeline = self.driver.timeline()
        return self._timeline

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
