"""The fidelity report: how often the engine agrees with historians' labels of real
negotiations (see ``docs/fidelity.md``).

A case is a folder ``fidelity/cases/<id>/`` holding ``chronology.md`` and ``labels.yaml``
(committed before any rule file) and, once modelled, ``rules/`` (a scenario folder) and
``facts.yaml``, and optionally event data (``events/NAME.*``, read through the mapping
``rules/imports/NAME.yaml``, as ``ripeness import`` reads it).  For a modelled case the facts
are replayed through the composition root and the engine's timeline is scored against each
labelled period, day by day.

Scoring rule.  Days are UTC dates.  The engine's status on day D is the one in force at
00:00 UTC of D: a change at 00:00 counts from that day, a change later in a day counts from
the next day.  A period is *right* when the engine's status equals its label on more than
half of its days; the escalation flag is scored the same way, only for periods that label
it.  Before the timeline's first change the engine's verdict at the period's start holds.
Beside each case, and for all modelled cases together, the report prints what a constant
guess would score over the same periods (one status said every day, and "no escalation"
throughout): the score the engine has to beat.

    .venv/bin/python -m fidelity.report [CASE ...] [--json] [--by-verdict] [--cases-dir DIR]

``--by-verdict`` also sorts the periods by the kind of verdict the engine gave on most of
their days (``verdict_kind``: the headline, the main goals' status and what holds them, the
interim goals' best status) and, for each kind, counts the labels: where the labels'
majority differs from what the engine says of that kind, the semantics and the labels
disagree as a rule, not once.  It reads every timeline entry's verdict, so it is slower.

Exit code 0 whatever the scores (a report, not a test); 1 when a labels, rule or fact file is
wrong or a named case does not exist, with the error on stderr.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from engine.clock import Clock
from engine.errors import FactError, LabelsError, Problem, RipenessError, UnknownNameError
from engine.facts import ResolvedFact, parse_inputs
from engine.imports import plan_import, read_mapping, read_records
from engine.live_session import Session
from engine.rulebook import Rulebook
from engine.rulebook.loader import error_message, fields_of, unknown_field_message
from engine.verdict import Status, Verdict
from engine.yamlsource import YamlSyntaxError, load_located
from ripeness.bootstrap import load_scenario

CASES_DIR = Path(__file__).resolve().parent / "cases"
STATUSES: tuple[Status, ...] = ("deadlock", "opening", "progress")
ONE_DAY = dt.timedelta(days=1)


class Period(BaseModel):
    """One labelled period, ``[from, until)`` in UTC dates, with the historians' status."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: dt.date = Field(alias="from")
    until: dt.date
    status: Status
    escalation: bool | None = None
    why: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start >= self.until:
            raise ValueError(f"'from' ({self.start}) must be before 'until' ({self.until})")
        return self


class Labels(BaseModel):
    """A case's ``labels.yaml``: contiguous periods covering the case's span."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case: str = Field(min_length=1)
    title: str = Field(min_length=1)
    goal: str = ""
    periods: list[Period] = Field(min_length=1)

    @model_validator(mode="after")
    def _contiguous(self) -> Labels:
        for index, (before, after) in enumerate(pairwise(self.periods), start=1):
            if after.start != before.until:
                raise PydanticCustomError(
                    "not_contiguous", "periods must be contiguous: this period starts on {start}, the one before ends on {until}",
                    {"index": index, "start": str(after.start), "until": str(before.until)})
        return self


def load_labels(path: Path) -> Labels:
    """The labels of a case; ``LabelsError`` naming file, line and field for each problem."""
    try:
        located = load_located(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LabelsError([Problem(str(path), "", f"cannot be read: {exc.strerror}")]) from None
    except YamlSyntaxError as exc:
        raise LabelsError([Problem(f"{path}:{exc.line}", "", str(exc))]) from None
    try:
        return Labels.model_validate(located.data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            if error["type"] == "not_contiguous":
                loc = ("periods", error["ctx"]["index"], "from")
            field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
            message = (unknown_field_message(str(loc[-1]), fields_of(Period if "periods" in loc[:-1] else Labels))
                       if error["type"] == "extra_forbidden" else error_message(error))
            problems.append(Problem(f"{path}:{located.line_of(loc)}", field, message))
        raise LabelsError(problems) from None


@dataclass(frozen=True)
class EngineSaid:
    """What the engine said on a day: its headline status, escalation and summary, from
    the verdict in force since ``since`` (the timeline entry it belongs to); the summary is
    that day's verdict's, asked for a period's first wrong day only (``_said_that_day``)."""

    day: dt.date
    status: Status
    escalation: bool
    summary: list[str]
    since: dt.date | None = None
    kind: str = ""  # ``verdict_kind`` of the verdict, when asked for (``--by-verdict``)


def verdict_kind(verdict: Verdict) -> str:
    """The kind of a verdict, in words: its headline status; the main goals' best status and,
    when they are not done, what holds them (``GoalState.blocked_by``); the interim goals' best
    status (``none`` without interim goals).  For example ``progress; main deadlock (untested);
    interim progress``: talks under way, the deal held back only by moves nobody has spoken of."""
    order = {status: i for i, status in enumerate(STATUSES)}
    main = [g for g in verdict.goals if g.rank == "main"]
    interim = [g for g in verdict.goals if g.rank == "interim"]
    best = max((g.status for g in main), key=order.__getitem__, default="deadlock")
    held = sorted({b for g in main if g.status == best and not g.done for b in g.blocked_by})
    held_text = f" ({' + '.join(held)})" if held else ""
    interim_text = max((g.status for g in interim), key=order.__getitem__) if interim else "none"
    return f"{verdict.status}; main {best}{held_text}; interim {interim_text}"


@dataclass(frozen=True)
class PeriodScore:
    """One labelled period against the engine: matching days and the first day it differs."""

    period: Period
    days: int
    matching: int
    first_wrong: EngineSaid | None
    escalation_matching: int | None  # None: the period labels no escalation
    escalation_first_wrong: EngineSaid | None
    instead: Status | None = None  # of the statuses other than the label, the one said on most days (ties: the first said)
    kind: str = ""  # the ``verdict_kind`` said on most days (ties: the first said), when asked for

    @property
    def right(self) -> bool:
        return 2 * self.matching > self.days

    @property
    def escalation_right(self) -> bool | None:
        return None if self.escalation_matching is None else 2 * self.escalation_matching > self.days


@dataclass(frozen=True)
class CaseScore:
    """A case's labels and, once it is modelled, each period's score."""

    folder: Path
    labels: Labels
    periods: list[PeriodScore] | None  # None: no rule files yet

    def counts(self) -> tuple[int, int, int, int]:
        """Right and labelled periods, then right and labelled escalation flags."""
        periods = self.periods or []
        escalations = [p.escalation_right for p in periods if p.escalation_right is not None]
        return sum(p.right for p in periods), len(periods), sum(escalations), len(escalations)

    def guesses(self) -> dict[str, int]:
        """What a constant guess would score over the same labelled periods: for each status,
        the periods labelled with it (a status said on every day matches exactly those), and
        for ``escalation: false`` throughout, the escalation labels that are false."""
        periods = self.periods or []
        found: dict[str, int] = {status: sum(p.period.status == status for p in periods) for status in STATUSES}
        found["no escalation"] = sum(p.period.escalation is False for p in periods)
        return found


class EngineDays:
    """The engine's status on each UTC day, read off a session's timeline."""

    def __init__(self, changes: list[tuple[dt.datetime, EngineSaid]]):
        self._changes = changes
        self._times = [at for at, _ in changes]

    def on(self, day: dt.date) -> EngineSaid:
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        said = self._changes[bisect.bisect_right(self._times, midnight) - 1][1]
        return EngineSaid(day, said.status, said.escalation, said.summary, said.since or said.day, said.kind)


def replay_case(folder: Path, clock: Clock | None = None) -> Session:
    """A modelled case replayed: a new session (on ``clock``, the system's by default) holding
    the facts of its ``facts.yaml`` and then those of its event data (``imported_events``),
    read against its ``rules/``; the caller closes it."""
    facts = folder / "facts.yaml"
    if not facts.is_file():
        raise FactError([Problem(str(facts), "", "missing: a case with rules/ needs its facts.yaml")])
    scenario = load_scenario(folder / "rules")
    session = scenario.replay(facts, clock=clock)
    try:
        session.record(imported_events(folder, scenario.rulebook))
    except BaseException:
        session.close()
        raise
    return session


@contextmanager
def replayed(folder: Path, labels: Labels, kinds: bool = False, session: Session | None = None,
             summary: bool = True) -> Iterator[tuple[Session, EngineDays]]:
    """Replay the case's facts (``replay_case``); the session (closed afterwards) and its timeline read up to
    the end of the labels, as the engine's status day by day; ``kinds``: with each
    verdict's ``verdict_kind`` (the timeline's entries then carry their verdicts);
    ``session``: the case replayed already, read as it is and left open; ``summary=False``:
    the first day's status and escalation without its verdict's summary (a full verdict,
    its concession sets searched: for a caller that quotes no summary)."""
    own = session is None
    session = replay_case(folder) if session is None else session
    try:
        start, end = labels.periods[0].start, labels.periods[-1].until
        # in force until the timeline's first change
        if kinds or summary:
            first = session.verdict(start)
            said = EngineSaid(start, first.status, first.escalation, first.summary, kind=verdict_kind(first) if kinds else "")
        else:
            said = EngineSaid(start, *session.status(start), [])
        changes = [(dt.datetime.min.replace(tzinfo=dt.timezone.utc), said)]
        # no summary: an entry cites its verdict by its time, and only a first wrong day's is quoted (``_said_that_day``)
        changes += [(e.at, EngineSaid(e.at.date(), e.status, e.escalation, [], kind=verdict_kind(e.verdict) if kinds else ""))
                    for e in session.timeline(end, verdicts=kinds)]
        yield session, EngineDays(changes)
    finally:
        if own:
            session.close()


def imported_events(folder: Path, rulebook: Rulebook) -> list[ResolvedFact]:
    """The facts of a case's event data: each ``events/NAME.*`` file read through the mapping
    ``rules/imports/NAME.yaml`` (``ripeness import``'s reading, all or nothing), after the
    facts of ``facts.yaml``."""
    found: list[ResolvedFact] = []
    for path in sorted((folder / "events").glob("*.*")) if (folder / "events").is_dir() else []:
        mapping = read_mapping(folder / "rules" / "imports" / f"{path.stem}.yaml", rulebook)
        with path.open("rb") as stream:
            read = read_records(mapping.format, str(path), stream, keep=mapping.reads)
        items, _report = plan_import(mapping, read, rulebook)
        found += parse_inputs(items, rulebook)
    return found


def score_period(period: Period, days: EngineDays) -> PeriodScore:
    """The engine's status (and escalation, if labelled) on each day of the period against its label."""
    said = [days.on(period.start + i * ONE_DAY) for i in range((period.until - period.start).days)]
    wrong = [s for s in said if s.status != period.status]
    esc_wrong = None if period.escalation is None else [s for s in said if s.escalation != period.escalation]
    instead = Counter(s.status for s in wrong).most_common(1)  # a Counter keeps the order first seen: ties go to the first said
    kind = Counter(s.kind for s in said).most_common(1)
    return PeriodScore(period, len(said), len(said) - len(wrong), next(iter(wrong), None),
                       None if esc_wrong is None else len(said) - len(esc_wrong), next(iter(esc_wrong or []), None),
                       instead[0][0] if instead else None, kind[0][0] if kind else "")


def score_case(folder: Path, kinds: bool = False, summaries: bool = True, session: Session | None = None) -> CaseScore:
    """A case folder's labels, scored against the engine when it has rule files; ``kinds``:
    each period with the kind of verdict said on most of its days (``verdict_kind``);
    ``summaries=False``: each first wrong day without the summary of that day's own verdict
    (a full verdict each, most of a case's scoring time: for a caller that reads only
    which periods are right and the first wrong day's status); ``session``: the case
    replayed already (``replay_case``), only read, and left open (a caller that reads the
    same case otherwise too replays it once)."""
    labels = load_labels(folder / "labels.yaml")
    if not (folder / "rules").is_dir():
        return CaseScore(folder, labels, None)
    with replayed(folder, labels, kinds, session, summary=summaries) as (session, days):
        scores = [score_period(p, days) for p in labels.periods]
        return CaseScore(folder, labels, [_said_that_day(s, session) for s in scores] if summaries else scores)


def _said_that_day(score: PeriodScore, session: Session) -> PeriodScore:
    """The period's score with each first wrong day's summary as of that day itself: the
    timeline's last entry before it was worked out on an earlier day, and what was said
    since without changing anything a timeline tracks is not in it."""
    update = {}
    for name in ("first_wrong", "escalation_first_wrong"):
        said = getattr(score, name)
        if said is not None:
            update[name] = replace(said, summary=session.verdict(said.day).summary)
    return replace(score, **update)


def case_folders(cases_dir: Path, names: list[str]) -> list[Path]:
    """The named case folders (all of them, in name order, when none is named)."""
    known = sorted(p.name for p in cases_dir.iterdir() if (p / "labels.yaml").is_file()) if cases_dir.is_dir() else []
    for name in names:
        if name not in known:
            raise UnknownNameError("fidelity case", name, known)
    return [cases_dir / name for name in (names or known)]


def _said(said: EngineSaid | None) -> dict[str, Any] | None:
    return None if said is None else {**asdict(said), "day": said.day.isoformat(), "since": said.since.isoformat() if said.since else None}


def as_json(score: CaseScore) -> dict[str, Any]:
    """A case's score as plain JSON data (the ``--json`` output, one item per case)."""
    head: dict[str, Any] = {"case": score.folder.name, "title": score.labels.title, "modelled": score.periods is not None}
    if score.periods is None:
        return {**head, "labelled": len(score.labels.periods), "missing": "rules/ (a scenario folder) and facts.yaml"}
    right, labelled, esc_right, esc_labelled = score.counts()
    return {**head, "right": right, "labelled": labelled, "escalation": {"right": esc_right, "labelled": esc_labelled},
            "constant_guesses": score.guesses(),
            "periods": [{"from": p.period.start.isoformat(), "until": p.period.until.isoformat(), "label": p.period.status,
                         "days": p.days, "matching": p.matching, "share": round(p.matching / p.days, 4), "right": p.right,
                         "first_wrong": _said(p.first_wrong), "instead": p.instead, "escalation_label": p.period.escalation,
                         "escalation_matching": p.escalation_matching, "escalation_right": p.escalation_right,
                         "escalation_first_wrong": _said(p.escalation_first_wrong), **({"kind": p.kind} if p.kind else {})}
                        for p in score.periods]}


def as_text(score: CaseScore) -> str:
    """A case's score for people: a headline, then one line per period and each miss."""
    name = f"{score.folder.name} ({score.labels.title})"
    if score.periods is None:
        return f"{name}: not modelled yet ({len(score.labels.periods)} periods labelled; no rules/ folder)"
    right, labelled, esc_right, esc_labelled = score.counts()
    lines = [f"{name}: {right}/{labelled} periods right", f"  {_guesses_line(score.guesses(), labelled, esc_labelled)}"]
    for p in score.periods:
        span = f"{p.period.start} → {p.period.until}  {p.period.status:<8}"
        lines.append(f"  {span}  {p.matching}/{p.days} days ({p.matching / p.days:.0%})  {'right' if p.right else 'MISS'}")
        if not p.right and p.first_wrong:
            summary = p.first_wrong.summary[0] if p.first_wrong.summary else ""
            since = f" (its verdict since {p.first_wrong.since})" if p.first_wrong.since and p.first_wrong.since != p.first_wrong.day else ""
            lines.append(f"      first wrong day {p.first_wrong.day}: engine said {p.first_wrong.status}{since}. {summary}".rstrip())
    lines.append(f"  escalation: {esc_right}/{esc_labelled} labelled periods right")
    for p in score.periods:
        if p.escalation_right is False and p.escalation_first_wrong:
            said = p.escalation_first_wrong
            lines.append(f"    {p.period.start} → {p.period.until}  labelled {str(p.period.escalation).lower()}: "
                         f"{p.escalation_matching}/{p.days} days; first wrong day {said.day}: engine said {str(said.escalation).lower()}")
    return "\n".join(lines)


def _guesses_line(guesses: dict[str, int], labelled: int, esc_labelled: int) -> str:
    statuses = ", ".join(f"{status} {guesses[status]}/{labelled}" for status in STATUSES)
    return f"a constant guess would score: {statuses}; no escalation {guesses['no escalation']}/{esc_labelled}"


def totals(scores: list[CaseScore]) -> dict[str, Any]:
    """The modelled cases together: periods right, escalation right, each constant guess
    over the same periods (the score to beat), and the periods missed by their label and
    what the engine said instead on most of their days, most frequent first."""
    modelled = [s for s in scores if s.periods is not None]
    counts = [s.counts() for s in modelled]
    guesses = [s.guesses() for s in modelled]
    missed = Counter((p.period.status, p.instead) for s in modelled for p in s.periods or [] if not p.right)
    found = {"cases": len(modelled), "right": sum(c[0] for c in counts), "labelled": sum(c[1] for c in counts),
             "escalation": {"right": sum(c[2] for c in counts), "labelled": sum(c[3] for c in counts)},
             "constant_guesses": {key: sum(g[key] for g in guesses) for key in (*STATUSES, "no escalation")},
             "misses": [{"label": label, "instead": instead, "periods": n}
                        for (label, instead), n in sorted(missed.items(), key=lambda kv: (-kv[1], kv[0]))]}
    periods = [p for s in modelled for p in s.periods or []]
    if periods and all(p.kind for p in periods):
        found["by_verdict"] = by_verdict(periods)
    return found


def by_verdict(periods: list[PeriodScore]) -> list[dict[str, Any]]:
    """For each kind of verdict (``verdict_kind``), most periods first: how many periods the
    engine gave it on most of their days, how they are labelled, and how many are right."""
    kinds: dict[str, list[PeriodScore]] = {}
    for p in periods:
        kinds.setdefault(p.kind, []).append(p)
    return [{"kind": kind, "periods": len(group), "labels": {status: sum(p.period.status == status for p in group) for status in STATUSES},
             "right": sum(p.right for p in group)}
            for kind, group in sorted(kinds.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def totals_text(total: dict[str, Any]) -> str:
    """The last lines of the text report: every modelled case together."""
    right, labelled = total["right"], total["labelled"]
    share = f" ({right / labelled:.0%})" if labelled else ""
    escalation = total["escalation"]
    misses = ", ".join(f"{m['label']} → {m['instead']} {m['periods']}" for m in total["misses"])
    return (f"All {total['cases']} modelled cases: {right}/{labelled} periods right{share}; "
            f"escalation {escalation['right']}/{escalation['labelled']}\n"
            f"  {_guesses_line(total['constant_guesses'], labelled, escalation['labelled'])}"
            + (f"\n  periods missed, as labelled → what the engine said on most of their days: {misses}" if misses else "")
            + "".join(f"\n  {k['periods']} periods said \"{k['kind']}\": labelled "
                      + ", ".join(f"{status} {k['labels'][status]}" for status in STATUSES) + f"; right {k['right']}"
                      for k in total.get("by_verdict", [])))


def main(argv: list[str] | None = None) -> int:
    """Print the report; 0 whatever the scores, 1 on a bad input file or unknown case."""
    parser = argparse.ArgumentParser(prog="python -m fidelity.report", description="Score the engine against historians' labels of real negotiations.")
    parser.add_argument("cases", nargs="*", metavar="CASE", help="case ids (folders under the cases directory); default all")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--by-verdict", action="store_true",
                        help="also count the labels by the kind of verdict the engine gave (slower: it reads every entry's verdict)")
    parser.add_argument("--cases-dir", type=Path, default=CASES_DIR, help="where the case folders are (default fidelity/cases)")
    args = parser.parse_args(argv)
    try:
        scores = [score_case(folder, args.by_verdict) for folder in case_folders(args.cases_dir, args.cases)]
    except RipenessError as error:
        print(error, file=sys.stderr)
        return 1
    if args.json:
        text = json.dumps({"cases": [as_json(s) for s in scores], "total": totals(scores)}, indent=2, ensure_ascii=False)
    else:
        text = "\n\n".join([*(as_text(s) for s in scores), totals_text(totals(scores))])
    try:
        print(text, flush=True)
    except BrokenPipeError:  # read by a pager or ``head`` that stopped reading: nothing is wrong with the report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the interpreter's own flush at exit is quiet
    return 0


if __name__ == "__main__":
    sys.exit(main())
