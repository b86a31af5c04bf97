"""Evidence and words: the positions (with quotes) and facts (with dates and sources)
behind a verdict, and the summary sentences an analyst can paste into a note."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import networkx as nx
from pydantic import TypeAdapter

from engine.analysis import escalation
from engine.analysis.model import Block, BlockingModel, Situation, Solution, in_force, liftable, prerequisites_of
from engine.conditions import describe, show
from engine.conduct import act, shown_offers
from engine.facts import Fact, cited_day
from engine.kept import Kept
from engine.lapses import lapse_day
from engine.lapses import why as lapse_why
from engine.rulebook import Rulebook
from engine.rulebook.models import Compare, Escalation, Offer, Position, Variant, marked_paraphrase, quote_kind_of
from engine.values import distance
from engine.verdict import (
    ConcessionSets,
    Cycle,
    DeEscalation,
    EscalationChain,
    FactRef,
    GoalState,
    Opening,
    Partial,
    PositionRef,
    Refusal,
    Stance,
    StanceKind,
    StanceRef,
    Status,
    Step,
    Unmet,
)

MAX_CYCLES = 50
CYCLE_SEARCH = 1000  # cycles enumerated per component at most, to choose the shortest
T = TypeVar("T")
S = TypeVar("S", Position, Offer, PositionRef)  # a statement, or its citation


MAX_CITED = 20_000  # each kept part of this module (citations, evidence, stances, cycles...) at most
_CITED: Kept[Any] = Kept("explain.cited", lambda: MAX_CITED, arity=2)
_SHOWN_BY: Kept[PositionRef] = Kept("explain.shown_by", lambda: MAX_CITED, arity=3)


def _cited(kind: str, first: object, second: object, build: Callable[[], T]) -> T:
    """A citation of ``kind`` built once from two sources, all it reads, and shared by every
    verdict: positions and recorded facts never change, and citations are frozen."""
    return _CITED.keep((first, second), kind, build)


def cite_position(position: Position | Offer, variant: Variant | None = None) -> PositionRef:
    """A position (or its variant) or an offer, as evidence."""
    def build() -> PositionRef:
        source = variant or position
        return PositionRef(kind="offer" if isinstance(position, Offer) else "position", id=position.id, actor=position.actor,
                           quote=" ".join(source.quote.split()), source=source.source, said_by=source.said_by,
                           said_on=source.said_on, variant=variant.id if variant else None,
                           quote_kind=quote_kind_of(source), reported_by=source.reported_by, approx=source.approx)

    return _cited("position", position, variant, build)


def cite_statement(sit: Situation, statement: Position | Offer, variant: Variant | None = None) -> PositionRef:
    """``cite_position``, and for an offer shown by conduct (``shown_by``) the act's fact in
    force beside its quote (``PositionRef.shown_by``)."""
    cited = cite_position(statement, variant)
    fact = act(statement, sit.state)
    if fact is None:
        return cited
    # kept on the fact's rulebook too: its citation reads the rulebook (``cite_fact``)
    shown = _SHOWN_BY.get((cited, fact, sit.rulebook))
    if shown is None:
        shown = _SHOWN_BY.put((cited, fact, sit.rulebook), None, cited.model_copy(update={"shown_by": cite_fact(sit, fact)}))
    return shown


def shown_at(sit: Situation, moment: object) -> list[PositionRef]:
    """The offers shown by conduct (``shown_by``) whose subject's fact in force is dated at
    ``moment`` and shows them where the fact before it did not, or the other way round: the
    act that puts each in force (cited beside it), or the fact that ends it.  A fact on the
    subject that changes neither is no news of the offer, and neither is an act outside the
    offer's own dates (``in_force``, lapses)."""
    found = []
    for offer in shown_offers(sit.rulebook):
        fact = sit.state.get(offer.shown_by.subject)  # type: ignore[union-attr]
        if fact is None or fact.at != moment:
            continue
        before = sit.previous(fact)
        shows = in_force(offer, sit.as_of, sit.state)
        showed = before is not None and in_force(offer, sit.as_of, {**sit.state, before.subject: before})
        if shows != showed:
            found.append(cite_statement(sit, offer))
    return found


def quoted(ref: PositionRef, text: str | None = None) -> str:
    """A cited quote in a sentence, marked as it was reported: ``"words"`` (verbatim, or an
    older paraphrase whose quote says so), ``(paraphrase) "words"``, ``(reported by B)
    "words"``, ``(the analyst's reading of the act) "words"``."""
    kind, words = ref.quote_kind, ref.quote if text is None else text  # ``text``: the quote cut short
    if not words.startswith(_QUOTE_MARKS):  # a quote written with its own marks is shown as written, not marked twice
        words = f"\"{words}\""
    if kind == "verbatim" or (kind == "paraphrase" and marked_paraphrase(ref.quote)):
        return words
    mark = {"paraphrase": "paraphrase", "reported": f"reported by {ref.reported_by}", "reading": "the analyst's reading of the act"}[kind]
    return f"({mark}) {words}"


_QUOTE_MARKS = ('"', "\u201c", "\u00ab")  # straight, curly and guillemet opening marks


def said_day(ref: PositionRef) -> str:
    """A cited statement's ``said_on`` (``2019-11-28``), ``about`` it when approximate."""
    return cited_day(dt.datetime.combine(ref.said_on, dt.time()), ref.approx) if ref.said_on else ""


def statement_words(value: dict, stances: dict[str, tuple[str, ...]] | None = None) -> str:
    """A statement fact's value in words: what it states and ends, and its quote; for each
    stance it ends, the statements of it ended (``stances``: ``Rulebook.stance_ends`` of the
    fact; None: not known here)."""
    words = [f"states {kind} {decl.get('id')}" for kind, decl in (value.get("states") or {}).items()]
    if value.get("ends"):
        words.append(f"ends {', '.join(value['ends'])}")
    for stance in value.get("ends_stance") or ():
        ended = "" if stances is None else f" ({', '.join(stances.get(stance, ())) or 'none in force'})"
        words.append(f"ends stance {stance}{ended}")
    quote = f": \"{' '.join(value['quote'].split())}\"" if value.get("quote") else ""  # a YAML '>' block's line ends too
    return "; ".join(words) + quote


def condition_text(compare: Compare, unit: str = "") -> str:
    """``describe(compare, unit)``, worked out once per comparison (comparisons never change)."""
    return _cited("condition", compare, unit, lambda: describe(compare, unit))


def cite_statement_fact(fact: Fact, rulebook: Rulebook | None = None) -> FactRef:
    """A statement fact cited with how sure it is (no situation needed: it has no unit);
    ``rulebook``: the one made with it, which says what its ``ends_stance`` ended."""
    stances = None if rulebook is None else rulebook.stance_ends.get(fact.id, {})
    return FactRef(id=fact.id, subject=fact.subject, value=statement_words(fact.value, stances), at=fact.at, actor=fact.actor,
                   source=fact.source, note=fact.note, confidence=fact.confidence, claimed_by=list(fact.claimed_by),
                   denied_by=list(fact.denied_by), approx=fact.approx)


def cite_fact(sit: Situation, fact: Fact) -> FactRef:
    def build() -> FactRef:
        subject = sit.rulebook.subjects.get(fact.subject)
        value = statement_words(fact.value, sit.rulebook.stance_ends.get(fact.id, {})) if fact.kind == "statement" else fact.value
        return FactRef(id=fact.id, subject=fact.subject, value=value, unit=subject.unit if subject else "",
                       at=fact.at, actor=fact.actor, target=fact.target, source=fact.source, note=fact.note,
                       count=fact.count, since=fact.since,
                       confidence=fact.confidence, claimed_by=list(fact.claimed_by), denied_by=list(fact.denied_by),
                       approx=fact.approx)

    return _cited("fact", fact, sit.rulebook, build)


def unmet_evidence(sit: Situation, block: Block, compares: tuple[Compare, ...] | None = None) -> list[Unmet]:
    """The evidence behind each failing comparison (``compares``; by default the block's
    closest alternative's)."""
    result = []
    for compare in block.unmet if compares is None else compares:
        if compare.other is not None or compare.within is not None or compare.change is not None:
            result.append(_timed_evidence(sit, compare))  # no gap: the bound moves, or time counts
            continue
        unmet, narrowing = _evidence(sit, compare)
        partial = tuple(narrowed for narrowed in narrowing if narrowed[0] != block.move and not sit.holds(f"move:{narrowed[0]}"))
        result.append(_with_partial(unmet, partial) if partial else unmet)
    return result


def _with_partial(unmet: Unmet, partial: tuple[tuple[str, str, float], ...]) -> Unmet:
    """``unmet`` with its partial moves (move, actor, gap left), built once per evidence and
    moves: the same object from one verdict to the next while they read the same, as the
    evidence is, so that what is built of it can be kept too (``kept_part``)."""
    kept = _PARTIAL.get((unmet,), partial)
    if kept is None:
        kept = _PARTIAL.put((unmet,), partial, unmet.model_copy(update={"partial": [Partial(move=m, actor=a, gap=g) for m, a, g in partial]}))
    return kept


def kept_models(kind: str, said: list[dict], adapter: TypeAdapter, parts: tuple[str, ...]) -> list:
    """Each of ``said`` (the fields of one model each) as that model (``adapter``: a list
    of it), kept on what it says (``kept_part``): its values (lists as tuples) and the
    objects listed under the fields ``parts`` (kept objects: citations, evidence), by id.
    Those not kept are validated as one list: cheaper than one by one."""
    found: list = [None] * len(said)
    built: list[tuple[int, tuple]] = []
    for i, fields in enumerate(said):
        plain: tuple | None = (kind, tuple((k, tuple(v) if type(v) is list else v) for k, v in fields.items() if k not in parts))
        objects = tuple(x for k in parts for x in (*fields.get(k, ()), None))
        try:
            kept = _BUILT.get(objects, plain)
        except TypeError:  # a value that cannot be a key: built, not kept
            plain, kept = None, None
        if kept is not None:
            found[i] = kept
        else:
            built.append((i, plain, objects))
    if built:
        for (i, plain, objects), model in zip(built, adapter.validate_python([said[i] for i, _, _ in built])):
            if plain is not None:
                _BUILT.put(objects, plain, model)
            found[i] = model
    return found


_PARTIAL: Kept[Unmet] = Kept("explain.partial", lambda: MAX_CITED, arity=1)
_BUILT: Kept[Any] = Kept("explain.built", lambda: MAX_CITED, arity=None)  # (kind, plain values), the parts


def kept_part(kind: str, plain: tuple, parts: tuple, build: Callable[..., T], **fields: Any) -> T:
    """A part of a verdict (a stance, a cycle's step, a cycle), ``build(**fields)``, built once from ``plain``
    values and ``parts``, objects kept from one verdict to the next (citations, evidence,
    steps: frozen), kept on those values and the very parts (``engine.kept.Kept``; at most
    ``MAX_CITED`` kept).  From one verdict to the
    next most stances and cycles read the same; building and validating them again was a
    third of a timeline verdict's stances and cycles (benchmarks/RESULTS.md)."""
    kept = _BUILT.get(parts, (kind, plain))
    return kept if kept is not None else _BUILT.put(parts, (kind, plain), build(**fields))


def _timed_evidence(sit: Situation, compare: Compare) -> Unmet:
    """The evidence of a comparison with another subject (both facts cited), a deadline (the
    fact in force: its date counts) or a trend (the fact in force and the one it superseded)."""
    subject = sit.rulebook.subjects[compare.subject]
    fact = sit.state.get(compare.subject)
    cited = cite_fact(sit, fact) if fact else None
    if compare.other is not None:
        other = sit.state.get(compare.other)
        return Unmet(test=condition_text(compare, subject.unit), fact=cited, other=cite_fact(sit, other) if other else None)
    if compare.change is not None:
        before = sit.previous(fact) if fact else None
        return Unmet(test=condition_text(compare, subject.unit), fact=cited, previous=cite_fact(sit, before) if before else None)
    return Unmet(test=condition_text(compare, subject.unit), fact=cited)


_EVIDENCE: Kept[tuple[Unmet, list[tuple[str, str, float]]]] = Kept("explain.evidence", lambda: MAX_CITED, arity=4)


def _evidence(sit: Situation, compare: Compare) -> tuple[Unmet, list[tuple[str, str, float]]]:
    """A failing comparison's evidence without its partial moves, and the moves that would
    narrow its gap (move, actor, gap left), before leaving out the blocked move and the
    moves made: it reads only the comparison, the fact in force on its subject, the
    one that fact superseded and the rulebook (the subject's unit, the moves that narrow the
    gap, what cites the fact), so it is kept per those four (as citations are; at most
    ``MAX_CITED`` kept).  Shared by the verdicts and blocks that read them alike."""
    fact = sit.state.get(compare.subject)
    before = sit.previous(fact) if fact is not None else None
    return _EVIDENCE.keep((compare, fact, before, sit.rulebook), None, _evidence_of, sit, compare, fact, before)


def _evidence_of(sit: Situation, compare: Compare, fact: Fact | None, before: Fact | None) -> tuple[Unmet, list[tuple[str, str, float]]]:
    subject = sit.rulebook.subjects[compare.subject]
    gap, narrowing = _gap(sit, compare, fact)
    unmet = Unmet(test=condition_text(compare, subject.unit), fact=cite_fact(sit, fact) if fact else None,
                  trend=_trend(fact, before, compare.value) if fact else None, gap=gap, partial=[])
    return unmet, narrowing


def _gap(sit: Situation, compare: Compare, fact: Fact | None) -> tuple[float | None, list[tuple[str, str, float]]]:
    """How far a number subject's value is from meeting ``compare``, and the moves that
    would narrow that without closing it (move, actor, the gap left)."""
    rb = sit.rulebook
    if rb.subjects[compare.subject].type != "number" or fact is None or not _is_number(fact.value):
        return None, []
    needed, moves = rb.narrowing(compare)
    now = _distance(compare, needed, fact.value)
    return _tidy(now), [(move, rb.moves[move].actor, _tidy(left)) for move, meets, left in moves if not meets and left < now]


_DISTANCES: Kept[float] = Kept("explain.distances", lambda: MAX_CITED, arity=1)


def _distance(compare: Compare, needed: object, value: float) -> float:
    """``distance(value, needed)``, ``needed`` being what ``compare`` needs
    (``Rulebook.narrowing``: one object per rulebook and comparison): worked out once per
    ``needed`` and value, all it reads (at most ``MAX_CITED`` kept).  Values of a subject
    change far less often than verdicts are asked, and the interval arithmetic is most of
    an unmet condition's evidence."""
    return _DISTANCES.keep((needed,), value, distance, value, needed)


def _tidy(number: float) -> float:
    """A gap as people write it: 16.33, not 16.330000000000002."""
    return float(f"{number:.10g}")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _trend(fact: Fact, before: Fact | None, bound: object) -> str | None:
    if before is None or not all(_is_number(v) for v in (fact.value, before.value, bound)):
        return None
    gap_now, gap_before = abs(fact.value - bound), abs(before.value - bound)
    return "away" if gap_now > gap_before else "toward" if gap_now < gap_before else None


def cycles(sit: Situation, solution: Solution, evidence: bool = True, paths: list | None = None) -> list[Cycle]:
    """The blocked cycles, shortest first, at most ``MAX_CYCLES`` (``cycle_paths``, or
    ``paths`` if already worked out from ``solution``), each step cited: the statement
    behind it and, with ``evidence``, the facts behind its failing comparisons (else none:
    what a timeline's light verdict leaves out, ``analysis.analyse``)."""
    result = []
    for nodes, holds in (cycle_paths(solution) if paths is None else paths):
        # without evidence what it cites reads the rulebook and the blocks alone: kept on them (``_light_cycle``)
        result.append(_cycle(sit, nodes, holds, evidence) if evidence else _light_cycle(sit, nodes, holds))
    return result


def _cycle(sit: Situation, nodes: list[str], holds: list[tuple[str, str, list[Block]]], evidence: bool) -> Cycle:
    """The cycle of ``nodes``, each step cited: its statement and, with ``evidence``, the
    facts behind its failing comparisons."""
    steps = []
    for move, target, holding in holds:
        for block in holding:
            if block.kind == "after":
                steps.append(kept_part("after", (move, target, id(sit.rulebook)), (sit.rulebook,), _after_step, sit=sit, move=move, target=target))
                continue
            position = cite_position(block.stated, block.variant)
            unmet = unmet_evidence(sit, block, block.unmet_toward(target)) if evidence else []
            description = sit.rulebook.moves[move].description
            steps.append(kept_part("step", (move, block.stated.actor, description, target), (position, *unmet), Step, move=move,
                                   actor=block.stated.actor, description=description, position=position, waits_for=target, unmet=unmet))
    actors = sorted({sit.rulebook.moves[m].actor for m in nodes})
    return kept_part("cycle", (tuple(nodes), tuple(actors)), tuple(steps), Cycle, moves=nodes, actors=actors, steps=steps)


_LIGHT_CYCLES: Kept[Cycle] = Kept("explain.light_cycles", lambda: MAX_CITED, arity=None)  # (moves, blocks per step), rulebook and blocks


def _light_cycle(sit: Situation, nodes: list[str], holds: list[tuple[str, str, list[Block]]]) -> Cycle:
    """``cycles``' cycle of ``nodes`` without evidence: it reads the rulebook (the moves'
    actors and descriptions) and the blocks holding each step (their statements, variants
    and kinds; the step's target is the next move), so it is kept per rulebook, moves and
    blocks (at most ``MAX_CITED``).
    From one verdict of a timeline to the next nearly every cycle is held by the same blocks."""
    objects = (sit.rulebook, *(b for _, _, holding in holds for b in holding))
    plain = (tuple(nodes), tuple(len(holding) for _, _, holding in holds))
    kept = _LIGHT_CYCLES.get(objects, plain)
    return kept if kept is not None else _LIGHT_CYCLES.put(objects, plain, _cycle(sit, nodes, holds, evidence=False))


def cycle_paths(solution: Solution) -> list[tuple[list[str], list[tuple[str, str, list[Block]]]]]:
    """The blocked cycles' moves, shortest first, at most ``MAX_CYCLES``, each with its steps:
    the move, the move it waits for and the blocks holding it there (what ``cycles`` cites;
    read off the solution alone, so kept with it: ``analysis.Solved``).  Component by
    component in order of their first move (every cycle lies in one), and in a component
    the shortest of the first ``CYCLE_SEARCH`` found.  networkx starts its search from a
    set's first member, so a component with more cycles than that could give other ones on
    another run."""
    found: list[list[str]] = []
    for component in solution.blocked_components():
        if len(found) >= MAX_CYCLES:
            break
        found += _cycles_in(solution, component)[:MAX_CYCLES - len(found)]
    paths = []
    for nodes in sorted(found, key=_shortest_first):
        holds = []
        for i, move in enumerate(nodes):
            target = nodes[(i + 1) % len(nodes)]
            blocks = solution.waits[move][target]  # the blocked graph's edge, as ``Solution.blocked_graph`` holds it
            # a block some other alternative of which reached moves can meet does not hold the move back
            holds.append((move, target, [b for b in blocks if not liftable((solution.lifters[id(b)],), solution.reach)] or blocks))
        paths.append((nodes, holds))
    return paths


MAX_KEPT_COMPONENTS = 4_096
_CYCLES_IN: Kept[list[list[str]]] = Kept("explain.cycles_in", lambda: MAX_KEPT_COMPONENTS, arity=1)


def _cycles_in(solution: Solution, component: list[str]) -> list[list[str]]:
    """The cycles of a blocked component (``Solution.blocked_components``), shortest first:
    its one cycle, or the first ``CYCLE_SEARCH`` found.  They read only the waits among its
    moves, the same for every solution that has the very component list
    (``model._blocked_parts``: a list is kept per wait graph component and its blocked
    moves, and a component is kept only while its moves wait for the very same moves):
    kept per list (at most ``MAX_KEPT_COMPONENTS``)."""
    kept = _CYCLES_IN.get((component,))
    if kept is None:
        single = _single_cycle(solution, component)
        here = [single] if single else [
            nodes[nodes.index(min(nodes)):] + nodes[:nodes.index(min(nodes))]  # each from its first move
            for nodes in itertools.islice(nx.simple_cycles(solution.blocked_subgraph(component)), CYCLE_SEARCH)]
        kept = _CYCLES_IN.put((component,), None, sorted(here, key=_shortest_first))
    return kept


def _after_step(sit: Situation, move: str, target: str) -> Step:
    """A cycle's link that is no statement: ``move`` can only be made after ``target``."""
    return Step(move=move, actor=sit.rulebook.moves[move].actor, description=sit.rulebook.moves[move].description,
                position=None, waits_for=target, unmet=[], after=True)


def _single_cycle(solution: Solution, component: list[str]) -> list[str] | None:
    """The component's one cycle, from its first move, when it holds only one: strongly
    connected with as many waits as moves, each move waits for exactly one other in it."""
    members = set(component)
    nxt = {}
    for move in component:
        inside = [target for target in solution.waits.get(move, ()) if target in members]
        if len(inside) != 1:
            return None
        nxt[move] = inside[0]
    cycle = [component[0]]
    while nxt[cycle[-1]] != component[0]:
        cycle.append(nxt[cycle[-1]])
    return cycle


def _shortest_first(nodes: list[str]) -> tuple[int, list[str]]:
    return len(nodes), nodes


def refusals(sit: Situation, model: BlockingModel, solution: Solution, evidence: bool = True) -> list[Refusal]:
    """The dead ends on the way to a goal: refusals, and conditions no move can meet (a
    move nobody has spoken of is untested, not refused: see ``untested``).  ``evidence``:
    as for ``cycles``."""
    found = []
    for m in sorted(solution.refused & solution.relevant):
        for b in model.blocks.get(m, ()):
            if b.stated is not None and not solution.lifters[id(b)]:
                position = cite_position(b.stated, b.variant)
                unmet = [] if b.refusal or not evidence else unmet_evidence(sit, b)
                # kept on what it says (``kept_part``): the citation and the evidence are kept objects
                found.append(kept_part("refusal", (m, b.stated.actor, b.clashes), (position, *unmet), Refusal, move=m,
                                       actor=b.stated.actor, position=position, unmet=unmet, clashes_with=list(b.clashes)))
    return found


def untested(model: BlockingModel, solution: Solution, way: set[str] | None = None) -> list[str]:
    """The moves on the way to a goal (to the goals: ``way`` None) that nobody has spoken
    of (no position, no offer, not free) and that are not reached otherwise."""
    moves = solution.relevant if way is None else way
    return [m for m in sorted(moves - solution.reach) if any(b.kind == "unknown" for b in model.blocks.get(m, ()))]


def on_the_way_or_done(model: BlockingModel, solution: Solution) -> list[str]:
    """The moves a verdict gives a stance: every move on the way to a goal not done, and the
    moves such goals need (or their substitutes) already made."""
    needed_done = {m for g, done in model.goals.items() if not done for n in model.needs[g]
                   for m in (n, *model.substitutes.get(n, ())) if m in model.done}
    return sorted(solution.relevant | needed_done)


def stance_kind(model: BlockingModel, solution: Solution, move: str) -> StanceKind:
    """Where ``move`` stands (``Stance``), without the evidence."""
    if move in model.done:
        return "done"
    blocks = _said(model, move)
    if move not in solution.refused:
        # every block has lifters (``Solution.refused``: a move with one that has none), so none is a refusal or silence
        if any(b.kind == "position" for b in blocks):
            return "withheld"
        if blocks:
            return "offered"
        return "willing" if move in model.eased or model.willing.get(move, ()) else "free"
    stated = [b for b in blocks if b.kind == "position"]
    # one party's word is enough to hold the move (several parties: ``Move.consent``): a refusal first, then silence
    if any(not solution.lifters[id(b)] for b in stated):
        return "refused"
    if any(b.kind == "unknown" for b in blocks):
        return "unknown"
    if stated:
        return "withheld"
    if blocks:
        return "offered"
    return "willing" if move in model.eased or model.willing.get(move, ()) else "free"


def stances(sit: Situation, model: BlockingModel, solution: Solution) -> list[Stance]:
    """The stance of every move on the way to a goal not done, with what it rests on; the
    needed moves already made are listed as done."""
    rb = sit.rulebook
    result = []
    for move in on_the_way_or_done(model, solution):
        actor = rb.moves[move].actor
        kind = stance_kind(model, solution, move)
        blocks = _said(model, move)
        if rb.moves[move].consent and kind not in ("done", "free"):
            result.append(_consent_stance(model, solution, move, actor, kind, blocks, sit))
        elif kind in ("done", "unknown", "free"):
            result.append(dict(move=move, actor=actor, stance=kind))
        elif kind in ("refused", "withheld"):
            stated = [b for b in blocks if b.kind == "position"]
            shown = [b for b in stated if not solution.lifters[id(b)]] or stated
            result.append(dict(move=move, actor=actor, stance=kind,
                               evidence=[cite_position(b.position, b.variant) for b in shown],
                               unmet=[u for b in shown for u in unmet_evidence(sit, b)]))
        elif kind == "offered":
            result.append(dict(move=move, actor=actor, stance=kind, evidence=[cite_statement(sit, o) for o in blocks[0].offers],
                               unmet=unmet_evidence(sit, blocks[0])))
        elif move in model.eased:
            position, variant = model.eased[move]
            result.append(dict(move=move, actor=actor, stance=kind, evidence=[cite_position(position, variant)]))
        else:
            result.append(dict(move=move, actor=actor, stance=kind, evidence=[cite_statement(sit, p) for p in model.willing[move]]))
        after = prerequisites_of(model, move)
        if after:
            result[-1]["after"] = list(after)
    return kept_models("stance", result, _STANCES, ("evidence", "unmet"))


def _consent_stance(model: BlockingModel, solution: Solution, move: str, actor: str, kind: StanceKind,
                    blocks: tuple[Block, ...], sit: Situation) -> dict:
    """The stance of a move that needs several parties' consent (``Move.consent``): every
    party's statement as evidence (those holding it back first), the unmet conditions of
    the blocks that hold it, and the parties that have not said (``silent``)."""
    holding = [b for b in blocks if b.kind in ("position", "offer")]
    if kind == "refused":
        holding = [b for b in holding if b.kind == "position" and not solution.lifters[id(b)]]
    cited = [cite_position(b.position, b.variant) if b.position is not None else cite_statement(sit, o) for b in holding
             for o in ((None,) if b.position is not None else b.offers)]
    cited += [cite_statement(sit, s) for s in model.willing.get(move, ())]
    silent = [b.party or actor for b in blocks if b.kind == "unknown"]
    return dict(move=move, actor=actor, stance=kind, evidence=list({(c.id, c.variant): c for c in cited}.values()),
                unmet=[u for b in holding if b.kind != "unknown" and not b.refusal for u in unmet_evidence(sit, b)], silent=silent)


def _said(model: BlockingModel, move: str) -> tuple[Block, ...]:
    """The move's blocks that its stance reads: not those of the moves it comes ``after``
    (an order of moves, not a party's word)."""
    blocks = model.blocks.get(move, ())
    return tuple(b for b in blocks if b.kind != "after") if any(b.kind == "after" for b in blocks) else blocks


_STANCES = TypeAdapter(list[Stance])


def blocks_by_stance(model: BlockingModel) -> dict[str, Block]:
    """Stance key -> a block of it (the first): what ``concession_stances`` reads."""
    found: dict[str, Block] = {}
    for bs in model.blocks.values():
        for block in bs:
            found.setdefault(block.key, block)
    return found


def concession_stances(sit: Situation, concessions: ConcessionSets, blocks: dict[str, Block]) -> list[StanceRef]:
    """Each stance the concession sets name, with every statement of it in force (the first
    and its restatements, ``restates``), in the order first named; ``blocks``: ``blocks_by_stance``."""
    result = []
    for key in dict.fromkeys(key for s in concessions.sets for key in s):
        block = blocks[key]
        said = [s for s in sit.rulebook.restatements.get(key, ()) if in_force(s, sit.as_of, sit.state)]
        moves = list(dict.fromkeys(s.withholds if isinstance(s, Position) else s.offers for s in said)) or [block.move]
        actor = block.party or (block.stated.actor if block.stated is not None else sit.rulebook.moves[block.move].actor)
        result.append(StanceRef(key=key, actor=actor, move=moves[0], kind=block.kind,
                                statements=[cite_position(s) for s in said], moves=moves))
    return result


def escalation_chains(sit: Situation, kept: escalation.KeptChains | None = None,
                      cite: bool = True) -> tuple[list[FactRef], list[EscalationChain]]:
    """The live chains of every pattern, in the order of their events' times (as lists:
    the first event's time, then the second's, ...; patterns by id, then the order they
    were found in, where those are the same), each naming its events by id; and every
    event of them, cited once (live chains overlap: an event may be in many), by time
    then id (``cite`` false: none, for a timeline's verdicts, whose entries cite none)."""
    found: list[tuple[str, Escalation, list[Fact]]] = []
    for pattern_id, sides in sorted(sit.hostile.items()):
        pattern = sit.rulebook.escalations[pattern_id]
        found += [(pattern_id, pattern, chain)
                  for chain in escalation.live(pattern, escalation.kept_chains(pattern_id, pattern, sides, kept), sit.as_of)]
    found.sort(key=_times)  # as lists: a chain and the chains it overlaps begin alike
    named: dict[str, Fact] = {}
    chains = []
    for pattern_id, pattern, chain in found:
        ids = [e.id for e in chain]
        named.update(zip(ids, chain))  # the same fact under its id, however many chains it is in
        chains.append(EscalationChain(pattern=pattern_id, events=ids, size=len(chain), level=pattern.level(len(chain)),
                                      first_at=chain[0].at, last_at=chain[-1].at))
    events = [cite_fact(sit, e) for e in sorted(named.values(), key=_time_then_id)] if cite else []
    return events, chains


def _times(found: tuple[str, Escalation, list[Fact]]) -> list[Any]:
    return [e.at for e in found[2]]


def _time_then_id(fact: Fact) -> tuple[Any, str]:
    return fact.at, fact.id


def de_escalation(sit: Situation, pattern: str, calm: tuple[Fact, ...]) -> DeEscalation:
    return DeEscalation(pattern=pattern, events=[cite_fact(sit, f) for f in calm])


def levels_and_calms(sit: Situation, chains: list[EscalationChain], calmed: list[DeEscalation]) -> list[str]:
    """Sentences on the escalation levels a pattern declares, and the de-escalations."""
    lines = []
    for pattern_id in sorted({c.pattern for c in chains}):
        if sit.rulebook.escalations[pattern_id].levels:
            longest = max((c for c in chains if c.pattern == pattern_id), key=lambda c: c.size)
            lines.append(f"Escalation level ({pattern_id}): {longest.level}, {longest.size} hostile events in its longest live "
                         f"chain, from {longest.first_at.date()} to {longest.last_at.date()}.")
    for calm in calmed:
        acts = "; ".join(f"{e.actor} {e.subject.split('.')[-1]} on {cited_day(e.at, e.approx)}" + (f" ({e.value})" if e.value else "") for e in calm.events)
        lines.append(f"De-escalation ({calm.pattern}): {acts}. Hostile events up to it no longer count.")
    return lines


def _offers_gone(sit: Situation, move: str) -> tuple[list[str], list[str]]:
    """Of the parties whose word ``move`` needs (its actor, then its ``consent``): those with
    no position or offer on it in force at the time asked, and the offers of theirs made by
    then that no longer stand, each said with why: ended (a statement fact's ``ends``, or
    ``in_force.until``) on its day, or lapsed (``lapses``), whichever came first.  Why a move
    a silent party once offered now reads as untested: another party's offer in force on it
    is no word of theirs, and an ended statement whose restatement stands is no silence."""
    day, rb = sit.as_of.date(), sit.rulebook
    said = {s.actor for s in (*rb.offering.get(move, ()), *rb.withholding.get(move, ())) if in_force(s, sit.as_of, sit.state)}
    silent = [p for p in rb.moves[move].parties if p not in said] if move in rb.moves else []
    gone = []
    for o in rb.offering.get(move, ()):
        if o.actor not in silent or (o.said_on is not None and o.said_on > day) or (o.in_force.from_ is not None and o.in_force.from_ > day):
            continue
        until, lapses_on = o.in_force.until, lapse_day(o, sit.state) if o.lapses is not None else None
        if until is not None and until <= day and (lapses_on is None or until <= lapses_on):
            gone.append(f"{o.actor}'s {o.id} ended on {until.isoformat()}")
        elif lapses_on is not None and lapses_on <= day:
            gone.append(f"{o.actor}'s {o.id} lapsed {lapse_why(o, sit.state)}")
    return silent, gone


def summary(sit: Situation, status: Status, goals: list[GoalState], found: list[Cycle], refused: list[Refusal],
            openings: list[Opening], concessions: ConcessionSets, events: list[FactRef]) -> list[str]:
    """An analyst's note: the main goal's state and what blocks it (cycles and refusals,
    with quotes; moves nobody has spoken of), the interim goals, escalation, the ranked
    ways out, and the smallest concession sets."""
    rb = sit.rulebook
    day = sit.as_of.date().isoformat()
    name = rb.info.title
    current = rb.current_main({g.id for g in goals if g.status == "progress"})
    main = [g for g in goals if g.id in current] or goals
    lines = []
    main_ids = {g.id for g in main}
    aside = rb.aside(current)
    stuck = {g.id for g in main if g.status == "deadlock" and not g.reachable_if_willing}  # in a standoff
    carried = ([g for g in goals if g.id not in main_ids and g.id not in rb.phases and g.id not in aside and g.status == status
                and rb.goals[g.id].toward not in stuck]  # a step toward a main goal in a standoff carries nothing
               if not any(g.status == status for g in main) else [])
    carried_ids = {g.id for g in carried}
    if carried:  # an interim goal carries the headline: the main goals wait only on untested moves, or are open
        what = "under way" if status == "progress" else "within reach"
        states = sorted({g.status for g in main})
        untested = [g.id for g in main if g.status == "deadlock" and g.id not in stuck]
        held = ("." if "deadlock" not in states
                else ", held back only by moves nobody has said they would make, not by a standoff." if not stuck
                else f"; {_names(rb, untested)} held back only by moves nobody has said they would make, "
                     f"{_names(rb, sorted(stuck))} by a standoff.")
        lines.append(f"As of {day}, {name}: {status} — interim goal {_names(rb, [g.id for g in carried])} {what}; "
                     f"main goal{'s' if len(main) > 1 else ''} {_names(rb, [g.id for g in main])}: {' / '.join(states)}" + held)
    elif status == "progress":
        lines.append(f"As of {day}, {name}: progress — {_names(rb, [g.id for g in main if g.status == 'progress'])} done.")
    elif status == "opening":
        lines.append(f"As of {day}, {name}: there is an opening toward {_names(rb, [g.id for g in main if g.status == 'opening'])}.")
    else:
        why = sorted({reason for g in main for reason in g.blocked_by})
        because = {"cycle": "positions that wait on each other", "refusal": "a refusal or a condition no move can meet",
                   "untested": "moves nobody has said they would make"}
        lines.append(f"As of {day}, {name}: deadlock — {_names(rb, [g.id for g in main])} out of reach: "
                     f"{'; '.join(because[r] for r in why) or 'no path to it'}.")
    if rb.phases:
        state = {g.id: g.status for g in goals}
        lines.append("Phases: " + "; ".join(f"{rb.goals[g].phase}. {g}: " + ("done" if state.get(g) == "progress" else state.get(g, "-"))
                                           + (" (the phase the headline follows)" if g in main_ids else "") for g in rb.phases) + ".")
    for goal in goals:
        if goal.id not in main_ids and goal.id not in carried_ids and goal.id not in rb.phases:
            lines.append(f"Interim goal {_names(rb, [goal.id])}: {goal.status}"
                         + (f" (a step toward {rb.goals[goal.id].toward}, not the goal the headline follows now)." if goal.id in aside else "."))
    for cycle in found[:3]:
        parts = [f"{s.actor} can make {s.move} only after {s.waits_for}" if s.position is None else
                 f"{s.actor} withholds {s.move} until {' and '.join(u.test for u in s.unmet) or 'its condition holds'}"
                 f" ({s.position.id}: {quoted(s.position, _short(s.position.quote))} — {s.position.said_by or s.position.source}"
                 f"{', ' + said_day(s.position) if s.position.said_on else ''})" for s in cycle.steps]
        lines.append("Cycle: " + "; ".join(parts) + ".")
        evidence = {f.id: f for s in cycle.steps for u in s.unmet for f in (u.fact, u.other, u.previous) if f}
        for fact in sorted(evidence.values(), key=lambda f: f.at):
            lines.append(f"Fact: {fact.subject} is {show(fact.value)}{' ' + fact.unit if fact.unit else ''} since {cited_day(fact.at, fact.approx)}"
                         f"{' (' + fact.source + ')' if fact.source else ''}.")
    for refusal in refused:
        narrowing = [f"{p.move} would narrow the gap on {u.fact.subject} from {show(u.gap)} to {show(p.gap)}"
                     for u in refusal.unmet if u.fact is not None for p in u.partial]
        clash = f" while {', '.join(refusal.clashes_with)} stands (a clash of terms)" if refusal.clashes_with else ""
        made = [f"{m}, which decides {s}, counts as made: its done_when already holds" for s in
                sorted({u.fact.subject for u in refusal.unmet if u.fact is not None})
                for m in sorted(rb.deciding) if not rb.choice(m, s).empty and sit.holds(f"move:{m}")]
        what = (f"withholds {refusal.move} until {' and '.join(u.test for u in refusal.unmet)}, which no move can bring about{clash}"
                + (f" ({'; '.join(narrowing)}, without closing it)" if narrowing else "")
                + (f" ({'; '.join(made)})" if made else "")
                if refusal.unmet else f"refuses {refusal.move} outright")
        lines.append(f"{refusal.actor} {what} ({refusal.position.id}: {quoted(refusal.position, _short(refusal.position.quote))}).")
    untested_moves = sorted({m for g in goals for m in g.untested})
    gone_offers = {m: found for m in untested_moves if (found := _offers_gone(sit, m))[1]}
    silent = [m for m in untested_moves if m not in gone_offers]
    if silent:
        lines.append(f"Nobody has said whether they would make {', '.join(silent)}: untested, so no opening rests on them.")
    for move, (parties, offers) in gone_offers.items():
        ended = "; ".join(offers)
        lines.append(f"No word in force from {' or '.join(parties)} on {move}: the offer{'s' if len(offers) > 1 else ''} ({ended}) no longer "
                     f"stand{'' if len(offers) > 1 else 's'}, and {'they have' if len(parties) > 1 else 'it has'} said nothing since: "
                     "untested, so no opening rests on it.")
    if events:
        actors = sorted({e.actor for e in events if e.actor})
        acts = sum(e.count or 1 for e in events)
        counted = f" (standing for {acts} acts)" if acts != len(events) else ""
        lines.append(f"Escalation: {len(events)} hostile events{counted} alternating between sides ({', '.join(actors)}) "
                     f"from {cited_day(events[0].at, events[0].approx)} to {cited_day(events[-1].at, events[-1].approx)}.")
    for opening in openings[:3]:
        if opening.available_now and status == "deadlock":  # no "Opening now" under a deadlock: what it opens, said
            label = f"Way out {opening.rank} (possible now, toward {', '.join(opening.toward) or 'no goal not done'})"
        else:
            label = "Opening now" if opening.available_now else f"Way out {opening.rank}"
        needed = f" [needs: {'; '.join(opening.facts_needed)}]" if opening.facts_needed else ""
        lines.append(f"{label}: {opening.description}{needed}.")
    if concessions.sets:
        sets = " or ".join("{" + ", ".join(s) + "}" for s in concessions.sets[:5])
        lines.append(f"Smallest concession sets ({concessions.size} stance(s){'' if concessions.exact else ', approximate'}): {sets}.")
        shown_sets = {key for s in concessions.sets[:5] for key in s}
        for stance in concessions.stances:
            statements = said_once(stance.statements)
            if stance.key in shown_sets and len(statements) > 1:  # one statement: already quoted above, or in the cycle
                said = "; ".join(f"{quoted(p, _short(p.quote, 100))} — {p.said_by or p.source}{', ' + said_day(p) if p.said_on else ''}"
                                 for p in statements)
                lines.append(f"Stance {stance.key} ({stance.actor} on {', '.join(stance.moves or [stance.move])}), said {len(statements)} times: {said}.")
    return lines


def said_once(statements: Iterable[S]) -> list[S]:
    """A stance's statements (positions, offers, or their citations), each said once: one
    statement over a package of moves is written as a position (or offer) per move, with the
    same words, speaker and day."""
    seen: dict[tuple[str, str, Any], S] = {}
    for p in statements:
        seen.setdefault((p.quote, p.said_by or p.source, p.said_on), p)
    return list(seen.values())


def orders(stances: list[Stance]) -> list[str]:
    """A sentence for each move on the way that comes after moves not yet made (``after``)."""
    return [f"{s.move} (after {', '.join(s.after)}): it cannot be made before {' and '.join(s.after)}"
            f" {'is' if len(s.after) == 1 else 'are'} made, whatever {_who_said(s)}."
            for s in stances if s.after]


def _who_said(stance: Stance) -> str:
    """Whose word a move's stance rests on, and the stance: its actor's; for a move that
    needs several parties' consent, the parties', naming the silent ones."""
    if not stance.silent:
        return f"{stance.actor} has said ({stance.stance})"
    silent = f"{' and '.join(stance.silent)} {'has' if len(stance.silent) == 1 else 'have'} not said"
    by = sorted({p.actor for p in stance.evidence})
    if stance.stance in ("withheld", "refused") and by:  # a party's word holds it, another's is missing: name both
        return f"its parties have said ({stance.stance} by {' and '.join(by)}; {silent})"
    return f"its parties have said ({stance.stance}: {silent})"


def _names(rb, goals: list[str]) -> str:
    """Goals as an analyst reads them: their description where there is one."""
    return ", ".join(f"{g} ({rb.goals[g].description.rstrip('.')})" if rb.goals[g].description else g for g in goals) or "no goal"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
