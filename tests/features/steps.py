"""The Gherkin step library: the analysts' vocabulary for ``features/**/*.feature``.

Every phrase is documented, with an example, in ``features/README.md``.  The steps run the
engine in-process: one ``Desk`` per scenario holds the rule scenario, a session (the
``baseline`` line of facts) on a fixed clock, and the default "as of" date.

Wrong steps fail loudly: an unknown actor, subject, move, position, variant, goal or status
raises ``UnknownNameError`` (which names it, suggests the closest known name and lists the
known ones); a bad fact raises the ``FactError`` of ``engine.facts.parse_inputs`` with the
feature file and line; a failed check says what was expected and what the verdict holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, step, then

from engine.errors import FactError, Problem, UnknownNameError
from engine.facts import parse_inputs, read_fact_file, to_utc
from engine.session import FixedClock, Session
from engine.verdict import Opening, TimelineEntry, Verdict
from ripeness.bootstrap import BUNDLED_RULES, Scenario, load_scenario, resolve_rules_dir

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
STATUSES = ("deadlock", "opening", "progress")
TABLE_COLUMNS = ("date", "actor", "subject", "value", "target", "source", "note")
STEP_WHERE = pytest.StashKey[str]()

DATE = r"(?P<date>\S+)"
NAME = r"[A-Za-z][A-Za-z0-9_]*"
DOTTED = rf"{NAME}(?:\.{NAME})?"


# --- the desk: one per Gherkin scenario -----------------------------------------------------


@functools.cache
def _scenario_at(folder: str) -> Scenario:
    return load_scenario(folder)


def known_scenarios() -> list[str]:
    return sorted(p.name for p in BUNDLED_RULES.iterdir() if (p / "scenario.yaml").is_file())


def open_scenario(name_or_path: str) -> Scenario:
    """A scenario by folder name under ``rules/`` or by path; an unknown name lists the known ones."""
    folder = resolve_rules_dir(name_or_path)
    if not folder.is_dir() and not folder.is_absolute() and (BUNDLED_RULES.parent / folder).is_dir():
        folder = BUNDLED_RULES.parent / folder  # a path written from the repository root
    if not folder.is_dir():
        raise UnknownNameError("scenario", name_or_path, known_scenarios())
    return _scenario_at(str(folder.resolve()))


@dataclass(repr=False)
class Desk:
    """What one Gherkin scenario works with."""

    where: str = "feature"
    scenario: Scenario | None = None
    session: Session | None = None
    as_of: dt.datetime | None = None
    _verdicts: dict[dt.datetime, Verdict] = field(default_factory=dict)
    _timeline: list[TimelineEntry] | None = None

    def __repr__(self) -> str:
        name = self.scenario.rulebook.id if self.scenario else None
        return f"Desk(scenario={name!r}, as_of={self.as_of}, at={self.where!r})"

    # setup
    def use(self, name_or_path: str) -> None:
        if self.session is not None:
            self.session.close()
        self.scenario = open_scenario(name_or_path)
        self.session = self.scenario.new_session("baseline", FixedClock(NOW))
        self._changed()

    def require(self) -> tuple[Scenario, Session]:
        if self.scenario is None or self.session is None:
            raise AssertionError(f'{self.where}: no scenario yet; start with: Given the scenario "jcpoa"'
                                 f" (known: {', '.join(known_scenarios())})")
        return self.scenario, self.session

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    # facts
    def record(self, items: list[tuple[str, dict[str, Any]]], sentence: str | None = None) -> None:
        scenario, session = self.require()
        resolved = parse_inputs(items, scenario.rulebook)  # raises FactError, all or nothing
        if sentence is not None:
            problems = [Problem(where, "subject", _kind_hint(r.subject, r.kind, sentence))
                        for (where, _), r in zip(items, resolved) if r.kind != sentence]
            if problems:
                raise FactError(problems)
        session.record(resolved)
        self._changed()

    def record_file(self, path: Path) -> None:
        scenario, session = self.require()
        if not path.is_file():
            raise AssertionError(f"{self.where}: scenario {scenario.rulebook.id!r} has no recorded facts: {path} does not exist")
        session.record(read_fact_file(path, scenario.rulebook))
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
        _, session = self.require()
        at = self.when(date)
        if at not in self._verdicts:
            self._verdicts[at] = session.verdict(at)
        return self._verdicts[at]

    def timeline(self) -> list[TimelineEntry]:
        _, session = self.require()
        if self._timeline is None:
            self._timeline = session.timeline(NOW)
        return self._timeline

    # names, checked against the scenario
    @property
    def rulebook(self):
        return self.require()[0].rulebook

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


def norm(text: str) -> str:
    return " ".join(text.split())


def _names(text: str) -> list[str]:
    """``IRN and USA``, ``IRN, USA and MIL`` -> the names."""
    return [n for n in re.split(r"\s*(?:,|\band\b)\s*", text.strip()) if n]


def _describe(verdict: Verdict) -> str:
    return "\n".join(f"    {line}" for line in verdict.summary)


@pytest.fixture
def desk(request: pytest.FixtureRequest):
    d = Desk()
    d.where = request.node.stash.get(STEP_WHERE, request.node.nodeid)
    yield d
    d.close()


def _here(desk: Desk, request: pytest.FixtureRequest) -> str:
    desk.where = request.node.stash.get(STEP_WHERE, desk.where)
    return desk.where


# --- Given: the scenario, the recorded facts, the date ---------------------------------------


@given(parsers.re(r'the scenario "(?P<name>[^"]+)"'))
def given_scenario(desk: Desk, request, name: str) -> None:
    _here(desk, request)
    desk.use(name)


@given("the recorded facts of the scenario")
def given_recorded_facts(desk: Desk, request) -> None:
    _here(desk, request)
    scenario, _ = desk.require()
    desk.record_file(Path(scenario.rulebook.folder or ".") / "facts.yaml")


@step(parsers.re(rf"the date is {DATE}"))
def the_date_is(desk: Desk, request, date: str) -> None:
    _here(desk, request)
    desk.as_of = parse_date(date, desk.where)


# --- facts, in Given and When alike ----------------------------------------------------------

SOURCE = r'(?: according to "(?P<source>[^"]*)")?'


@step(parsers.re(rf"on {DATE} (?:(?P<actor>{NAME}) )?(?P<subject>{DOTTED}) (?:is|are) (?P<value>.+?){SOURCE}"))
def state_fact(desk: Desk, request, date: str, actor: str | None, subject: str, value: str, source: str | None) -> None:
    where = _here(desk, request)
    fact = {"at": parse_date(date, where), "subject": subject, "value": parse_value(value),
            "source": source if source is not None else f"feature {where}"}
    if actor:
        fact["actor"] = actor
    desk.record([(where, fact)], sentence="state")


@step(parsers.re(rf'on {DATE} (?P<actor>{NAME}) (?P<subject>{DOTTED})(?: on (?P<target>{NAME}))?'
                 rf'(?: "(?P<value>[^"]*)")?{SOURCE}'))
def event_fact(desk: Desk, request, date: str, actor: str, subject: str, target: str | None,
               value: str | None, source: str | None) -> None:
    where = _here(desk, request)
    fact = {"at": parse_date(date, where), "actor": actor, "subject": subject,
            "source": source if source is not None else f"feature {where}"}
    if target:
        fact["target"] = target
    if value is not None:
        fact["value"] = value
    desk.record([(where, fact)], sentence="event")


@step(parsers.re(r"(?:the following facts|these facts|facts)(?: are recorded| arrive)?:?"))
def table_facts(desk: Desk, request, datatable: list[list[str]] | None = None) -> None:
    where = _here(desk, request)
    if not datatable:
        raise AssertionError(f"{where}: a table of facts is expected under this step, with a header row of"
                             f" {', '.join(TABLE_COLUMNS)}")
    header = [h.strip() for h in datatable[0]]
    unknown = [h for h in header if h not in TABLE_COLUMNS]
    if unknown:
        raise UnknownNameError("fact table column", unknown[0], list(TABLE_COLUMNS))
    missing = [h for h in ("date", "subject") if h not in header]
    if missing:
        raise AssertionError(f"{where}: the fact table needs the column(s) {', '.join(missing)}; it has {', '.join(header)}")
    items = []
    for number, row in enumerate(datatable[1:], start=1):
        cells = {h: c.strip() for h, c in zip(header, row) if c.strip()}
        row_where = f"{where} row {number}"
        fact: dict[str, Any] = {"source": f"feature {row_where}"}
        for column, cell in cells.items():
            if column == "date":
                fact["at"] = parse_date(cell, row_where)
            elif column == "value":
                fact["value"] = parse_value(cell)
            else:
                fact[column] = cell
        items.append((row_where, fact))
    desk.record(items)


# --- Then: the verdict -----------------------------------------------------------------------

AS_OF = r"(?: as of (?P<date>\S+))?"
AS_OF2 = r"(?: as of (?P<date2>\S+))?"


@then(parsers.re(rf"the status{AS_OF} is (?P<status>\w+){AS_OF2}"))
def the_status_is(desk: Desk, request, status: str, date: str | None, date2: str | None) -> None:
    _here(desk, request)
    expected = status_word(status)
    verdict = desk.verdict(date or date2)
    assert verdict.status == expected, (
        f"{desk.where}: expected {expected} as of {verdict.as_of.date()}, the verdict is {verdict.status}:\n{_describe(verdict)}")


@then(parsers.re(rf"escalation{AS_OF} is (?P<state>\w+){AS_OF2}"))
def escalation_is(desk: Desk, request, state: str, date: str | None, date2: str | None) -> None:
    _here(desk, request)
    expected = on_off(state)
    verdict = desk.verdict(date or date2)
    events = ", ".join(f"{e.at.date()} {e.actor} {e.subject.split('.')[-1]}" for e in verdict.escalation_events) or "none"
    assert verdict.escalation is expected, (
        f"{desk.where}: expected escalation {state} as of {verdict.as_of.date()}, it is"
        f" {'on' if verdict.escalation else 'off'} (hostile events in the window: {events})")


@then(parsers.re(rf"the deadlock cycle involves (?P<actors>.+?){AS_OF}"))
def cycle_involves(desk: Desk, request, actors: str, date: str | None) -> None:
    _here(desk, request)
    wanted = {desk.actor(a) for a in _names(actors)}
    verdict = desk.verdict(date)
    found = [c.actors for c in verdict.cycles]
    assert any(wanted <= set(c.actors) for c in verdict.cycles), (
        f"{desk.where}: expected a cycle involving {', '.join(sorted(wanted))} as of {verdict.as_of.date()};"
        f" cycles: {found or 'none'} (status {verdict.status})")


@then(parsers.re(rf'a cycle includes the position "(?P<position>[^"]+)"{AS_OF}'))
def cycle_includes_position(desk: Desk, request, position: str, date: str | None) -> None:
    _here(desk, request)
    pid = desk.position(position)
    verdict = desk.verdict(date)
    found = sorted({s.position.id for c in verdict.cycles for s in c.steps})
    assert pid in found, (f"{desk.where}: expected a cycle through position {pid!r} as of {verdict.as_of.date()};"
                          f" positions in cycles: {found or 'none'} (status {verdict.status})")


@then(parsers.re(rf'the explanation quotes "(?P<text>[^"]+)"{AS_OF}'))
def explanation_quotes(desk: Desk, request, text: str, date: str | None) -> None:
    _here(desk, request)
    verdict = desk.verdict(date)
    quotes = [s.position for c in verdict.cycles for s in c.steps] + [r.position for r in verdict.refusals]
    assert any(norm(text) in norm(p.quote) for p in quotes), (
        f"{desk.where}: no position quoted in the deadlock as of {verdict.as_of.date()} contains {text!r}; quoted:\n"
        + ("\n".join(f"    {p.id}: {norm(p.quote)!r}" for p in quotes) or "    (none)"))


def _is_variant(opening: Opening, vid: str) -> bool:
    """The opening switches on variant ``vid``: a candidate to switch on, or (in force) the
    move it lets its actor make in step."""
    return opening.kind == "variant" and (opening.what == vid or any(e.variant == vid for e in opening.evidence))


def _openings_text(verdict: Verdict) -> str:
    return "\n".join(f"    {o.rank}. [{o.kind}{', now' if o.available_now else ''}] {o.what}: needs {o.facts_needed or '-'}"
                     for o in verdict.openings) or "    (none)"


@then(parsers.re(rf"an opening reaches (?P<subject>{DOTTED}){AS_OF}"))
def opening_reaches(desk: Desk, request, subject: str, date: str | None) -> None:
    _here(desk, request)
    key = desk.subject(subject)
    verdict = desk.verdict(date)
    mention = re.compile(rf"(?<![\w.]){re.escape(key)}(?![\w.])")
    assert any(mention.search(need) for o in verdict.openings for need in o.facts_needed), (
        f"{desk.where}: no opening as of {verdict.as_of.date()} needs a fact about {key}; openings:\n{_openings_text(verdict)}")


@then(parsers.re(rf'an opening switches on the variant "(?P<variant>[^"]+)"{AS_OF}'))
def opening_switches_variant(desk: Desk, request, variant: str, date: str | None) -> None:
    _here(desk, request)
    vid = desk.variant(variant)
    verdict = desk.verdict(date)
    assert any(_is_variant(o, vid) for o in verdict.openings), (
        f"{desk.where}: no opening as of {verdict.as_of.date()} switches on the variant {vid!r}; openings:\n{_openings_text(verdict)}")


@then(parsers.re(rf"an opening (?P<now>is available now through|goes through) (?:the (?P<kind>move|variant|substitute) )?"
                 rf'"?(?P<what>{DOTTED})"?{AS_OF}'))
def opening_through(desk: Desk, request, now: str, kind: str | None, what: str, date: str | None) -> None:
    _here(desk, request)
    if kind == "variant" or (kind is None and "." not in what and what in desk.rulebook.variants):
        what = desk.variant(what)
        matches = functools.partial(_is_variant, vid=what)
    else:
        what = desk.move(what)
        matches = lambda o: o.what == what and (kind is None or o.kind == kind)  # noqa: E731
    available = now.startswith("is available")
    verdict = desk.verdict(date)
    assert any(matches(o) and (o.available_now or not available) for o in verdict.openings), (
        f"{desk.where}: no opening as of {verdict.as_of.date()} {'available now ' if available else ''}through"
        f" {kind + ' ' if kind else ''}{what}; openings:\n{_openings_text(verdict)}")


@then(parsers.re(rf"no opening is available now{AS_OF}"))
def no_opening_now(desk: Desk, request, date: str | None) -> None:
    _here(desk, request)
    verdict = desk.verdict(date)
    now = [o.what for o in verdict.openings if o.available_now]
    assert not now, f"{desk.where}: as of {verdict.as_of.date()} these openings are available now: {', '.join(now)}"


@then(parsers.re(rf"the smallest concession set has (?P<size>\d+) (?:move|moves|move\(s\)|concession|concessions|concession\(s\)){AS_OF}"))
def concession_size(desk: Desk, request, size: str, date: str | None) -> None:
    _here(desk, request)
    verdict = desk.verdict(date)
    assert verdict.concessions.size == int(size), (
        f"{desk.where}: the smallest concession set as of {verdict.as_of.date()} has {verdict.concessions.size}"
        f" (sets: {verdict.concessions.sets}{'' if verdict.concessions.exact else ', greedy approximation'}"
        f"{'; ' + verdict.concessions.note if verdict.concessions.note else ''})")


@then(parsers.re(rf'a smallest concession set gives up "(?P<positions>[^"]+)"{AS_OF}'))
def concession_set_gives_up(desk: Desk, request, positions: str, date: str | None) -> None:
    _here(desk, request)
    wanted = {desk.position(p) for p in _names(positions.replace('"', ""))}
    verdict = desk.verdict(date)
    assert any(set(s) == wanted for s in verdict.concessions.sets), (
        f"{desk.where}: no smallest concession set as of {verdict.as_of.date()} is {sorted(wanted)}; sets: {verdict.concessions.sets}")


@then(parsers.re(rf'the goal "(?P<goal>[^"]+)" is (?P<state>done|not done|reachable|unreachable){AS_OF}'))
def goal_state(desk: Desk, request, goal: str, state: str, date: str | None) -> None:
    _here(desk, request)
    gid = desk.goal(goal)
    verdict = desk.verdict(date)
    g = next(g for g in verdict.goals if g.id == gid)
    actual = {"done": g.done, "not done": not g.done, "reachable": g.reachable, "unreachable": not g.reachable}[state]
    assert actual, f"{desk.where}: goal {gid!r} as of {verdict.as_of.date()} is not {state} (done={g.done}, reachable={g.reachable})"


@then(parsers.re(r"the timeline shows (?P<what>.+?) from (?P<date>\S+)"))
def timeline_shows(desk: Desk, request, what: str, date: str) -> None:
    _here(desk, request)
    m = re.fullmatch(r"(?:(?P<status>\w+)(?: with escalation(?: (?P<esc1>\w+))?)?|escalation (?P<esc2>\w+))", what.strip())
    if m is None:
        raise AssertionError(f"{desk.where}: write `the timeline shows STATUS from DATE`, `... STATUS with escalation [on|off]"
                             f" from DATE` or `... escalation on|off from DATE`; got {what!r}")
    status = status_word(m["status"]) if m["status"] else None
    esc_word = m["esc2"] or m["esc1"] or ("on" if "with escalation" in what else None)
    escalation = on_off(esc_word) if esc_word else None
    day = parse_date(date, desk.where).date()
    entries = desk.timeline()
    ok = any(e.at.date() == day and (status is None or e.status == status)
             and (escalation is None or e.escalation is escalation) for e in entries)
    listing = "\n".join(f"    from {e.at.isoformat()}: {e.status}, escalation {'on' if e.escalation else 'off'}" for e in entries)
    assert ok, f"{desk.where}: the timeline has no change to {what} on {day}; it reads:\n{listing or '    (empty)'}"


@then(parsers.re(rf'the summary mentions "(?P<text>[^"]+)"{AS_OF}'))
def summary_mentions(desk: Desk, request, text: str, date: str | None) -> None:
    _here(desk, request)
    verdict = desk.verdict(date)
    assert norm(text) in norm("\n".join(verdict.summary)), (
        f"{desk.where}: the summary as of {verdict.as_of.date()} does not mention {text!r}; it reads:\n{_describe(verdict)}")
