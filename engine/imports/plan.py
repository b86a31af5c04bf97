"""From rows of event data to facts, and from those to what a session must record.

Identity: each imported fact's ``source`` begins with its key in brackets, the mapping's id
and the row's own id (``[acled_docks:record:WST104]``) or, for an aggregate, the subject
and period (``[acled_docks:monthly:UNI.pickets:2024-03]``).  Importing again compares each
key with the live fact the session holds under it: the same fact is left alone, a changed
one is corrected (a new fact that withdraws the old), a row deleted at the source, or one
that no longer becomes a fact, is withdrawn.  So a re-import stores nothing twice.

An aggregate is one state fact per period (day, ISO week starting Monday, calendar month)
dated at the end of its period (the first moment of the next: the count is known only
then), for every period from the first to the last day taken, zero where no row counts.
Into an event subject, it is one counted event per period and mapped actor (and target)
with rows in it, ``since`` the period's start (key ``...:monthly:strike:2024-03:UNI>EMP``);
a period that no longer has any is withdrawn on re-import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from engine.errors import FactError, MappingError, Problem
from engine.facts import MAX_TEXT_VALUE, Fact, parse_inputs
from engine.imports.formats import SPECS, Read, Record, number
from engine.imports.mapping import Mapping, Rule
from engine.rulebook import Rulebook

KEY = re.compile(r"^\[([^\]\s]+)\]")
MAX_PERIODS = 100_000  # periods one aggregating rule may fill: 270 years of days
MAX_SOURCE, MAX_NOTE = 2000, 4000


class ImportReport(BaseModel):
    """What an import did (or, into a fact file, wrote)."""

    mapping: str
    format: str
    rows: int = 0
    stored: int = 0
    already_there: int = 0
    corrected: int = 0
    withdrawn: int = 0
    merged: int = 0
    outside_range: int = 0
    unmatched: int = 0
    bad_rows: int = 0
    problems: list[str] = []
    ids: list[str] = []


@dataclass
class Wanted:
    """The facts a file's rows make, by key; the row keys seen; the bad rows."""

    facts: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    seen: Container[str] = field(default_factory=set)  # ids of the rows taken, with or without a fact
    covered: set[str] = field(default_factory=set)  # "<mapping>:<period>:<subject>:<label>:": counted periods spoken of
    deleted: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    record_prefix: str = ""  # a row's key is this prefix and its id
    rows: int = 0  # rows read whole (merged ones included)
    merged: int = 0
    outside_range: int = 0
    unmatched: int = 0


def row_key(mapping: Mapping, record_id: str) -> str:
    return f"{mapping.id}:record:{record_id}"


def wanted_facts(mapping: Mapping, read: Read, rulebook: Rulebook, deleted: Iterable[str] = (),
                 report: ImportReport | None = None) -> Wanted:
    """The facts ``read``'s rows make under ``mapping``; rows whose id is in ``deleted``
    make none (and their earlier facts are withdrawn)."""
    report = report or ImportReport(mapping=mapping.id, format=mapping.format)
    seen: set[str] = set()
    wanted = Wanted(seen=seen, problems=list(read.problems), record_prefix=row_key(mapping, ""))
    gone = set(deleted)
    wanted.rows, wanted.merged = len(read.records) + read.merged, read.merged
    buckets: dict[int, dict[Any, float]] = {}  # rule -> period start (and actor, target for events) -> amount
    first = last = None
    spec = SPECS[mapping.format]
    # each rule once, ready for a million rows: its tests, its subject's kind, and its periods' starts by day
    rules = [(i, rule, tests_of(rule), rulebook.subjects[rule.subject].kind == "event", rule.aggregate, {})
             for i, rule in enumerate(mapping.rules)]
    actors, since, until = mapping.actors, mapping.info.from_, mapping.info.until
    outside = unmatched = 0
    for record in read.records:
        rid, day, names, values, _, _, merged = record
        if gone and (rid in gone or any(m in gone for m in merged)):
            wanted.deleted.add(row_key(mapping, rid))
            continue
        if (since is not None and day < since) or (until is not None and day >= until):
            outside += 1
            continue
        if first is None or day < first:
            first = day
        if last is None or day > last:
            last = day
        seen.add(rid)
        j = names.get(spec.actor)
        actor = None if j is None else actors.get(values[j])
        j = names.get(spec.target)
        pseudo = {"actor": actor, "target": None if j is None else actors.get(values[j])}
        made = counted = False
        for i, rule, tests, event, aggregate, starts in rules:
            for name, codes, prefixes in tests:
                if name in pseudo:
                    have = pseudo[name]
                else:
                    j = names.get(name)
                    have = None if j is None else values[j]
                if have is None or not (have in codes or (prefixes and have.startswith(prefixes))):
                    break
            else:
                if aggregate == "none":
                    if actor is None and event:
                        continue  # an event needs who did it: a row of actors the mapping does not know is not the scenario's
                    if made:
                        continue  # a row is one fact at most: its first rule
                    fact = row_fact(mapping, rule, record, pseudo, rulebook, wanted.problems)
                    made = True
                    if fact is not None:
                        wanted.facts[row_key(mapping, rid)] = (record.where, fact)
                    continue
                counted = True
                amount = 1.0 if rule.sum is None else _amount(record, rule.sum, wanted.problems)
                if amount is None:
                    continue
                bucket = buckets.setdefault(i, {})
                start = starts.get(day)
                if start is None:
                    start = starts[day] = period_start(aggregate, day)
                if event:
                    if actor is None:
                        continue  # a counted event needs who did it, as a row's event does
                    where = (start, actor, pseudo["target"])
                    bucket[where] = bucket.get(where, 0.0) + amount  # type: ignore[index]
                else:
                    bucket[start] = bucket.get(start, 0.0) + amount
        if not made and not counted:
            unmatched += 1
    wanted.outside_range, wanted.unmatched = outside, unmatched
    wanted.deleted |= {row_key(mapping, d) for d in gone}
    aggregate_all(mapping, buckets, first, last, rulebook, wanted)
    tally(wanted, report)
    return wanted


def tally(wanted: Wanted, report: ImportReport) -> None:
    """The rows ``wanted`` was made from, counted in ``report``."""
    report.rows, report.merged, report.outside_range, report.unmatched = wanted.rows, wanted.merged, wanted.outside_range, wanted.unmatched


def aggregate_all(mapping: Mapping, buckets: dict[int, dict[Any, float]], first: dt.date | None, last: dt.date | None,
                  rulebook: Rulebook, wanted: Wanted) -> None:
    """The facts of every aggregating rule from its amounts by period (and actors), into
    ``wanted``; ``first`` and ``last``: the days of the rows taken."""
    for i, rule in enumerate(mapping.rules):
        if rule.aggregate != "none" and first is not None and last is not None:
            _aggregate(mapping, i, buckets.get(i, {}), first, last, rulebook, wanted)


Test = tuple[str, frozenset[str], tuple[str, ...]]  # a field, the codes it may equal, the prefixes it may begin with


def tests_of(rule: Rule) -> list[Test]:
    """A rule's ``when``, ready to test rows with: per field, its codes and its prefixes (``17*``)."""
    tests = []
    for name, codes in rule.when.items():
        listed = codes if isinstance(codes, list) else [codes]
        tests.append((name, frozenset(c for c in listed if not c.endswith("*")), tuple(c[:-1] for c in listed if c.endswith("*"))))
    return tests


def _amount(record: Record, name: str, problems: list[Problem]) -> float | None:
    text = record.get(name)
    if not text:
        problems.append(Problem(record.where, name, f"empty, and the mapping sums {name}: expected a number"))
        return None
    return number(text)  # a number: checked when the row was read


def row_fact(mapping: Mapping, rule: Rule, record: Record, pseudo: dict[str, str | None], rulebook: Rulebook,
              problems: list[Problem]) -> dict[str, Any] | None:
    subject = rulebook.subjects[rule.subject]
    spec = SPECS[mapping.format]
    fact: dict[str, Any] = {"at": record.date.isoformat(), "subject": rule.subject,
                            "source": _text(f"[{row_key(mapping, record.id)}] {record.get(spec.cite)}".rstrip(), MAX_SOURCE)}
    if subject.kind == "event":
        fact["actor"] = pseudo["actor"]
        if pseudo["target"] is not None:
            fact["target"] = pseudo["target"]
    value = rule.value
    if rule.value_from is not None:
        text = record.get(rule.value_from)
        if subject.kind == "state" and subject.type == "number":
            if not _is_number(text):
                problems.append(Problem(record.where, rule.value_from, f"expected a number for {rule.subject}; got {text!r}"))
                return None
            value = _whole(float(text))
        else:
            value = _text(text, MAX_TEXT_VALUE) or None
    if value is not None:
        fact["value"] = value
    if spec.text and record.get(spec.text):
        fact["note"] = _text(record.get(spec.text), MAX_NOTE)
    if rule.confidence != "confirmed":
        fact["confidence"] = rule.confidence
    try:
        parse_inputs([(record.where, fact)], rulebook)
    except FactError as exc:
        problems.extend(exc.problems)
        return None
    return fact


def _aggregate(mapping: Mapping, i: int, bucket: dict[Any, float], first: dt.date, last: dt.date,
               rulebook: Rulebook, wanted: Wanted) -> None:
    rule = mapping.rules[i]
    if rulebook.subjects[rule.subject].kind == "event":
        _counted(mapping, i, bucket, first, last, rulebook, wanted)
        return
    start = period_start(rule.aggregate, mapping.info.from_ or first)
    end = period_start(rule.aggregate, (mapping.info.until - dt.timedelta(days=1)) if mapping.info.until else last)
    periods = 0
    while start <= end:
        periods += 1
        if periods > MAX_PERIODS:
            raise MappingError([Problem(mapping.where, f"rules.{i}.aggregate", f"more than {MAX_PERIODS:,} {rule.aggregate} periods "
                                        "between the first and last day taken: narrow the mapping's from/until")])
        following = next_period(rule.aggregate, start)
        key = f"{mapping.id}:{rule.aggregate}:{rule.subject}:{period_label(rule.aggregate, start)}"
        value = _whole(bucket.get(start, 0.0))
        what = "rows" if rule.sum is None else f"the {rule.sum} of the rows"
        fact = {"at": following.isoformat(), "subject": rule.subject, "value": value,
                "source": f"[{key}] {mapping.format} data: {what} from {start.isoformat()} to {(following - dt.timedelta(days=1)).isoformat()}"}
        if rule.confidence != "confirmed":
            fact["confidence"] = rule.confidence
        where = f"{mapping.where}: rules.{i} ({period_label(rule.aggregate, start)})"
        try:
            parse_inputs([(where, fact)], rulebook)
            wanted.facts[key] = (where, fact)
        except FactError as exc:
            wanted.problems.extend(exc.problems)
        start = following


def _counted(mapping: Mapping, i: int, bucket: dict[tuple[dt.date, str, str | None], float], first: dt.date, last: dt.date,
             rulebook: Rulebook, wanted: Wanted) -> None:
    """An aggregating rule into an event subject: per period, one counted event for each
    actor (and target) with rows in it, dated at the period's end, ``since`` its start."""
    rule = mapping.rules[i]
    start = period_start(rule.aggregate, mapping.info.from_ or first)
    end = period_start(rule.aggregate, (mapping.info.until - dt.timedelta(days=1)) if mapping.info.until else last)
    periods = 0
    while start <= end:  # every period the import speaks of: what it no longer counts is withdrawn
        periods += 1
        if periods > MAX_PERIODS:
            raise MappingError([Problem(mapping.where, f"rules.{i}.aggregate", f"more than {MAX_PERIODS:,} {rule.aggregate} periods "
                                        "between the first and last day taken: narrow the mapping's from/until")])
        wanted.covered.add(f"{mapping.id}:{rule.aggregate}:{rule.subject}:{period_label(rule.aggregate, start)}:")
        start = next_period(rule.aggregate, start)
    what = "rows" if rule.sum is None else f"the {rule.sum} of the rows"
    for (start, actor, target), amount in sorted(bucket.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or "")):
        label = period_label(rule.aggregate, start)
        where = f"{mapping.where}: rules.{i} ({label}, {actor})"
        if not amount.is_integer():
            wanted.problems.append(Problem(where, f"rules.{i}.sum", f"{what} add up to {amount}: a count of acts is a whole number"))
            continue
        if amount < 1:
            continue  # no act: no counted event
        following = next_period(rule.aggregate, start)
        key = f"{mapping.id}:{rule.aggregate}:{rule.subject}:{label}:{actor}" + (f">{target}" if target else "")
        fact: dict[str, Any] = {"at": following.isoformat(), "since": start.isoformat(), "count": int(amount), "actor": actor,
                                "subject": rule.subject,
                                "source": f"[{key}] {mapping.format} data: {what} from {start.isoformat()} to "
                                          f"{(following - dt.timedelta(days=1)).isoformat()}"}
        if target is not None:
            fact["target"] = target
        try:
            parse_inputs([(where, fact)], rulebook)
            wanted.facts[key] = (where, fact)
        except FactError as exc:
            wanted.problems.extend(exc.problems)


def period_start(period: str, day: dt.date) -> dt.date:
    if period == "weekly":
        return day - dt.timedelta(days=day.weekday())
    if period == "monthly":
        return day.replace(day=1)
    return day


def next_period(period: str, start: dt.date) -> dt.date:
    if period == "weekly":
        return start + dt.timedelta(days=7)
    if period == "monthly":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=1)


def period_label(period: str, start: dt.date) -> str:
    if period == "weekly":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.isoformat()[:7] if period == "monthly" else start.isoformat()


def _is_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return value == value and abs(value) != float("inf")


def _whole(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


def _text(text: str, limit: int) -> str:
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --- against what a session holds ------------------------------------------------------
def live_by_key(mapping: Mapping, facts: Iterable[Fact], withdrawn: set[str]) -> dict[str, Fact]:
    """The live facts an earlier import of this mapping recorded, by key (the latest wins)."""
    found: dict[str, Fact] = {}
    prefix = f"{mapping.id}:"
    for fact in facts:
        if fact.kind not in ("state", "event") or fact.id in withdrawn:
            continue
        match = KEY.match(fact.source)
        if match and match.group(1).startswith(prefix):
            found[match.group(1)] = fact
    return found


def changes(wanted: Wanted, live: dict[str, Fact], report: ImportReport) -> list[tuple[str, dict[str, Any]]]:
    """The items to record so that the session holds exactly the wanted facts (for the keys
    this file speaks of), counted in ``report``."""
    items: list[tuple[str, dict[str, Any]]] = []
    for key, (where, fact) in wanted.facts.items():
        old = live.get(key)
        if old is None:
            items.append((where, fact))
            report.stored += 1
        elif _same(old, fact):
            report.already_there += 1
        else:
            items.append((where, {**fact, "withdraws": old.id}))
            report.corrected += 1
    gone_periods = {key for key in live if key not in wanted.facts and key[:key.rfind(":") + 1] in wanted.covered}
    rows = wanted.record_prefix
    unmade = {key for key in live if key.startswith(rows) and key[len(rows):] in wanted.seen and key not in wanted.facts}
    for key in sorted(unmade | wanted.deleted | gone_periods):
        old = live.get(key)
        if old is not None:
            why = ("deleted at the source" if key in wanted.deleted else "no rows counted in the period any more"
                   if key in gone_periods else "no longer imported by the mapping")
            items.append((f"[{key}]", {"withdraws": old.id, "source": f"[{key}] {why}"}))
            report.withdrawn += 1
    return items


def _same(old: Fact, fact: dict[str, Any]) -> bool:
    at = dt.datetime.fromisoformat(fact["at"]).replace(tzinfo=dt.timezone.utc)
    value = fact.get("value")
    since = dt.datetime.fromisoformat(fact["since"]).replace(tzinfo=dt.timezone.utc) if "since" in fact else None
    return (old.at == at and old.subject == fact["subject"] and old.actor == fact.get("actor")
            and old.target == fact.get("target") and type(old.value) is type(value) and old.value == value
            and old.source == fact["source"] and old.note == fact.get("note", "")
            and old.count == fact.get("count") and old.since == since
            and old.confidence == fact.get("confidence", "confirmed"))
