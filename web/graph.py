"""The blocking graph of a verdict, as plain data for the page's script (cytoscape.js).

Nodes are the goals and the moves; edges are "needs" (a goal needs a move) and "waits for"
(a move withheld by a position until another move is made: the cycles' steps, and for every
other withheld or refused move, the moves whose ``done_when`` reads a subject of its unmet
comparisons, as the blocking model says).  Everything comes from the verdict, with the
rulebook for names and for which moves write which subjects; nothing is analysed here.

Legible at 200 positions: the goals, the moves on the main goals' cycles and dead ends, and
the moves the main goals need are shown first; past ``SHOWN`` moves, the rest (whole
cycles at a time, and the goals whose every need is folded) are folded into one "N more"
node that the page expands on a click."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.rulebook import Rulebook
from engine.verdict import PositionRef, Unmet, Verdict

SHOWN = 24  # moves drawn before the rest is folded into "N more"
MORE = "more:"  # the id of the folded node


@dataclass
class MoveNode:
    move: str
    actor: str
    stance: str = ""  # the verdict's stance of the move ("" when the verdict gives none)
    cycle: bool = False
    dead_end: bool = False
    evidence: list[PositionRef] = field(default_factory=list)
    unmet: list[Unmet] = field(default_factory=list)
    priority: int = 9  # lower is shown first


@dataclass
class Edge:
    source: str
    target: str
    position: str  # the position (or offer) behind the wait, "" for a goal's need
    stance: str  # the stance key (concession sets name these)
    cycle: bool = False
    kind: str = "waits"  # or "needs", or "after" (a move that comes after another: no statement)


@dataclass
class Graph:
    """What the verdict view draws, and the evidence each node and edge shows on a click."""

    moves: dict[str, MoveNode]
    edges: list[Edge]
    folded: list[str]  # moves hidden behind the "N more" node
    positions: dict[str, tuple[PositionRef, list[Unmet]]]  # each position behind an edge or a move: quote, unmet facts

    def elements(self, verdict: Verdict, rulebook: Rulebook) -> dict[str, Any]:
        """The JSON the page's script draws: cytoscape elements and the ways out."""
        folded = set(self.folded)
        nodes: list[dict[str, Any]] = []
        hidden_goals = {g.id for g in verdict.goals if g.id in rulebook.goals and set(rulebook.goals[g.id].needs) <= folded}
        for goal in verdict.goals:
            nodes.append({"data": {"id": f"goal:{goal.id}", "label": f"{goal.id}\n{goal.status}", "kind": "goal",
                                   "goal": goal.id, "status": goal.status},
                          "classes": " ".join(["goal", f"status-{goal.status}", *(["main"] if goal.rank == "main" else []),
                                               *(["folded"] if goal.id in hidden_goals else [])])})
        for node in self.moves.values():
            name = rulebook.actors[node.actor].name if node.actor in rulebook.actors else node.actor
            classes = ["move", f"stance-{node.stance or 'none'}"]
            classes += ["cycle"] if node.cycle else []
            classes += ["dead-end"] if node.dead_end else []
            classes += ["folded"] if node.move in folded else []
            label = node.move + ("\n" + node.stance if node.stance else "") + ("\ndead end" if node.dead_end else "")
            nodes.append({"data": {"id": node.move, "label": label, "kind": "move", "actor": name,
                                   "stance": node.stance}, "classes": " ".join(classes)})
        if folded:
            goals = f", {len(hidden_goals)} goal{'' if len(hidden_goals) == 1 else 's'}" if hidden_goals else ""
            nodes.append({"data": {"id": MORE, "label": f"{len(folded)} more blocks{goals}\n(click to show)", "kind": "more"},
                          "classes": "more"})
        edges = []
        for i, edge in enumerate(self.edges):
            source = f"goal:{edge.source}" if edge.kind == "needs" else edge.source
            classes = [edge.kind, *(["cycle"] if edge.cycle else [])]
            if edge.source in folded or edge.target in folded or (edge.kind == "needs" and edge.source in hidden_goals):
                classes.append("folded")
            edges.append({"data": {"id": f"e{i}", "source": source, "target": edge.target, "kind": edge.kind,
                                   "label": edge.position if edge.kind == "waits" else edge.kind,
                                   "position": edge.position, "stance": edge.stance},
                          "classes": " ".join(classes)})
        ways = [{"id": f"opening-{o.rank}", "rank": o.rank, "label": f"{o.rank}. {o.what}", "kind": o.kind,
                 "move": o.move, "lifts": list(o.satisfies), "breaches": list(o.breaches),
                 "breaks_all_cycles": o.breaks_all_cycles, "reaches_goal": o.reaches_goal} for o in verdict.openings]
        ways += [{"id": f"concession-{i}", "rank": None, "label": "give up " + " + ".join(keys), "kind": "concession",
                  "move": None, "lifts_stances": list(keys), "lifts": [], "breaches": [], "breaks_all_cycles": True,
                  "reaches_goal": True} for i, keys in enumerate(verdict.concessions.sets, start=1)]
        return {"nodes": nodes, "edges": edges, "ways": ways, "folded": len(folded)}


def subject_of(unmet: Unmet, rulebook: Rulebook) -> str | None:
    """The subject an unmet comparison reads: its fact's, else the first word of its test."""
    if unmet.fact is not None:
        return unmet.fact.subject
    word = unmet.test.split(" ", 1)[0]
    return word if word in rulebook.subjects else None


def build(verdict: Verdict, rulebook: Rulebook, shown: int = SHOWN) -> Graph:
    done = set(verdict.moves_done)
    main = {g.id for g in verdict.goals if g.rank == "main"}
    moves: dict[str, MoveNode] = {}

    def node(move: str, actor: str) -> MoveNode:
        if move not in moves:
            moves[move] = MoveNode(move, actor)
        return moves[move]

    on_main_cycle = {m for g in verdict.goals if g.id in main for cycle in g.cycles for m in cycle}
    main_dead_ends = {m for g in verdict.goals if g.id in main for m in g.refusals}
    main_needs = {m for g in rulebook.goals.values() if g.id in main for m in g.needs}
    for stance in verdict.stances:
        n = node(stance.move, stance.actor)
        n.stance, n.evidence, n.unmet = stance.stance, list(stance.evidence), list(stance.unmet)
    edges: dict[tuple[str, str, str], Edge] = {}
    positions: dict[str, tuple[PositionRef, list[Unmet]]] = {}
    for cycle in verdict.cycles:
        for step in cycle.steps:
            n = node(step.move, step.actor)
            n.cycle = True
            if step.position is None:  # no statement: the move can only be made after the next (``after``)
                if step.waits_for:
                    node(step.waits_for, rulebook.moves[step.waits_for].actor if step.waits_for in rulebook.moves else "")
                    edges[step.move, step.waits_for, ""] = Edge(step.move, step.waits_for, "", "", cycle=True, kind="after")
                continue
            n.evidence = n.evidence or [step.position]
            n.unmet = n.unmet or list(step.unmet)
            positions.setdefault(step.position.id, (step.position, list(step.unmet)))
            if step.waits_for:
                node(step.waits_for, rulebook.moves[step.waits_for].actor if step.waits_for in rulebook.moves else "")
                key = (step.move, step.waits_for, step.position.id)
                edges[key] = Edge(step.move, step.waits_for, step.position.id,
                                  rulebook.stance_of.get(step.position.id, step.position.id), cycle=True)
    for refusal in verdict.refusals:
        n = node(refusal.move, refusal.actor)
        n.dead_end = True
        n.evidence = n.evidence or [refusal.position]
        n.unmet = n.unmet or list(refusal.unmet)
        positions.setdefault(refusal.position.id, (refusal.position, list(refusal.unmet)))
    for n in list(moves.values()):
        if n.stance not in ("withheld", "refused", "offered"):
            continue
        for ref in n.evidence:
            positions.setdefault(ref.id, (ref, n.unmet))
            for unmet in n.unmet:
                subject = subject_of(unmet, rulebook)
                for writer in sorted(rulebook.writers.get(subject or "", ())):
                    if writer == n.move or writer in done:
                        continue
                    key = (n.move, writer, ref.id)
                    if key not in edges:
                        node(writer, rulebook.moves[writer].actor)
                        edges[key] = Edge(n.move, writer, ref.id, rulebook.stance_of.get(ref.id, ref.id))
    for n in moves.values():  # a move's detail shows its evidence: each position once, kept here
        for ref in n.evidence:
            positions.setdefault(ref.id, (ref, n.unmet))
    for goal in verdict.goals:
        for need in rulebook.goals[goal.id].needs if goal.id in rulebook.goals else []:
            node(need, rulebook.moves[need].actor if need in rulebook.moves else "")
            edges[(goal.id, need, "")] = Edge(goal.id, need, "", "", kind="needs")
    for n in moves.values():
        n.priority = (0 if n.move in on_main_cycle or n.move in main_dead_ends else
                      1 if n.move in main_needs else 2 if n.cycle or n.dead_end else
                      3 if n.stance in ("withheld", "refused", "offered", "unknown") else 4)
    folded = _fold(moves, verdict, rulebook, shown)
    return Graph(moves, list(edges.values()), folded, positions)


def _fold(moves: dict[str, MoveNode], verdict: Verdict, rulebook: Rulebook, shown: int) -> list[str]:
    """The moves past the first ``shown``, taken goal by goal (main goals first: each one's
    cycles, dead ends and needs), then by priority; a cycle is shown whole or folded whole,
    and the first main goal's way is always shown."""
    cycle_of = {m: set(c.moves) for c in verdict.cycles for m in c.moves}
    groups: list[tuple[bool, set[str]]] = []
    for number, goal in enumerate(sorted(verdict.goals, key=lambda g: g.rank != "main")):
        needs = rulebook.goals[goal.id].needs if goal.id in rulebook.goals else []
        for group in [*map(set, goal.cycles), *({m} for m in goal.refusals), *({m} for m in needs)]:
            groups.append((number == 0, set().union(*(cycle_of.get(m, {m}) for m in group))))
    for n in sorted(moves.values(), key=lambda n: (n.priority, n.move)):
        groups.append((False, cycle_of.get(n.move, {n.move})))
    visible: set[str] = set()
    for always, group in groups:
        if always or len(visible) < shown:
            visible |= group
    return sorted(m for m in moves if m not in visible)
