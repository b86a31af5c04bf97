"""The Gherkin step library: the analysts' vocabulary for ``.feature`` files (the steps that
compare two lines are in ``comparing.py``).

Every phrase is documented, with an example, in ``features/README.md``.  Each Gherkin
scenario gets its own ``Desk`` (the ``desk`` fixture; see ``desk.py``) with its lines of
facts: ``baseline`` and the what-ifs it forks.  Its driver (``drivers.py``) runs the engine
in this process over a SQLite file of its own, or, given ``--ripeness-url URL`` (or
``RIPENESS_URL``), on a running ``ripeness serve``, in lines of its own there.  Scenario
names are folders under the bundled ``rules/``, or under the folder given with
``--ripeness-rules``; a path outside both is refused unless ``--ripeness-allow-outside-rules``.

Every fact and check takes an optional ``in "NAME"`` (or ``in baseline``) first: the line it
is about, ``baseline`` when not given.  When the server runs another rule scenario than a
feature file's ``Given the scenario``, that Gherkin scenario is skipped, saying so; that is
the only skip.

Wrong steps fail loudly: an unknown actor, subject, move, position, variant, goal or status
raises ``UnknownNameError`` (which names it, suggests the closest known name and lists the
known ones); a bad fact raises the ``FactError`` of ``engine.facts.parse_inputs`` with the
feature file and line; a failed check says what was expected and what the verdict holds.

The step functions are registered as fixtures of this module: load ``ripeness.gherkin.plugin``
(which imports them) rather than this module directly.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, step, then

from engine.errors import FactError, Problem, UnknownNameError, brief
from engine.verdict import Opening, Verdict
from engine.yamlsource import YamlSyntaxError, load_located
from ripeness.gherkin.desk import Desk, on_off, parse_date, parse_value, status_word
from ripeness.gherkin.drivers import Driver, HttpDriver, InProcessDriver, ScenarioMismatch

TABLE_COLUMNS = ("date", "actor", "subject", "value", "target", "source", "note", "count", "since", "confidence", "claimed_by",
                 "denied_by", "approx")
STEP_WHERE = pytest.StashKey[str]()  # "path/to/x.feature:12" of the running step
DESK = pytest.StashKey[Desk]()  # the desk of the running Gherkin scenario
RULES_OPTION = "ripeness_rules"  # dest of --ripeness-rules (see plugin.py)
OUTSIDE_OPTION = "ripeness_allow_outside_rules"  # dest of --ripeness-allow-outside-rules
URL_OPTION, URL_ENV = "ripeness_url", "RIPENESS_URL"  # --ripeness-url: run on a live server
TOKEN_OPTION, TOKEN_ENV = "ripeness_token", "RIPENESS_TOKEN"  # --ripeness-token: its bearer token

DATE = r"(?P<date>\S+)"
NAME = r"[A-Za-z][A-Za-z0-9_]*"
DOTTED = rf"{NAME}(?:\.{NAME})?"
LINE = r'(?:"[^"]+"|[A-Za-z][A-Za-z0-9_-]*)'  # baseline, or a what-if: "oil_eased" (quotes optional)
IN = rf"(?:in (?P<line>{LINE}) )?"  # the line a fact or check is about; baseline when not given


def norm(text: str) -> str:
    return " ".join(text.split())


def names_in(text: str) -> list[str]:
    """``IRN and USA``, ``IRN, USA and MIL`` -> the names."""
    return [n for n in re.split(r"\s*(?:,|\band\b)\s*", text.strip()) if n]


def line_of(text: str | None) -> str | None:
    """A line as written: ``"oil_eased"`` or ``oil_eased`` -> ``oil_eased``; None for baseline."""
    return text.strip('"') if text else None


def _describe(verdict: Verdict) -> str:
    return "\n".join(f"    {line}" for line in verdict.summary)


def _in(line: str | None) -> str:
    """`` in "oil_eased"`` for messages about a what-if; nothing for baseline."""
    return f' in "{line}"' if line and line != "baseline" else ""


def make_driver(config: pytest.Config) -> Driver:
    """``HttpDriver`` on the server given by ``--ripeness-url`` or ``RIPENESS_URL`` (with the
    token of ``--ripeness-token`` or ``RIPENESS_TOKEN``), else ``InProcessDriver``."""
    url = config.getoption(URL_OPTION, None) or os.environ.get(URL_ENV)
    if not url:
        return InProcessDriver()
    return HttpDriver(url, token=config.getoption(TOKEN_OPTION, None) or os.environ.get(TOKEN_ENV) or None)


@pytest.fixture
def desk(request: pytest.FixtureRequest):
    rules_dir = request.config.getoption(RULES_OPTION, None)
    d = Desk(driver=make_driver(request.config), rules_dir=Path(rules_dir) if rules_dir else None,
             allow_outside=bool(request.config.getoption(OUTSIDE_OPTION, False)))
    d.where = request.node.stash.get(STEP_WHERE, request.node.nodeid)
    request.node.stash[DESK] = d
    yield d
    d.close()


def here(desk: Desk, request: pytest.FixtureRequest) -> str:
    desk.where = request.node.stash.get(STEP_WHERE, desk.where)
    return desk.where


# --- Given: the scenario, the recorded facts, the date, what-ifs ---------------------------


@given(parsers.re(r'the scenario "(?P<name>[^"]+)"'))
def given_scenario(desk: Desk, request, name: str) -> None:
    here(desk, request)
    try:
        desk.use(name)
    except ScenarioMismatch as mismatch:  # a live server with another rule scenario
        pytest.skip(str(mismatch))


@step(parsers.re(rf"{IN}the recorded facts of the scenario"))
def given_recorded_facts(desk: Desk, request, line: str | None) -> None:
    here(desk, request)
    scenario = desk.require()
    desk.record_file(Path(scenario.rulebook.folder or ".") / "facts.yaml", line_of(line))


@step(parsers.re(rf"the date is {DATE}"))
def the_date_is(desk: Desk, request, date: str) -> None:
    here(desk, request)
    desk.as_of = parse_date(date, desk.where)


@step(parsers.re(rf"(?:a|the) what-if (?P<name>{LINE}) forked from (?P<parent>{LINE})(?: as of {DATE})?"))
def what_if(desk: Desk, request, name: str, parent: str, date: str | None) -> None:
    here(desk, request)
    desk.fork(line_of(name), line_of(parent), date)


# --- facts, in Given and When alike ----------------------------------------------------------

SOURCE = r'(?: according to "(?P<source>[^"]*)")?'


@step(parsers.re(rf"{IN}on {DATE} (?:(?P<actor>{NAME}) )?(?P<subject>{DOTTED}) (?:is|are) (?P<value>.+?){SOURCE}"))
def state_fact(desk: Desk, request, line: str | None, date: str, actor: str | None, subject: str, value: str,
               source: str | None) -> None:
    where = here(desk, request)
    fact = {"at": parse_date(date, where), "subject": subject, "value": parse_value(value),
            "source": source if source is not None else f"feature {where}"}
    if actor:
        fact["actor"] = actor
    desk.record([(where, fact)], sentence="state", line=line_of(line))


@step(parsers.re(rf'{IN}on {DATE} (?P<actor>{NAME}) (?P<subject>{DOTTED})(?: on (?P<target>{NAME}))?'
                 rf'(?: "(?P<value>[^"]*)")?{SOURCE}'))
def event_fact(desk: Desk, request, line: str | None, date: str, actor: str, subject: str, target: str | None,
               value: str | None, source: str | None) -> None:
    where = here(desk, request)
    fact = {"at": parse_date(date, where), "actor": actor, "subject": subject,
            "source": source if source is not None else f"feature {where}"}
    if target:
        fact["target"] = target
    if value is not None:
        fact["value"] = value
    desk.record([(where, fact)], sentence="event", line=line_of(line))


@step(parsers.re(rf'{IN}on {DATE} (?P<actor>{NAME}) (?P<subject>{DOTTED}) (?P<count>[0-9]+) times(?: since (?P<since>\S+))?'
                 rf'(?: on (?P<target>{NAME}))?(?: "(?P<value>[^"]*)")?{SOURCE}'))
def counted_event_fact(desk: Desk, request, line: str | None, date: str, actor: str, subject: str, count: str, since: str | None,
                       target: str | None, value: str | None, source: str | None) -> None:
    """A counted event: ``count`` acts on the date, or spread over the period since ``since``."""
    where = here(desk, request)
    fact: dict[str, Any] = {"at": parse_date(date, where), "actor": actor, "subject": subject, "count": int(count),
                            "source": source if source is not None else f"feature {where}"}
    if since is not None:
        fact["since"] = parse_date(since, where)
    if target:
        fact["target"] = target
    if value is not None:
        fact["value"] = value
    desk.record([(where, fact)], sentence="event", line=line_of(line))


@step(parsers.re(rf'{IN}the events of "(?P<source>[^"]+)" (?:are )?imported with the mapping "(?P<mapping>[^"]+)"'))
def imported_events(desk: Desk, request, line: str | None, source: str, mapping: str) -> None:
    """Event data (PLOVER, ACLED, GDELT) read through a mapping of the scenario: the facts
    its rows make, recorded all or nothing."""
    here(desk, request)
    desk.import_events(source, mapping, line_of(line))


@step(parsers.re(rf"{IN}(?:the following facts|these facts|facts)(?: are recorded| arrive)?:?"))
def table_facts(desk: Desk, request, line: str | None, datatable: list[list[str]] | None = None) -> None:
    where = here(desk, request)
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
            elif column == "since":
                fact["since"] = parse_date(cell, row_where)
            elif column == "count":
                fact["count"] = int(cell) if cell.isdigit() else cell  # not a number: refused at the field, with the row
            elif column == "value":
                fact["value"] = parse_value(cell)
            elif column in ("claimed_by", "denied_by"):
                fact[column] = names_in(cell)
            elif column == "approx":  # yes (the date is approximate) or no; any other word is refused at the field
                fact["approx"] = {"yes": True, "no": False}.get(cell.lower(), cell)
            else:
                fact[column] = cell
        items.append((row_where, fact))
    desk.record(items, line=line_of(line))


@step(parsers.re(rf'{IN}on {DATE} (?P<actor>{NAME}) states the (?P<kind>position|offer) "(?P<sid>{NAME})"{SOURCE}:?'))
def statement_fact(desk: Desk, request, line: str | None, date: str, actor: str, kind: str, sid: str,
                   source: str | None, docstring: str | None = None) -> None:
    """A position or offer stated on a date (``engine.statements``), its terms in a doc string
    written as in a rule file, without id, actor and in_force."""
    where = here(desk, request)
    if not docstring:
        raise AssertionError(f'{where}: write the {kind} under this step as a doc string (between """ lines), in YAML as in a '
                             f"rule file: {'withholds, until' if kind == 'position' else 'offers, if'}, quote")
    try:
        body = load_located(docstring).data
    except YamlSyntaxError as exc:
        raise FactError([Problem(where, "", f"the doc string is not YAML (its line {exc.line}): {exc}")]) from None
    if not isinstance(body, dict):
        raise FactError([Problem(where, "", f"the doc string must be a mapping of the {kind}'s fields; got {brief(body)}")])
    said = source if source is not None else f"feature {where}"
    declaration = {"id": sid, "actor": actor, "source": said, **body}
    fact = {"at": parse_date(date, where), "source": said, "states": {kind: declaration}}
    desk.record([(where, fact)], sentence="statement", line=line_of(line))


@step(parsers.re(rf'{IN}on {DATE} the (?:position|offer|statement) "(?P<sid>{NAME})" ends'
                 rf'(?: saying "(?P<quote>[^"]*)")?{SOURCE}'))
def statement_ends(desk: Desk, request, line: str | None, date: str, sid: str, quote: str | None, source: str | None) -> None:
    _record_end(desk, request, line, date, "ends", sid, quote, source)


@step(parsers.re(rf'{IN}on {DATE} the stance "(?P<sid>{NAME})" ends'
                 rf'(?: saying "(?P<quote>[^"]*)")?{SOURCE}'))
def stance_ends(desk: Desk, request, line: str | None, date: str, sid: str, quote: str | None, source: str | None) -> None:
    """Every statement of the stance first stated as ``sid`` in force that day ends (``ends_stance``)."""
    _record_end(desk, request, line, date, "ends_stance", sid, quote, source)


def _record_end(desk: Desk, request, line: str | None, date: str, field: str, sid: str, quote: str | None,
                source: str | None) -> None:
    """A statement fact that ends ``sid`` (``field``: ``ends`` or ``ends_stance``) on ``date``."""
    where = here(desk, request)
    fact = {"at": parse_date(date, where), field: [sid], "source": source if source is not None else f"feature {where}"}
    if quote:
        fact["quote"] = quote
    desk.record([(where, fact)], sentence="statement", line=line_of(line))


# --- Then: the verdict (of baseline, or of the line named by `in "NAME"`) ----------------------

AS_OF = r"(?: as of (?P<date>\S+))?"
AS_OF2 = r"(?: as of (?P<date2>\S+))?"


@then(parsers.re(rf"{IN}the status{AS_OF} is (?P<status>\w+){AS_OF2}"))
def the_status_is(desk: Desk, request, line: str | None, status: str, date: str | None, date2: str | None) -> None:
    here(desk, request)
    expected = status_word(status)
    verdict = desk.verdict(date or date2, line_of(line))
    assert verdict.status == expected, (
        f"{desk.where}: expected {expected}{_in(verdict.session)} as of {verdict.as_of.date()}, the verdict is {verdict.status}:\n"
        f"{_describe(verdict)}")


@then(parsers.re(rf"{IN}escalation{AS_OF} is (?P<state>\w+){AS_OF2}"))
def escalation_is(desk: Desk, request, line: str | None, state: str, date: str | None, date2: str | None) -> None:
    here(desk, request)
    expected = on_off(state)
    verdict = desk.verdict(date or date2, line_of(line))
    events = ", ".join(f"{e.at.date()} {e.actor} {e.subject.split('.')[-1]}" for e in verdict.escalation_events) or "none"
    assert verdict.escalation is expected, (
        f"{desk.where}: expected escalation {state}{_in(verdict.session)} as of {verdict.as_of.date()}, it is"
        f" {'on' if verdict.escalation else 'off'} (hostile events in the window: {events})")


@then(parsers.re(rf"{IN}with (?P<level>confirmed|confirmed and reported) facts only,? the status{AS_OF} is (?P<status>\w+)"))
def the_status_with_sure_facts_is(desk: Desk, request, line: str | None, level: str, status: str, date: str | None) -> None:
    here(desk, request)
    expected = status_word(status)
    verdict = desk.verdict(date, line_of(line), "confirmed" if level == "confirmed" else "reported")
    assert verdict.status == expected, (
        f"{desk.where}: expected {expected}{_in(verdict.session)} with {level} facts only as of {verdict.as_of.date()}, "
        f"the verdict is {verdict.status}:\n{_describe(verdict)}")


@then(parsers.re(rf'{IN}(?P<part>the status|escalation){AS_OF} rests on (?:no fact that is not confirmed|'
                 rf'the (?P<level>reported|disputed) fact "(?P<text>[^"]+)")'))
def rests_on(desk: Desk, request, line: str | None, part: str, date: str | None, level: str | None, text: str | None) -> None:
    here(desk, request)
    verdict = desk.verdict(date, line_of(line))
    resting = verdict.rests_on_unconfirmed if part == "the status" else verdict.escalation_rests_on_unconfirmed
    found = ", ".join(f"{f.id} {f.confidence} {f.subject} = {f.value!r} ({f.source})" for f in resting) or "none"
    if level is None:
        assert not resting, f"{desk.where}: expected {part}{_in(verdict.session)} to rest on no unconfirmed fact; it rests on {found}"
        return
    assert any(f.confidence == level and (text in str(f.value) or text in f.source) for f in resting), (
        f"{desk.where}: expected {part}{_in(verdict.session)} as of {verdict.as_of.date()} to rest on a {level} fact "
        f"saying \"{text}\"; it rests on {found}")


@then(parsers.re(rf"{IN}the escalation level{AS_OF} is (?P<level>\w+)"))
def escalation_level_is(desk: Desk, request, line: str | None, level: str, date: str | None) -> None:
    here(desk, request)
    verdict = desk.verdict(date, line_of(line))
    chains = "; ".join(f"{c.pattern}: {c.size} events from {c.first_at.date()} to {c.last_at.date()}, {c.level}"
                       for c in verdict.escalation_chains) or "no live chain"
    assert verdict.escalation_level == level, (
        f"{desk.where}: expected the escalation level{_in(verdict.session)} as of {verdict.as_of.date()} to be {level}; "
        f"it is {verdict.escalation_level or 'none (escalation off)'} ({chains})")


@then(parsers.re(rf"{IN}escalation{AS_OF} was ended by (?:(?P<actor>{NAME}) )?(?P<subject>{DOTTED})"))
def escalation_ended_by(desk: Desk, request, line: str | None, date: str | None, actor: str | None, subject: str) -> None:
    here(desk, request)
    verdict = desk.verdict(date, line_of(line))
    acts = [e for d in verdict.de_escalations for e in d.events]
    found = ", ".join(f"{e.at.date()} {e.actor} {e.subject}" for e in acts) or "no de-escalation in the window"
    assert any(e.subject.split(".")[-1] == subject.split(".")[-1] and actor in (None, e.actor) for e in acts), (
        f"{desk.where}: expected escalation{_in(verdict.session)} as of {verdict.as_of.date()} to have been ended by "
        f"{(actor + ' ') if actor else ''}{subject}; found {found}")
    assert not verdict.escalation, f"{desk.where}: a de-escalation is recorded ({found}), but escalation is on again"


@then(parsers.re(rf"{IN}the deadlock cycle involves (?P<actors>.+?){AS_OF}"))
def cycle_involves(desk: Desk, request, line: str | None, actors: str, date: str | None) -> None:
    here(desk, request)
    wanted = {desk.actor(a) for a in names_in(actors)}
    verdict = desk.verdict(date, line_of(line))
    found = [c.actors for c in verdict.cycles]
    assert any(wanted <= set(c.actors) for c in verdict.cycles), (
        f"{desk.where}: expected a cycle involving {', '.join(sorted(wanted))}{_in(verdict.session)} as of {verdict.as_of.date()};"
        f" cycles: {found or 'none'} (status {verdict.status})")


@then(parsers.re(rf'{IN}a cycle includes the position "(?P<position>[^"]+)"{AS_OF}'))
def cycle_includes_position(desk: Desk, request, line: str | None, position: str, date: str | None) -> None:
    here(desk, request)
    pid = desk.position(position)
    verdict = desk.verdict(date, line_of(line))
    found = sorted({s.position.id for c in verdict.cycles for s in c.steps if s.position is not None})
    assert pid in found, (f"{desk.where}: expected a cycle through position {pid!r}{_in(verdict.session)} as of {verdict.as_of.date()};"
                          f" positions in cycles: {found or 'none'} (status {verdict.status})")


@then(parsers.re(rf'{IN}the explanation quotes "(?P<text>[^"]+)"{AS_OF}'))
def explanation_quotes(desk: Desk, request, line: str | None, text: str, date: str | None) -> None:
    here(desk, request)
    verdict = desk.verdict(date, line_of(line))
    quotes = [s.position for c in verdict.cycles for s in c.steps if s.position is not None] + [r.position for r in verdict.refusals]
    assert any(norm(text) in norm(p.quote) for p in quotes), (
        f"{desk.where}: no position quoted in the deadlock{_in(verdict.session)} as of {verdict.as_of.date()} contains {text!r};"
        " quoted:\n" + ("\n".join(f"    {p.id}: {norm(p.quote)!r}" for p in quotes) or "    (none)"))


def _is_variant(opening: Opening, vid: str) -> bool:
    """The opening switches on variant ``vid``: a candidate to switch on, or (in force) the
    move it lets its actor make in step."""
    return opening.kind == "variant" and (opening.what == vid or any(e.variant == vid for e in opening.evidence))


def openings_text(openings: list[Opening]) -> str:
    return "\n".join(f"    {o.rank}. [{o.kind}{', now' if o.available_now else ''}] {o.what}: needs {o.facts_needed or '-'}"
                     for o in openings) or "    (none)"


def through(desk: Desk, kind: str | None, what: str | None) -> tuple[str, Callable[[Opening], bool]]:
    """The opening a step names (``the move X``, ``the variant X``, ``the substitute X`` or
    ``X``; None: any), checked against the scenario: how to say it, and a test."""
    if what is None:
        return "", lambda o: True
    if kind == "variant" or (kind is None and "." not in what and what in desk.rulebook.variants):
        vid = desk.variant(what)
        return f" through variant {vid}", functools.partial(_is_variant, vid=vid)
    key = desk.move(what)
    return f" through {kind + ' ' if kind else ''}{key}", lambda o: o.what == key and (kind is None or o.kind == kind)


@then(parsers.re(rf"{IN}an opening reaches (?P<subject>{DOTTED}){AS_OF}"))
def opening_reaches(desk: Desk, request, line: str | None, subject: str, date: str | None) -> None:
    here(desk, request)
    key = desk.subject(subject)
    verdict = desk.verdict(date, line_of(line))
    mention = re.compile(rf"(?<![\w.]){re.escape(key)}(?![\w.])")
    assert any(mention.search(need) for o in verdict.openings for need in o.facts_needed), (
        f"{desk.where}: no opening{_in(verdict.session)} as of {verdict.as_of.date()} needs a fact about {key}; openings:\n"
        f"{openings_text(verdict.openings)}")


@then(parsers.re(rf'{IN}an opening switches on the variant "(?P<variant>[^"]+)"{AS_OF}'))
def opening_switches_variant(desk: Desk, request, line: str | None, variant: str, date: str | None) -> None:
    here(desk, request)
    vid = desk.variant(variant)
    verdict = desk.verdict(date, line_of(line))
    assert any(_is_variant(o, vid) for o in verdict.openings), (
        f"{desk.where}: no opening{_in(verdict.session)} as of {verdict.as_of.date()} switches on the variant {vid!r}; openings:\n"
        f"{openings_text(verdict.openings)}")


THROUGH = rf'(?:the (?P<kind>move|variant|substitute) )?"?(?P<what>{DOTTED})"?'


@then(parsers.re(rf"{IN}an opening (?P<now>is available now through|goes through) {THROUGH}{AS_OF}"))
def opening_through(desk: Desk, request, line: str | None, now: str, kind: str | None, what: str, date: str | None) -> None:
    here(desk, request)
    said, matches = through(desk, kind, what)
    available = now.startswith("is available")
    verdict = desk.verdict(date, line_of(line))
    assert any(matches(o) and (o.available_now or not available) for o in verdict.openings), (
        f"{desk.where}: no opening{_in(verdict.session)} as of {verdict.as_of.date()} {'available now ' if available else ''}"
        f"{said.strip()}; openings:\n{openings_text(verdict.openings)}")


@then(parsers.re(rf"{IN}no opening is available now{AS_OF}"))
def no_opening_now(desk: Desk, request, line: str | None, date: str | None) -> None:
    here(desk, request)
    verdict = desk.verdict(date, line_of(line))
    now = [o.what for o in verdict.openings if o.available_now]
    assert not now, f"{desk.where}:{_in(verdict.session)} as of {verdict.as_of.date()} these openings are available now: {', '.join(now)}"


@then(parsers.re(rf"{IN}the smallest concession set has (?P<size>\d+)"
                 rf" (?:move|moves|move\(s\)|concession|concessions|concession\(s\)){AS_OF}"))
def concession_size(desk: Desk, request, line: str | None, size: str, date: str | None) -> None:
    here(desk, request)
    verdict = desk.verdict(date, line_of(line))
    assert verdict.concessions.size == int(size), (
        f"{desk.where}: the smallest concession set{_in(verdict.session)} as of {verdict.as_of.date()} has {verdict.concessions.size}"
        f" (sets: {verdict.concessions.sets}{'' if verdict.concessions.exact else ', greedy approximation'}"
        f"{'; ' + verdict.concessions.note if verdict.concessions.note else ''})")


@then(parsers.re(rf'{IN}a smallest concession set gives up "(?P<positions>[^"]+)"{AS_OF}'))
def concession_set_gives_up(desk: Desk, request, line: str | None, positions: str, date: str | None) -> None:
    here(desk, request)
    wanted = {desk.position(p) for p in names_in(positions.replace('"', ""))}
    verdict = desk.verdict(date, line_of(line))
    assert any(set(s) == wanted for s in verdict.concessions.sets), (
        f"{desk.where}: no smallest concession set{_in(verdict.session)} as of {verdict.as_of.date()} is {sorted(wanted)};"
        f" sets: {verdict.concessions.sets}")


@then(parsers.re(rf'{IN}the goal "(?P<goal>[^"]+)" is (?P<state>done|not done|reachable|unreachable|untested|\w+){AS_OF}'))
def goal_state(desk: Desk, request, line: str | None, goal: str, state: str, date: str | None) -> None:
    here(desk, request)
    gid = desk.goal(goal)
    verdict = desk.verdict(date, line_of(line))
    g = next(g for g in verdict.goals if g.id == gid)
    checks = {"done": g.done, "not done": not g.done, "reachable": g.reachable, "unreachable": not g.reachable,
              "untested": "untested" in g.blocked_by}
    actual = checks[state] if state in checks else g.status == status_word(state)
    assert actual, (f"{desk.where}: goal {gid!r}{_in(verdict.session)} as of {verdict.as_of.date()} is not {state}"
                    f" (status {g.status}, done={g.done}, reachable={g.reachable}, blocked by {', '.join(g.blocked_by) or 'nothing'}"
                    f"{', untested: ' + ', '.join(g.untested) if g.untested else ''})")


STANCES = ("done", "willing", "free", "offered", "withheld", "refused", "unknown")


@then(parsers.re(rf"{IN}the move (?P<move>{DOTTED}) is (?P<stance>\w+){AS_OF}"))
def move_stance(desk: Desk, request, line: str | None, move: str, stance: str, date: str | None) -> None:
    here(desk, request)
    key = desk.move(move)
    if stance not in STANCES:
        raise AssertionError(f"{desk.where}: a move's stance is one of {', '.join(STANCES)}; got {stance!r}")
    verdict = desk.verdict(date, line_of(line))
    found = {s.move: s for s in verdict.stances}
    actual = found[key].stance if key in found else ("done" if key in verdict.moves_done else "not on the way to a goal")
    assert actual == stance, (f"{desk.where}: {key}{_in(verdict.session)} as of {verdict.as_of.date()} is {actual}, not {stance}"
                              + (f"; it rests on {', '.join(e.id for e in found[key].evidence)}" if key in found and found[key].evidence else ""))


@then(parsers.re(rf'{IN}the (?P<kind>position|offer) "(?P<sid>{NAME})" is (?P<state>in force|not in force){AS_OF}'))
def statement_in_force(desk: Desk, request, line: str | None, kind: str, sid: str, state: str, date: str | None) -> None:
    where = here(desk, request)
    found = {s.id: s for s in desk.statements(date, line_of(line))}
    if sid not in found or found[sid].kind != kind:
        known = [k for k, s in found.items() if s.kind == kind]
        raise UnknownNameError(kind, sid, known)
    held = found[sid]
    if held.in_force != (state == "in force"):
        span = f"in force from {held.since or 'the start'} until {held.until or 'now'}"
        raise AssertionError(f"{where}: expected the {kind} {sid!r} {state}; it is {span} (stated by {held.stated_by}"
                             + (f", ended by {', '.join(held.ended_by)}" if held.ended_by else "") + ")")


RIPENESS = {"ripe": "ripe", "ripening": "ripening", "not ripe": "not_ripe"}


@then(parsers.re(rf'{IN}the ripeness of "(?P<goal>[^"]+)" is (?P<state>ripe|ripening|not ripe|.+?){AS_OF}'))
def ripeness_is(desk: Desk, request, line: str | None, goal: str, state: str, date: str | None) -> None:
    here(desk, request)
    ripe = _ripeness(desk, line, goal, date)
    if state not in RIPENESS:
        raise UnknownNameError("ripeness", state, list(RIPENESS))
    assert ripe.status == RIPENESS[state], (
        f"{desk.where}: expected the ripeness of {ripe.goal!r}{_in(line_of(line))} to be {state!r}, it is "
        f"{ripe.status.replace('_', ' ')!r}: {ripe.text}")


@then(parsers.re(rf"{IN}(?P<party>{NAME}) is (?P<state>hurting|not hurting){AS_OF}"))
def party_hurting(desk: Desk, request, line: str | None, party: str, state: str, date: str | None) -> None:
    here(desk, request)
    party = desk.actor(party)
    verdict = desk.verdict(date, line_of(line))
    found = [p for r in verdict.ripeness for p in r.parties if p.party == party]
    hurting = bool(found) and found[0].hurting
    costs = "; ".join(c.text for c in found[0].costs) if found else "no cost of its is declared"
    assert hurting is (state == "hurting"), (
        f"{desk.where}: {party}{_in(verdict.session)} as of {verdict.as_of.date()} is {'hurting' if hurting else 'not hurting'} ({costs or 'no cost it bears now'})")


@then(parsers.re(rf'{IN}there is (?:(?P<no>no )|an? )(?P<part>mutually hurting stalemate|stalemate|way out) (?:on|toward) "(?P<goal>[^"]+)"{AS_OF}'))
def ripeness_part(desk: Desk, request, line: str | None, no: str | None, part: str, goal: str, date: str | None) -> None:
    here(desk, request)
    ripe = _ripeness(desk, line, goal, date)
    actual = {"mutually hurting stalemate": ripe.mutually_hurting_stalemate, "stalemate": ripe.stalemate.holds,
              "way out": ripe.way_out.holds}[part]
    assert actual is (no is None), f"{desk.where}: there is {'a' if actual else 'no'} {part} on {ripe.goal!r}: {ripe.text}"


def _ripeness(desk: Desk, line: str | None, goal: str, date: str | None):
    gid = desk.goal(goal)
    verdict = desk.verdict(date, line_of(line))
    found = next((r for r in verdict.ripeness if r.goal == gid), None)
    if found is None:
        raise AssertionError(f"{desk.where}: {gid!r} is not a main goal: ripeness is assessed for the main goals "
                             f"({', '.join(r.goal for r in verdict.ripeness) or 'none'})")
    return found


@then(parsers.re(rf'{IN}"(?P<statement>[^"]+)" lapses in (?P<days>\d+) days?{AS_OF}'))
def lapses_in(desk: Desk, request, line: str | None, statement: str, days: str, date: str | None) -> None:
    here(desk, request)
    verdict = desk.verdict(date, line_of(line))
    found = [d for d in verdict.deadlines if d.id == statement and d.kind != "condition"]
    listing = "; ".join(f"{d.id} on {d.on} ({d.days_left} days)" for d in verdict.deadlines) or "none"
    assert found and found[0].days_left == int(days), (
        f"{desk.where}: expected {statement!r} to lapse in {days} days{_in(verdict.session)} as of {verdict.as_of.date()};"
        f" the verdict's deadlines: {listing}")


@then(parsers.re(rf'{IN}the timeline on (?P<date>\S+) says "(?P<text>[^"]+)"'))
def timeline_says(desk: Desk, request, line: str | None, date: str, text: str) -> None:
    here(desk, request)
    day = parse_date(date, desk.where).date()
    entries = [e for e in desk.timeline(line_of(line)) if e.at.date() == day]
    said = [*(c for e in entries for c in e.changes), *(f"{c.subject} = {c.value} ({c.source})" for e in entries for c in e.causes),
            *(f"{p.id} ({p.said_by or p.source})" for e in entries for p in e.statements),
            *(x.lapsed for e in entries for x in e.lapsed)]
    assert any(norm(text) in norm(item) for item in said), (
        f"{desk.where}: the timeline{_in(line_of(line))} on {day} does not say {text!r}; it says:\n"
        + ("\n".join(f"    {item}" for item in said) or "    (no entry that day)"))


@then(parsers.re(rf"{IN}the timeline shows (?P<what>.+?) from (?P<date>\S+)"))
def timeline_shows(desk: Desk, request, line: str | None, what: str, date: str) -> None:
    here(desk, request)
    m = re.fullmatch(r"(?:(?P<status>\w+)(?: with escalation(?: (?P<esc1>\w+))?)?|escalation (?P<esc2>\w+))", what.strip())
    if m is None:
        raise AssertionError(f"{desk.where}: write `the timeline shows STATUS from DATE`, `... STATUS with escalation [on|off]"
                             f" from DATE` or `... escalation on|off from DATE`; got {what!r}")
    status = status_word(m["status"]) if m["status"] else None
    esc_word = m["esc2"] or m["esc1"] or ("on" if "with escalation" in what else None)
    escalation = on_off(esc_word) if esc_word else None
    day = parse_date(date, desk.where).date()
    entries = desk.timeline(line_of(line))
    ok = any(e.at.date() == day and (status is None or e.status == status)
             and (escalation is None or e.escalation is escalation) for e in entries)
    listing = "\n".join(f"    from {e.at.isoformat()}: {e.status}, escalation {'on' if e.escalation else 'off'}" for e in entries)
    assert ok, f"{desk.where}: the timeline{_in(line_of(line))} has no change to {what} on {day}; it reads:\n{listing or '    (empty)'}"


@then(parsers.re(rf'{IN}the summary mentions "(?P<text>[^"]+)"{AS_OF}'))
def summary_mentions(desk: Desk, request, line: str | None, text: str, date: str | None) -> None:
    here(desk, request)
    verdict = desk.verdict(date, line_of(line))
    assert norm(text) in norm("\n".join(verdict.summary)), (
        f"{desk.where}: the summary{_in(verdict.session)} as of {verdict.as_of.date()} does not mention {text!r}; it reads:\n"
        f"{_describe(verdict)}")
