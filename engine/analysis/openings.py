"""Ways out: the openings that exist now, the candidate changes that would open the way,
ranked, and the smallest sets of concessions that do."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable

import networkx as nx
from pydantic import TypeAdapter

from engine.analysis.model import Block, Model, Situation, Solution, solve, unmet_comparisons
from engine.analysis.whatif import Outcomes
from engine.conditions import describe, expr_holds
from engine.rulebook.models import Offer, Position, Variant
from engine.verdict import ConcessionSets, Opening, PositionRef

_OPENINGS = TypeAdapter(list[Opening])
WORK_BUDGET = 100_000  # moves x model solves the concession search may spend before turning greedy
MAX_SETS = 20


def find_openings(sit: Situation, model: Model, solution: Solution, cite: Callable[[Position | Offer, Variant | None], PositionRef],
                  outcomes: Outcomes | None = None, toward: dict[str, list[str]] | None = None) -> list[Opening]:
    """The ranked ways out; ``toward``: move -> the goals not done on whose way it lies
    (``on_the_way``), named by each opening."""
    rb = sit.rulebook
    toward = toward or {}
    outcomes = outcomes or Outcomes(model, solution)
    values = {k: f.value for k, f in sit.state.items()}
    candidates: list[dict] = []
    substitutes = {s for subs in model.substitutes.values() for s in subs}
    needed = {n for g, done in model.goals.items() if not done for n in model.needs[g]}
    waited_on = {target for targets in solution.waits.values() for target in targets}

    def satisfied_by(move: str) -> list[Block]:
        return [b for b in outcomes.blocks_on(model.written[move]) if b.move != move and b.lifted_by(move)]

    for move in sorted(solution.reach & solution.relevant):
        if model.blocks.get(move) or not (move in needed or move in substitutes or move in waited_on):
            continue
        reaches, acyclic = outcomes.after_move(move)
        actor = rb.moves[move].actor
        resting = model.willing.get(move, ())
        if move in model.eased:
            position, variant = model.eased[move]
            kind, evidence = "variant", [cite(position, variant)]
            text = f"{actor} can {_verb(rb, move)} in step with the moves its position waits for: variant '{variant.id}' of {position.id} is in force"
        else:
            kind = "substitute" if move in substitutes else "move"
            evidence = [cite(p, None) for p in resting]
            positions = [p.id for p in resting if isinstance(p, Position)]
            offers = [p.id for p in resting if not isinstance(p, Position)]
            reason = (f"the condition of {', '.join(positions)} is met" if positions else
                      f"it has said it will (offer {', '.join(offers)})" if offers else
                      "it needs nobody's consent (a free move)")
            text = f"{actor} can {_verb(rb, move)} now: {reason}"
        candidates.append(dict(kind=kind, what=move, move=move, variant=model.eased[move][1].id if move in model.eased else None,
                               actor=actor, description=text,
                               satisfies=list(dict.fromkeys(b.key for b in satisfied_by(move))), breaches=[],
                               breaks_all_cycles=acyclic, reaches_goal=reaches, available_now=True, evidence=evidence,
                               toward=toward.get(move, [])))

    for move in sorted(solution.relevant - solution.reach):
        reaches, acyclic = outcomes.after_move(move)
        unmet = unmet_comparisons(rb.alternatives(rb.moves[move].done_when), values)
        blocks = model.blocks.get(move, ())
        breaches = [b for b in blocks if b.kind == "position"]
        actor = rb.moves[move].actor
        if not breaches and any(b.kind == "unknown" for b in blocks):
            kind, text = "ask", f"Ask {actor} whether it would {_verb(rb, move)}: nobody has said"
        else:
            kind = "substitute" if move in substitutes else "move"
            offered = list(dict.fromkeys(b.key for b in blocks if b.kind == "offer"))
            text = f"{actor} {_verb(rb, move, third=True)}" + (
                f", breaching {', '.join(dict.fromkeys(b.key for b in breaches))}" if breaches else
                f", before the condition of its offer {', '.join(offered)} holds" if offered else "")
        candidates.append(dict(kind=kind, what=move, move=move, actor=actor, description=text,
                               facts_needed=[describe(c, rb.subjects[c.subject].unit) for c in unmet],
                               satisfies=list(dict.fromkeys(b.key for b in satisfied_by(move))),
                               breaches=list(dict.fromkeys(b.key for b in breaches)), breaks_all_cycles=acyclic,
                               reaches_goal=reaches, evidence=[cite(b.stated, None) for b in blocks if b.stated is not None],
                               toward=toward.get(move, [])))

    for block in _relevant_blocks(model, solution):
        for variant in (block.position.variants if block.position is not None else ()):
            if variant is block.variant:
                continue
            softer = variant.simultaneous or (variant.until is not None and expr_holds(rb.expand(variant.until), values))
            if not softer:
                continue
            reaches, acyclic = outcomes.after_lifting([block])
            switch = [describe(c) for c in unmet_comparisons(rb.alternatives(variant.switched_on_by), values)]
            candidates.append(dict(kind="variant", what=variant.id, move=block.move, variant=variant.id, actor=block.position.actor,
                                   description=f"{block.position.actor} switches to '{variant.id}' ({_variant_text(variant)}), softening {block.key}",
                                   facts_needed=switch, satisfies=[block.key], breaches=[],
                                   breaks_all_cycles=acyclic, reaches_goal=reaches,
                                   evidence=[cite(block.position, variant)], toward=toward.get(block.move, [])))

    main = set(model.main)
    # a way toward a main goal before one toward interim goals only: opening talks is not opening the deal
    candidates.sort(key=lambda c: (not c.get("available_now", False), main.isdisjoint(c["toward"]) if main else False,
                                   not c["reaches_goal"], not c["breaks_all_cycles"],
                                   len(c["breaches"]), -len(c["satisfies"]), c["kind"] != "variant", c["what"]))
    for i, candidate in enumerate(candidates):
        candidate["rank"] = i + 1
    return _OPENINGS.validate_python(candidates)  # the whole list at once: a third of the time of one by one


def concession_sets(model: Model, solution: Solution, outcomes: Outcomes | None = None) -> ConcessionSets:
    """Smallest sets of blocking positions whose removal breaks every cycle and makes some
    goal reachable.  Exact while the combinations to try fit the work budget (a try costs
    up to a solve of the whole model, so the budget shrinks as the scenario grows); then a
    greedy search, and for scenarios too large even for that, one guided by the cycles."""
    if solution.any_goal or any(model.goals.values()):
        return ConcessionSets(size=0, sets=[], exact=True, note="no concession is needed")
    candidates = sorted({b.key for b in _relevant_blocks(model, solution)})
    if not candidates:
        return ConcessionSets(size=0, sets=[], exact=True, note="no position in force blocks the goals; nothing to concede")
    trials = _Trials(model, outcomes or Outcomes(model, solution))
    opens_way = trials.opens_way
    budget = max(len(candidates) + 1, WORK_BUDGET // max(1, len(model.moves)))
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


def _greedy(opens_way: Callable[[Iterable[str]], bool], candidates: list[str], from_size: int) -> ConcessionSets:
    chosen = list(candidates)
    for position in candidates:
        trial = [p for p in chosen if p != position]
        if opens_way(trial):
            chosen = trial
    return ConcessionSets(size=len(chosen), sets=[chosen], exact=False,
                          note=f"no set of fewer than {from_size} concessions works; beyond that the search is greedy and this set is minimal but may not be the smallest")


def _by_cycles(model: Model, solution: Solution, trials: _Trials, from_size: int) -> ConcessionSets:
    """Too many positions to try one by one: break each cycle at the position that blocks
    the most of its links, then give up the positions still between a goal and its needs;
    checked once.  Small, not guaranteed smallest.  Each strongly connected component of
    the blocked graph is broken on its own (a position blocks one move, so it takes part in
    the cycles of one component only), in order of its first move."""
    chosen: list[str] = []
    given: set[str] = set()
    for component in solution.blocked_components():
        inside = set(component)
        waits = {(a, b): blocks for a in component for b, blocks in solution.waits.get(a, {}).items() if b in inside}
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
                    if block.key not in given:
                        counts[block.key] = counts.get(block.key, 0) + 1
            position = max(sorted(counts), key=counts.__getitem__)
            chosen.append(position)
            given.add(position)
            move = trials.withheld[position]  # only the waits of the move it withholds can lose their last block
            for edge in [e for e in waits if e[0] == move and all(x.key in given for x in waits[e])]:
                del waits[edge]
                if graph is not None:
                    graph.remove_edge(*edge)
    reaches, acyclic = trials.outcome(chosen)
    if not reaches:
        after = model.without(chosen)
        chosen += sorted({b.key for b in _relevant_blocks(after, solve(after))} - set(chosen))
        reaches, acyclic = trials.outcome(chosen)
    if not (reaches and acyclic):
        return ConcessionSets(size=0, sets=[], exact=False,
                              note=f"too many positions to search; no set of fewer than {from_size} works, and none was found by breaking cycles")
    return ConcessionSets(size=len(chosen), sets=[chosen], exact=False,
                          note=f"no set of fewer than {from_size} concessions works; too many positions to search further, so this set "
                               "breaks each cycle at its most-blocking position: it works but may not be the smallest")


class _Trials:
    """Does giving up these positions break every cycle and open a goal?"""

    def __init__(self, model: Model, outcomes: Outcomes):
        self._outcomes = outcomes
        self._blocks_of: dict[str, list[Block]] = {}
        self.withheld: dict[str, str] = {}  # position -> the move it withholds
        for blocks in model.blocks.values():
            for block in blocks:
                self._blocks_of.setdefault(block.key, []).append(block)
                self.withheld[block.key] = block.move
        self._witnessed = {position: outcomes.witnessed(move) for position, move in self.withheld.items()}
        self._every_witness = outcomes.every_witness

    def opens_way(self, positions: Iterable[str]) -> bool:
        positions = list(positions)
        touched = 0
        for position in positions:
            touched |= self._witnessed.get(position, 0)
        if touched != self._every_witness:
            return False  # a witness cycle is left alone (as Outcomes would answer, without building the change)
        return self._outcomes.opens_way(self._lifted(positions))

    def outcome(self, positions: Iterable[str]) -> tuple[bool, bool]:
        """Once these positions are given up: is some goal reachable, is no cycle left?"""
        return self._outcomes.after_lifting(self._lifted(positions))

    def _lifted(self, positions: Iterable[str]) -> list[Block]:
        return [b for p in positions for b in self._blocks_of.get(p, ())]


def _relevant_blocks(model: Model, solution: Solution) -> list[Block]:
    return [b for m in sorted(solution.relevant - solution.reach) for b in model.blocks.get(m, ())]


def _verb(rb, move: str, third: bool = False) -> str:
    """``grant relief (ease or lift the sanctions on Iranian oil)``; ``makes 'grant relief' (...)``."""
    name = move.split(".", 1)[1].replace("_", " ")
    description = rb.moves[move].description.rstrip(".")
    detail = f" ({description[0].lower()}{description[1:]})" if description else ""
    return f"makes '{name}'{detail}" if third else f"{name}{detail}"


def _variant_text(variant: Variant) -> str:
    return "simultaneous steps" if variant.simultaneous else "a softer condition"
