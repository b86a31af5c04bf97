"""Ways out: the openings that exist now and the candidate changes that would open the way,
ranked (the smallest sets of concessions that do are ``engine.analysis.concessions``)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from pydantic import TypeAdapter

from engine.analysis.explain import cite_statement, condition_text, kept_models
from engine.analysis.model import Block, BlockingModel, Situation, Solution, _reads, relevant_blocks, unmet_comparisons, values_of
from engine.analysis.whatif import Outcomes
from engine.conditions import expr_holds
from engine.conduct import act, how
from engine.kept import Kept
from engine.rulebook import Rulebook
from engine.rulebook.models import Offer, Position, Variant
from engine.verdict import Opening, PositionRef

_OPENINGS = TypeAdapter(list[Opening])


def find_openings(sit: Situation, model: BlockingModel, solution: Solution, cite: Callable[[Position | Offer, Variant | None], PositionRef],
                  outcomes: Outcomes | None = None, toward: dict[str, list[str]] | None = None,
                  only: frozenset[str] | None = None) -> list[Opening]:
    """The ranked ways out; ``toward``: move -> the goals not done on whose way it lies
    (``on_the_way``), named by each opening.  ``only``: just the openings toward one of
    these goals that ripeness's way out could choose (``ripeness._way_out``: not an ask,
    breaching no position); the others are not worked out, and the ranks are among those
    alone, in the same order as among all (a timeline's light verdicts)."""
    rb = sit.rulebook
    toward = toward or {}
    if only is not None:
        wanted = {m for m, goals in toward.items() if not only.isdisjoint(goals)}
    outcomes = outcomes or Outcomes(model, solution)
    values = values_of(sit)
    candidates: list[dict] = []
    substitutes = {s for subs in model.substitutes.values() for s in subs}
    needed = {n for g, done in model.goals.items() if not done for n in model.needs[g]}
    waited_on = {target for targets in solution.waits.values() for target in targets}
    # "breaks every cycle" only where there is a cycle to break: with none, no change breaks one
    cyclic = bool(solution.components())
    clashed = _clashed(model)

    for move in sorted(solution.reach & solution.relevant):
        if model.blocks.get(move) or not (move in needed or move in substitutes or move in waited_on):
            continue
        if only is not None and move not in wanted:
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
            evidence = [cite_statement(sit, p) if isinstance(p, Offer) and p.shown_by else cite(p, None) for p in resting]
            positions = [p.id for p in resting if isinstance(p, Position)]
            offers = [p.id for p in resting if not isinstance(p, Position)]
            in_step = [p.id for p in resting if isinstance(p, Offer) and p.simultaneous and not sit.holds(f"offer:{p.id}")]
            acts = [(p, act(p, sit.state)) for p in resting if isinstance(p, Offer) and p.shown_by is not None]
            reason = (_consented(rb, move, resting) if rb.moves[move].consent else
                      f"the condition of {', '.join(positions)} is met" if positions else
                      _shown(acts) if acts and all(f is not None for _, f in acts) else
                      f"it has said it will, in step with the moves its offer names (offer {', '.join(in_step)})" if in_step else
                      f"it has said it will (offer {', '.join(offers)})" if offers else
                      "it needs nobody's consent (a free move)")
            text = f"{actor} can {_verb(rb, move)} now: {reason}"
        clashing = clashed.get(move, ()) if not reaches else ()
        if clashing:  # the terms it was to meet wait for values no one choice of it gives (``model._clashes``)
            text += (f"; but no value it writes meets {' and '.join(clashing)} at once (a clash of terms), so no goal "
                     f"opens after it until one of them is given up")
        candidates.append(dict(kind=kind, what=move, move=move, variant=model.eased[move][1].id if move in model.eased else None,
                               actor=actor, description=text,
                               satisfies=_stances_lifted(outcomes, [move]), breaches=[],
                               breaks_all_cycles=acyclic and cyclic, reaches_goal=reaches, available_now=True, evidence=evidence,
                               toward=toward.get(move, []), clashes=list(clashing)))

    for move in sorted(solution.relevant - solution.reach):
        if only is not None and (move not in wanted or _no_way_out(model.blocks.get(move, ()))):
            continue  # no way out (``ripeness._way_out``): neither its words nor what the change would do are worked out
        path = _path(rb, model, solution, move)
        if path is None:
            continue  # a move it comes after is out of reach: that move is the way out, listed on its own
        kind, actor, text, facts_needed, breaches, evidence = _withheld(rb, move, model.blocks.get(move, ()), values, substitutes, cite)
        reaches, acyclic = outcomes.after_moves([*path, move]) if path else outcomes.after_move(move)
        if path:
            text += f" (after {', '.join(path)})"
            evidence = [cite(s, None) for before in path for s in model.willing.get(before, ())] + evidence
        candidates.append(dict(kind=kind, what=move, move=move, actor=actor, description=text, facts_needed=facts_needed,
                               satisfies=_stances_lifted(outcomes, [*path, move]),
                               breaches=breaches, breaks_all_cycles=acyclic and cyclic,
                               reaches_goal=reaches, evidence=evidence, toward=toward.get(move, []), after=path))

    for block in relevant_blocks(model, solution):
        if only is not None and block.move not in wanted:
            continue
        for variant in (block.position.variants if block.position is not None else ()):
            if variant is block.variant:
                continue
            softer = variant.simultaneous or (variant.until is not None and expr_holds(rb.expand(variant.until), values))
            if not softer:
                continue
            reaches, acyclic = outcomes.after_lifting([block])
            switch = [condition_text(c) for c in unmet_comparisons(rb.alternatives(variant.switched_on_by), values)]
            candidates.append(dict(kind="variant", what=variant.id, move=block.move, variant=variant.id, actor=block.position.actor,
                                   description=f"{block.position.actor} switches to '{variant.id}' ({_variant_text(variant)}), softening {block.key}",
                                   facts_needed=switch, satisfies=[block.key], breaches=[],
                                   breaks_all_cycles=acyclic and cyclic, reaches_goal=reaches,
                                   evidence=[cite(block.position, variant)], toward=toward.get(block.move, [])))

    main = set(model.main)
    # a way toward a main goal before one toward interim goals only: opening talks is not opening the deal
    candidates.sort(key=lambda c: (not c.get("available_now", False), main.isdisjoint(c["toward"]) if main else False,
                                   not c["reaches_goal"], not c["breaks_all_cycles"],
                                   len(c["breaches"]), -len(c["satisfies"]), c["kind"] != "variant", c["what"]))
    for i, candidate in enumerate(candidates):
        candidate["rank"] = i + 1
    return kept_models("opening", candidates, _OPENINGS, ("evidence",))  # most are those of the verdict before


def _clashed(model: BlockingModel) -> dict[str, tuple[str, ...]]:
    """Each move that decides a value whose terms clash (``model._clashes``: taken from the
    ways of the blocks whose terms no one value it may write meets) -> the statements in
    that clash, sorted."""
    if model.unclashed is None:
        return {}
    found: dict[str, set[str]] = {}
    for key, blocks in model.blocks.items():
        for block, before in zip(blocks, model.unclashed[key]):
            if block.clashes and block.stated is not None:
                taken = {m for alternative in before.ways for movers in alternative for m in movers}
                taken -= {m for alternative in block.ways for movers in alternative for m in movers}
                for move in taken:
                    found.setdefault(move, set()).update((block.stated.id, *block.clashes))
    return {move: tuple(sorted(ids)) for move, ids in found.items()}


def _no_way_out(blocks: tuple[Block, ...]) -> bool:
    """Whether the opening of a move not reached with these blocks is one ripeness's way
    out never chooses (``ripeness._way_out``): it breaches a position (a block of a position
    in force), or, breaching none, it is an ask (a party has not said: ``_withheld_parts``)."""
    return any(b.kind == "position" or b.kind == "unknown" for b in blocks)


def _ask(rb, move: str, actor: str, silent: list[str]) -> str:
    """The way to test a move nobody has spoken of: ask each party that has not said (its
    actor, and those whose consent it needs: ``Move.consent``)."""
    if silent == [actor]:
        return f"Ask {actor} whether it would {_verb(rb, move)}: nobody has said"
    return (f"Ask {' and '.join(silent)} whether {'it' if len(silent) == 1 else 'each'} would agree that {actor}"
            f" {_verb(rb, move, third=True)}: {'it has' if len(silent) == 1 else 'they have'} not said")


def _shown(acts: list) -> str:
    """Why a move can be made now when the offers it rests on are shown by conduct."""
    return f"its conduct shows it will ({'; '.join(f'offer {o.id}, {how(o, fact)}' for o, fact in acts)})"


def _consented(rb, move: str, resting: tuple) -> str:
    """Why a move that needs several parties' consent can be made now: each has said so."""
    said = ", ".join(f"{s.actor}: {s.id}" for s in resting)
    return f"{' and '.join(rb.moves[move].parties)} have each said they would ({said})" if said else "it needs nobody's consent (a free move)"


def _path(rb, model: BlockingModel, solution: Solution, move: str) -> list[str] | None:
    """The moves not done that ``move`` comes after (``after``, directly or not), in an order
    they can be made in; None when one of them is not reachable (then ``move`` is no way
    out of its own: it cannot be made before a move that is itself out of reach)."""
    path = [m for m in rb.prerequisites.get(move, ()) if m not in model.done]
    return path if all(m in solution.reach for m in path) else None


def _stances_lifted(outcomes: Outcomes, moves: list[str]) -> list[str]:
    """The stances making ``moves`` would lift on its own (not the order of moves, ``after``)."""
    return list(dict.fromkeys(b.key for m in moves for b in outcomes.lifted_by(m) if b.kind != "after" and b.move not in moves))


Withheld = tuple[str, str, str, list[str], list[str], list[PositionRef]]
MAX_KEPT = 20_000
_WITHHELD: Kept[Withheld] = Kept("openings.withheld", lambda: MAX_KEPT, arity=None)  # rulebook, cite, blocks; move, values, substitute


def _withheld(rb: Rulebook, move: str, blocks: tuple[Block, ...], values: dict, substitutes: set[str],
              cite: Callable[[Position | Offer, Variant | None], PositionRef]) -> Withheld:
    """What an opening says of a move not reached, but for what the change would do: its
    kind, actor, description, the facts its ``done_when`` still needs, the stances it
    breaches and the statements behind its blocks.  Kept per move, its blocks (kept from one
    verdict to the next: ``model._position_block``), the values its ``done_when`` reads and
    whether it is a substitute, the rulebook and ``cite`` (at most ``MAX_KEPT`` kept)."""
    condition = rb.moves[move].done_when
    timed, subjects = _reads(rb, condition)
    if timed:  # a deadline or a trend reads more than the values: not kept
        return _withheld_parts(rb, move, blocks, values, substitutes, cite)
    read = tuple((s, type(values[s]), values[s]) if s in values else (s,) for s in subjects)
    objects, plain = (rb, cite, *blocks), (move, read, move in substitutes)
    try:
        kept = _WITHHELD.get(objects, plain)
    except TypeError:  # a value that cannot be a key
        return _withheld_parts(rb, move, blocks, values, substitutes, cite)
    if kept is None:
        kept = _WITHHELD.put(objects, plain, _withheld_parts(rb, move, blocks, values, substitutes, cite))
    return kept


def _withheld_parts(rb: Rulebook, move: str, blocks: tuple[Block, ...], values: dict, substitutes: set[str],
                    cite: Callable[[Position | Offer, Variant | None], PositionRef]) -> Withheld:
    unmet = unmet_comparisons(rb.alternatives(rb.moves[move].done_when), values)
    breaches = [b for b in blocks if b.kind == "position"]
    actor = rb.moves[move].actor
    silent = [b.party or actor for b in blocks if b.kind == "unknown"]
    if not breaches and silent:
        kind, text = "ask", _ask(rb, move, actor, silent)
    else:
        kind = "substitute" if move in substitutes else "move"
        offered = list(dict.fromkeys(b.key for b in blocks if b.kind == "offer"))
        text = f"{actor} {_verb(rb, move, third=True)}" + (
            f", breaching {_in_force(breaches)}" if breaches else
            f", before the condition of its offer {', '.join(offered)} holds" if offered else "")
    return (kind, actor, text, [condition_text(c, rb.subjects[c.subject].unit) for c in unmet],
            list(dict.fromkeys(b.key for b in breaches)), [cite(b.stated, None) for b in blocks if b.stated is not None])


def _in_force(breaches: list[Block]) -> str:
    """The breached stances as a way out names them: each by its key when the statement it
    is named after is in force, else by the first of its statements in force, with the
    stance (``gov_no_dialogue (stance gov_suspends)``: the first statement of a stance may
    have ended; ``breaches`` keeps the stance keys)."""
    in_force: dict[str, list[str]] = {}
    for b in breaches:
        assert b.position is not None
        in_force.setdefault(b.key, []).append(b.position.id)
    return ", ".join(key if key in ids else f"{ids[0]} (stance {key})" for key, ids in in_force.items())


def _verb(rb, move: str, third: bool = False) -> str:
    """``grant relief (ease or lift the sanctions on Iranian oil)``; ``makes 'grant relief' (...)``."""
    return _verb_text(move, rb.moves[move].description, third)


@functools.lru_cache(maxsize=20_000)
def _verb_text(move: str, description: str, third: bool) -> str:
    name = move.split(".", 1)[1].replace("_", " ")
    description = description.rstrip(".")
    detail = f" ({description})" if description else ""  # as written: its first word may be a name ("Charles Taylor leaves power")
    return f"makes '{name}'{detail}" if third else f"{name}{detail}"


def _variant_text(variant: Variant) -> str:
    return "simultaneous steps" if variant.simultaneous else "a softer condition"
