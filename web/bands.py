"""The timeline's band chart, as plain data for the page's script: one band per stretch of
the same status (deadlock, opening, progress), one per stretch of escalation, and one per
stretch of the same ripeness (ripe, ripening: the ripest of the main goals), each with
what changed at its start and why (the timeline entry's changes, causes and statements);
markers for the session's facts and for positions and offers coming into or out of force.
Times are milliseconds since 1970 (what the script's ``Date`` reads)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.facts import Fact
from engine.rulebook import Rulebook
from engine.verdict import FactRef, PositionRef, TimelineEntry

MARKERS = 5000  # facts drawn at most (the first, in recording order)


def ms(at: dt.datetime | dt.date) -> int:
    if not isinstance(at, dt.datetime):
        at = dt.datetime(at.year, at.month, at.day, tzinfo=dt.timezone.utc)
    return int(at.timestamp() * 1000)


def fact_text(f: Fact | FactRef) -> str:
    value = "" if f.value is None else f" = {f.value}"
    return f"{f.id} {f.subject}{value}" + (f" by {f.actor}" if f.actor else "") + (f" · {f.source}" if f.source else "")


def statement_text(p: PositionRef, rulebook: Rulebook, at: dt.datetime) -> tuple[str, str]:
    """Whether a statement comes into force (``in``) or goes out of it (``out``) at ``at``, and its words."""
    stated = rulebook.positions.get(p.id) or rulebook.offers.get(p.id)
    until = stated.in_force.until if stated is not None else None
    kind = "out" if until is not None and until == at.date() else "in"
    who = p.said_by or p.actor
    return kind, f"{p.id} ({who}) {'out of' if kind == 'out' else 'into'} force: \u201c{p.quote}\u201d"


def chart(entries: list[TimelineEntry], facts: list[Fact], rulebook: Rulebook, now: dt.datetime) -> dict[str, Any]:
    """Bands from each entry to the next (the last to ``now`` or its own date, whichever is
    later), escalation bands, and markers."""
    ordered = sorted(entries, key=lambda e: e.at)
    ends = [e.at for e in ordered[1:]] + [max(now, ordered[-1].at)] if ordered else []
    bands, escalation = [], []
    for entry, end in zip(ordered, ends):
        why = {"changes": list(entry.changes), "causes": [fact_text(f) for f in entry.causes],
               "statements": [statement_text(p, rulebook, entry.at)[1] for p in entry.statements]}
        bands.append({"from": ms(entry.at), "to": ms(end), "status": entry.status, "escalation": entry.escalation,
                      "date": entry.at.date().isoformat(), **why})
        if entry.escalation:
            if escalation and escalation[-1]["to"] == ms(entry.at):
                escalation[-1]["to"] = ms(end)
            else:
                escalation.append({"from": ms(entry.at), "to": ms(end), "date": entry.at.date().isoformat(), **why})
    ripeness = ripeness_bands(ordered, ends)
    markers = [{"at": ms(f.at), "kind": "fact", "label": f"{f.at.date().isoformat()} {fact_text(f)}"} for f in facts[:MARKERS]]
    for entry in ordered:
        for p in entry.statements:
            kind, text = statement_text(p, rulebook, entry.at)
            markers.append({"at": ms(entry.at), "kind": kind, "label": f"{entry.at.date().isoformat()} {text}"})
    start = min([b["from"] for b in bands] + [m["at"] for m in markers], default=ms(now))
    end = max([b["to"] for b in bands] + [m["at"] for m in markers], default=ms(now))
    return {"start": start, "end": max(end, start + 86_400_000), "bands": bands, "escalation": escalation, "ripeness": ripeness,
            "markers": markers, "facts_shown": min(len(facts), MARKERS), "facts": len(facts)}


RIPER = {"ripe": 2, "ripening": 1, "not_ripe": 0}


def ripeness_bands(ordered: list[TimelineEntry], ends: list[dt.datetime]) -> list[dict[str, Any]]:
    """One band per stretch in which the ripest main goal (the entries' ``goals``: each main
    goal's ripeness) is ripe or ripening, with that goal, what made it so (the entry's line
    for that goal's ripeness, with its causes) and what changed at the stretch's start.
    The whole assessment is the verdict's, as of the entry's time."""
    found: list[dict[str, Any]] = []
    for entry, end in zip(ordered, ends):
        ripest = max((g for g in entry.goals if g.ripeness is not None), key=lambda g: RIPER[g.ripeness or "not_ripe"], default=None)
        if ripest is None or ripest.ripeness == "not_ripe":
            continue
        if found and found[-1]["to"] == ms(entry.at) and found[-1]["status"] == ripest.ripeness and found[-1]["goal"] == ripest.id:
            found[-1]["to"] = ms(end)
            continue
        why = [c for c in entry.changes if c.startswith(f"ripeness of {ripest.id}:")] or [f"ripeness of {ripest.id}: {ripest.ripeness}"]
        found.append({"from": ms(entry.at), "to": ms(end), "status": ripest.ripeness, "goal": ripest.id,
                      "date": entry.at.date().isoformat(), "changes": [c for c in entry.changes if c.startswith("ripeness")]
                      or list(entry.changes), "causes": why})
    return found
