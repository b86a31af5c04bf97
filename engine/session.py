"""A session: a line of facts with its own verdicts, now or as of any past time.

The working memory holds only what a verdict reads: the latest fact per state subject as
of the time asked, and the events inside the escalation windows before it.  Asking for
another time moves it there by difference (retract what is no longer true, assert what
is), and truth maintenance withdraws every conclusion that lost its support.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from typing import Protocol

from engine.analysis import Situation, analyse, bare_status, escalating, standing
from engine.analysis.changes import differences
from engine.analysis.escalation import KeptChains
from engine.compiler import CompiledRules
from engine.errors import FactError, Problem
from engine.facts import Fact, ResolvedFact, to_utc
from engine.history import History
from engine.rete import RulesPort
from engine.rulebook import Rulebook
from engine.verdict import Status, TimelineEntry, Verdict
from engine.working_memory import WorkingMemory

ONE_SECOND = dt.timedelta(seconds=1)
PAST_QUESTIONS = 8  # past-date questions answered from the log before the whole history is loaded


FIRST = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
LAST = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def shift(at: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """``at + delta``, held at the first or last representable time instead of overflowing."""
    try:
        return at + delta
    except OverflowError:
        return FIRST if delta < dt.timedelta(0) else LAST


def horizon_of(rulebook: Rulebook) -> dt.timedelta:
    """How far back from a time its verdict reads events: the longest escalation run."""
    return dt.timedelta(days=max((p.window_days * p.exchanges for p in rulebook.escalations.values()), default=0))


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class FixedClock:
    def __init__(self, at: dt.datetime | dt.date):
        self.at = to_utc(at)

    def now(self) -> dt.datetime:
        return self.at


class Session:
    """Facts over time for one line (``baseline`` or a what-if), and its verdicts.

    ``history`` may be partial (loaded for recent times only, see ``engine.history``); then
    ``load_all`` is called once, the first time the whole history is needed, and must return
    every fact of this line in recording order (withdrawals included).  A question about an
    earlier time is answered from ``load_at(time)`` (that moment's state and windowed events)
    for the first ``PAST_QUESTIONS`` such questions, then from the whole history.

    Not thread-safe by itself: callers serialise access to one session (the rules engine
    behind it is safe to share)."""

    def __init__(self, name: str, rulebook: Rulebook, rules: CompiledRules, port: RulesPort, clock: Clock,
                 ids: Callable[[], int] | None = None, history: History | None = None,
                 load_all: Callable[[], Iterable[Fact]] | None = None,
                 load_at: Callable[[dt.datetime], Iterable[Fact]] | None = None):
        self.name = name
        self.rulebook = rulebook
        self.clock = clock
        self.history = history if history is not None else History()
        self._load_all = load_all
        self._load_at = load_at
        self._past_questions = 0
        self._memory = WorkingMemory(port, rules)
        self._next_seq = ids or itertools.count(1).__next__
        self._horizon = horizon_of(rulebook)
        # the state subjects some rule reads: the analysis reads no other (see _analysis_key)
        self._read = sorted(s for s in rules.subjects if s in rulebook.subjects and rulebook.subjects[s].kind == "state")
        self._last_verdict: tuple[tuple, Verdict] | None = None
        self._last_status: tuple[tuple, Status] | None = None
        self._chains: KeptChains = {}  # escalation pattern -> its chains, kept (see ``escalation.kept_chains``)
        self._hostile_kept: dict[str, tuple[list[list[Fact]], list[Fact]]] = {}  # claim -> its support, its events

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
        """Raise ``FactError`` unless every withdrawal names a fact of this session, once."""
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
        if problems:
            raise FactError(problems)

    def build(self, facts: list[ResolvedFact], seqs: list[int], recorded_at: dt.datetime) -> list[Fact]:
        """Checked facts as recorded facts with the given sequence numbers (ids ``f{seq}``)."""
        built = []
        for item, seq in zip(facts, seqs, strict=True):
            given = item.input
            if item.kind == "withdrawal":
                target = self.history.get(given.withdraws)
                assert target is not None, "check() first"
                fact = Fact(id=f"f{seq}", seq=seq, at=target.at, subject=target.subject, kind="withdrawal", value=None,
                            source=given.source, note=given.note, recorded_at=recorded_at, withdraws=given.withdraws)
            else:
                fact = Fact(id=f"f{seq}", seq=seq, at=given.at, subject=item.subject, kind=item.kind,
                            value=given.value, actor=given.actor, target=given.target, source=given.source,
                            note=given.note, recorded_at=recorded_at, withdraws=given.withdraws)
            built.append(fact)
        return built

    def apply(self, facts: Iterable[Fact]) -> None:
        """Add recorded facts, in recording order (a withdrawal removes the fact it names)."""
        for fact in facts:
            if fact.withdraws is not None:
                self.history.withdraw(fact.withdraws)
            if fact.kind != "withdrawal":
                self.history.add(fact)

    def add(self, fact: Fact) -> None:
        """Add an already recorded fact (replaying a log)."""
        self.apply([fact])

    def complete(self) -> None:
        """Make the history whole if it was loaded partially (see the class docstring)."""
        if self.history.complete_from is not None and self._load_all is not None:
            self.history = History()
            self.apply(self._load_all())

    def verdict(self, as_of: dt.datetime | dt.date | None = None) -> Verdict:
        """The verdict as of a time (now by default).  The last one is kept with everything
        it was worked out from (``_analysis_key``): asked again with nothing of that changed,
        as after a fact no rule reads, it is given again with the new time."""
        sit = self._situation(self._time(as_of))
        key = self._analysis_key(sit, previous=True)
        if self._last_verdict is not None and self._last_verdict[0] == key:
            verdict = self._last_verdict[1]
            return verdict if verdict.as_of == sit.as_of else verdict.model_copy(update={"as_of": sit.as_of})
        verdict = analyse(sit, self._chains)
        self._last_verdict = (key, verdict)
        return verdict

    def status(self, as_of: dt.datetime | dt.date | None = None) -> tuple[Status, bool]:
        """Status and escalation only: what a timeline tracks, without the explanation.  The
        status is kept on what it reads (the day, the claims that hold, the values of the
        subjects rules read), the escalation's chains on the hostile events they were found among."""
        sit = self._situation(self._time(as_of))
        key = (sit.as_of.date(), self._memory.held(), tuple(
            (subject, sit.state[subject].value) for subject in self._read if subject in sit.state))
        if self._last_status is None or self._last_status[0] != key:
            self._last_status = (key, bare_status(sit))
        return self._last_status[1], escalating(sit, self._chains)

    def timeline(self, until: dt.datetime | dt.date | None = None) -> list[TimelineEntry]:
        """Each time the verdict changed: the headline status, a goal's status, what holds
        the goals back (see ``analysis.standing``), or escalation; with the verdict from
        then on, what changed and the facts and statements dated at that moment."""
        self.complete()
        end = self._time(until)
        entries: list[TimelineEntry] = []
        last: tuple | None = None
        previous: Verdict | None = None
        cache: dict[tuple, tuple] = {}
        for moment in self.change_times():
            if moment > end:
                break
            sit = self._situation(moment)
            key = (sit.as_of.date(), self._memory.held(), tuple(
                (subject, sit.state[subject].value) for subject in self._read if subject in sit.state))
            if key not in cache:
                cache[key] = standing(sit)
            current = (*cache[key], escalating(sit, self._chains))
            if current != last:
                verdict = self.verdict(moment)
                entries.append(TimelineEntry(at=moment, status=verdict.status, escalation=verdict.escalation,
                                             changes=differences(previous, verdict),
                                             causes=self._causes(moment),
                                             statements=self._statements(moment), verdict=verdict))
                last, previous = current, verdict
        return entries

    def _causes(self, moment: dt.datetime) -> list:
        """The facts dated at ``moment`` (on subjects the rules read, or hostile events)."""
        from engine.analysis.explain import cite_fact

        sit = self._situation(moment)
        states = [f for f in sit.state.values() if f.at == moment]
        events = self.history.events_between(moment - dt.timedelta(microseconds=1), moment)
        return [cite_fact(sit, f) for f in sorted([*states, *events], key=lambda f: f.seq)]

    def _statements(self, moment: dt.datetime) -> list:
        """The positions and offers that come into or go out of force at ``moment``."""
        from engine.analysis.explain import cite_position

        if moment.time() != dt.time(0):
            return []
        day = moment.date()
        stated = [*self.rulebook.positions.values(), *self.rulebook.offers.values()]
        return [cite_position(p) for p in stated if day in (p.in_force.from_, p.in_force.until)]

    def change_times(self) -> list[dt.datetime]:
        """Every time at which a verdict can change: a fact, an event leaving its window,
        a position coming into or going out of force."""
        self.complete()
        times = set(self.history.times())
        for pattern in self.rulebook.escalations.values():
            window = dt.timedelta(days=pattern.window_days)
            for event in self.history.events():
                times.add(shift(event.at, window + ONE_SECOND))
        for position in [*self.rulebook.positions.values(), *self.rulebook.offers.values()]:
            for day in (position.in_force.from_, position.in_force.until):
                if day is not None:
                    times.add(to_utc(day))
        return sorted(times)

    def close(self) -> None:
        self._memory.close()

    def _time(self, as_of: dt.datetime | dt.date | None) -> dt.datetime:
        return self.clock.now() if as_of is None else to_utc(as_of)

    def _history_for(self, as_of: dt.datetime) -> History:
        if self.history.covers(as_of):
            return self.history
        self._past_questions += 1
        if self._load_at is None or self._past_questions > PAST_QUESTIONS:
            self.complete()
            return self.history
        moment = History()
        for fact in self._load_at(as_of):
            moment.add(fact)
        return moment

    def _situation(self, as_of: dt.datetime) -> Situation:
        history = self._history_for(as_of)
        state = history.state_as_of(as_of)
        events = history.events_between(shift(as_of, -self._horizon), as_of) if self._horizon else []
        self._memory.sync([*(state[s] for s in self._read if s in state), *events])  # no rule reads the other subjects
        hostile = {p: (self._hostile(p, 0), self._hostile(p, 1)) for p in self.rulebook.escalations}
        return Situation(rulebook=self.rulebook, session=self.name, as_of=as_of, holds=self._memory.holds,
                         state=state, previous=history.previous, hostile=hostile)

    def _analysis_key(self, sit: Situation, previous: bool) -> tuple:
        """Everything the analysis reads from a situation, as ids: the day (positions in force
        and the summary go by day), the facts in force on every subject a rule reads (their
        values decide every claim and comparison) and, for the explanation, the facts they
        superseded (trends), and the live hostile events with how many are inside their
        pattern's window (the exact time decides which chains are live: one whose last event
        is inside).
        Facts are never changed once recorded, so equal ids mean equal facts."""
        state = sit.state
        facts = []
        for subject in self._read:
            fact = state.get(subject)
            if fact is not None:
                before = sit.previous(fact) if previous else None
                facts.append((fact.id, before.id if before is not None else None))
        hostile = []
        for pattern, sides in sorted(sit.hostile.items()):
            # a chain is live while its last event is inside the window: same events inside, same live chains
            since = shift(sit.as_of, -dt.timedelta(days=self.rulebook.escalations[pattern].window_days))
            hostile.append((pattern, *(tuple(f.id for f in side) for side in sides),
                            sum(1 for side in sides for f in side if f.at >= since)))
        return sit.as_of.date(), tuple(facts), tuple(hostile)

    def _hostile(self, pattern: str, side: int) -> list[Fact]:
        """The live hostile events of one side: the same list while they stay the same."""
        claim = f"hostile:{pattern}:{side}"
        support = self._memory.support(claim)  # the same list until that claim's support changes
        kept = self._hostile_kept.get(claim)
        if kept is None or kept[0] is not support:
            kept = self._hostile_kept[claim] = (support, [f for justification in support for f in justification])
        return kept[1]

