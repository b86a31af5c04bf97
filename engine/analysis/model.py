"""The blocking model: which moves are done, which are withheld and by what, and which
moves could make a withheld move's condition come true.  ``solve`` finds what can be
reached without breaching any position in force.

- A move is *done* when its ``done_when`` holds.
- A position in force *blocks* its move while its condition is unmet, unless an active
  variant lets the actor move in step (``simultaneous``) or a softer ``until`` is met.
  A position without ``until`` is a refusal: it blocks for as long as it is in force.
- A blocked move *waits for* the moves that read the subjects of its unmet comparisons
  (their ``done_when`` mentions the subject), leaving out the alternatives another makes
  needless (``_undominated``).  The block lifts when, for some alternative
  of the condition (its DNF), every subject with a failing comparison can be changed by a
  reachable move.  A block on a subject that no move changes is a dead end.
- *Reachable*: the least set of moves that are free, or whose every block can be lifted by
  reachable moves.  A goal is reachable when each move it needs (or a substitute) is done
  or reachable.  Deadlock: no goal reachable.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import networkx as nx

from engine.conditions import compare_met, day_key, day_number
from engine.conduct import shown
from engine.facts import Fact
from engine.kept import Kept, Last
from engine.lapses import lapsed, statements
from engine.rulebook import Rulebook
from engine.rulebook.models import TODAY, Compare, Expr, Offer, Position, Variant
from engine.trends import with_previous
from engine.values import ValueSet, constraint


@dataclass(frozen=True)
class Situation:
    """Everything the analysis reads about one session at one time."""

    rulebook: Rulebook
    session: str
    as_of: dt.datetime
    holds: Callable[[str], bool]
    state: dict[str, Fact]
    previous: Callable[[Fact], Fact | None]
    hostile: dict[str, tuple[list[Fact], list[Fact]]]  # escalation pattern -> live hostile events by side (kept by the session: read only)
    calm: dict[str, tuple[Fact, ...]] = field(default_factory=dict)  # escalation pattern -> the acts of its latest de-escalation, if any

    @functools.cached_property
    def positions_in_force(self) -> tuple[tuple[Position, Variant | None], ...]:
        """Each position in force (``in_force``), in the rulebook's order, with its active
        variant (``active_variant``): worked out once for the model, the deadlines and the
        verdict's list."""
        return tuple((p, active_variant(self, p) if p.variants else None) for p in statements_in_force(self)[0])

    @functools.cached_property
    def offers_in_force(self) -> frozenset[str]:
        """The ids of the offers in force (``in_force``)."""
        return statements_in_force(self)[1]


MAX_KEPT_IN_FORCE = 256
_TIMED: Kept[tuple[frozenset[str], frozenset[str], bool]] = Kept("model.timed", lambda: MAX_KEPT_IN_FORCE, arity=1)


def statements_in_force(sit: Situation) -> tuple[tuple[Position, ...], frozenset[str]]:
    """The positions in force (``in_force``, in the rulebook's order) and the ids of the
    offers in force, as of ``sit``.  Only a statement with ``in_force`` dates or a lapse is
    ever out of force: those are found once per rulebook (at most ``MAX_KEPT_IN_FORCE``
    rulebooks kept), and only they are looked at again."""
    rb = sit.rulebook
    timed = _timed(rb)
    as_of, state = sit.as_of, sit.state
    positions, offers = timed[0], timed[1]
    return (tuple(p for p in rb.positions.values() if p.id not in positions or in_force(p, as_of, state)),
            frozenset(o.id for o in rb.offers.values() if o.id not in offers or in_force(o, as_of, state)))


@dataclass(frozen=True)
class Block:
    """What keeps a move from being made with a party's word behind it.

    ``kind``: ``position`` (a position in force withholds it: ``refusal`` when it has no
    ``until``), ``offer`` (no position speaks of it, but offers do, and none of their
    conditions holds yet: ``offers``), ``unknown`` (nobody has said anything of it: no
    move can lift that, only a statement; it is never a refusal), or ``after`` (a move it
    comes after, ``after``, is not done: making that move lifts it; it is no stance, and
    never a concession: ``prerequisite_blocks``)."""

    position: Position | None
    move: str
    variant: Variant | None
    refusal: bool
    unmet: tuple[Compare, ...]  # the failing comparisons of the alternative closest to holding
    alternatives: tuple[frozenset[str], ...] = ()  # per alternative, the subjects that fail
    ways: tuple[tuple[frozenset[str], ...], ...] = ()  # per alternative, per failing subject (sorted): the moves that meet it
    kind: Literal["position", "offer", "unknown", "after"] = "position"
    offers: tuple[Offer, ...] = ()
    failing: tuple[tuple[Compare, ...], ...] = ()  # per alternative, its failing comparisons (``alternatives``' order)
    stance: str | None = None  # the stance its statement states (``Rulebook.stance_of``), when it restates another
    after: str | None = None  # kind ``after``: the move not yet done that this one comes after
    party: str | None = None  # kind ``unknown`` on a move needing several parties' consent: who has not said (None: its actor)
    clashes: tuple[str, ...] = ()  # the statements whose terms clash with its own on a value a move ``decides`` (``_clashes``)

    @property
    def key(self) -> str:
        """The stance it stands for, as concessions name it: the stance its position (or
        first offer) states (the id of the first statement of it, ``restates``), or
        ``unknown:MOVE``.  Blocks of one stance are given up together."""
        if self.stance is not None:
            return self.stance
        if self.after is not None:
            return f"after:{self.move}:{self.after}"
        if self.position is not None:
            return self.position.id
        if self.offers:
            return self.offers[0].id
        return f"unknown:{self.move}" if self.party is None else f"unknown:{self.move}:{self.party}"

    @property
    def stated(self) -> Position | Offer | None:
        """The statement it rests on (None: silence)."""
        return self.position if self.position is not None else (self.offers[0] if self.offers else None)

    @functools.cached_property
    def unmet_subjects(self) -> frozenset[str]:
        """Every subject whose change could help meet the condition."""
        return frozenset().union(*self.alternatives) if self.alternatives else frozenset(c.subject for c in self.unmet)

    @functools.cached_property
    def movers(self) -> frozenset[str]:
        """Every move that meets some failing comparison of some alternative (the moves the
        blocked move waits for, before leaving out done ones and itself)."""
        return frozenset().union(*(w for ways in self.ways for w in ways))

    def unmet_toward(self, target: str) -> tuple[Compare, ...]:
        """The failing comparisons of the alternative closest to holding among those that
        ``target`` would help meet (what the move waits for ``target`` to change); all
        alternatives' closest when none."""
        helped = [f for f, ways in zip(self.failing, self.ways) if any(target in w for w in ways)]
        return closest(helped) if helped else self.unmet

    def lifted_by(self, move: str) -> bool:
        """Making ``move`` alone meets some alternative: it meets each failing comparison."""
        return any(all(move in w for w in ways) for ways in self.ways)  # a refusal or silence has no ways


@dataclass(frozen=True)
class BlockingModel:
    moves: frozenset[str]
    done: frozenset[str]
    blocks: dict[str, tuple[Block, ...]]
    eased: dict[str, tuple[Position, Variant]]  # move -> position whose variant lets it move in step
    willing: dict[str, tuple[Position | Offer, ...]]  # move not blocked -> what it rests on: positions met, offers met (empty: free)
    written: dict[str, frozenset[str]]  # move -> the subjects it changes
    goals: dict[str, bool]  # goal id -> done
    needs: dict[str, tuple[str, ...]]
    substitutes: dict[str, tuple[str, ...]]
    main: tuple[str, ...] = ()  # the goals whose status makes the headline (``Rulebook.main_goals``)
    phases: tuple[str, ...] = ()  # every main goal in a phase (``Rulebook.phases``): never an interim goal
    aside: tuple[str, ...] = ()  # interim goals a step toward a main goal the headline does not follow now (``Rulebook.aside``)
    steps: tuple[tuple[str, str], ...] = ()  # (interim goal, the main goal it is a step ``toward``)
    # where a move ``decides`` a value: the blocks before clashes of terms were found, and
    # the rulebook to find them again with (a stance given up can end a clash)
    unclashed: dict[str, tuple[Block, ...]] | None = field(default=None, compare=False, repr=False)
    deciding: Rulebook | None = field(default=None, compare=False, repr=False)

    def _kept_blocks(self, keep: Callable[[str, Block], bool] | None, moves: Iterable[str] | None = None,
                     clash_again: bool = False) -> dict:
        """The fields for ``replace``: the blocks (of ``moves``, every move when None) that
        ``keep`` keeps (every one: None), and where terms can clash, the same of the blocks
        before clashes, those found again if ``clash_again``.  A block and its unclashed self
        stand at the same place of their move's tuple."""
        moves = self.blocks if moves is None else [m for m in moves if m in self.blocks]
        if self.unclashed is None:
            if keep is None:
                return {"blocks": {m: self.blocks[m] for m in moves}}
            return {"blocks": {m: tuple(b for b in self.blocks[m] if keep(m, b)) for m in moves}}
        if keep is None:
            keep = _every
        kept = {m: [i for i, b in enumerate(self.blocks[m]) if keep(m, b)] for m in moves}
        unclashed = {m: tuple(self.unclashed[m][i] for i in kept[m]) for m in moves}
        if clash_again:
            return {"blocks": _clashes(self.deciding, unclashed), "unclashed": unclashed}
        return {"blocks": {m: tuple(self.blocks[m][i] for i in kept[m]) for m in moves}, "unclashed": unclashed}

    def without(self, positions: Iterable[str]) -> BlockingModel:
        """As if these stances (``Block.key``) were given up (a clash of terms with one of
        them ends with it)."""
        gone = set(positions)
        return replace(self, **self._kept_blocks(lambda _m, b: b.key not in gone, clash_again=True))

    def toward(self, goals: Iterable[str], moves: Iterable[str]) -> BlockingModel:
        """The model of ``goals`` alone, cut down to ``moves`` (every move on their way,
        ``on_the_way``: closed under waiting, so what is reachable among them is unchanged)."""
        kept = frozenset(moves) | self.done
        wanted = set(goals)
        goals = [g for g in self.goals if g in wanted]
        return replace(self, moves=kept, **self._kept_blocks(None, kept),
                       goals={g: self.goals[g] for g in goals}, needs={g: self.needs[g] for g in goals},
                       main=tuple(g for g in self.main if g in wanted and g in self.goals),
                       phases=tuple(g for g in self.phases if g in wanted and g in self.goals),
                       aside=tuple(g for g in self.aside if g in wanted and g in self.goals),
                       steps=tuple((g, t) for g, t in self.steps if g in wanted and g in self.goals))

    def hopeful(self) -> BlockingModel:
        """As if every move nobody has spoken of were willing (the old, silence-is-consent
        reading): what a goal would need if the untested moves turned out willing."""
        return replace(self, **self._kept_blocks(lambda _m, b: b.kind != "unknown"))

    def with_done(self, move: str) -> BlockingModel:
        """As if ``move`` were made: it is done, and every block that some alternative of
        whose condition the move meets on its own (``Block.lifted_by``) is lifted."""
        return replace(self, done=self.done | {move}, **self._kept_blocks(lambda _m, b: not b.lifted_by(move),
                                                                            [m for m in self.blocks if m != move]))


@dataclass
class Solution:
    reach: set[str]
    goals_reachable: dict[str, bool]
    moves: tuple[str, ...]  # the moves not done, sorted: the nodes of ``graph``
    relevant: set[str]
    refused: set[str] = field(default_factory=set)
    lifters: dict[int, Lifters] = field(default_factory=dict, repr=False, compare=False)  # id(block) -> its lifters (none: a dead end)
    move_lifters: dict[str, tuple[Lifters, ...]] = field(default_factory=dict, repr=False, compare=False)  # its blocks'
    waits: dict[str, dict[str, list[Block]]] = field(default_factory=dict, repr=False, compare=False)  # the graph's edges as plain dicts
    pred: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)  # move -> the moves that wait for it
    _blocked: nx.DiGraph | None = field(default=None, repr=False, compare=False)
    _components: list[list[str]] | None = field(default=None, repr=False, compare=False)
    _sccs: list[list[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def any_goal(self) -> bool:
        return any(self.goals_reachable.values())

    @functools.cached_property
    def graph(self) -> nx.DiGraph:
        """Move -> move it waits for (the blocks behind each wait: ``waits``), as a networkx
        graph, built when first asked: the analysis itself walks ``waits`` and ``pred``."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.moves)
        graph.add_edges_from((move, target) for move, targets in self.waits.items() for target in targets)
        return graph

    def blocked_graph(self) -> nx.DiGraph:
        """The relevant moves not reached and the waits between them (a graph of its own,
        built once: a subgraph view is several times slower to walk; kept whole only when
        built, as a solution may be read by several threads' verdicts: ``analysis.Solved``)."""
        if self._blocked is None:
            nodes = sorted(n for n in self.relevant if n not in self.reach)
            blocked = set(nodes)
            graph = nx.DiGraph()
            graph.add_nodes_from(nodes)
            graph.add_edges_from((u, v, {"blocks": blocks}) for u in nodes for v, blocks in self.waits.get(u, {}).items() if v in blocked)
            self._blocked = graph
        return self._blocked

    def blocked_components(self) -> list[list[str]]:
        """The strongly connected components of the blocked graph that hold a cycle (every
        blocked cycle lies in one), each sorted, in order of their first move."""
        if self._components is None:
            # each lies in a component of the whole wait graph: searched there, on its blocked moves
            blocked = {n for n in self.relevant if n not in self.reach}
            found = []
            for component in self.components():
                inside = [m for m in component if m in blocked]
                if len(inside) > 1:
                    found += _blocked_parts(component, inside, self.waits)
            self._components = sorted(found)
        return self._components

    def components(self) -> list[list[str]]:
        """The strongly connected components of more than one move of the whole wait graph,
        each sorted, in order of their first move (worked out once): from those of the
        last wait graph whose components were worked out, where this one is that one less
        some moves and waits (``_components_after``), else afresh."""
        if self._sccs is None:
            succ = {m: list(self.waits.get(m, ())) for m in self.moves}
            last = _LAST_GRAPH[0]
            found = _components_after(last[0], last[1], succ) if last is not None else None
            if found is None:
                found = [sorted(c) for c in cyclic_components(succ)]
            self._sccs = sorted(found)
            _LAST_GRAPH[0] = (succ, self._sccs)
        return self._sccs

    def blocked_subgraph(self, component: list[str]) -> nx.DiGraph:
        """The blocked graph on the moves of ``component``, built in their order: the same
        graph, walked the same way, on every run (a subgraph view iterates a set, whose
        order changes with the process's string hashing)."""
        members = set(component)
        sub = nx.DiGraph()
        sub.add_nodes_from(component)
        sub.add_edges_from((u, v) for u in component for v in self.waits.get(u, ()) if v in members)
        return sub


# the last wait graph whose components were worked out, with them: a timeline's next model is most often that one with a
# move more done (its waits gone), so most of its components are the same (``Solution.components``)
_LAST_GRAPH = Last("model.last_graph")  # (its successors per move, its components)
MAX_KEPT_PARTS = 4_096
_BLOCKED_PARTS: Kept[list[list[str]]] = Kept("model.blocked_parts", lambda: MAX_KEPT_PARTS, arity=1)


def _components_after(old: dict[str, list[str]], old_sccs: list[list[str]], succ: dict[str, list[str]]) -> list[list[str]] | None:
    """The strongly connected components (of more than one move, each sorted) of the graph
    ``succ`` (move -> the moves it waits for), from those of ``old``, when ``succ`` is
    ``old`` less some moves and waits (else None: worked out afresh).  Then every component
    of ``succ`` lies in one of ``old`` (a cycle of ``succ`` is one of ``old``), and is one
    of the graph ``succ`` induces on that one's moves; a component of ``old`` whose moves
    are all in ``succ``, each waiting for the very moves it waited for, is one of ``succ``
    as it was (the same list: what is kept per component, ``_blocked_parts``, stays valid
    for it); the others are searched again on what is left of them."""
    changed: set[str] = set()
    for move, targets in succ.items():
        was = old.get(move)
        if was is None:
            return None  # a move new to the graph
        if targets != was:
            if not set(targets).issubset(was):
                return None  # a wait new to the graph
            changed.add(move)
    found: list[list[str]] = []
    for component in old_sccs:
        if changed.isdisjoint(component) and all(m in succ for m in component):
            found.append(component)
            continue
        members = {m for m in component if m in succ}
        if len(members) > 1:
            found += (sorted(c) for c in cyclic_components({u: [v for v in succ[u] if v in members]
                                                           for u in component if u in members}))
    return found


def _blocked_parts(component: list[str], inside: list[str], waits: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components (each sorted) of the waits among ``inside``, the
    blocked moves of the wait graph's ``component``: kept per component list and those
    moves, a component list standing for the very waits of its moves
    (``_components_after``); at most ``MAX_KEPT_PARTS`` kept."""
    kept = _BLOCKED_PARTS.get((component,), inside := tuple(inside))
    if kept is None:
        members = set(inside)
        kept = _BLOCKED_PARTS.put((component,), inside, [sorted(c) for c in cyclic_components(
            {u: [v for v in waits.get(u, ()) if v in members] for u in inside})])
    return kept


def relevant_blocks(model: BlockingModel, solution: Solution) -> list[Block]:
    """The blocks on the moves on the way to a goal that are not reached, move by move."""
    return [b for m in sorted(solution.relevant - solution.reach) for b in model.blocks.get(m, ())]


def in_force(position: Position | Offer, as_of: dt.datetime, state: Mapping[str, Fact] | None = None) -> bool:
    """Within its ``in_force`` dates, not lapsed (``engine.lapses``: a lapse counted from
    a fact reads ``state``, the facts in force then; without it such a lapse is not seen)
    and, for an offer shown by conduct, while its act is in force (``engine.conduct``)."""
    start, end = position.in_force.from_, position.in_force.until
    day = as_of.date()
    return ((start is None or start <= day) and (end is None or day < end) and not lapsed(position, as_of, state or {})
            and shown(position, state or {}))


def _timed(rb: Rulebook) -> tuple[frozenset[str], frozenset[str], bool]:
    """Of ``rb``: the ids of the positions and of the offers with ``in_force`` dates, a lapse
    or an act that shows them (``shown_by``: out of force until it is done), and whether any
    statement (a variant too) has a lapse; kept per rulebook."""
    timed = _TIMED.get((rb,))
    if timed is None:
        timed = _TIMED.put((rb,), None, (*(frozenset(s.id for s in stated.values()
                                                  if s.in_force.from_ is not None or s.in_force.until is not None or s.lapses is not None
                                                  or getattr(s, "shown_by", None) is not None)
                                       for stated in (rb.positions, rb.offers)),
                                  any(s.lapses is not None for s in statements(rb))))
    return timed


def timed(rb: Rulebook) -> tuple[frozenset[str], frozenset[str]]:
    """The ids of the positions and of the offers of ``rb`` that may be out of force (``in_force``
    dates, a lapse, an act that shows them); every other is in force at every time."""
    return _timed(rb)[:2]


def any_lapse(rb: Rulebook) -> bool:
    """Whether some position, variant or offer of ``rb`` lapses by itself (``lapses``)."""
    return _timed(rb)[2]


def values_of(sit: Situation) -> dict:
    """What ``conditions.compare_met`` reads of a situation: each subject's value in force,
    and for a subject a trend reads, the value of the fact that one superseded."""
    values = with_previous({k: f.value for k, f in sit.state.items()}, sit.state, sit.previous, sit.rulebook.trended)
    if sit.rulebook.dated:  # deadlines: the date of each fact they read, and the day asked
        values.update((day_key(s), day_number(sit.state[s].at.date())) for s in sit.rulebook.dated if s in sit.state)
        values[TODAY] = day_number(sit.as_of.date())
    return values


def active_variant(sit: Situation, position: Position) -> Variant | None:
    """The position's first variant switched on and not lapsed, if any."""
    return next((v for v in position.variants if sit.holds(f"variant:{v.id}") and not lapsed(v, sit.as_of, sit.state)), None)


def build_model(sit: Situation) -> BlockingModel:
    if type(getattr(sit.holds, "__self__", None)) is frozenset:
        # the claims that hold known as a set (a timeline's walk): from the last model by difference
        from engine.analysis.building import built  # it builds on this module's blocks

        return built(sit)
    rb = sit.rulebook
    values = values_of(sit)
    done = frozenset(m for m in rb.moves if sit.holds(f"move:{m}"))
    blocks: dict[str, list[Block]] = {}
    eased: dict[str, tuple[Position, Variant]] = {}
    met: dict[str, list[Position]] = {}
    spoke: set[tuple[str, str]] = set()  # (move, actor): a position of the actor's in force speaks of the move
    for position, variant in sit.positions_in_force:
        if position.withholds in done:
            continue
        spoke.add((position.withholds, position.actor))
        if variant is not None and variant.simultaneous:
            eased[position.withholds] = (position, variant)
            continue
        if variant is not None and variant.until is not None:
            # softer: the variant's condition or the position's own (if any) will do
            if sit.holds(f"variant_until:{variant.id}") or (position.until is not None and sit.holds(f"until:{position.id}")):
                met.setdefault(position.withholds, []).append(position)
                continue
            condition: Expr | None = variant.until
        elif position.until is None:
            blocks.setdefault(position.withholds, []).append(_plain_block(
                ("refusal",), (rb, position, variant),
                position, position.withholds, variant, True, (), stance=rb.stance_of[position.id]))
            continue
        elif sit.holds(f"until:{position.id}"):
            met.setdefault(position.withholds, []).append(position)
            continue
        else:
            condition = position.until
        blocks.setdefault(position.withholds, []).append(_position_block(rb, position, variant, condition, values))
    willing: dict[str, tuple[Position | Offer, ...]] = {}
    offers_in_force = sit.offers_in_force
    for key, move in rb.moves.items():
        if move.consent and key not in done:
            _consent(sit, rb, key, values, spoke, blocks, eased, met, willing)
            continue
        if key in done or key in blocks:
            continue
        if key in eased or key in met:
            willing[key] = tuple(met.get(key, ())) or (eased[key][0],)
            continue
        offers = [o for o in rb.offering.get(key, ()) if o.id in offers_in_force]
        kept = [o for o in offers if o.if_ is None or o.simultaneous or sit.holds(f"offer:{o.id}")]
        if kept:
            willing[key] = tuple(kept)
        elif offers:  # willing once one of its offers' conditions holds
            blocks[key] = [_conditional(rb, key, None, values, offers=tuple(offers))]
        elif move.free:
            willing[key] = ()
        else:  # silence is not consent
            blocks[key] = [_plain_block(("unknown", key, None), (), None, key, None, False, (), kind="unknown")]
    for key, found in prerequisite_blocks(rb, done):
        blocks.setdefault(key, []).extend(found)
    goals = {g: sit.holds(f"goal:{g}") for g in rb.goals}
    return assembled_model(rb, done, {m: tuple(bs) for m, bs in blocks.items()}, eased, willing, goals,
                           {g: tuple(goal.needs) for g, goal in rb.goals.items()},
                           tuple((g, goal.toward) for g, goal in rb.goals.items() if goal.toward is not None))


def assembled_model(rb: Rulebook, done: frozenset[str], found: dict[str, tuple[Block, ...]], eased: dict, willing: dict,
                    goals: dict[str, bool], needs: dict[str, tuple[str, ...]], steps: tuple) -> BlockingModel:
    """The blocking model of a rulebook's moves from their parts (each move's blocks before
    clashes of terms are applied, its eased and willing words), whoever worked them out:
    ``build_model`` afresh, or ``engine.analysis.building`` by difference from the last."""
    return BlockingModel(
        moves=frozenset(rb.moves), done=done,
        blocks=_clashes(rb, found) if rb.deciding else found, eased=eased, willing=willing,
        unclashed=found if rb.deciding else None, deciding=rb if rb.deciding else None,
        written=rb.written,
        goals=goals,
        needs=needs,
        substitutes=rb.substitutes,
        main=(main := rb.current_main({g for g, reached in goals.items() if reached})),
        phases=rb.phases,
        aside=rb.aside(main),
        steps=steps,
    )


def _consent(sit: Situation, rb: Rulebook, key: str, values: dict, spoke: set[tuple[str, str]], blocks: dict[str, list[Block]],
             eased: dict[str, tuple[Position, Variant]], met: dict[str, list[Position]],
             willing: dict[str, tuple[Position | Offer, ...]]) -> None:
    """A move that needs several parties' consent (``consent``): each party's word read as a
    move's alone is read (its positions in force, else its offers, else ``free``, else
    silence), one party at a time; the move is willing only when no party's word blocks it,
    with every party's evidence.  The positions' blocks are already in ``blocks``."""
    move = rb.moves[key]
    evidence: list[Position | Offer] = list(met.get(key, ()))
    if key in eased:
        evidence.append(eased[key][0])
    for party in move.parties:
        if (key, party) in spoke:
            continue  # its positions speak for it: blocks, or met or eased (the evidence above)
        offers = [o for o in rb.offering.get(key, ()) if o.actor == party and o.id in sit.offers_in_force]
        kept = [o for o in offers if o.if_ is None or o.simultaneous or sit.holds(f"offer:{o.id}")]
        if kept:
            evidence += kept
        elif offers:  # willing once one of its offers' conditions holds
            blocks.setdefault(key, []).append(_conditional(rb, key, None, values, offers=tuple(offers)))
        elif not move.free:  # silence is not consent: each party's own
            silent = None if party == move.actor else party
            blocks.setdefault(key, []).append(_plain_block(("unknown", key, silent), (), None, key, None, False, (), kind="unknown",
                                                           party=silent))
    if key not in blocks:
        willing[key] = tuple(evidence)


def _every(_move: str, _block: Block) -> bool:
    return True


def _clashes(rb: Rulebook, blocks: Mapping[str, tuple[Block, ...]]) -> dict[str, tuple[Block, ...]]:
    """``blocks``, where two statements in force wait for values of a subject that a move
    ``decides`` and no value it may choose meets both (one party signs only if the text says
    "binding", the other only if it says "guidelines"), with that move taken from both
    blocks' ways: each then waits for a value no move can bring about while the other's
    term stands, a clash of terms (``Block.clashes`` names the other statements).  Terms
    that some one value meets do not clash.  A replaced block is one kept object per
    block and change, as the others are (``_position_block``)."""
    # per deciding move, each block that waits for it: per alternative, per subject, what it needs
    wanting: dict[str, list[tuple[str, int, Block, dict[int, dict[str, tuple[int, ValueSet]]]]]] = {}
    for key, found in blocks.items():
        for k, block in enumerate(found):
            per_mover: dict[str, dict[int, dict[str, tuple[int, ValueSet]]]] = {}
            for i, j, mover, subject, needed in _wants(rb, block):
                per_mover.setdefault(mover, {}).setdefault(i, {})[subject] = (j, needed)
            for mover, alternatives in per_mover.items():
                wanting.setdefault(mover, []).append((key, k, block, alternatives))
    dropped: dict[tuple[str, int], set[tuple[int, int, str]]] = {}
    partners: dict[tuple[str, int], set[str]] = {}
    for mover, wants in wanting.items():
        for key, k, block, alternatives in wants:
            for _, _, other, theirs in wants:
                if other.key == block.key or other.stated is None:
                    continue
                for i, mine in alternatives.items():
                    against = _against(mine, theirs, other)
                    if against:
                        dropped.setdefault((key, k), set()).update((i, mine[s][0], mover) for s in against)
                        partners.setdefault((key, k), set()).add(other.stated.id)
    if not dropped:
        return dict(blocks)
    result = dict(blocks)
    for (key, k), drops in dropped.items():
        block = blocks[key][k]
        ways = tuple(tuple(movers - {m for (i2, j2, m) in drops if (i2, j2) == (i, j)} for j, movers in enumerate(alternative))
                     for i, alternative in enumerate(block.ways))
        clashes = tuple(sorted(partners[(key, k)]))
        kept = _CLASHED.get((block,), (ways, clashes))
        if kept is None:
            kept = _CLASHED.put((block,), (ways, clashes), replace(block, ways=ways, clashes=clashes))
        result[key] = (*result[key][:k], kept, *result[key][k + 1:])
    return result


def _against(mine: dict[str, tuple[int, ValueSet]], theirs: dict[int, dict[str, tuple[int, ValueSet]]],
             other: Block) -> set[str]:
    """The subjects on which what one alternative of a block needs of a deciding move
    (``mine``) clashes with every alternative of ``other``'s (``theirs``: what each needs of
    the same move), or nothing where some alternative of ``other`` can be met beside it: one
    that needs of that move only values ``mine`` leaves open, or nothing of it at all (met by
    other moves, where some move can meet each of its subjects)."""
    against: set[str] = set()
    for a, ways in enumerate(other.ways):
        their = theirs.get(a)
        if their is None:
            if all(ways):
                return set()
            continue  # an alternative no move can meet helps nothing
        clashing = {s for s, (_, needed) in mine.items() if s in their and (needed & their[s][1]).empty}
        if not clashing:
            return set()
        against |= clashing
    return against


def _wants(rb: Rulebook, block: Block) -> tuple[tuple[int, int, str, str, ValueSet], ...]:
    """What ``block`` waits for from the moves that ``decide`` a value: per alternative
    ``i``, per failing subject ``j`` a deciding move can meet, the values it needs of that
    move (what the alternative admits, among what the move may choose).  It reads only the
    block and the rulebook, and both are kept objects: so it is worked out once per block
    (a concession search asks it again for every stance it tries)."""
    kept = _WANTS.get((block, rb))
    if kept is not None:
        return kept
    found = tuple((i, j, mover, subject, constraint(failing, rb.subjects[subject]) & rb.choice(mover, subject))
                  for i, (failing, ways) in enumerate(zip(block.failing, block.ways))
                  for j, (subject, movers) in enumerate(zip(sorted({c.subject for c in failing}), ways))
                  for mover in sorted(movers & rb.deciding))
    return _WANTS.put((block, rb), None, found)


def prerequisite_blocks(rb: Rulebook, done: frozenset[str]) -> Iterator[tuple[str, list[Block]]]:
    """Per move not done that comes ``after`` moves not done, a block for each of those
    (lifted by making it): the move cannot be made before them, whatever its actor said.
    Added after the stances' blocks, so the move's stance (``willing``, ``withheld``...)
    is still its actor's word; reach, waits and cycles read the order too."""
    for key, move in rb.moves.items():
        if move.after and key not in done:
            found = [_plain_block(("after", key, before), (), None, key, None, False, (), alternatives=(frozenset(),),
                                  ways=((frozenset((before,)),),), kind="after", after=before)
                     for before in move.after if before not in done]
            if found:
                yield key, found


def prerequisites_of(model: BlockingModel, move: str) -> tuple[str, ...]:
    """The moves not done that ``move`` comes directly after (its ``after`` blocks), as written."""
    return tuple(b.after for b in model.blocks.get(move, ()) if b.after is not None)


MAX_KEPT_BLOCKS = 20_000
_BLOCKS: Kept[Block] = Kept("model.blocks", lambda: MAX_KEPT_BLOCKS, arity=4)  # rulebook, position, variant, condition; values read
_PLAIN_BLOCKS: Kept[Block] = Kept("model.plain_blocks", lambda: MAX_KEPT_BLOCKS, arity=None)
_CLASHED: Kept[Block] = Kept("model.clashed", lambda: MAX_KEPT_BLOCKS, arity=1)  # the block; its ways and clashes -> its clashed copy
_WANTS: Kept[tuple] = Kept("model.wants", lambda: MAX_KEPT_BLOCKS, arity=2)  # a block, its rulebook -> what it wants of deciding moves


def _plain_block(key: tuple, sources: tuple, *fields: object, **named: object) -> Block:
    """A block that reads no value (a refusal, silence, an order of moves), ``Block(*fields,
    **named)``, built once per plain ``key`` and ``sources`` (the very objects: together all
    the fields read; at most ``MAX_KEPT_BLOCKS``): the same object from one model to the
    next, as the blocks of conditions are (``_position_block``), so that what is kept per
    block holds."""
    kept = _PLAIN_BLOCKS.get(sources, key)
    return kept if kept is not None else _PLAIN_BLOCKS.put(sources, key, Block(*fields, **named))  # type: ignore[arg-type]


def _position_block(rb: Rulebook, position: Position, variant: Variant | None, condition: Expr, values: dict) -> Block:
    """``_conditional`` for a position, kept per position, variant, condition and the values
    of the subjects the condition reads, and the rulebook (the alternatives, the moves that
    meet each comparison, the stance): from one verdict to the next few of them change,
    and a block is frozen (its lifters and waits are worked out per model).  At most
    ``MAX_KEPT_BLOCKS`` kept."""
    timed, subjects = _reads(rb, condition)
    if timed:
        # a deadline reads the day and its fact's date, a trend the superseded value: not kept
        return _conditional(rb, position.withholds, condition, values, position=position, variant=variant)
    read = tuple((s, type(values[s]), values[s]) if s in values else (s,) for s in subjects)
    sources = (rb, position, variant, condition)
    try:
        kept = _BLOCKS.get(sources, read)
    except TypeError:  # a value that cannot be a key (none of the value types of rule files, but not worth a wrong answer)
        return _conditional(rb, position.withholds, condition, values, position=position, variant=variant)
    if kept is None:
        kept = _BLOCKS.put(sources, read, _conditional(rb, position.withholds, condition, values, position=position, variant=variant))
    return kept


_READS: Kept[tuple[bool, tuple[str, ...]]] = Kept("model.reads", lambda: MAX_KEPT_BLOCKS, arity=2)


def _reads(rb: Rulebook, condition: Expr) -> tuple[bool, tuple[str, ...]]:
    """Whether the condition has a deadline or a trend, and the subjects it reads (sorted):
    worked out once per rulebook and condition (at most ``MAX_KEPT_BLOCKS``)."""
    return _READS.keep((rb, condition), None, _reads_of, rb, condition)


def _reads_of(rb: Rulebook, condition: Expr) -> tuple[bool, tuple[str, ...]]:
    timed = any(c.within is not None or c.change is not None for alternative in rb.alternatives(condition) for c in alternative)
    return timed, tuple(sorted(rb.subjects_of(condition)))


def _conditional(rb: Rulebook, move: str, condition: Expr | None, values: dict, *, position: Position | None = None,
                 variant: Variant | None = None, offers: tuple[Offer, ...] = ()) -> Block:
    """A block lifted by meeting ``condition`` (a position's) or any offer's ``if``."""
    conditions = [condition] if condition is not None else [o.if_ for o in offers]
    alternatives = [alt for c in conditions for alt in rb.alternatives(c)]
    meeting = [per for c in conditions for per in rb.meeting(c)]
    failing = failing_per_alternative(alternatives, values)
    kept = _undominated(failing, meeting)
    if len(kept) < len(failing):
        failing, meeting = [failing[i] for i in kept], [meeting[i] for i in kept]
    stated = position if position is not None else offers[0]
    return Block(position, move, variant, False, closest(failing), tuple(frozenset(c.subject for c in f) for f in failing),
                 tuple(tuple(meeting[i][s] for s in sorted({c.subject for c in f})) for i, f in enumerate(failing)),
                 kind="position" if position is not None else "offer", offers=offers, failing=tuple(failing),
                 stance=rb.stance_of[stated.id])


def _undominated(failing: list[tuple[Compare, ...]], meeting: list[dict[str, frozenset[str]]]) -> list[int]:
    """The alternatives (their indexes, in order) that no other makes needless.  An
    alternative is needless when another still fails only comparisons it fails too, and
    each of those other's failing subjects can be met by every move that meets it here (and
    perhaps more): whatever lifts the needless one lifts the other, so the block never
    waits for what only the needless one asks.  Of alternatives that fail alike, the first
    is kept.  (A condition ``any`` of whose branches already holds asks nothing more of
    the moves that meet its other branches.)"""
    if len(failing) < 2:
        return list(range(len(failing)))
    subjects = [{c.subject for c in f} for f in failing]

    def makes_needless(j: int, i: int) -> bool:  # alternative j makes alternative i needless
        return (len(failing[j]) <= len(failing[i]) and all(c in failing[i] for c in failing[j])
                and all(meeting[j][s] >= meeting[i][s] for s in subjects[j])
                and (j < i or len(failing[j]) < len(failing[i]) or not all(c in failing[j] for c in failing[i])))

    return [i for i in range(len(failing)) if not any(j != i and makes_needless(j, i) for j in range(len(failing)))]


def failing_per_alternative(alternatives: list[tuple[Compare, ...]], values: dict) -> list[tuple[Compare, ...]]:
    """For each alternative of a condition (``Rulebook.alternatives``), its comparisons that fail."""
    return [tuple(c for c in conjunct if not compare_met(c, values)) for conjunct in alternatives]


def closest(failing: list[tuple[Compare, ...]]) -> tuple[Compare, ...]:
    """The comparisons that keep an unmet condition from holding: the failing ones of the
    alternative closest to holding (fewest failures, the first of equals)."""
    return min(failing, key=len, default=())


def unmet_comparisons(alternatives: list[tuple[Compare, ...]], values: dict) -> tuple[Compare, ...]:
    return closest(failing_per_alternative(alternatives, values))


def waits_for(model: BlockingModel, block: Block) -> frozenset[str]:
    """The moves not yet made that would meet a failing comparison of the block's condition."""
    return block.movers.difference(model.done, (block.move,))


Lifters = tuple[tuple[frozenset[str], ...], ...]


def block_lifters(model: BlockingModel, block: Block) -> Lifters:
    """Per alternative of the block's condition that moves not yet made could still meet,
    per failing comparison's subject the moves that would meet it (not done, not the
    blocked move).  None at all: a dead end (a refusal, or no move left produces the
    values the condition needs)."""
    if block.refusal or block.kind == "unknown":
        return ()
    found = []
    for alternative in block.ways:
        ways = tuple(w.difference(model.done, (block.move,)) for w in alternative)
        if all(ways):
            found.append(ways)
    return tuple(found)


def liftable(lifters: tuple[Lifters, ...], reach: set[str]) -> bool:
    """Every block (given by its lifters) can be lifted: some alternative has, for each
    failing subject, a move in ``reach`` that could change it."""
    for alternatives in lifters:
        for ways in alternatives:
            for movers in ways:
                if movers.isdisjoint(reach):
                    break
            else:
                break  # this alternative can be met
        else:
            return False
    return True


def solve(model: BlockingModel) -> Solution:
    waits = _waits(model)
    moves = tuple(sorted(model.moves - model.done))  # sorted: the same cycles are found first on every run
    pred = _pred(waits.edges)
    reach = _reach(model, moves, pred, waits.move_lifters)
    # every move on the way to a goal not done: what its needs (or their substitutes) wait for, directly or not
    relevant = _waited_on(waits.edges, {start for g, done in model.goals.items() if not done for need in model.needs[g]
                                        for start in (need, *model.substitutes.get(need, ())) if _undone(model, start)})
    return Solution(reach, _goals_reachable(model, reach), moves, relevant, waits.refused, waits.lifters, waits.move_lifters, waits.edges,
                    pred)


def _pred(waits: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Move -> the moves that wait for it (``waits``: move -> the moves it waits for)."""
    pred: dict[str, list[str]] = {}
    for move, targets in waits.items():
        for target in targets:
            pred.setdefault(target, []).append(move)
    return pred


def _undone(model: BlockingModel, move: str) -> bool:
    """A move of the model not done: a node of its solution's graph."""
    return move in model.moves and move not in model.done


def solve_toward(narrowed: BlockingModel, solution: Solution) -> Solution:
    """``solve(narrowed)`` for ``narrowed = model.toward(goals, moves)``, read off ``solution``
    (``solve(model)``): the moves kept are closed under waiting and the moves done are the
    same, so each kept move's blocks, their lifters, its waits and whether it is reached are
    as in ``model``; only what is on the way to the goals kept is worked out again."""
    kept = tuple(sorted(narrowed.moves - narrowed.done))
    waits = {m: solution.waits[m] for m in kept if m in solution.waits}
    reach = solution.reach.intersection(kept)
    relevant = _waited_on(waits, {start for g, done in narrowed.goals.items() if not done for need in narrowed.needs[g]
                                  for start in (need, *narrowed.substitutes.get(need, ())) if _undone(narrowed, start)})
    lifters = {id(b): solution.lifters[id(b)] for bs in narrowed.blocks.values() for b in bs}
    move_lifters = {m: solution.move_lifters[m] for m in narrowed.blocks}
    return Solution(reach, _goals_reachable(narrowed, reach), kept, relevant, solution.refused.intersection(kept), lifters,
                    move_lifters, waits, _pred(waits))


def on_the_way(model: BlockingModel, solution: Solution, goal: str) -> set[str]:
    """The moves not done on the way to ``goal``: the moves it needs (or their substitutes)
    and every move they wait for, directly or not."""
    return _waited_on(solution.waits, {m for need in model.needs[goal] for m in (need, *model.substitutes.get(need, ()))
                                       if _undone(model, m)})


def _waited_on(waits: Mapping[str, Iterable[str]], starts: set[str]) -> set[str]:
    """``starts`` and every move they wait for, directly or not (``waits``: move -> the
    moves it waits for)."""
    found = set(starts)
    stack = list(found)
    while stack:
        for target in waits.get(stack.pop(), ()):
            if target not in found:
                found.add(target)
                stack.append(target)
    return found


def reachable_goals(model: BlockingModel) -> dict[str, bool]:
    """``solve(model).goals_reachable`` without the graph, the moves on the way and the
    rest of the explanation: what a status needs."""
    waits = _waits(model)
    return _goals_reachable(model, _reach(model, model.moves - model.done, _pred(waits.edges), waits.move_lifters))


def reachable_if_willing(model: BlockingModel, solution: Solution) -> dict[str, bool]:
    """``reachable_goals(model.hopeful())`` from ``solve(model)``'s waits: a move nobody has
    spoken of has a block with no lifters and no waits, so leaving those blocks out changes
    no wait and no other block's lifters, only which moves start out reached.  Leaving
    blocks out only adds to what is reached: the reach grows from the solution's, through
    the moves that had such a block and the moves waiting on a newly reached one."""
    silent = {m for m, bs in model.blocks.items() if any(b.kind == "unknown" for b in bs)}
    reach = set(solution.reach)
    pending = [m for m in silent if m not in reach]
    while pending:
        move = pending.pop()
        if move in reach:
            continue
        if move in silent:
            lifters = tuple(solution.lifters[id(b)] for b in model.blocks[move] if b.kind != "unknown")
        else:
            lifters = solution.move_lifters.get(move, ())
        if not liftable(lifters, reach):
            continue
        reach.add(move)
        for waiting in solution.pred.get(move, ()):
            if waiting not in reach:
                pending.append(waiting)
    return _goals_reachable(model, reach)


@dataclass
class _Waits:
    edges: dict[str, dict[str, list[Block]]]  # blocked move -> each move it waits for -> the blocks behind the wait
    lifters: dict[int, Lifters]  # id(block) -> its lifters
    move_lifters: dict[str, tuple[Lifters, ...]]  # move -> its blocks' lifters
    refused: set[str]  # moves with a block nothing can lift


def _waits(model: BlockingModel) -> _Waits:
    """Each blocked move's waits, its blocks' lifters, and the moves a block of which
    nothing can lift.  A move's are those of the last model worked out (``_LAST_WAITS``)
    when it has the very same blocks and none of them is met by a move done since (and no
    move was undone): they read of the model only the block and the moves done among its
    ``movers`` (``_lifters_and_targets``).  A timeline's next model is most often the last
    one with a move more done."""
    waits = _Waits({}, {}, {}, set())
    lifters, edges, done = waits.lifters, waits.edges, model.done
    last = _LAST_WAITS[0]
    if last is not None:
        old_blocks, old_done, old = last
        if old_done <= done:
            # the moves a block of which a move newly done meets: those that waited for it (a mover not done that is
            # not the blocked move itself is waited for; a done move has no blocks)
            newly = done - old_done
            affected = {m for m, targets in old.edges.items() if not newly.isdisjoint(targets)} if newly else set()
        else:
            last = None  # a move undone: its blocks' movers are not in the last waits
    for move, blocks in model.blocks.items():
        if last is not None and move not in affected:
            was = old_blocks.get(move)
            if was is not None and len(was) == len(blocks) and all(map(operator.is_, was, blocks)):
                for block in blocks:
                    lifters[id(block)] = old.lifters[id(block)]
                if move in old.edges:
                    edges[move] = old.edges[move]  # read only, as every solution's waits
                if move in old.refused:
                    waits.refused.add(move)
                waits.move_lifters[move] = old.move_lifters[move]
                continue
        for block in blocks:
            found, targets = _lifters_and_targets(model, block, block.movers & done if done else _NOTHING)
            lifters[id(block)] = found
            if not found:
                waits.refused.add(move)
            if targets:
                waiting = edges.setdefault(move, {})
                for target in targets:
                    waiting.setdefault(target, []).append(block)
        waits.move_lifters[move] = tuple(lifters[id(b)] for b in blocks)
    _LAST_WAITS[0] = (model.blocks, done, waits)
    return waits


# the blocks and moves done of the last model whose waits were worked out, with them (``_waits``)
_LAST_WAITS = Last("model.last_waits")  # (the blocks, the moves done, the waits)
_NOTHING: frozenset[str] = frozenset()
_LIFTERS: Kept[tuple[Lifters, tuple[str, ...]]] = Kept("model.lifters", lambda: MAX_KEPT_BLOCKS, arity=1)


def _lifters_and_targets(model: BlockingModel, block: Block, done: frozenset[str]) -> tuple[Lifters, tuple[str, ...]]:
    """``block_lifters(model, block)`` and ``sorted(waits_for(model, block))``: both read of
    the model only the moves done among those that meet some failing comparison of the block
    (``done``), so they are kept per block and those moves (blocks are kept from one verdict
    to the next: ``_position_block``; at most ``MAX_KEPT_BLOCKS`` kept)."""
    return _LIFTERS.keep((block,), done, _lifters_and_targets_of, model, block)


def _lifters_and_targets_of(model: BlockingModel, block: Block) -> tuple[Lifters, tuple[str, ...]]:
    return block_lifters(model, block), tuple(sorted(waits_for(model, block)))


def _reach(model: BlockingModel, moves: Iterable[str], pred: Mapping[str, Iterable[str]], move_lifters: dict[str, tuple[Lifters, ...]]) -> set[str]:
    """The least set of moves (of ``moves``, those not done) that are free, or whose every
    block can be lifted by moves in it; ``pred``: move -> the moves that wait for it."""
    moves = list(moves)
    reach = {m for m in moves if not model.blocks.get(m)}
    # a move becomes reachable only when a move it waits for does: re-check just those
    pending = [m for m in moves if m not in reach]
    while pending:
        move = pending.pop()
        if move in reach or not liftable(move_lifters.get(move, ()), reach):
            continue
        reach.add(move)
        pending.extend(m for m in pred.get(move, ()) if m not in reach)
    return reach


def _goals_reachable(model: BlockingModel, reach: set[str]) -> dict[str, bool]:
    return {g: (not done) and all(_need_met(model, n, reach) for n in model.needs[g]) for g, done in model.goals.items()}


def _need_met(model: BlockingModel, need: str, reach: set[str]) -> bool:
    return any(m in model.done or m in reach for m in (need, *model.substitutes.get(need, ())))


def cyclic_components(succ: dict[str, list[str]]) -> Iterator[list[str]]:
    """The strongly connected components of more than one move of the graph ``succ``
    (every target a key), one at a time (Tarjan's algorithm, without recursion): a
    graph of a few moves, asked about thousands of times a verdict, for which building a
    networkx graph cost more than the search."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in succ:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(succ[root]))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(succ[target])))
                    break
                if target in on_stack and index[target] < low[node]:
                    low[node] = index[target]
            else:
                work.pop()
                if work and low[node] < low[work[-1][0]]:
                    low[work[-1][0]] = low[node]
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        yield component
