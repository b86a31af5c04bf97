"""The blocking model built move by move, and from the last one by difference.

``model.build_model`` calls ``built`` for a situation whose ``holds`` is a frozenset's
membership (what a timeline's walk gives), and builds any other whole, as the rules are
written there (which this module follows move by move).  Each move's part of the model (its blocks, whether
a position eases it, whether it is willing and on what) reads only what bears on that
move: whether it is done (and the moves it comes ``after``), the positions withholding it
in force with their variants, the offers to make it in force, the claims of their
conditions, and the values of the subjects those conditions read.  So from one situation
to the next (a timeline's walk: a few facts a moment) only the parts of the moves that
a changed claim, statement in force or value reaches are worked out again; the others are
the last model's, and the model is assembled in the order the whole build gives (a
mapping's order is part of a model: ``analysis.alike``).

The last model is kept with what it was built from (the claims that hold, the values, the
positions and offers in force), one per process, and used for a situation of the very
same rulebook: what changed is the claims' difference (known at once from two sets), the
statements in force that differ and the values that are other objects.  A condition with a deadline or
a trend reads the day and other facts than its subjects': its move is worked out every
time.  ``tests/unit/test_model_by_difference.py`` holds the model kept by difference to
the one built afresh at every moment of random histories.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.analysis.model import (
    Block,
    BlockingModel,
    Situation,
    _conditional,
    _plain_block,
    _position_block,
    _reads,
    assembled_model,
    values_of,
)
from engine.kept import Kept, Last
from engine.rulebook import Rulebook
from engine.rulebook.models import Expr, Move, Offer, Position, Variant

_NONE: Any = object()  # a move with no entry in ``willing``

# A move's part: its blocks (positions', then its word's or silence's, then its order's), the
# place of its key among the blocks' ((0, first blocking position), (1, move) or (2, move), in
# the whole build's order), its entry in ``eased`` and its place there (the first position
# easing it), and its entry in ``willing`` (``_NONE``: none)
_Part = tuple[tuple[Block, ...], tuple[int, int] | None, tuple[Position, Variant] | None, int | None, Any]


class _Index:
    """What a rulebook's moves read, found once per rulebook: per move its positions (with
    their place in the file) and offers, and which moves each claim and subject reaches."""

    def __init__(self, rb: Rulebook):
        self.rulebook = rb
        self.moves: list[tuple[int, str, Move]] = [(i, key, move) for i, key, move in zip(range(len(rb.moves)), rb.moves, rb.moves.values())]
        self.order = {key: i for i, key, _ in self.moves}
        self.move_claims = [(key, f"move:{key}") for key in rb.moves]
        self.withholding: dict[str, list[tuple[int, Position]]] = {}
        self.position_move: dict[int, str] = {}
        claims: dict[str, set[str]] = {}
        subjects: dict[str, set[str]] = {}
        always: set[str] = set()

        def reads(move: str, condition: Expr | None) -> None:
            if condition is None:
                return
            timed, read = _reads(rb, condition)
            if timed:
                always.add(move)
            for subject in read:
                subjects.setdefault(subject, set()).add(move)

        for i, position in enumerate(rb.positions.values()):
            move = position.withholds
            self.withholding.setdefault(move, []).append((i, position))
            self.position_move[id(position)] = move
            claims.setdefault(f"until:{position.id}", set()).add(move)
            reads(move, position.until)
            for variant in position.variants:
                claims.setdefault(f"variant_until:{variant.id}", set()).add(move)
                reads(move, variant.until)
        for offer in rb.offers.values():
            claims.setdefault(f"offer:{offer.id}", set()).add(offer.offers)
            reads(offer.offers, offer.if_)
        for key, move in rb.moves.items():
            claims.setdefault(f"move:{key}", set()).add(key)
            for before in move.after:  # its order's blocks read whether those are done
                claims.setdefault(f"move:{before}", set()).add(key)
        self.offer_move = {o.id: o.offers for o in rb.offers.values()}
        self.claims = {c: frozenset(ms) for c, ms in claims.items()}
        self.subjects = {s: frozenset(ms) for s, ms in subjects.items()}
        self.always = frozenset(always)
        self.needs = {g: tuple(goal.needs) for g, goal in rb.goals.items()}
        self.steps = tuple((g, goal.toward) for g, goal in rb.goals.items() if goal.toward is not None)
        self.goal_claims = [(g, f"goal:{g}") for g in rb.goals]


@dataclass(frozen=True)
class _Built:
    """A model with what it was built from, and each move's part of it."""

    index: _Index
    held: frozenset[str]
    values: dict
    in_force: tuple[tuple[Position, Variant | None], ...]
    variants: dict[int, Variant | None]  # id of each position in force -> its active variant
    offers: frozenset[str]
    done: frozenset[str]
    parts: dict[str, _Part]
    found: dict[str, tuple[Block, ...]]  # the blocks before clashes of terms
    eased: dict[str, tuple[Position, Variant]]
    willing: dict[str, tuple[Position | Offer, ...]]


MAX_KEPT_INDEXES = 256
_INDEXES: Kept[_Index] = Kept("building.indexes", lambda: MAX_KEPT_INDEXES, arity=1)  # per rulebook
_LAST = Last("building.last")  # the last model built with its claims known, with what it was built from (a _Built)


def _index(rb: Rulebook) -> _Index:
    index = _INDEXES.get((rb,))
    return index if index is not None else _INDEXES.put((rb,), None, _Index(rb))


def built(sit: Situation) -> BlockingModel:
    """The blocking model of ``sit`` (``model.build_model``), whose ``holds`` is a frozenset's
    membership: by difference from the last one where that was of the same rulebook."""
    rb = sit.rulebook
    index = _index(rb)
    owner = getattr(sit.holds, "__self__", None)
    held = owner if type(owner) is frozenset else None
    values = values_of(sit)
    in_force = sit.positions_in_force
    offers = sit.offers_in_force
    last = _LAST[0] if held is not None else None
    if last is None or last.index is not index:
        done = frozenset(key for key, claim in index.move_claims if sit.holds(claim))
        variants = {id(p): v for p, v in in_force}
        parts = {key: _part(sit, rb, i, key, move, index, values, done, variants, offers) for i, key, move in index.moves}
        found, eased, willing = _assembled(index, parts)
    else:
        done, variants, parts, found, eased, willing = _by_difference(sit, index, last, held, values, in_force, offers)
    if held is not None:
        _LAST[0] = _Built(index, held, values, in_force, variants, offers, done, parts, found, eased, willing)
    goals = {g: sit.holds(claim) for g, claim in index.goal_claims}
    return assembled_model(rb, done, found, eased, willing, goals, dict(index.needs), index.steps)


def _by_difference(sit: Situation, index: _Index, last: _Built, held: frozenset[str], values: dict,
                   in_force: tuple[tuple[Position, Variant | None], ...], offers: frozenset[str]) -> tuple:
    """``built``'s parts from ``last``'s: those of the moves that what changed reaches
    (a claim, a position or offer coming into or out of force or another variant, a value)
    worked out again, the others taken."""
    rb = sit.rulebook
    touched: set[str] = set(index.always)
    claims = index.claims
    done = last.done
    if held is not last.held:
        changed = held ^ last.held
        for claim in changed:
            moves = claims.get(claim)
            if moves is not None:
                touched |= moves
        if any(claim.startswith("move:") for claim in changed):
            done = frozenset(key for key, claim in index.move_claims if claim in held)
    variants = last.variants
    if in_force is not last.in_force and in_force != last.in_force:  # pairs of the same objects, compared by identity first
        variants = {id(p): v for p, v in in_force}
        position_move = index.position_move
        for p, v in in_force:
            if last.variants.get(id(p), _NONE) is not v:
                touched.add(position_move[id(p)])
        for p, _ in last.in_force:
            if id(p) not in variants:
                touched.add(position_move[id(p)])
    if offers is not last.offers and offers != last.offers:
        touched.update(index.offer_move[o] for o in offers ^ last.offers)
    before = last.values
    subjects = index.subjects
    for subject, value in values.items():
        if before.get(subject, _NONE) is not value:
            touched.update(subjects.get(subject, ()))
    for subject in before.keys() - values.keys():
        touched.update(subjects.get(subject, ()))
    if not touched:
        return done, variants, last.parts, last.found, last.eased, last.willing
    parts = dict(last.parts)
    moves = rb.moves
    for key in touched:
        parts[key] = _part(sit, rb, index.order[key], key, moves[key], index, values, done, variants, offers)
    return (done, variants, parts, *_patched(index, last, parts, touched))


def _patched(index: _Index, last: _Built, parts: dict[str, _Part], touched: Iterable[str]) -> tuple[dict, dict, dict]:
    """The blocks, ``eased`` and ``willing`` of ``parts``, each mapping the last one's with
    the entries of the ``touched`` moves changed in place, or gone, where none of those comes
    in or moves to another place (a move made leaves the blocks; a block lifted or another
    first position blocking is assembled again: ``_assembled``)."""
    old = last.parts
    found: dict | None = dict(last.found)
    eased: dict | None = dict(last.eased)
    willing: dict | None = dict(last.willing)
    for key in touched:
        blocks, first, easing, eased_at, word = parts[key]
        was = old[key]
        found = _patch(found, key, blocks, not blocks, bool(was[0]) and first == was[1])
        eased = _patch(eased, key, easing, easing is None, was[2] is not None and eased_at == was[3])
        willing = _patch(willing, key, word, word is _NONE, was[4] is not _NONE)
    return (_found_of(parts) if found is None else found, _eased_of(parts) if eased is None else eased,
            _willing_of(index, parts) if willing is None else willing)


def _patch(mapping: dict | None, key: str, entry: Any, absent: bool, in_place: bool) -> dict | None:
    """``mapping`` with ``key``'s entry gone (``absent``) or replaced where it was
    (``in_place``: the key was there, at the same place of the whole build's order); None
    where the entry comes in or moves, and the mapping must be assembled again (or was None)."""
    if mapping is None:
        return None
    if absent:
        mapping.pop(key, None)
    elif in_place:
        mapping[key] = entry
    else:
        return None
    return mapping


def _assembled(index: _Index, parts: dict[str, _Part]) -> tuple[dict, dict, dict]:
    """The blocks, ``eased`` and ``willing`` of the model, from every move's part, each
    mapping in the order of the whole build (``_Part``)."""
    return _found_of(parts), _eased_of(parts), _willing_of(index, parts)


def _found_of(parts: dict[str, _Part]) -> dict[str, tuple[Block, ...]]:
    return {key: blocks for _, key, blocks in sorted(((part[1], key, part[0]) for key, part in parts.items() if part[0]),
                                                     key=operator.itemgetter(0))}


def _eased_of(parts: dict[str, _Part]) -> dict[str, tuple[Position, Variant]]:
    return {key: easing for _, key, easing in sorted(((part[3], key, part[2]) for key, part in parts.items() if part[2] is not None),
                                                     key=operator.itemgetter(0))}


def _willing_of(index: _Index, parts: dict[str, _Part]) -> dict[str, Any]:
    return {key: parts[key][4] for _, key, _ in index.moves if parts[key][4] is not _NONE}


def _part(sit: Situation, rb: Rulebook, i: int, key: str, move: Move, index: _Index, values: dict, done: frozenset[str],
          variants: dict[int, Variant | None], offers_in_force: frozenset[str]) -> _Part:
    """One move's part of the model, as the whole build makes it (``model.build_model``'s rules)."""
    holds = sit.holds
    blocks: list[Block] = []
    first: tuple[int, int] | None = None
    eased: tuple[Position, Variant] | None = None
    eased_at: int | None = None
    met: list[Position] = []
    spoke: set[str] = set()  # the actors whose positions in force speak of the move
    if key not in done:
        for at, position in index.withholding.get(key, ()):
            pid = id(position)
            if pid not in variants:
                continue
            variant = variants[pid]
            spoke.add(position.actor)
            if variant is not None and variant.simultaneous:
                eased = (position, variant)
                if eased_at is None:
                    eased_at = at
                continue
            if variant is not None and variant.until is not None:
                # softer: the variant's condition or the position's own (if any) will do
                if holds(f"variant_until:{variant.id}") or (position.until is not None and holds(f"until:{position.id}")):
                    met.append(position)
                    continue
                condition: Expr | None = variant.until
            elif position.until is None:
                blocks.append(_plain_block(("refusal",), (rb, position, variant),
                                           position, key, variant, True, (), stance=rb.stance_of[position.id]))
                if first is None:
                    first = (0, at)
                continue
            elif holds(f"until:{position.id}"):
                met.append(position)
                continue
            else:
                condition = position.until
            blocks.append(_position_block(rb, position, variant, condition, values))
            if first is None:
                first = (0, at)
    willing: Any = _NONE
    if move.consent and key not in done:
        # each party's word read as a move's alone is read (its positions in force, else its offers, else ``free``, else
        # silence), one party at a time; willing only when no party's word blocks it, with every party's evidence
        evidence: list[Position | Offer] = list(met)
        if eased is not None:
            evidence.append(eased[0])
        for party in move.parties:
            if party in spoke:
                continue  # its positions speak for it: blocks, or met or eased (the evidence above)
            offers = [o for o in rb.offering.get(key, ()) if o.actor == party and o.id in offers_in_force]
            kept = [o for o in offers if o.if_ is None or o.simultaneous or holds(f"offer:{o.id}")]
            if kept:
                evidence += kept
            elif offers:  # willing once one of its offers' conditions holds
                blocks.append(_conditional(rb, key, None, values, offers=tuple(offers)))
            elif not move.free:  # silence is not consent: each party's own
                silent = None if party == move.actor else party
                blocks.append(_plain_block(("unknown", key, silent), (), None, key, None, False, (), kind="unknown", party=silent))
        if not blocks:
            willing = tuple(evidence)
        elif first is None:
            first = (1, i)
    elif key in done or blocks:
        pass
    elif eased is not None or met:
        willing = tuple(met) or (eased[0],)  # type: ignore[index]
    else:
        offers = [o for o in rb.offering.get(key, ()) if o.id in offers_in_force]
        kept = [o for o in offers if o.if_ is None or o.simultaneous or holds(f"offer:{o.id}")]
        if kept:
            willing = tuple(kept)
        elif offers:  # willing once one of its offers' conditions holds
            blocks.append(_conditional(rb, key, None, values, offers=tuple(offers)))
            first = (1, i)
        elif move.free:
            willing = ()
        else:  # silence is not consent
            blocks.append(_plain_block(("unknown", key, None), (), None, key, None, False, (), kind="unknown"))
            first = (1, i)
    if move.after and key not in done:
        order = _prerequisites(key, move, done)
        if order:
            blocks += order
            if first is None:
                first = (2, i)
    return tuple(blocks), first, eased, eased_at, willing


def _prerequisites(key: str, move: Move, done: frozenset[str]) -> list[Block]:
    """A block for each move not done that ``move`` comes ``after`` (``model.prerequisite_blocks``)."""
    return [_plain_block(("after", key, before), (), None, key, None, False, (), alternatives=(frozenset(),),
                         ways=((frozenset((before,)),),), kind="after", after=before)
            for before in move.after if before not in done]
