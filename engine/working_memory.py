"""A session's live facts inside the rules engine, and the claims they support.

Truth maintenance: durable-rules reports each match once and never withdraws what an
action concluded.  Here every reported match is a *justification* of its claim, indexed
by the facts it rests on.  When a fact leaves working memory (superseded, withdrawn, or
out of every window) every justification resting on it goes, and a claim is held exactly
while one of its justifications is.  So no conclusion outlives the facts that support it,
and a conclusion comes back when the engine matches again.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable

from engine.compiler import CompiledRules
from engine.facts import Fact
from engine.rete import Firing, RulesPort

IN_PLACE = 4  # ``sync``: at most this many places of a list differing from the last one are synced by place


class WorkingMemory:
    """Invariant: ``holds(claim)`` is true iff some rule for ``claim`` matches the facts
    last given to ``sync``.  Keep it small: give it the current state and the events
    inside the windows, never the whole history."""

    def __init__(self, port: RulesPort, rules: CompiledRules):
        self._port = port
        self._rules = rules
        self._slots = [(part, port.open(part)) for part in rules.rulesets]
        self._live: dict[str, Fact] = {}
        self._justifications: dict[str, set[frozenset[str]]] = defaultdict(set)
        self._resting_on: dict[str, set[tuple[str, frozenset[str]]]] = defaultdict(set)
        # read after every fact, changed by few: kept until a justification comes or goes
        self._held: frozenset[str] | None = None
        self._support: dict[str, list[list[Fact]]] = {}
        self._given: list[Fact] | None = None  # the facts of the last sync, while nothing else was applied since

    def sync(self, facts: Iterable[Fact]) -> None:
        """Make the live facts exactly ``facts`` (distinct facts: one per id; those on
        subjects some rule reads, as no rule would match the others): retract the rest,
        assert the new.  A list given is kept (``given``): the caller must not change it
        afterwards.  Given a list as long as the last one, differing in a few places (a
        state fact superseded in its subject's place), only those places are looked at."""
        given = facts if isinstance(facts, list) else list(facts)
        last = self._given
        if last is not None and len(last) == len(given):
            if all(map(operator.is_, last, given)):
                return  # the very facts of the last sync, nothing applied since: after a fact no rule reads
            if self._synced_in_place(last, given):
                return
        read = self._rules.subjects
        wanted = {f.id: f for f in given if f.subject in read}
        if wanted.keys() != self._live.keys():
            self.apply([f for fid, f in self._live.items() if fid not in wanted], [f for fid, f in wanted.items() if fid not in self._live])
        self._given = given

    def _synced_in_place(self, last: list[Fact], given: list[Fact]) -> bool:
        """``sync(given)`` by the places where ``given`` differs from ``last`` (the list the
        live facts were made from, as long): the facts there retracted and asserted, and
        True; False, having changed nothing, when that is not the same: more than
        ``IN_PLACE`` places differ, or an id is both among those gone and those come (a
        fact that moved to another place, or a copy under the same id: a trend's)."""
        changed = [i for i, was, now in zip(range(len(given)), last, given) if was is not now]
        if len(changed) > IN_PLACE:
            return False
        gone = [last[i] for i in changed]
        new = [given[i] for i in changed]
        if not {f.id for f in gone}.isdisjoint([f.id for f in new]):
            return False
        self.apply(gone, new)
        self._given = given
        return True

    def apply(self, gone: Iterable[Fact], new: Iterable[Fact]) -> None:
        """Retract ``gone`` and assert ``new``: a change by difference, costing what changed
        (a timeline going from one moment to the next).  A fact in ``gone`` that is not live
        and one in ``new`` that is (or is on a subject no rule reads) are left alone."""
        read = self._rules.subjects
        gone = [f for f in {f.id: f for f in gone}.values() if f.id in self._live]
        new = [f for f in {f.id: f for f in new}.values() if f.subject in read and f.id not in self._live]
        if not gone and not new:
            return
        self._given = None
        for fact in gone:
            self._withdraw_support(fact.id)
            del self._live[fact.id]
        firings: list[Firing] = []
        for part, slot in self._slots:
            firings += self._port.apply(slot, [part.engine_fact(f) for f in gone if f.subject in part.subjects],
                                        [part.engine_fact(f) for f in new if f.subject in part.subjects])
        self._live.update((f.id, f) for f in new)
        for firing in firings:
            self._justify(firing)

    @property
    def given(self) -> list[Fact] | None:
        """The list given to the last ``sync`` that changed what it was given, while the live
        facts are still what it made them (None: ``apply`` changed them since, or no sync
        yet).  The same object for as long: a caller that kept it knows by identity that
        the live facts, and so the claims that hold, are those it saw."""
        return self._given

    def holds(self, claim: str) -> bool:
        return bool(self._justifications.get(claim))

    def held(self) -> frozenset[str]:
        """Every claim that holds."""
        if self._held is None:
            self._held = frozenset(claim for claim, justifications in self._justifications.items() if justifications)
        return self._held

    def support(self, claim: str) -> list[list[Fact]]:
        """The live facts behind each justification of ``claim`` (a list kept until they
        change: the caller must not modify it)."""
        if claim not in self._support:
            self._support[claim] = [[self._live[fid] for fid in sorted(just)] for just in self._justifications.get(claim, ())]
        return self._support[claim]

    @property
    def live(self) -> dict[str, Fact]:
        return dict(self._live)

    def close(self) -> None:
        for _, slot in self._slots:
            self._port.close(slot)
        self._live.clear()
        self._given = None
        self._justifications.clear()
        self._resting_on.clear()
        self._held = None
        self._support.clear()

    def _justify(self, firing: Firing) -> None:
        if not firing.fact_ids <= self._live.keys():
            return  # matched a fact retracted in the same call: not a live justification
        claim = self._rules.claims[firing.rule]
        self._changed(claim)
        self._justifications[claim].add(firing.fact_ids)
        for fid in firing.fact_ids:
            self._resting_on[fid].add((claim, firing.fact_ids))

    def _withdraw_support(self, fid: str) -> None:
        for claim, just in self._resting_on.pop(fid, ()):
            self._changed(claim)
            self._justifications[claim].discard(just)
            for other in just:
                if other != fid:
                    self._resting_on[other].discard((claim, just))

    def _changed(self, claim: str) -> None:
        self._held = None
        self._support.pop(claim, None)
