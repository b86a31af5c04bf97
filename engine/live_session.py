"""A session: a line of facts with its own verdicts, now or as of any past time.

Its verdicts are worked out by its ``Analyst`` (``engine.analyst``) from frames of its
history.  The working memory holds only what a verdict reads: the latest fact per state subject as
of the time asked, and the events inside the escalation windows before it.  Asking for
another time moves it there by difference (retract what is no longer true, assert what
is), and truth maintenance withdraws every conclusion that lost its support.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from engine.analysis import Situation
from engine.analysis.explain import cite_statement_fact
from engine.analysis.unsure import describe as unsure_words
from engine.analyst import Analyst, change_times, frame_of, horizon_of, shift
from engine.clock import Clock
from engine.compiler import CompiledRules, compile_rulebook
from engine.errors import FactError, Problem, RuleFileError
from engine.facts import Confidence, Fact, ResolvedFact, admitted, to_utc
from engine.history import Frame, History
from engine.rete import RulesPort
from engine.rulebook import Rulebook
from engine.statements import admitting, no_longer_accepted, stated_rulebook, statement_problems, statements_of
from engine.verdict import Status, TimelineEntry, TimelineEntryWithVerdict, Verdict
from engine.working_memory import WorkingMemory

PAST_QUESTIONS = 8  # past-date questions answered from the log before the whole history is loaded


KEPT_COMPILED = 64  # rulebooks made from statement facts whose compiled rules are kept (the oldest go first)
_compiled_rules: OrderedDict[str, CompiledRules] = OrderedDict()
_compiled_lock = threading.Lock()


def _compiled(rulebook: Rulebook) -> CompiledRules:
    """The compiled rules of a rulebook made from statement facts, kept on its fingerprint
    (a digest of everything it says): a what-if and its parent, or a session rebuilt after a
    restart, share one compilation and the rules engine's slots for it."""
    with _compiled_lock:
        kept = _compiled_rules.get(rulebook.fingerprint)
        if kept is not None:
            _compiled_rules.move_to_end(rulebook.fingerprint)
            return kept
    compiled = compile_rulebook(rulebook)
    with _compiled_lock:
        _compiled_rules[rulebook.fingerprint] = compiled
        while len(_compiled_rules) > KEPT_COMPILED:
            _compiled_rules.popitem(last=False)
    return compiled


def resting_on(verdict: Verdict, unsure: list[Fact], status_without: Callable[[], Status],
               rulebook: Rulebook | None = None) -> Verdict:
    """``verdict`` naming, in ``rests_on_unconfirmed``, the less-than-confirmed statement
    facts it read (``unsure``) when its status rests on them: with all of them left out
    (``status_without``: the status then) it would differ (``rules/README.md`` §6.1).
    ``rulebook``: the verdict's, which says what each fact's ``ends_stance`` ended."""
    if not unsure or status_without() == verdict.status:
        return verdict
    cited = [cite_statement_fact(f, rulebook) for f in unsure]
    return verdict.model_copy(update={"rests_on_unconfirmed": [*verdict.rests_on_unconfirmed, *cited],
                                      "summary": [*verdict.summary, _resting_note(verdict.status, cited)]})


def marked_timeline(entries: list[TimelineEntry], without: list[TimelineEntry], unsure: list[Fact],
                    rulebook: Rulebook | None = None) -> list[TimelineEntry]:
    """``entries`` with each whose status differs from the status then of ``without`` (the
    timeline with every less-than-confirmed statement fact left out) marked as resting on
    those of ``unsure`` said by its day, as ``resting_on`` marks a verdict (``rulebook``: the
    timeline's)."""
    times = [e.at for e in without]
    marked = []
    for entry in entries:
        said = [f for f in unsure if f.at.date() <= entry.at.date()]
        i = bisect.bisect_right(times, entry.at) - 1
        if not said or (i >= 0 and without[i].status == entry.status):
            marked.append(entry)
            continue
        cited = [cite_statement_fact(f, rulebook) for f in said]
        update = {"rests_on_unconfirmed": [*entry.rests_on_unconfirmed, *cited],
                  "changes": [*entry.changes, f"rests on statements not confirmed: {unsure_words(cited)}"]}
        if isinstance(entry, TimelineEntryWithVerdict):  # the verdict inline, marked as ``resting_on`` marks it
            update["verdict"] = entry.verdict.model_copy(update={"rests_on_unconfirmed": [*entry.verdict.rests_on_unconfirmed, *cited],
                                                                 "summary": [*entry.verdict.summary, _resting_note(entry.status, cited)]})
        marked.append(entry.model_copy(update=update))
    return marked


def _resting_note(status: Status, cited: list) -> str:
    return f"The status ({status}) rests on statements not confirmed: {unsure_words(cited)}."


class Session:
    """Facts over time for one line (``baseline`` or a what-if), and its verdicts.

    ``history`` may be partial (loaded for recent times only, see ``engine.history``); then
    ``load_all`` is called once, the first time the whole history is needed, and must return
    every fact of this line in recording order (withdrawals included).  A question about an
    earlier time is answered from ``load_at(time)`` (that moment's state and windowed events)
    for the first ``PAST_QUESTIONS`` such questions, then from the whole history.

    Its ``rulebook`` is the scenario's (``base``) with the session's statement facts applied
    (``engine.statements``); a statement recorded or withdrawn makes it again, compiles it,
    and gives the session new analysts.

    Not thread-safe by itself: callers serialise access to one session (the rules engine
    behind it is safe to share)."""

    def __init__(self, name: str, rulebook: Rulebook, rules: CompiledRules, port: RulesPort, clock: Clock,
                 ids: Callable[[], int] | None = None, history: History | None = None,
                 load_all: Callable[[], Iterable[Fact]] | None = None,
                 load_at: Callable[[dt.datetime], Iterable[Fact]] | None = None):
        self.name = name
        self.base, self.rulebook, self.rules = rulebook, rulebook, rules
        self._base_rules = rules
        self._stated: tuple[str, ...] = ()  # the ids of the statement facts ``rulebook`` applies
        self.clock = clock
        self.history = history if history is not None else History()
        self._load_all = load_all
        self._load_at = load_at
        self._past_questions = 0
        self._port = port
        self.analyst = Analyst(name, rulebook, rules, port)
        self._past_analyst: Analyst | None = None
        self._sure: dict[Confidence, Analyst] = {}  # admit -> the analyst of the statements at least that sure (``analyst_for``)
        self._next_seq = ids or itertools.count(1).__next__
        self._horizon = horizon_of(rulebook)
        # the last status worked out (``status``): its analyst, time, events read and answer
        self._basis: tuple[Analyst, dt.datetime, list[Fact], tuple[Status, bool]] | None = None
        self._restate()

    @property
    def horizon(self) -> dt.timedelta:
        """How far back from a time its verdict reads events (the longest escalation window run)."""
        return self._horizon

    def record(self, facts: Iterable[ResolvedFact]) -> list[Fact]:
        """Add valid facts (see ``engine.facts.parse_inputs``), numbered by this session's own
        counter, and return them as recorded.  All or nothing."""
        facts = list(facts)
        self.check(facts)
        recorded = self.build(facts, [self._next_seq() for _ in facts], self.clock.now())
        self.apply(recorded)
        return recorded

    def check(self, facts: list[ResolvedFact]) -> None:
        """Raise ``FactError`` unless every withdrawal names a fact of this session, once,
        and the session's statements with these (and without those withdrawn) still fit the
        rule files (``engine.statements``)."""
        if all(item.input.withdraws is None and item.kind != "statement" for item in facts):
            return  # no withdrawal, no statement: nothing to check (engine ingest, nearly every POST)
        problems: list[Problem] = []
        seen: set[str] = set()
        for item in facts:
            target = item.input.withdraws
            if target is None:
                continue
            self.complete()
            if target in seen:
                problems.append(Problem(item.where, "withdraws", f"{target} is withdrawn twice in the same request"))
            elif self.history.get(target) is None:
                problems.append(Problem(item.where, "withdraws", f"no fact {target!r} in session {self.name!r} "
                                        "(it does not exist here, or was already withdrawn)"))
            seen.add(target)
        stating = [item for item in facts if item.kind == "statement"]
        unsaid = [t for t in seen if (gone := self.history.get(t)) is not None and gone.kind == "statement"]
        if not problems and (stating or unsaid):
            kept = [f for f in self.history.statements() if f.id not in seen]
            new = self.build(stating, [2**62 + i for i in range(len(stating))], self.clock.now())  # after every recorded one
            problems += statement_problems(self.base, kept, new, {f.id: item.where for f, item in zip(new, stating)})
        if problems:
            raise FactError(problems)

    def build(self, facts: list[ResolvedFact], seqs: list[int], recorded_at: dt.datetime,
              rules_version: int | None = None) -> list[Fact]:
        """Checked facts as recorded facts with the given sequence numbers (ids ``f{seq}``),
        checked against the rule files of ``rules_version`` (``RulebookVersions``)."""
        built = []
        for item, seq in zip(facts, seqs, strict=True):
            given = item.input
            if item.kind == "statement":
                declared = given.states.declaration if given.states is not None else None
                fact = Fact(id=f"f{seq}", seq=seq, at=given.at, subject=item.subject, kind="statement",
                            value=given.statement_value(), actor=declared.actor if declared is not None else None,
                            source=given.source, note=given.note, recorded_at=recorded_at, rules_version=rules_version,
                            approx=given.approx, confidence=given.confidence,
                            claimed_by=tuple(given.claimed_by), denied_by=tuple(given.denied_by))
            elif item.kind == "withdrawal":
                target = self.history.get(given.withdraws)
                assert target is not None, "check() first"
                fact = Fact(id=f"f{seq}", seq=seq, at=target.at, subject=target.subject, kind="withdrawal", value=None,
                            source=given.source, note=given.note, recorded_at=recorded_at, withdraws=given.withdraws,
                            rules_version=rules_version)
            else:  # the fields in order, by position: a fact built per fact recorded (engine ingest)
                fact = Fact(f"f{seq}", seq, given.at, item.subject, item.kind, given.value, given.actor, given.target,
                            given.source, given.note, recorded_at, given.withdraws, rules_version, given.count, given.since,
                            given.confidence, tuple(given.claimed_by) if given.claimed_by else (),
                            tuple(given.denied_by) if given.denied_by else (), given.approx)
            built.append(fact)
        return built

    def apply(self, facts: Iterable[Fact]) -> None:
        """Add recorded facts, in recording order (a withdrawal removes the fact it names)."""
        restate = False
        for fact in facts:
            if self._basis is not None and self._basis[0].reads(fact):
                self._basis = None  # a status now may read it
            if fact.withdraws is not None:
                gone = self.history.withdraw(fact.withdraws)
                restate |= gone is not None and gone.kind == "statement"
            if fact.kind != "withdrawal":
                self.history.add(fact)
                restate |= fact.kind == "statement"
        if restate:
            self._restate()

    def _restate(self) -> None:
        """Make the rulebook again from the statement facts, if they changed: compile it and
        give the session new analysts (the old ones are closed: a question they are still
        answering is answered, see ``Analyst.close``)."""
        statements = self.history.statements()
        key = tuple(f.id for f in statements)
        if key == self._stated:
            return
        rulebook, problems = stated_rulebook(self.base, statements_of(statements))
        if problems:  # recorded when they fitted: the rule files changed since
            raise RuleFileError(no_longer_accepted(self.name, problems))
        self._stated, self.rulebook = key, rulebook
        self.rules = self._base_rules if rulebook is self.base else _compiled(rulebook)
        self.analyst.close()
        self.analyst = Analyst(self.name, self.rulebook, self.rules, self._port)
        if self._past_analyst is not None:
            self._past_analyst.close()
            self._past_analyst = None
        self._close_sure()

    def unsure_statements(self, as_of: dt.datetime | None = None) -> list[Fact]:
        """The statement facts less than confirmed (up to ``as_of``, by day, if given)."""
        return [f for f in self.history.statements() if f.confidence != "confirmed"
                and (as_of is None or f.at.date() <= as_of.date())]

    def analyst_for(self, admit: Confidence) -> Analyst:
        """The analyst of a verdict of the facts at least as sure as ``admit``: the session's,
        unless a statement fact less sure than that is recorded; then one whose rulebook
        leaves such statements out (``statements.admitting``), made when first asked for and
        kept until the statements change."""
        statements = self.history.statements()
        if admit == "disputed" or all(admitted(f.confidence, admit) for f in statements):
            return self.analyst
        found = self._sure.get(admit)
        if found is None:
            rulebook, problems = stated_rulebook(self.base, admitting(statements_of(statements), admit))
            if problems:  # what is left refers to what was left out in a way ``admitting`` cannot mend
                raise RuleFileError(no_longer_accepted(self.name, problems))
            rules = self._base_rules if rulebook is self.base else _compiled(rulebook)
            found = self._sure[admit] = Analyst(self.name, rulebook, rules, self._port)
        return found

    def _close_sure(self) -> None:
        for analyst in self._sure.values():
            analyst.close()
        self._sure = {}

    def add(self, fact: Fact) -> None:
        """Add an already recorded fact (replaying a log)."""
        self.apply([fact])

    def complete(self) -> None:
        """Make the history whole if it was loaded partially (see the class docstring)."""
        if self.history.complete_from is not None and self._load_all is not None:
            self._basis = None
            self.history = History()
            self.history.extend(self._load_all())  # as ``apply`` adds them, in bulk
            self._restate()

    def frame(self, as_of: dt.datetime | dt.date | None = None, admit: Confidence = "disputed") -> Frame:
        """What a verdict as of a time (now by default) reads, copied out of the history:
        later facts do not change it (see ``engine.analyst``); of the facts at least as sure
        as ``admit``.  Leaving facts out needs the whole history (a partial one holds, per
        subject, the latest confirmed fact, not every fact before)."""
        when = self._time(as_of)
        if admit != "disputed":
            self.complete()
        return frame_of(self._history_for(when), when, self._horizon, admit=admit)

    def moment(self, as_of: dt.datetime) -> History | None:
        """The facts a verdict as of ``as_of`` reads, read from the log into a history of
        their own, when the loaded history does not cover that time (None: it does, or it
        was made whole instead: after ``PAST_QUESTIONS`` such questions, or when the log
        cannot be read at a time).  Facts recorded after the read can be added to it."""
        if self.history.covers(as_of):
            return None
        self._past_questions += 1
        if self._load_at is None or self._past_questions > PAST_QUESTIONS:  # asked often: the whole history, once
            self.complete()
            return None
        moment = History()
        for fact in self._load_at(as_of):
            moment.add(fact)
        return moment

    def frame_in(self, history: History, as_of: dt.datetime) -> Frame:
        """The frame as of ``as_of`` of ``history`` (a ``moment``)."""
        return frame_of(history, as_of, self._horizon)

    def snapshot(self) -> History:
        """The whole history as it is now, in a copy later facts do not change (what a
        timeline reads)."""
        self.complete()
        return self.history.copy()

    def verdict(self, as_of: dt.datetime | dt.date | None = None, admit: Confidence = "disputed") -> Verdict:
        """The verdict as of a time (now by default), of the facts at least as sure as
        ``admit``; see ``Analyst.verdict``."""
        frame = self.frame(as_of, admit)
        verdict = self.analyst_for(admit).verdict(frame)
        unsure = [f for f in self.unsure_statements(frame.as_of) if admitted(f.confidence, admit)]
        return resting_on(verdict, unsure, lambda: self.analyst_for("confirmed").verdict(frame).status,
                          self.analyst_for(admit).rulebook)

    def status(self, as_of: dt.datetime | dt.date | None = None) -> tuple[Status, bool]:
        """Status and escalation only: what a timeline tracks, without the explanation.
        Answered while the caller holds the session (see the class docstring), and nothing
        of the frame is kept: so it is not copied out of the history (``detached``).

        After a status as of a time no state fact is dated after, a status later the same
        day with the same events in its window, when every fact recorded since is one no
        rule reads (``Analyst.reads``), reads what that one read but the time: it is that
        status, with the escalation as of the new time (``Analyst.escalating_at``).  So a
        fact no rule reads costs no frame and no move of the working memory (engine ingest
        at N=1: four facts in five of the benchmark's stream)."""
        when = self._time(as_of)
        basis = self._basis
        if basis is not None and basis[0] is self.analyst and basis[1] <= when and basis[1].date() == when.date():
            events = self.history.events_between(shift(when, -self._horizon), when) if self._horizon else []
            if events == basis[2]:
                on = self.analyst.escalating_at(when)
                if on is not None:
                    return basis[3][0], on
        frame = frame_of(self._history_for(when), when, self._horizon, detached=False)
        answer = self.analyst.status(frame)
        latest = self.history.latest_state_at
        quiet = self.history.covers(when) and (latest is None or latest <= when)  # no state fact comes into force later
        self._basis = (self.analyst, when, frame.events, answer) if quiet else None
        return answer

    def timeline(self, until: dt.datetime | dt.date | None = None, admit: Confidence = "disputed",
                 verdicts: bool = False) -> list[TimelineEntry]:
        """Each time the verdict changed: the headline status, a goal's status, what holds
        the goals back (see ``analysis.standing``), or escalation; each entry with what
        changed and the facts and statements dated at that moment; of the
        facts at least as sure as ``admit``.  ``verdicts``: each entry with its verdict (else
        ``verdict(entry.at)`` is it)."""
        self.complete()
        entries = self.analyst_for(admit).timeline(self.history, self._time(until), admit=admit, verdicts=verdicts)
        unsure = [f for f in self.unsure_statements() if admitted(f.confidence, admit)]
        if not unsure:
            return entries
        return marked_timeline(entries, self.analyst_for("confirmed").timeline(self.history, self._time(until), admit=admit), unsure,
                               self.analyst_for(admit).rulebook)

    def change_times(self) -> list[dt.datetime]:
        """Every time at which a verdict can change: a fact, an event leaving its window,
        a position coming into or going out of force."""
        self.complete()
        return change_times(self.history, self.rulebook)

    @property
    def past_analyst(self) -> Analyst:
        """A second analyst for verdicts as of the dates of facts as they are recorded (a
        reply's ``verdict_then``), made when first asked for: with a working memory and kept
        answers of its own, the analyst of the present is not moved back and forth (its
        kept verdict and escalation chains stay of use)."""
        if self._past_analyst is None:
            self._past_analyst = Analyst(self.name, self.rulebook, self.rules, self._port)
        return self._past_analyst

    def close(self) -> None:
        self._basis = None
        self.analyst.close()
        if self._past_analyst is not None:
            self._past_analyst.close()
        self._close_sure()

    @property
    def _memory(self) -> WorkingMemory:
        return self.analyst.memory

    def _situation(self, as_of: dt.datetime) -> Situation:
        return self.analyst.situation(self.frame(as_of))

    def _time(self, as_of: dt.datetime | dt.date | None) -> dt.datetime:
        return self.clock.now() if as_of is None else to_utc(as_of)

    def _history_for(self, as_of: dt.datetime) -> History:
        moment = self.moment(as_of)
        return self.history if moment is None else moment
