"""The outcome of a small change to the blocking model, worked out from the solution before
the change instead of solving the changed model again.

Openings and concession sets ask, for each candidate change (a move made, a block lifted,
positions given up), two questions of the changed model: is some goal reachable, and is
the graph of blocked moves on the way to a goal free of cycles?  ``solve`` answers them in
time proportional to the whole model; at 1,000 positions and as many candidates that is
most of a verdict.  A change that only *adds done moves and removes blocks* touches few
moves, and the answers follow exactly from what it touches:

- *Reach*: a move's reach depends only on the moves it waits for.  So only the moves that
  wait, directly or not, on a touched move (its ancestors in the wait graph) can change;
  their reach is solved again (least fixpoint) with every other move's reach as before.
- *Goals*: only goals needing one of those moves (or a substitute) are checked again.
- *Cycles*: the changed wait graph is a subgraph of the old one, so each of its cycles lies
  in a strongly connected component (SCC) of the old graph.  An SCC that no change reaches
  keeps its blocked cycles; the others are checked on their own subgraph.  A blocked cycle
  counts when a move a goal needs still leads to it: a search backwards from the cycle that
  stops at the first such move.  The answer is "cyclic" at the first cycle that counts.

``tests/unit/test_whatif.py`` holds every answer equal to ``solve`` on the changed model.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from engine.analysis.model import Block, Model, Solution


class Outcomes:
    """Answers ``(some goal reachable, blocked graph acyclic)`` for changes to ``model``,
    whose solution is ``solution``."""

    def __init__(self, model: Model, solution: Solution):
        self.model, self.solution = model, solution
        graph = solution.graph
        self._graph = graph
        self._goals_of: dict[str, set[str]] = {}
        for goal, done in model.goals.items():
            if not done:
                for need in model.needs[goal]:
                    for move in (need, *model.substitutes.get(need, ())):
                        self._goals_of.setdefault(move, set()).add(goal)
        self._starts = {m for m in self._goals_of if m in graph}
        self._scc_of: dict[str, int] = {}
        self._sccs: list[set[str]] = []
        for component in nx.strongly_connected_components(graph):
            if len(component) > 1:
                for move in component:
                    self._scc_of[move] = len(self._sccs)
                self._sccs.append(component)
        # per SCC: its blocked part has a cycle, and it is on the way to a goal (an SCC is all relevant or none)
        self._blocked_cyclic = [
            bool(component & solution.relevant) and not nx.is_directed_acyclic_graph(graph.subgraph(component - solution.reach))
            for component in self._sccs]
        self._blocks_on: dict[str, list[Block]] = {}
        self._any_move_lifts: list[Block] = []  # an alternative with no failing comparison: any move lifts it
        self._order: dict[int, int] = {}  # block -> its place in the model (answers keep the model's order)
        for blocks in model.blocks.values():
            for block in blocks:
                self._order[id(block)] = len(self._order)
                for subject in block.unmet_subjects:
                    self._blocks_on.setdefault(subject, []).append(block)
                if any(not alt for alt in block.alternatives):
                    self._any_move_lifts.append(block)
        self._written: dict[str, set[str]] = {}
        for subject, movers in model.writers.items():
            for move in movers:
                self._written.setdefault(move, set()).add(subject)

    def lifted_by(self, move: str) -> list[Block]:
        """The blocks ``Model.with_done(move)`` lifts: not refusals, and some alternative of
        the condition reads only subjects the move changes."""
        written = self._written.get(move, set())
        seen: set[int] = set()
        lifted = []
        for block_list in (*(self._blocks_on.get(s, ()) for s in written), self._any_move_lifts):
            for block in block_list:
                if id(block) not in seen and block.move != move and not block.refusal and any(alt <= written for alt in block.alternatives):
                    seen.add(id(block))
                    lifted.append(block)
        return lifted

    def blocks_on(self, subjects: Iterable[str]) -> list[Block]:
        """The blocks with an unmet comparison on one of ``subjects``, each once, in the model's order."""
        found = {id(b): b for subject in subjects for b in self._blocks_on.get(subject, ())}
        return [found[key] for key in sorted(found, key=self._order.__getitem__)]

    def after_move(self, move: str) -> tuple[bool, bool]:
        """As ``solve(model.with_done(move))``."""
        return self._outcome({move}, self.lifted_by(move))

    def after_lifting(self, blocks: Iterable[Block]) -> tuple[bool, bool]:
        """As ``solve`` of the model without ``blocks`` (a variant, or positions given up)."""
        return self._outcome(set(), list(blocks))

    # --- the changed model, seen through the old one -----------------------------------------

    def _outcome(self, made: set[str], lifted: list[Block]) -> tuple[bool, bool]:
        model, base, graph = self.model, self.solution, self._graph
        made = {m for m in made if m not in model.done}
        done = model.done | made
        removed = {id(b) for b in lifted}
        blocks = {m: tuple(b for b in model.blocks.get(m, ()) if id(b) not in removed) for m in {b.move for b in lifted}}
        for m in made:
            blocks[m] = ()
        touched = set(blocks) | made

        def blocks_of(move: str) -> tuple[Block, ...]:
            return blocks[move] if move in blocks else model.blocks.get(move, ())

        waits: dict[str, set[str]] = {}  # new wait edges of touched moves (others: old edges minus made moves)
        for move in touched:
            waits[move] = set() if move in made else {
                x for b in blocks[move] for s in b.unmet_subjects for x in model.writers.get(s, ()) if x not in done and x != move}

        region = _ancestors(graph, touched)
        reach: set[str] = set()

        def reached(move: str) -> bool:
            return move in reach if move in region else move in base.reach

        def liftable(block: Block) -> bool:
            return not block.refusal and any(
                all(any(reached(x) for x in model.writers.get(s, ()) if x not in done and x != block.move) for s in alt)
                for alt in block.alternatives)

        pending = [m for m in region if m not in done]
        while pending:
            move = pending.pop()
            if move in reach or not all(liftable(b) for b in blocks_of(move)):
                continue
            reach.add(move)
            pending.extend(p for p in graph.pred[move] if p in region and p not in reach and p not in done)

        goals = dict(base.goals_reachable)
        for goal in {g for m in region for g in self._goals_of.get(m, ())}:
            goals[goal] = (not model.goals[goal]) and all(
                any(n in done or reached(n) for n in (need, *model.substitutes.get(need, ()))) for need in model.needs[goal])
        return any(goals.values()), self._acyclic(done, made, waits, region, reached)

    def _acyclic(self, done: frozenset[str], made: set[str], waits: dict[str, set[str]], region: set[str], reached) -> bool:
        graph = self._graph
        starts = self._starts - made

        def successors(move: str) -> Iterable[str]:
            return waits[move] if move in waits else (x for x in graph.succ[move] if x not in made)

        def on_the_way(move: str) -> bool:
            """Some move a goal needs still leads to ``move`` in the changed graph."""
            stack, seen = [move], {move}
            while stack:
                current = stack.pop()
                if current in starts:
                    return True
                for p in graph.pred[current]:
                    if p not in seen and p not in made and (p not in waits or current in waits[p]):
                        seen.add(p)
                        stack.append(p)
            return False

        changed = {self._scc_of[m] for m in region if m in self._scc_of}
        for index, component in enumerate(self._sccs):
            if index not in changed and self._blocked_cyclic[index] and on_the_way(next(iter(component))):
                return False
        for index in changed:
            blocked = {m for m in self._sccs[index] if m not in done and not reached(m)}
            sub = nx.DiGraph((m, x) for m in blocked for x in successors(m) if x in blocked)
            for part in nx.strongly_connected_components(sub):
                if len(part) > 1 and on_the_way(next(iter(part))):
                    return False
        return True


def _ancestors(graph: nx.DiGraph, moves: set[str]) -> set[str]:
    """``moves`` and every move that waits on one of them, directly or not."""
    found = {m for m in moves if m in graph}
    stack = list(found)
    while stack:
        for p in graph.pred[stack.pop()]:
            if p not in found:
                found.add(p)
                stack.append(p)
    return found | moves
