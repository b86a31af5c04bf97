"""The smallest sets of concessions (stances given up) that break every cycle and open the
way to a goal: an exact search within a work budget, then greedy, then guided by cycles."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable

import networkx as nx

from engine.analysis.model import Block, BlockingModel, Solution, relevant_blocks, solve
from engine.analysis.whatif import Outcomes
from engine.verdict import ConcessionSets

__all__ = ["MAX_SETS", "WORK_BUDGET", "Trials", "concession_sets", "search_plan"]

WORK_BUDGET = 100_000  # moves x model solves the concession search may spend before turning greedy
MAX_SETS = 20


def concession_sets(model: BlockingModel, solution: Solution, outcomes: Outcomes | None = None,
                    work_budget: int = WORK_BUDGET) -> ConcessionSets:
    """Smallest sets of blocking positions whose removal breaks every cycle and makes some
    goal reachable.  Exact while the combinations to try fit the work budget (a try costs
    up to a solve of the whole model, so the budget shrinks as the scenario grows); then a
    greedy search, and for scenarios too large even for that, one guided by the cycles.
    ``work_budget``: moves x solves to spend (a verdict shares one among its goals)."""
    if solution.any_goal or any(model.goals.values()):
        return ConcessionSets(size=0, sets=[], exact=True, note="no concession is needed")
    candidates = sorted({b.key for b in relevant_blocks(model, solution) if b.kind != "after"})  # an order of moves is no stance
    if not candidates:
        return ConcessionSets(size=0, sets=[], exact=True, note="no position in force blocks the goals; nothing to concede")
    trials = Trials(model, outcomes or Outcomes(model, solution))
    opens_way = trials.opens_way
    budget = max(len(candidates) + 1, work_budget // max(1, len(model.moves)))
    tried = 0
    for size in range(1, len(candidates) + 1):
        count = math.comb(len(candidates), size)
        if tried + count > budget:
            if tried + len(candidates) <= budget:
                return _greedy(opens_way, candidates, size)
            return _by_cycles(model, solution, trials, size)
        found = []
        for combo in itertools.combinations(candidates, size):
            if opens_way(combo):
                found.append(list(combo))
        tried += count
        if found:
            return ConcessionSets(size=size, sets=found[:MAX_SETS], exact=True,
                                  note="" if len(found) <= MAX_SETS else f"{len(found)} sets of this size; the first {MAX_SETS} shown")
    return ConcessionSets(size=0, sets=[], exact=True, note="no set of concessions breaks every cycle and opens a goal")


def search_plan(candidates: int, moves: int, work_budget: int = WORK_BUDGET) -> tuple[int, bool] | None:
    """Where ``concession_sets``' exact search over ``candidates`` stances, in a model of
    ``moves`` moves, runs out of ``work_budget``: the first size whose combinations no longer
    fit, and whether the greedy search fits then (else the one guided by cycles); None when
    every size fits.  The budget decides nothing else: two searches of one model with the
    same plan find the same sets."""
    budget = max(candidates + 1, work_budget // max(1, moves))
    tried = 0
    for size in range(1, candidates + 1):
        count = math.comb(candidates, size)
        if tried + count > budget:
            return size, tried + candidates <= budget
        tried += count
    return None


def _greedy(opens_way: Callable[[Iterable[str]], bool], candidates: list[str], from_size: int) -> ConcessionSets:
    chosen = list(candidates)
    for position in candidates:
        trial = [p for p in chosen if p != position]
        if opens_way(trial):
            chosen = trial
    return ConcessionSets(size=len(chosen), sets=[chosen], exact=False,
                          note=f"no set of fewer than {from_size} concessions works; beyond that the search is greedy and this set is minimal but may not be the smallest")


def _by_cycles(model: BlockingModel, solution: Solution, trials: Trials, from_size: int) -> ConcessionSets:
    """Too many positions to try one by one: break each cycle at the position that blocks
    the most of its links, then give up the positions still between a goal and its needs;
    checked once.  Small, not guaranteed smallest.  Each strongly connected component of
    the blocked graph is broken on its own, in order of its first move (a stance given up
    for one component also lifts its blocks in the next: a package, ``restates``, blocks
    several moves)."""
    chosen: list[str] = []
    given: set[str] = set()
    for component in solution.blocked_components():
        inside = set(component)
        waits = {(a, b): blocks for a in component for b, blocks in solution.waits.get(a, {}).items()
                 if b in inside and not all(x.key in given for x in blocks)}
        # strongly connected with as many waits as moves: one cycle, no search needed
        graph = None if len(waits) == len(component) else nx.DiGraph(list(waits))
        while True:
            if graph is None:
                if len(waits) < len(component):
                    break  # a wait of the one cycle is gone
                cycle = list(waits)
            else:
                try:
                    cycle = nx.find_cycle(graph)
                except nx.NetworkXNoCycle:
                    break
            counts: dict[str, int] = {}
            for a, b, *_ in cycle:
                for block in waits[a, b]:
                    if block.key not in given and block.kind != "after":
                        counts[block.key] = counts.get(block.key, 0) + 1
            if not counts:
                break  # only an order of moves (``after``) is left on it: nothing to give up
            position = max(sorted(counts), key=counts.__getitem__)
            chosen.append(position)
            given.add(position)
            moves = trials.withheld[position]  # only the waits of the moves it withholds can lose their last block
            for edge in [e for e in waits if e[0] in moves and all(x.key in given for x in waits[e])]:
                del waits[edge]
                if graph is not None:
                    graph.remove_edge(*edge)
    reaches, acyclic = trials.outcome(chosen)
    if not reaches:
        after = model.without(chosen)
        chosen += sorted({b.key for b in relevant_blocks(after, solve(after)) if b.kind != "after"} - set(chosen))
        reaches, acyclic = trials.outcome(chosen)
    if not (reaches and acyclic):
        return ConcessionSets(size=0, sets=[], exact=False,
                              note=f"too many positions to search; no set of fewer than {from_size} works, and none was found by breaking cycles")
    return ConcessionSets(size=len(chosen), sets=[chosen], exact=False,
                          note=f"no set of fewer than {from_size} concessions works; too many positions to search further, so this set "
                               "breaks each cycle at its most-blocking position: it works but may not be the smallest")


class Trials:
    """Does giving up these positions break every cycle and open a goal?"""

    def __init__(self, model: BlockingModel, outcomes: Outcomes):
        self._outcomes = outcomes
        self._blocks_of: dict[str, list[Block]] = {}
        self.withheld: dict[str, tuple[str, ...]] = {}  # stance -> the moves it withholds (several: a package, ``restates``)
        for blocks in model.blocks.values():
            for block in blocks:
                self._blocks_of.setdefault(block.key, []).append(block)
                moves = self.withheld.get(block.key, ())
                if block.move not in moves:
                    self.withheld[block.key] = (*moves, block.move)
        self._witnessed: dict[str, int] = {}  # position -> ``outcomes.witnessed`` of its move, when first asked
        self._every_witness = outcomes.every_witness
        # the stances in a clash of terms (``Block.clashes``): giving one up gives the other
        # term back the move that decides the value, which ``Outcomes`` (blocks only removed)
        # cannot answer: such a trial solves the changed model
        self._model = model
        clashing = {s for blocks in model.blocks.values() for b in blocks for s in b.clashes}
        self._clashing = {b.key for blocks in model.blocks.values() for b in blocks
                          if b.stated is not None and b.stated.id in clashing}

    def _solved(self, positions: list[str]) -> tuple[bool, bool]:
        after = solve(self._model.without(positions))
        return after.any_goal, nx.is_directed_acyclic_graph(after.blocked_graph())

    def opens_way(self, positions: Iterable[str]) -> bool:
        positions = list(positions)
        if self._clashing and not self._clashing.isdisjoint(positions):
            return self._solved(positions) == (True, True)
        touched = 0
        witnessed = self._witnessed
        for position in positions:
            bits = witnessed.get(position)
            if bits is None:
                bits = 0
                for move in self.withheld.get(position, ()):
                    bits |= self._outcomes.witnessed(move)
                witnessed[position] = bits
            touched |= bits
        if touched != self._every_witness:
            return False  # a witness cycle is left alone (as Outcomes would answer, without building the change)
        return self._outcomes.opens_way(self._lifted(positions))

    def outcome(self, positions: Iterable[str]) -> tuple[bool, bool]:
        """Once these positions are given up: is some goal reachable, is no cycle left?"""
        positions = list(positions)
        if self._clashing and not self._clashing.isdisjoint(positions):
            return self._solved(positions)
        return self._outcomes.after_lifting(self._lifted(positions))

    def _lifted(self, positions: Iterable[str]) -> list[Block]:
        return [b for p in positions for b in self._blocks_of.get(p, ())]
