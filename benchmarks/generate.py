"""Seeded workloads: generated scenarios (written as rule files) and fact streams.

A scenario of A actors and P positions: about three quarters of the positions form
blocking cycles (each move withheld until the next move of its cycle is done) of the given
lengths, the rest hang off the cycles (withheld until a cycle move is done) or refuse a
move outright.  Some positions have a softer variant switched on by a policy subject, some
wait on either of two moves, some moves have a substitute; one goal per cycle, an
escalation pattern over one event subject.  Every subject is known from the first facts,
with values that keep every move undone: the scenario starts in deadlock.

The same conditions are kept as plain data (``Dnf``: alternatives of comparisons), so that
the raw durable-rules baseline can be written from them with no ripeness code.

A fact stream of F facts over S state subjects with E events (about; each fact is an event
with probability E/F): the S subjects get a first value at the start, then facts arrive
about an hour apart (exponential gaps), 2 % of them late (dated up to three days before the
head of the stream).  Events alternate at random between the two sides of the escalation
pattern.  Everything is seeded: the same sizes and seed give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Cmp = tuple[str, str, Any]  # (subject key, operator, operand)
Dnf = list[list[Cmp]]  # alternatives, each a conjunction of comparisons

START = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)
HOSTILE, CHATTER = "attack", "statement"  # event subjects: read by the escalation pattern, and by nothing
WINDOW_DAYS, EXCHANGES = 7, 3
ENUM_VALUES = ["none", "partial", "full"]


@dataclass(frozen=True)
class ScenarioSize:
    actors: int = 6
    positions: int = 30
    cycles: tuple[int, ...] = (2, 3, 4, 6)
    subjects: int = 100  # state subjects in all (move subjects, indicators, policies)
    seed: int = 1

    def label(self) -> str:
        return f"A={self.actors} P={self.positions} cycles={'/'.join(map(str, self.cycles))} S={self.subjects}"


@dataclass
class Scenario:
    """A generated scenario as data: enough to write its rule files and the raw baseline."""

    size: ScenarioSize
    actors: list[str]
    subjects: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> rule-file item
    conditions: dict[str, Dnf] = field(default_factory=dict)
    moves: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> {id, actor, condition, substitute_for}
    positions: list[dict[str, Any]] = field(default_factory=list)  # rule-file items (conditions as Dnf under "_until")
    goals: list[dict[str, Any]] = field(default_factory=list)
    sides: tuple[list[str], list[str]] = ([], [])
    cycles: list[list[str]] = field(default_factory=list)

    @property
    def state_subjects(self) -> list[str]:
        return [k for k, s in self.subjects.items() if s.get("kind", "state") == "state"]

    @property
    def horizon(self) -> dt.timedelta:
        return dt.timedelta(days=WINDOW_DAYS * EXCHANGES)

    def claims(self) -> dict[str, Dnf]:
        """Each conclusion the rules draw, with its condition: the same claims ripeness
        compiles (named conditions, moves done, positions' conditions, variants switched
        on, goals), conditions expanded."""
        claims = {f"condition:{cid}": dnf for cid, dnf in self.conditions.items()}
        claims.update({f"move:{key}": self.conditions[m["condition"]] for key, m in self.moves.items()})
        for p in self.positions:
            if p.get("_until") is not None:
                claims[f"until:{p['id']}"] = p["_until"]
            for v in p.get("_variants", ()):
                claims[f"variant:{v['id']}"] = v["_switch"]
        claims.update({f"goal:{g['id']}": g["_done"] for g in self.goals})
        return claims

    def write_rules(self, folder: Path) -> Path:
        """The scenario as rule files in ``folder`` (created): one file per section group."""
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "scenario.yaml": {"scenario": {"id": "bench", "title": f"Generated benchmark scenario ({self.size.label()})"},
                              "actors": [{"id": a, "name": f"Actor {a}"} for a in self.actors]},
            "subjects.yaml": {"subjects": list(self.subjects.values())},
            "moves.yaml": {
                "conditions": [{"id": cid, "holds_when": _expr(dnf)} for cid, dnf in self.conditions.items()],
                "moves": [{"id": m["id"], "actor": m["actor"], "description": f"Make move {key}.",
                           "done_when": {"condition": m["condition"]},
                           **({"substitute_for": m["substitute_for"]} if m.get("substitute_for") else {})}
                          for key, m in self.moves.items()],
                "goals": [{"id": g["id"], "done_when": _expr(g["_done"]), "needs": g["needs"]} for g in self.goals],
                "escalation": [{"id": "tit_for_tat", "events": [HOSTILE], "sides": [list(s) for s in self.sides],
                                "window_days": WINDOW_DAYS, "exchanges": EXCHANGES}],
            },
            "positions.yaml": {"positions": [_position_item(p) for p in self.positions]},
        }
        for name, content in files.items():
            text = yaml.dump(content, Dumper=_PlainDumper, sort_keys=False, width=200)
            (folder / name).write_text(text, encoding="utf-8")
        return folder


class _PlainDumper(yaml.SafeDumper):
    """Writes a value used twice out twice: ripeness refuses YAML anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def scenario(size: ScenarioSize) -> Scenario:
    rng = random.Random(size.seed)
    if size.actors < 2 or size.positions < 2:
        raise ValueError("a scenario needs at least 2 actors and 2 positions")
    actors = [f"A{i:02d}" for i in range(size.actors)]
    half = max(1, len(actors) // 2)
    scn = Scenario(size, actors, sides=(actors[:half], actors[half:]))
    counter = itertools.count()

    def new_move(actor: str) -> str:
        j = next(counter)
        sid, kind = f"s{j}", ("number", "number", "number", "enum", "bool")[j % 5]
        key = f"{actor}.{sid}"
        item: dict[str, Any] = {"id": sid, "actor": actor, "type": kind}
        if kind == "number":
            item.update(min=0, max=100)
            test: Cmp = (key, "ge", 50)
        elif kind == "enum":
            item["values"] = ENUM_VALUES
            test = (key, "in", ["partial", "full"])
        else:
            test = (key, "eq", True)
        scn.subjects[key] = item
        conjunct = [test]
        if j % 7 == 6:  # a move shown by two subjects: a join in the rules engine
            conjunct.append((f"{actor}.x0", "le", 80))
        mid = f"m{j}"
        cid = f"done_{actor}_{mid}"
        scn.conditions[cid] = [conjunct]
        scn.moves[f"{actor}.{mid}"] = {"id": mid, "actor": actor, "condition": cid}
        return f"{actor}.{mid}"

    for actor in actors:  # indicators first: move conditions may read x0
        scn.subjects[f"{actor}.x0"] = {"id": "x0", "actor": actor, "type": "number", "min": 0, "max": 100}
        scn.subjects[f"{actor}.policy"] = {"id": "policy", "actor": actor, "type": "enum", "values": ["hard", "soft"]}

    refusals = size.positions // 20
    in_cycles = round(size.positions * 0.75)
    lengths = itertools.cycle(size.cycles)
    used = 0
    while used < in_cycles:
        length = next(lengths)
        if in_cycles - used < length:
            length = in_cycles - used
        if length < 2:
            break
        c = len(scn.cycles)
        scn.cycles.append([new_move(actors[(c + k) % len(actors)]) for k in range(length)])
        used += length
    hanging = size.positions - used - refusals
    pid = itertools.count()

    def position(actor: str, move: str, until: Dnf | None, wait_refs: list[str]) -> dict[str, Any]:
        p = {"id": f"p{next(pid)}", "actor": actor, "withholds": move, "_until": until, "_refs": wait_refs, "_variants": []}
        scn.positions.append(p)
        return p

    cycle_moves = [m for cycle in scn.cycles for m in cycle]
    for c, cycle in enumerate(scn.cycles):
        for k, move in enumerate(cycle):
            nxt = cycle[(k + 1) % len(cycle)]
            refs = [scn.moves[nxt]["condition"]]
            if k % 6 == 5:  # waits on either of two moves: the other one in another cycle
                refs.append(scn.moves[rng.choice(cycle_moves)]["condition"])
            until = [alt for ref in refs for alt in scn.conditions[ref]]
            p = position(scn.moves[move]["actor"], move, until, refs)
            if (c + k) % 8 == 3:
                actor = scn.moves[move]["actor"]
                p["_variants"].append({"id": f"{p['id']}_soft", "_switch": [[(f"{actor}.policy", "eq", "soft")]]})
    hanging_moves = []
    for _ in range(max(hanging, 0)):
        actor = actors[rng.randrange(len(actors))]
        move = new_move(actor)
        hanging_moves.append(move)
        target = cycle_moves[rng.randrange(len(cycle_moves))]
        position(actor, move, list(scn.conditions[scn.moves[target]["condition"]]), [scn.moves[target]["condition"]])
    for r in range(refusals):
        move = hanging_moves[r % len(hanging_moves)] if hanging_moves else cycle_moves[r % len(cycle_moves)]
        position(scn.moves[move]["actor"], move, None, [])

    for c, cycle in enumerate(scn.cycles):
        needs = [cycle[0]]
        if c % 3 == 2 and len(cycle) > 1:  # two needed moves, the first with a free substitute
            needs.append(cycle[1])
            sub = new_move(actors[(c + len(cycle)) % len(actors)])
            scn.moves[sub]["substitute_for"] = cycle[0]
        if c % 4 == 1 and hanging_moves:
            needs.append(hanging_moves[c % len(hanging_moves)])
        done = [[t for n in needs for t in scn.conditions[scn.moves[n]["condition"]][0]]]
        scn.goals.append({"id": f"g{c}", "needs": needs, "_done": done})

    extra = size.subjects - len(scn.state_subjects)
    for k in range(extra):
        actor = actors[k % len(actors)]
        scn.subjects[f"{actor}.x{k // len(actors) + 1}"] = {"id": f"x{k // len(actors) + 1}", "actor": actor, "type": "number",
                                                             "min": 0, "max": 100}
    scn.subjects[HOSTILE] = {"id": HOSTILE, "kind": "event", "type": "text"}
    scn.subjects[CHATTER] = {"id": CHATTER, "kind": "event", "type": "text"}
    return scn


# --- fact streams -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamSize:
    facts: int = 10_000
    subjects: int = 100
    events: int = 500
    seed: int = 1

    def label(self) -> str:
        return f"F={self.facts:,} S={self.subjects} E≈{self.events:,}"


def stream(scn: Scenario, size: StreamSize) -> Iterator[dict[str, Any]]:
    """The facts as an analyst would send them (the body of a POST), in arrival order."""
    rng = random.Random(size.seed * 7919 + 17)
    subjects = scn.state_subjects
    if size.subjects > len(subjects):
        raise ValueError(f"the stream asks for {size.subjects} subjects; the scenario has {len(subjects)} state subjects")
    chosen = subjects[: size.subjects]
    head = START
    p_event = size.events / size.facts if size.facts else 0.0
    for i in range(size.facts):
        if i < len(chosen):
            yield _state(scn, chosen[i], head, rng, initial=True)
            continue
        head += dt.timedelta(seconds=int(rng.expovariate(1 / 3600)) + 1)
        at = head - dt.timedelta(seconds=rng.randrange(3 * 86400)) if rng.random() < 0.02 else head
        if rng.random() < p_event:
            yield _event(scn, at, rng, i)
        else:
            yield _state(scn, chosen[rng.randrange(len(chosen))], at, rng)


def _state(scn: Scenario, key: str, at: dt.datetime, rng: random.Random, initial: bool = False) -> dict[str, Any]:
    item = scn.subjects[key]
    kind = item["type"]
    if key.endswith(".policy"):
        value: Any = "soft" if not initial and rng.random() < 0.1 else "hard"
    elif kind == "number" and key.endswith(".x0"):
        value = round(rng.uniform(0, 100), 1)
    elif kind == "number":
        value = 0 if initial else round(rng.uniform(0, 49.9) if rng.random() < 0.7 else rng.uniform(50, 100), 1)
    elif kind == "enum":
        value = "none" if initial else rng.choices(ENUM_VALUES, weights=(7, 2, 1))[0]
    else:
        value = False if initial else rng.random() < 0.25
    return {"at": at.isoformat(), "subject": key, "value": value, "source": "generated"}


def _event(scn: Scenario, at: dt.datetime, rng: random.Random, i: int) -> dict[str, Any]:
    side = rng.randrange(2)
    actor = rng.choice(scn.sides[side])
    target = rng.choice(scn.sides[1 - side])
    subject = HOSTILE if rng.random() < 0.8 else CHATTER
    return {"at": at.isoformat(), "actor": actor, "target": target, "subject": subject, "value": f"event {i}", "source": "generated"}


def chunks(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while True:
        chunk = list(itertools.islice(items, size))
        if not chunk:
            return
        yield chunk


# --- rule-file text ---------------------------------------------------------------------------


def _compare(cmp: Cmp) -> dict[str, Any]:
    subject, op, value = cmp
    return {"subject": subject, op: value}


def _expr(dnf: Dnf) -> dict[str, Any]:
    def conj(c: list[Cmp]) -> dict[str, Any]:
        return _compare(c[0]) if len(c) == 1 else {"all": [_compare(x) for x in c]}

    return conj(dnf[0]) if len(dnf) == 1 else {"any": [conj(c) for c in dnf]}


def _position_item(p: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": p["id"], "actor": p["actor"], "withholds": p["withholds"]}
    refs = p["_refs"]
    if refs:
        item["until"] = {"condition": refs[0]} if len(refs) == 1 else {"any": [{"condition": r} for r in refs]}
    item.update(quote=f"Generated position {p['id']}.", source="benchmarks.generate")
    if p["_variants"]:
        item["variants"] = [{"id": v["id"], "switched_on_by": _expr(v["_switch"]), "simultaneous": True,
                             "quote": f"Generated variant {v['id']}.", "source": "benchmarks.generate"} for v in p["_variants"]]
    return item
