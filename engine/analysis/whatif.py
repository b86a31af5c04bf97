"""The outcome of a small change to the blocking model, worked out from the solution before
the change instead of solving the changed model again.

Openings and concession sets ask, for each candidate change (a move made, a block lifted,
positions given up), two questions of the changed model: is some goal reachable, and is
the graph of blocked moves on the way to a goal free of cycles?  ``solve`` answers them in
time proportional to the whole model; at 1,000 positions and as many candidates that is
most of a verdict.  A change that only *adds done moves and removes blocks* touches few
moves, and the answers follow exactly from what it touches:

- *Reach*: a move's reach depends only on the moves it waits for.  Lifting blocks only
  makes moves easier to reach, and so does making a move that was not reached: reach grows
  from the old one, through the touched moves, then the moves waiting on a newly reached
  one.  Making a *reached* move can shrink it (that move no longer counts as one that could
  lift the blocks of others): then only the moves that wait, directly or not, on a touched
  move (its ancestors) can change, and their reach is solved again (least fixpoint) with
  every other move's as before.
- *Goals*: only goals needing a move whose reach changed (or a substitute) are checked again.
- *Cycles*: the changed wait graph is a subgraph of the old one, so each of its cycles lies
  in a strongly connected component (SCC) of the old graph.  An SCC that no change reaches
  keeps its blocked cycles; the others are checked on their own subgraph.  A blocked cycle
  counts when a move a goal needs still leads to it: a search backwards from the cycle that
  stops at the first such move.  The answer is "cyclic" at the first cycle that counts.
- *Witnesses*: a few cycles that count before the change are kept with every move that
  could alter them (their SCC, its ancestors and descendants).  A change touching none of
  one witness's moves leaves it counting: the graph stays cyclic without any search, and
  only whether a goal opens is worked out, up to the first goal completed.

``tests/unit/test_whatif.py`` holds every answer equal to ``solve`` on the changed model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from engine.analysis.model import Block, BlockingModel, Solution, cyclic_components, liftable

WITNESSES = 3  # cycles kept to answer "still cyclic" without working out the change's reach


class Outcomes:
    """Answers ``(some goal reachable, blocked graph acyclic)`` for changes to ``model``,
    whose solution is ``solution``."""

    def __init__(self, model: BlockingModel, solution: Solution):
        self.model, self.solution = model, solution
        graph = solution.moves  # the wait graph's nodes, in its order
        # plain lists, in the graph's order: read thousands of times a verdict
        self._succ = {m: list(solution.waits.get(m, ())) for m in graph}
        self._pred: dict[str, list[str]] = {m: [] for m in graph}
        for move, targets in solution.waits.items():
            for target in targets:
                self._pred[target].append(move)
        self._reachable_goals = [g for g, reachable in solution.goals_reachable.items() if reachable]
        self._goals_of: dict[str, set[str]] = {}
        for goal, done in model.goals.items():
            if not done:
                for need in model.needs[goal]:
                    for move in (need, *model.substitutes.get(need, ())):
                        self._goals_of.setdefault(move, set()).add(goal)
        self._starts = {m for m in self._goals_of if m in self._succ}
        self._scc_of: dict[str, int] = {}
        self._sccs: list[list[str]] = []
        for component in solution.components():
            for move in component:
                self._scc_of[move] = len(self._sccs)
            self._sccs.append(component)
        # the SCCs whose blocked part has a cycle on the way to a goal: each cycle of the blocked graph lies in one
        self._blocked_cyclic = sorted({self._scc_of[c[0]] for c in solution.blocked_components()})
        self._goal_needs = {goal: tuple((need, *model.substitutes.get(need, ())) for need in model.needs[goal])
                            for goal, done in model.goals.items() if not done}
        # witnesses: a few cycles that count now, each with every move a change would have to touch to
        # change that (its SCC, what it waits for, directly or not, and what waits for it, on the way
        # from the goals): a change touching none of them leaves that cycle counting
        unchanged = self._on_the_way(set(), {})
        self._witnesses: list[set[str]] = []
        for index in self._blocked_cyclic:
            if len(self._witnesses) == WITNESSES:
                break
            move = self._sccs[index][0]
            if unchanged(move):
                self._witnesses.append(_ancestors(self._pred, [move]) | _ancestors(self._succ, [move]))
        self._lifters, self._move_lifters = solution.lifters, solution.move_lifters
        self._lifting: dict[str, list[Block]] | None = None  # move -> the blocks it lifts on its own (openings ask)
        self._lifted: dict[str, tuple[Block, ...]] = {}  # move -> lifted_by(move): openings ask twice per candidate
        self._waiting: dict[str, int] = {}  # move -> ``_waiting_sccs(move)``
        # the answers of ``after_move``, ``after_moves`` and ``after_lifting`` of one block (openings' questions: a few per
        # move), per question, the block by identity (one of ``model``'s, alive as long as it is): an Outcomes is kept
        # with its model (``analysis.Solved``), and so are its answers
        self._answers: dict[tuple, tuple[bool, bool]] = {}

    def witnessed(self, move: str) -> int:
        """The witness cycles a change touching ``move`` might alter, as bits: a change
        whose touched moves leave some bit of ``every_witness`` unset keeps a cycle."""
        return sum(1 << i for i, related in enumerate(self._witnesses) if move in related)

    @property
    def every_witness(self) -> int:
        return (1 << len(self._witnesses)) - 1

    def lifted_by(self, move: str) -> tuple[Block, ...]:
        """The blocks ``BlockingModel.with_done(move)`` lifts (``Block.lifted_by``), in the model's
        order.  Worked out for every move at once, the first time one is asked: a block is
        lifted by the moves in each failing subject's ways of one of its alternatives (by
        any move when an alternative has no failing comparison)."""
        found = self._lifted.get(move)
        if found is None:
            if self._lifting is None:
                self._lifting = self._lifting_index()
            found = self._lifted[move] = tuple(b for b in self._lifting.get(move, ()) if b.move != move)
        return found

    def _lifting_index(self) -> dict[str, list[Block]]:
        index: dict[str, list[Block]] = {}
        anyone: list[Block] = []  # lifted by any move, kept in their place among the others below
        moves = self.model.moves
        for blocks in self.model.blocks.values():
            for block in blocks:
                alone: set[str] = set()
                for ways in block.ways:
                    if not ways:
                        anyone.append(block)
                        break
                    alone.update(frozenset.intersection(*ways))
                else:
                    for move in alone:
                        index.setdefault(move, []).append(block)
        if anyone:  # rare: merged into every move's list, in the model's order
            order = {id(b): i for i, b in enumerate(b for bs in self.model.blocks.values() for b in bs)}
            for move in moves:
                index[move] = sorted({id(b): b for b in (*index.get(move, ()), *anyone)}.values(), key=lambda b: order[id(b)])
        return index

    def after_move(self, move: str) -> tuple[bool, bool]:
        """As ``solve(model.with_done(move))``.  The common question of openings (a move not
        reached, not done, that leaves a witness cycle alone) goes straight to whether a goal
        opens, as ``_outcome`` would, without building the changed blocks first."""
        return self._answer(("move", move), self._after_move, move)

    def _after_move(self, move: str) -> tuple[bool, bool]:
        lifted = self.lifted_by(move)
        if self._witnesses and move not in self.solution.reach and move not in self.model.done:
            touched = {b.move for b in lifted}
            touched.add(move)
            for related in self._witnesses:
                if related.isdisjoint(touched):
                    return self._opens_goal({move}, touched, {id(b) for b in lifted}), False
        return self._outcome({move}, lifted)

    def after_moves(self, moves: Sequence[str]) -> tuple[bool, bool]:
        """As ``solve`` of the model with each of ``moves`` made in turn (``with_done`` of
        each): a path, the moves a move comes ``after`` first, then the move."""
        return self._answer(("moves", *moves), self._after_moves, moves)

    def _after_moves(self, moves: Sequence[str]) -> tuple[bool, bool]:
        made = set(moves)
        lifted = {id(b): b for m in moves for b in self.lifted_by(m) if b.move not in made}
        return self._outcome(made, list(lifted.values()))

    def after_lifting(self, blocks: Iterable[Block]) -> tuple[bool, bool]:
        """As ``solve`` of the model without ``blocks`` (a variant, or positions given up)."""
        blocks = list(blocks)
        if len(blocks) != 1:  # a concession search's: thousands, each asked once
            return self._outcome(set(), blocks)
        return self._answer(("lifting", id(blocks[0])), self._outcome, set(), blocks)

    def _answer(self, question: tuple, work: Callable[..., tuple[bool, bool]], *args: Any) -> tuple[bool, bool]:
        """``work(*args)``, the answer to ``question``, worked out once (``_answers``)."""
        found = self._answers.get(question)
        if found is None:
            found = self._answers[question] = work(*args)
        return found

    def opens_way(self, blocks: Iterable[Block]) -> bool:
        """``after_lifting(blocks) == (True, True)``; a cycle that the change leaves alone
        answers no before any reach is worked out."""
        return self._outcome(set(), list(blocks), both=False) == (True, True)

    # --- the changed model, seen through the old one -----------------------------------------

    def _outcome(self, made: set[str], lifted: Sequence[Block], both: bool = True) -> tuple[bool, bool]:
        model, base, pred = self.model, self.solution, self._pred
        was_done = model.done
        made = {m for m in made if m not in was_done}
        touched = made.union(b.move for b in lifted)
        cyclic = any(related.isdisjoint(touched) for related in self._witnesses)  # a witness cycle still counts
        if cyclic and not both:
            return False, False  # the first answer is not worked out: the caller asked for both or neither
        removed = {id(b) for b in lifted}
        if cyclic and not made & base.reach:
            return self._opens_goal(made, touched, removed), False
        blocks = {m: () if m in made else tuple(b for b in model.blocks.get(m, ()) if id(b) not in removed) for m in touched}
        lifters = {m: tuple(self._lifters[id(b)] for b in kept) for m, kept in blocks.items()}  # every other move's: as before
        waits: dict[str, set[str]] = {}  # the wait edges of touched moves (every other move: its old ones, less made moves)
        for move, kept in blocks.items():
            waits[move] = set() if move in made else {
                x for b in kept for x in b.movers if x != move and x not in was_done and x not in made}
        on_the_way = self._on_the_way(made, waits)
        if not both:
            # only moves waiting on a touched one can change: a cycle elsewhere that still counts answers no
            maybe = 0  # as bits: the SCCs of those moves
            for move in waits:
                maybe |= self._waiting_sccs(move)
            if any(on_the_way(self._sccs[i][0]) for i in self._blocked_cyclic if not maybe >> i & 1):
                return False, False  # the first answer is not worked out: the caller asked for both or neither

        # ``reach``: the moves reached after the change (never a made one, which lifts by being done)
        base_reach = base.reach
        if made & base_reach:
            # a reached move made: reach may shrink, solved again for every move waiting on a touched one
            region = _ancestors(pred, waits.keys())
            reach = base_reach - region
            pending = [m for m in region if m not in made]
        else:
            # reach can only grow: from the old reach, through the touched moves
            region = set()
            reach = set(base_reach)
            pending = [m for m in waits if m not in made]
        base_lifters, newly = self._move_lifters, []
        while pending:
            move = pending.pop()
            if move in reach or not liftable(lifters[move] if move in lifters else base_lifters.get(move, ()), reach):
                continue
            reach.add(move)
            newly.append(move)
            for waiting in pred[move]:
                if waiting not in reach and waiting not in made and (not region or waiting in region):
                    pending.append(waiting)
        moved = region or set(waits).union(newly)  # every move whose reach or waits may differ (with made ones)

        changed = {self._scc_of[m] for m in moved if m in self._scc_of}
        untouched_cycle = any(on_the_way(self._sccs[i][0]) for i in self._blocked_cyclic if i not in changed)
        if untouched_cycle and not both:
            return False, False  # the first answer is not worked out: the caller asked for both or neither
        affected = {g for m in moved for g in self._goals_of.get(m, ())}
        reaches = any(g not in affected for g in self._reachable_goals) or any(
            all(any(n in was_done or n in made or n in reach for n in options) for options in self._goal_needs[goal])
            for goal in affected)
        if not reaches and not both:
            return False, False  # the second answer is not worked out: the caller asked for both or neither
        return reaches, not untouched_cycle and self._acyclic_where_changed(made, waits, changed, reach.__contains__, on_the_way)

    def _waiting_sccs(self, move: str) -> int:
        """The SCCs of ``move`` and of every move waiting on it, directly or not, as bits
        (``1 << index``); worked out once per move."""
        bits = self._waiting.get(move)
        if bits is None:
            bits = 0
            scc_of = self._scc_of
            for m in _ancestors(self._pred, [move]):
                if m in scc_of:
                    bits |= 1 << scc_of[m]
            self._waiting[move] = bits
        return bits

    def _opens_goal(self, made: set[str], touched: set[str], removed: set[int]) -> bool:
        """Whether some goal is reachable after a change whose reach can only grow (no
        reached move made): a goal reachable before still is, and otherwise one of the
        made or newly reached moves must complete one.  Stops at the first.  ``touched``:
        the made moves and the moves of the blocks lifted (``removed``: their ids); every
        other move keeps its blocks' lifters."""
        if self._reachable_goals:
            return True
        model = self.model
        was_done, goals_of, goal_needs, pred, base_lifters = model.done, self._goals_of, self._goal_needs, self._pred, self._move_lifters
        reach = self.solution.reach  # copied before the first move is added

        def completes(move: str) -> bool:
            """Some goal needing ``move`` has each need (or a substitute) done, made or reached."""
            for goal in goals_of[move]:
                for options in goal_needs[goal]:
                    for n in options:
                        if n in was_done or n in made or n in reach:
                            break
                    else:
                        break  # this need is not met
                else:
                    return True
            return False

        for move in made:
            if move in goals_of and completes(move):
                return True
        all_lifters, blocks, copied = self._lifters, model.blocks, False
        pending = [m for m in touched if m not in made]
        while pending:
            move = pending.pop()
            if move in reach:
                continue
            if move in touched:
                lifters = tuple(all_lifters[id(b)] for b in blocks.get(move, ()) if id(b) not in removed)
            else:
                lifters = base_lifters.get(move, ())
            if not liftable(lifters, reach):
                continue
            if not copied:
                reach, copied = set(reach), True
            reach.add(move)
            if move in goals_of and completes(move):
                return True
            for waiting in pred[move]:
                if waiting not in reach and waiting not in made:
                    pending.append(waiting)
        return False

    def _on_the_way(self, made: set[str], waits: dict[str, set[str]]) -> Callable[[str], bool]:
        pred, starts = self._pred, self._starts

        def on_the_way(move: str) -> bool:
            """Some move a goal needs still leads to ``move`` in the changed graph."""
            stack, seen = [move], {move}
            while stack:
                current = stack.pop()
                if current in starts and current not in made:
                    return True
                for p in pred[current]:
                    if p not in seen and p not in made and (p not in waits or current in waits[p]):
                        seen.add(p)
                        stack.append(p)
            return False

        return on_the_way

    def _acyclic_where_changed(self, made: set[str], waits: dict[str, set[str]], changed: set[int],
                               reached: Callable[[str], bool], on_the_way: Callable[[str], bool]) -> bool:
        succ, scc_of = self._succ, self._scc_of
        blocked = {m for index in changed for m in self._sccs[index] if m not in made and not reached(m)}
        # the waits inside each changed SCC, all in one graph: its cycles are theirs
        sub = {m: [x for x in (waits[m] if m in waits else succ[m]) if x in blocked and scc_of[x] == scc_of[m]] for m in blocked}
        return not any(on_the_way(part[0]) for part in cyclic_components(sub))


def _ancestors(pred: dict[str, list[str]], moves: Iterable[str]) -> set[str]:
    """``moves`` and every move that waits on one of them, directly or not (given the
    successors instead: every move they wait for)."""
    found = set(moves)
    stack = [m for m in found if m in pred]
    while stack:
        for p in pred[stack.pop()]:
            if p not in found:
                found.add(p)
                stack.append(p)
    return found
