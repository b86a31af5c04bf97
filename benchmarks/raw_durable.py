"""The raw baseline: the same conditions written straight against durable-rules, with no
ripeness code; what a developer would hand-write to keep the conclusions current.

It keeps, like ripeness, only the current state in the rules engine (the latest fact per
subject and the events inside the escalation horizon), retracts what stops being current,
and withdraws a conclusion when a fact it rested on is retracted (durable-rules does not).
It keeps every fact in a plain list (its log) and no index over time: it cannot answer
"as of", which is part of what ripeness's extra cost buys.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from typing import Any

from durable import engine as durable_engine

from benchmarks.generate import EXCHANGES, HOSTILE, WINDOW_DAYS, Dnf, Scenario

_OPS = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


class _Host(durable_engine.Host):
    def _run(self) -> None:  # its timer threads crash delete_state and are not needed
        pass


def _test(op: str, operand: Any) -> dict[str, Any]:
    if op == "eq":
        return {"value": operand}
    if op == "in":
        return {"$or": [{"value": v} for v in operand]} if len(operand) > 1 else {"value": operand[0]}
    return {_OPS[op]: {"value": operand}}


def _rule(conjunct: list) -> dict[str, Any]:
    by_subject: dict[str, list] = defaultdict(list)
    for subject, op, operand in conjunct:
        by_subject[subject].append(_test(op, operand))
    return {"all": [{f"p{i}": {"$and": [{"t": "s"}, {"subject": s}, *tests]}} for i, (s, tests) in enumerate(sorted(by_subject.items()))]}


class RawEngine:
    """One durable-rules session holding the current facts, with conclusions kept honest."""

    _count = 0

    def __init__(self, scn: Scenario):
        self.host = _Host()
        self.horizon = WINDOW_DAYS * EXCHANGES * 86400
        self.justified: dict[str, set[frozenset[str]]] = defaultdict(set)
        self.resting: dict[str, set[tuple[str, frozenset[str]]]] = defaultdict(set)
        self.live: dict[str, dict[str, Any]] = {}  # id -> fact as asserted
        self.latest: dict[str, tuple[int, int]] = {}  # subject -> (ts, seq) of the live fact
        self.window: list[tuple[int, str]] = []  # heap of (ts, id) of live events
        self.log: list[tuple] = []
        rules: dict[str, dict[str, Any]] = {}
        claims: dict[str, Dnf] = scn.claims()
        for claim, dnf in claims.items():
            for i, conjunct in enumerate(dnf):
                rules[f"{claim}#{i}"] = dict(_rule(conjunct), run=self._action(claim))
        for side, actors in enumerate(scn.sides):
            actor_test = {"$or": [{"actor": a} for a in actors]} if len(actors) > 1 else {"actor": actors[0]}
            rules[f"hostile:{side}"] = {"all": [{"e": {"$and": [{"t": "e"}, {"subject": HOSTILE}, actor_test]}}],
                                        "run": self._action(f"hostile:tit_for_tat:{side}")}
        RawEngine._count += 1
        self.name = f"raw{RawEngine._count}"
        self.host.register_rulesets({self.name: rules})

    def _action(self, claim: str):
        def run(c: Any) -> None:
            ids = frozenset(f["id"].split("~", 1)[0] for f in c._m.values())
            if ids <= self.live.keys():
                self.justified[claim].add(ids)
                for fid in ids:
                    self.resting[fid].add((claim, ids))
        return run

    def apply(self, batch: list[tuple], now: int) -> None:
        """Take a batch of facts ``(seq, kind, subject, value, actor, ts)`` in arrival order
        and make the engine hold the state as of ``now`` (seconds): its net changes only."""
        self.log.extend(batch)
        changed: dict[str, tuple] = {}
        for fact in batch:
            seq, kind, subject, _value, _actor, ts = fact
            if kind == "e":
                if now - self.horizon < ts <= now:
                    self._assert(fact)
                    heapq.heappush(self.window, (ts, f"f{seq}"))
                continue
            pending = changed.get(subject)
            current = (pending[5], pending[0]) if pending else self.latest.get(subject)
            if current is None or (ts, seq) >= current:
                changed[subject] = fact
        for subject, fact in changed.items():
            old = self.latest.get(subject)
            if old is not None:
                self._retract(f"f{old[1]}")
            self._assert(fact)
            self.latest[subject] = (fact[5], fact[0])
        while self.window and self.window[0][0] <= now - self.horizon:
            self._retract(heapq.heappop(self.window)[1])

    def held(self) -> set[str]:
        """The conclusions that hold now: what this baseline calls its verdict."""
        return {claim for claim, justs in self.justified.items() if justs}

    def _assert(self, fact: tuple) -> None:
        seq, kind, subject, value, actor, ts = fact
        fid = f"f{seq}"
        body = {"id": fid, "t": "s", "subject": subject, "value": value} if kind == "s" else \
               {"id": fid, "t": "e", "subject": subject, "actor": actor, "ts": ts}
        self.live[fid] = body
        for attempt in range(8):
            try:
                self.host.assert_fact(self.name, body)
                return
            except durable_engine.MessageNotHandledException:
                del self.live[fid]  # no rule reads it: nothing stored
                return
            except durable_engine.MessageObservedException:  # a 32-bit hash collision with a live fact
                body = dict(body, id=f"{fid}~{attempt}")
                self.live[fid] = body

    def _retract(self, fid: str) -> None:
        body = self.live.pop(fid, None)
        if body is None:
            return
        for claim, ids in self.resting.pop(fid, ()):
            self.justified[claim].discard(ids)
            for other in ids:
                if other != fid:
                    self.resting[other].discard((claim, ids))
        self.host.retract_fact(self.name, body)


def fleet_memory(scn: Scenario, facts: list[tuple], count: int) -> dict[str, float]:
    """Resident memory per durable-rules session when ``count`` sessions each hold ``facts``
    (``(seq, kind, subject, value, actor, ts)``, the current state), with their conclusions
    kept per session: the floor under a what-if session."""
    import gc

    from benchmarks.common import rss_mb

    host = _Host()
    justified: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))

    def action(claim: str):
        def run(c: Any) -> None:
            justified[c.s.sid][claim].add(frozenset(f["id"] for f in c._m.values()))
        return run

    def rules() -> dict[str, Any]:
        definition = {f"{claim}#{i}": dict(_rule(conjunct), run=action(claim))
                      for claim, dnf in scn.claims().items() for i, conjunct in enumerate(dnf)}
        for side, actors in enumerate(scn.sides):
            actor_test = {"$or": [{"actor": a} for a in actors]} if len(actors) > 1 else {"actor": actors[0]}
            definition[f"hostile:{side}"] = {"all": [{"e": {"$and": [{"t": "e"}, {"subject": HOSTILE}, actor_test]}}],
                                             "run": action(f"hostile:{side}")}
        return definition

    names = [f"fleet{i}" for i in range((count + 999) // 1000)]
    for name in names:
        host.register_rulesets({name: rules()})
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    for k in range(count):
        name, sid = names[k // 1000], f"s{k % 1000}"
        for seq, kind, subject, value, actor, ts in facts:
            body = {"id": f"f{seq}", "sid": sid, "t": "s", "subject": subject, "value": value} if kind == "s" else \
                   {"id": f"f{seq}", "sid": sid, "t": "e", "subject": subject, "actor": actor, "ts": ts}
            try:
                host.assert_fact(name, body)
            except (durable_engine.MessageNotHandledException, durable_engine.MessageObservedException):
                pass
    gc.collect()
    return {"per_session_kb": (rss_mb() - before) * 1024 / count, "seconds": time.perf_counter() - started}
