"""The one door to durable-rules: nothing else in ripeness imports ``durable``.

The port, ``RulesPort``, is small: open a working memory (a *slot*) for a compiled
ruleset, apply retractions and assertions to it and learn which rules matched, close it.
``DurableRules`` implements it around the defects measured in it (``docs/architecture.md``):

- one owner makes every call into durable-rules, one at a time (its C core keeps global
  state and is not thread-safe): a lock taken by the calling thread, see ``_Owner``;
- its background timer threads are never started (they crash ``delete_state``);
- sessions are never deleted: a closed slot's facts are retracted and its sid reused, and a
  ruleset holds at most ``sessions_per_ruleset`` (< 1,024) slots, so more live slots are
  spread over further copies of the same ruleset;
- sids are chosen so that no two in one ruleset share a 32-bit FNV-1a hash, and a fact
  that durable-rules rejects as a duplicate (a hash collision: the caller promises ids are
  unique within a slot) is re-asserted under a fresh engine id;
- an exception inside an action, which durable-rules would swallow, is raised as
  ``EngineFault``: the actions are run here, not by durable-rules' Python layer (``_Engine``);
- its C JSON parser rejects a number with an exponent but no decimal point (``1e-05``, which
  is how Python writes 0.00001): the JSON durable-rules' Python layer writes is made with
  ``_DurableJson``, which writes such floats as ``1.0e-05``.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import durable_rules_engine
from durable import engine as durable_engine

from engine.compiler import CompiledRules
from engine.errors import EngineFault, Misuse

T = TypeVar("T")


_BARE_EXPONENT = re.compile(r"(?<![.\d])\d+e[-+]?\d")
_UNESCAPED = json.JSONEncoder(ensure_ascii=False)
_ESCAPED = json.JSONEncoder(ensure_ascii=True)
# ``_UNESCAPED``'s C encoder made once: ``JSONEncoder.encode`` makes one a call (its separators, its
# float writer and its check for cycles: durable-rules' facts and states are JSON's own, with none)
_UNESCAPED_C = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    None, _UNESCAPED.default, json.encoder.encode_basestring, None, _UNESCAPED.key_separator, _UNESCAPED.item_separator,
    False, False, True)


class _DurableJson:
    """``json`` as durable-rules' Python layer uses it (``dumps``, ``loads``), writing every
    float that Python would write as ``1e-05`` as ``1.0e-05``, which its C parser reads."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(value: Any, ensure_ascii: bool = False, **_: Any) -> str:
        # called for every fact asserted or retracted and every action's state: an encoder made
        # once (``json.dumps`` with a keyword makes one a call), and the pattern looked for only
        # where Python may have written an exponent (``1e-05``, ``1e+16``: always with a sign)
        if ensure_ascii:
            text = _ESCAPED.encode(value)
        elif _UNESCAPED_C and isinstance(value, dict):
            text = "".join(_UNESCAPED_C(value, 0))
        else:
            text = _UNESCAPED.encode(value)
        # only a float written as 1e-05 needs the slow path (a string holding "1e-05" takes it too, harmlessly)
        if ("e-" in text or "e+" in text) and _BARE_EXPONENT.search(text):
            return _DurableJson.encode(value, ensure_ascii)
        return text

    @staticmethod
    def encode(value: Any, ensure_ascii: bool = False) -> str:
        if isinstance(value, float):
            text = repr(value)
            mantissa, e, exponent = text.partition("e")
            return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text
        if isinstance(value, dict):
            return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=ensure_ascii)}:{_DurableJson.encode(v, ensure_ascii)}"
                                  for k, v in value.items()) + "}"
        if isinstance(value, (list, tuple)):
            return "[" + ",".join(_DurableJson.encode(v, ensure_ascii) for v in value) + "]"
        return json.dumps(value, ensure_ascii=ensure_ascii)


durable_engine.json = _DurableJson  # type: ignore[assignment]  # the module global its Ruleset methods call
NOT_HANDLED, OBSERVED = 1, 2  # what durable-rules' core answers for a fact no rule reads, and for one already live
MAX_SESSIONS_PER_RULESET = 1000  # durable-rules' hard limit is 1,024 (MAX_STATE_INDEX_LENGTH)


@dataclass(frozen=True)
class Slot:
    ruleset: str
    sid: str


@dataclass(frozen=True)
class Firing:
    """A rule matched: ``fact_ids`` are the caller's ids of the facts in the match."""

    rule: str
    fact_ids: frozenset[str]


class RulesPort(Protocol):
    """A forward-chaining matcher over small working memories.

    Invariants: every fact passed to ``apply`` is a JSON-able dict whose ``"id"`` is unique
    among the slot's live facts; ``apply`` returns each new match of a rule exactly once,
    in the call that completed it; a retracted fact takes part in no later match (but
    matches already reported are not withdrawn: that is the caller's truth maintenance);
    slots never see each other's facts; ``close`` never crashes the process and frees the
    slot for reuse.  Safe to call from any thread.
    """

    def open(self, rules: CompiledRules) -> Slot: ...

    def apply(self, slot: Slot, retract: Sequence[dict[str, Any]], add: Sequence[dict[str, Any]]) -> list[Firing]: ...

    def close(self, slot: Slot) -> None: ...


def fnv1a_32(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def distinct_sids(count: int) -> list[str]:
    """``count`` sids whose FNV-1a hashes differ (durable-rules keys sessions by hash)."""
    sids, hashes = [], set()
    for i in itertools.count():
        sid = f"s{i}"
        if fnv1a_32(sid) not in hashes:
            hashes.add(fnv1a_32(sid))
            sids.append(sid)
            if len(sids) == count:
                return sids
    raise AssertionError("unreachable")


class _Host(durable_engine.Host):
    def _run(self) -> None:  # no background timer threads: ripeness uses no timers
        pass


@dataclass
class _SlotState:
    live: dict[str, dict[str, Any]] = field(default_factory=dict)  # caller id -> engine fact
    engine_ids: dict[str, str] = field(default_factory=dict)  # engine id -> caller id


@dataclass
class _Pool:
    rules: CompiledRules
    free: list[Slot] = field(default_factory=list)


class DurableRules:
    """``RulesPort`` on durable-rules 2.0.28.  See the module docstring for what it guards."""

    def __init__(self, sessions_per_ruleset: int = MAX_SESSIONS_PER_RULESET):
        if not 1 <= sessions_per_ruleset <= MAX_SESSIONS_PER_RULESET:
            raise Misuse(f"sessions_per_ruleset must be 1..{MAX_SESSIONS_PER_RULESET}")
        self._per_ruleset = sessions_per_ruleset
        self._sids = distinct_sids(sessions_per_ruleset)
        self._owner = _Owner()
        self._host: _Host | None = None
        self._pools: dict[int, _Pool] = {}
        self._pool_of: dict[str, _Pool] = {}
        self._current_ruleset = ""
        self._slots: dict[Slot, _SlotState] = {}
        self._firings: list[Firing] = []
        self._action_errors: list[BaseException] = []
        self._ruleset_names = itertools.count()
        self._fresh_ids = itertools.count()
        self._engines: dict[str, _Engine] = {}  # ruleset name -> its calls into the C core

    # --- the port ---------------------------------------------------------------------

    def open(self, rules: CompiledRules) -> Slot:
        return self._owner.call(self._open, rules)

    def apply(self, slot: Slot, retract: Sequence[dict[str, Any]], add: Sequence[dict[str, Any]]) -> list[Firing]:
        return self._owner.call(self._apply, slot, list(retract), list(add))

    def close(self, slot: Slot) -> None:
        self._owner.call(self._close, slot)

    @property
    def open_slots(self) -> int:
        return len(self._slots)

    # --- run by the owner, one call at a time ---------------------------------------------

    def _open(self, rules: CompiledRules) -> Slot:
        pool = self._pools.get(id(rules))
        if pool is None or pool.rules is not rules:
            pool = self._pools[id(rules)] = _Pool(rules)
        if not pool.free:
            name = self._register(rules)
            self._pool_of[name] = pool
            pool.free = [Slot(name, sid) for sid in reversed(self._sids)]
        slot = pool.free.pop()
        self._slots[slot] = _SlotState()
        return slot

    def _register(self, rules: CompiledRules) -> str:
        if self._host is None:
            self._host = _Host()
        name = f"{rules.name}__{next(self._ruleset_names)}"
        definition = json.loads(json.dumps(rules.rules))  # durable-rules mutates what it is given
        fired = {rule_name: self._fired(rule_name, rules) for rule_name in definition}
        for rule_name, rule in definition.items():
            rule["run"] = self._action(fired[rule_name])
        self._host.register_rulesets({name: definition})
        self._engines[name] = _Engine(self._host.get_ruleset(name)._handle, fired)
        return name

    def _fired(self, rule_name: str, rules: CompiledRules) -> Callable[[dict[str, Any], str], None]:
        """What a match of ``rule_name`` does: a ``Firing`` with the caller's ids of the
        matched facts (``matched``: durable-rules' message, in the session ``sid``)."""
        def fired(matched: dict[str, Any], sid: str) -> None:
            try:
                if rule_name in rules.joins and not rules.holds(rule_name, matched):
                    return  # the two subjects' values do not compare as the rule says: no match
                state = self._slots.get(Slot(self._current_ruleset, sid))
                ids = frozenset(state.engine_ids.get(f["id"], f["id"]) if state else f["id"] for f in matched.values())
                self._firings.append(Firing(rule_name, ids))
            except BaseException as exc:  # raised by ``_call`` once the call into durable-rules is done
                self._action_errors.append(exc)

        return fired

    @staticmethod
    def _action(fired: Callable[[dict[str, Any], str], None]) -> Callable[[Any], None]:
        """``fired`` as an action of durable-rules' Python layer (given its ``Closure``),
        for a call made through that layer; ``_Engine`` runs ``fired`` itself."""
        def action(c: Any) -> None:
            fired(c._m if isinstance(getattr(c, "_m", None), dict) else {}, c.s.sid)

        return action

    def _apply(self, slot: Slot, retract: list[dict[str, Any]], add: list[dict[str, Any]]) -> list[Firing]:
        state = self._slot_state(slot)
        self._firings, self._action_errors = [], []
        self._current_ruleset = slot.ruleset
        for fact in retract:
            engine_fact = state.live.pop(fact["id"], None)
            if engine_fact is not None:
                state.engine_ids.pop(engine_fact["id"], None)
                self._call(slot, "retract_fact", engine_fact)
        for fact in add:
            if fact["id"] in state.live:
                raise EngineFault(f"fact id {fact['id']!r} is already live in this working memory")
            self._assert(slot, state, fact)
        return self._firings

    def _assert(self, slot: Slot, state: _SlotState, fact: dict[str, Any]) -> None:
        engine_fact = dict(fact, sid=slot.sid)
        for _ in range(8):
            state.engine_ids[engine_fact["id"]] = fact["id"]  # before the call: actions run inside it
            # NOT_HANDLED: no rule reads it (durable-rules stores nothing, and retracting it is a no-op)
            if self._call(slot, "assert_fact", engine_fact) != OBSERVED:
                break
            # a hash collision with a live fact: the same fact under another identity
            del state.engine_ids[engine_fact["id"]]
            engine_fact = dict(engine_fact, id=f"{fact['id']}~{next(self._fresh_ids)}")
        else:
            raise EngineFault(f"durable-rules kept rejecting fact {fact['id']!r} as a duplicate")
        state.live[fact["id"]] = engine_fact

    def _call(self, slot: Slot, method: str, fact: dict[str, Any]) -> int:
        """One call into durable-rules (``_Engine``); an action's failure raised.  An
        assertion's ``NOT_HANDLED`` or ``OBSERVED`` is returned (0: neither); a retraction's
        raised as ``Host`` raises it."""
        try:
            code = self._engines[slot.ruleset].call(method, fact, slot.sid)
        except Exception as exc:
            raise EngineFault(f"durable-rules failed in {method} on {slot.ruleset}/{slot.sid}: {exc}") from exc
        if self._action_errors:
            failed, self._action_errors = self._action_errors[0], []  # raised once: the slot can still be closed
            raise EngineFault(f"a rule action failed: {failed!r}") from failed
        if code and method != "assert_fact":
            raise (durable_engine.MessageNotHandledException if code == NOT_HANDLED else durable_engine.MessageObservedException)(fact)
        return code

    def _close(self, slot: Slot) -> None:
        state = self._slots.pop(slot, None)
        if state is None:
            return
        for engine_fact in state.live.values():
            self._call(slot, "retract_fact", engine_fact)
        self._pool_of[slot.ruleset].free.append(slot)

    def _slot_state(self, slot: Slot) -> _SlotState:
        try:
            return self._slots[slot]
        except KeyError:
            raise EngineFault(f"slot {slot} is not open") from None


class _Engine:
    """One ruleset's calls into durable-rules' C core, its matches' actions run here.

    durable-rules' Python layer (``Host.assert_fact`` and the like) wraps each call: per
    match it parses the session's state from JSON, builds a ``Closure`` around it, runs the
    action (swallowing what it raises into the state, where only reading the state back
    finds it), writes the state to JSON again and hands it back to the core.  The actions
    here change no state and raise nothing (``DurableRules._fired`` keeps what they raise),
    so the same protocol is followed directly: the call, then each match started, its action
    run, and completed with the state as the core gave it.  There is then nothing swallowed
    to read back after a batch either (``benchmarks/RESULTS.md``, branch h-perfact6)."""

    __slots__ = ("handle", "fired")

    def __init__(self, handle: int, fired: dict[str, Callable[[dict[str, Any], str], None]]):
        self.handle, self.fired = handle, fired

    def call(self, method: str, fact: dict[str, Any], sid: str) -> int:
        """Assert (``assert_fact``) or retract (``retract_fact``) ``fact`` in session ``sid``
        and run the actions of the matches it completed.  ``NOT_HANDLED`` (no rule reads the
        fact) or ``OBSERVED`` (one with its identity is live), where ``Host`` raises an
        exception it writes the fact out for; else 0."""
        result = getattr(durable_rules_engine, method)(self.handle, _DurableJson.dumps(fact))
        if result[0] == NOT_HANDLED or result[0] == OBSERVED:
            return result[0]
        state_handle = 0 if result[0] == 3 else result[1]
        started = durable_rules_engine.start_action_for_state(self.handle, state_handle)
        if not started:
            return 0
        state, message = started[0], json.loads(started[1])
        while True:
            for rule_name, matched in message.items():  # one match a message (its first key, as ``Ruleset`` reads it)
                self.fired[rule_name](matched if isinstance(matched, dict) else {}, sid)
                break
            durable_rules_engine.update_state(self.handle, state)  # as the core gave it: the actions change none
            following = durable_rules_engine.complete_and_start_action(self.handle, state_handle)
            if not following:
                return 0
            message = json.loads(following)


class _Owner:
    """Every call into durable-rules, one at a time, under one lock, on the caller's thread.

    durable-rules keeps global state and never releases the GIL; its calls must never
    overlap (docs/architecture.md: several threads making a first call at once break it; calls
    that do not overlap are fine from any thread).  An earlier version handed each call to a
    dedicated thread: under a loaded event loop every hand-off waited for the GIL's switch
    interval, and an API verdict makes dozens of calls (8 clients: 23 requests/s)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            return fn(*args)
