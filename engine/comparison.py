"""Two verdicts side by side, and what differs going from the first to the second (a
what-if compared with the line it was forked from, usually)."""

from __future__ import annotations

from engine.verdict import Cycle, Model, Opening, Status, Verdict


class Differences(Model):
    """Going from ``a`` to ``b``: a cycle is *broken* when ``a`` has it and ``b`` does not
    (cycles are the same when they join the same moves); an opening is *gained* when ``b``
    has it and ``a`` does not (openings are the same when kind and ``what`` match), *taken*
    when its move is done in ``b``, and *lost* when it is gone otherwise."""

    status: tuple[Status, Status] | None = None
    escalation: tuple[bool, bool] | None = None
    cycles_broken: list[Cycle] = []
    cycles_added: list[Cycle] = []
    openings_gained: list[Opening] = []
    openings_taken: list[Opening] = []
    openings_lost: list[Opening] = []
    moves_done: list[str] = []
    moves_undone: list[str] = []
    positions_gone: list[str] = []
    positions_added: list[str] = []
    offers_gone: list[str] = []
    offers_added: list[str] = []


class Comparison(Model):
    a: Verdict
    b: Verdict
    differs: bool
    differences: Differences
    summary: list[str]


def compare(a: Verdict, b: Verdict) -> Comparison:
    def cycle_key(cycle: Cycle) -> frozenset[str]:
        return frozenset(cycle.moves)

    def opening_key(opening: Opening) -> tuple[str, str]:
        return (opening.kind, opening.what)

    a_cycles, b_cycles = {cycle_key(c): c for c in a.cycles}, {cycle_key(c): c for c in b.cycles}
    a_open, b_open = {opening_key(o): o for o in a.openings}, {opening_key(o): o for o in b.openings}
    a_pos, b_pos = {p.id for p in a.positions_in_force}, {p.id for p in b.positions_in_force}
    a_offers, b_offers = {o.id for o in a.offers_in_force}, {o.id for o in b.offers_in_force}
    diff = Differences(
        status=(a.status, b.status) if a.status != b.status else None,
        escalation=(a.escalation, b.escalation) if a.escalation != b.escalation else None,
        cycles_broken=[c for k, c in a_cycles.items() if k not in b_cycles],
        cycles_added=[c for k, c in b_cycles.items() if k not in a_cycles],
        openings_gained=[o for k, o in b_open.items() if k not in a_open],
        openings_taken=[o for k, o in a_open.items() if k not in b_open and o.move in b.moves_done],
        openings_lost=[o for k, o in a_open.items() if k not in b_open and o.move not in b.moves_done],
        moves_done=sorted(set(b.moves_done) - set(a.moves_done)),
        moves_undone=sorted(set(a.moves_done) - set(b.moves_done)),
        positions_gone=sorted(a_pos - b_pos),
        positions_added=sorted(b_pos - a_pos),
        offers_gone=sorted(a_offers - b_offers),
        offers_added=sorted(b_offers - a_offers),
    )
    differs = any(diff.model_dump().values())
    return Comparison(a=a, b=b, differs=differs, differences=diff, summary=_summary(a, b, diff))


def _summary(a: Verdict, b: Verdict, diff: Differences) -> list[str]:
    first, second = a.session, b.session
    lines = []
    if diff.status:
        lines.append(f"Status: {diff.status[0]} in {first}, {diff.status[1]} in {second}.")
    else:
        lines.append(f"Status: {a.status} in both.")
    if diff.escalation:
        lines.append(f"Escalation: {'on' if diff.escalation[0] else 'off'} in {first}, {'on' if diff.escalation[1] else 'off'} in {second}.")
    for cycle in diff.cycles_broken:
        lines.append(f"Broken in {second}: the cycle {' -> '.join(cycle.moves)}.")
    for cycle in diff.cycles_added:
        lines.append(f"New in {second}: the cycle {' -> '.join(cycle.moves)}.")
    for opening in diff.openings_gained:
        lines.append(f"Opening gained in {second}: {opening.description}.")
    for move in diff.moves_done:
        lines.append(f"Done in {second}, not in {first}: {move}.")
    for opening in diff.openings_taken:
        lines.append(f"Opening no longer needed in {second} ({opening.move} is done): {opening.description}.")
    for opening in diff.openings_lost:
        lines.append(f"Opening lost in {second}: {opening.description}.")
    for what, gone, added in (("Position", diff.positions_gone, diff.positions_added), ("Offer", diff.offers_gone, diff.offers_added)):
        lines += [f"{what} in force in {first}, not in {second}: {i}." for i in gone]
        lines += [f"{what} in force in {second}, not in {first}: {i}." for i in added]
    if not any(diff.model_dump().values()):
        lines.append("No difference in status, escalation, moves done, cycles, openings, or positions and offers in force.")
    return lines
