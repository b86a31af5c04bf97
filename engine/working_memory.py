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
import weakref
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

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
        self._unread: frozenset[str] | None = None  # ``unread_fields`` of the rules, once a pair needs them

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
        if gone and new and (len(gone) > 1 or len(new) > 1 or gone[0].value == new[0].value):  # (most often: another value)
            gone, new = self._renamed(gone, new)
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

    def _renamed(self, gone: list[Fact], new: list[Fact]) -> tuple[list[Fact], list[Fact]]:
        """``gone`` and ``new`` but for the pairs of a state fact replaced by one whose engine
        form is the same but for its id and fields no compiled rule reads (``unread``: its
        day, when no rule file has a deadline): every rule matches the new one as it matched
        the old, so retracting one and asserting the other would take away exactly the
        matches resting on the old one and report them again with the new one.  The old one
        stays in the rules engine under the new one's id instead (``RulesPort.rename``), its
        justifications now resting on the new one: the claims that hold are the same (and
        ``held`` the same object), the support cites the new fact.  Costs an engine form of
        each of a pair, where the engine's retraction and assertion cost a call each."""
        by_subject = {f.subject: f for f in gone if f.kind == "state"}
        if not by_subject:
            return gone, new
        form = self._rules.engine_fact
        pairs = []
        for fact in new:
            old = by_subject.get(fact.subject)
            if old is None or old.value != fact.value or old.id == fact.id or fact.kind != "state":
                continue  # most often another value: no engine form made
            if self._unread is None:
                self._unread = unread_fields(self._rules)
            if _same_form(form(old), form(fact), self._unread):
                pairs.append((old, fact))
                del by_subject[fact.subject]
        if not pairs:
            return gone, new
        renamed = {old.id: fact.id for old, fact in pairs}
        for _, slot in self._slots:
            self._port.rename(slot, renamed)
        for old, fact in pairs:
            self._rename(old, fact)
        taken = {fact.id for _, fact in pairs}
        return [f for f in gone if f.id not in renamed], [f for f in new if f.id not in taken]

    def _rename(self, old: Fact, fact: Fact) -> None:
        """The live fact ``old`` is ``fact`` from now on, and so is every justification resting on it."""
        del self._live[old.id]
        self._live[fact.id] = fact
        resting = self._resting_on.pop(old.id, set())
        for claim, just in resting:
            now = just - {old.id} | {fact.id}
            justifications = self._justifications[claim]
            justifications.discard(just)
            justifications.add(now)
            self._resting_on[fact.id].add((claim, now))
            for other in just:
                if other != old.id:
                    self._resting_on[other].discard((claim, just))
                    self._resting_on[other].add((claim, now))
            self._support.pop(claim, None)  # it cites the facts: the new one now (the claims that hold are the same)

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


def _same_form(old: dict[str, Any], new: dict[str, Any], unread: frozenset[str]) -> bool:
    """Whether two engine forms are the same but for their ``unread`` fields (the id among them), as
    durable-rules reads them: each field of the same type too (JSON's ``true`` is not ``1.0``;
    the fields are scalars)."""
    keys = old.keys() - unread
    return keys == new.keys() - unread and all(old[k] == new[k] and type(old[k]) is type(new[k]) for k in keys)


def unread_fields(rules: CompiledRules) -> frozenset[str]:
    """The fields of a state fact's engine form (``CompiledRules.engine_fact``) that no rule
    of ``rules`` reads, found in the compiled rules themselves: a field is read when its
    name is a key of a rule's definition (a test: ``{"$lte": {"day": ...}}``) or any text in
    it (a reference to a field, ``{"$m": "prev"}``, or a part of one), or when some rule
    compares two subjects' values (``joins``: ``value``).  Kept per compiled rules."""
    found = _UNREAD.get(id(rules))
    if found is not None and found[0]() is rules:
        return found[1]
    named: set[str] = set()
    _names(rules.rules, named)
    if rules.joins:
        named.add("value")
    unread = frozenset(STATE_FIELDS - named)
    if len(_UNREAD) > 64:  # drop those of compiled rules gone
        for key in [k for k, (ref, _) in _UNREAD.items() if ref() is None]:
            del _UNREAD[key]
    _UNREAD[id(rules)] = (weakref.ref(rules), unread)
    return unread


def _names(definition: Any, named: set[str]) -> None:
    if isinstance(definition, dict):
        for key, value in definition.items():
            named.add(key)
            _names(value, named)
    elif isinstance(definition, list):
        for item in definition:
            _names(item, named)
    elif isinstance(definition, str):
        named.add(definition)
        named.update(definition.split("."))


# the fields of a state fact's engine form besides its routing (``r0``, ``r1``...: read by every
# rule on its subject, and so always compared); ``id`` is durable-rules' identity, which no
# compiled rule reads (were one to name it, no fact would pass for another)
STATE_FIELDS = frozenset({"id", "t", "subject", "value", "day", "prev"})
_UNREAD: dict[int, tuple[weakref.ref, frozenset[str]]] = {}  # id of compiled rules -> (them, their unread fields)
