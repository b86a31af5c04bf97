"""Verdicts and timelines as text for a terminal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.analysis.explain import quoted, said_day, said_once
from engine.conditions import show
from engine.imports import ImportReport
from engine.verdict import ConcessionSets, FactRef, TimelineEntry, TimelineEntryWithVerdict, Verdict


def when(at: dt.datetime) -> str:
    return at.date().isoformat() if at.time() == dt.time(0) else at.strftime("%Y-%m-%d %H:%M:%S")


def day(fact: FactRef) -> str:
    """A cited fact's time (``when``), ``about`` it when its date is approximate."""
    return f"about {when(fact.at)}" if fact.approx else when(fact.at)


def verdict_text(verdict: Verdict) -> str:
    lines = [f"{verdict.scenario} / {verdict.session} as of {when(verdict.as_of)}: "
             f"{verdict.status.upper()}{', ESCALATION' if verdict.escalation else ''}"
             + (f" ({verdict.escalation_level})" if verdict.escalation_level not in (None, "on") else "")
             + {"confirmed": " (confirmed facts only)", "reported": " (confirmed and reported facts only)"}.get(verdict.admits, ""), ""]
    lines += [f"  {line}" for line in verdict.summary]
    if verdict.cycles:
        lines += ["", "Cycles:"]
        for n, cycle in enumerate(verdict.cycles, 1):
            lines.append(f"  {n}. {' -> '.join(cycle.moves)} -> {cycle.moves[0]}")
            for step in cycle.steps:
                if step.position is None:  # an order of moves (``after``): no statement
                    lines.append(f"     {step.move} waits for {step.waits_for}: it can only be made after it")
                    continue
                lines.append(f"     {step.move} waits for {step.waits_for}: position {step.position.id}")
                lines.append(f"       {quoted(step.position)}")
                lines.append(f"       — {step.position.said_by}{', ' + said_day(step.position) if step.position.said_on else ''}; {step.position.source}")
                for unmet in step.unmet:
                    fact = unmet.fact
                    seen = (f"{show(fact.value)}{' ' + fact.unit if fact.unit else ''} since {day(fact)} ({fact.source or 'no source'})"
                            if fact else "no fact yet")
                    trend = f", moving {unmet.trend}" if unmet.trend else ""
                    lines.append(f"       unmet: {unmet.test}; now {seen}{trend}")
                    lines += [f"       partial: {p.move} would narrow the gap from {show(unmet.gap)} to {show(p.gap)}"
                              f"{' ' + fact.unit if fact and fact.unit else ''}, without closing it" for p in unmet.partial]
    if verdict.openings:
        lines += ["", "Openings (ranked):"]
        for opening in verdict.openings:
            flags = [f for f, on in (("now", opening.available_now), ("reaches a goal", opening.reaches_goal),
                                     ("breaks every cycle", opening.breaks_all_cycles)) if on]
            lines.append(f"  {opening.rank}. [{opening.kind}] {opening.description}" + (f" ({', '.join(flags)})" if flags else ""))
            if opening.toward:
                lines.append(f"     toward: {', '.join(opening.toward)}")
            if opening.facts_needed:
                lines.append(f"     needs: {'; '.join(opening.facts_needed)}")
            if opening.satisfies:
                lines.append(f"     satisfies: {', '.join(opening.satisfies)}")
    lines += _concessions("Smallest concession sets toward the main goals", verdict.concessions)
    for goal in verdict.goals:
        if goal.concessions is not None and goal.concessions.sets and goal.concessions != verdict.concessions:
            lines += _concessions(f"Smallest concession sets toward {goal.id} ({goal.rank})", goal.concessions)
    lines += _ripeness(verdict)
    if verdict.escalation_events:
        lines += ["", "Escalation events:"]
        for event in verdict.escalation_events:
            counted = f" [{event.count} acts{' since ' + when(event.since) if event.since else ''}]" if event.count else ""
            sure = "" if event.confidence == "confirmed" else f" [{event.confidence}]"
            lines.append(f"  {day(event)} {event.actor}{' -> ' + event.target if event.target else ''}: {event.value}{counted} ({event.source}){sure}")
    return "\n".join(lines)


def _ripeness(verdict: Verdict) -> list[str]:
    """Each main goal's ripeness, then its parts with the facts and statements behind them."""
    lines = []
    for ripe in verdict.ripeness:
        since = f" since {ripe.since}" if ripe.since else ""
        lines += ["", f"Ripeness of {ripe.goal}: {ripe.status.replace('_', ' ').upper()}{since}"
                      f" (mutually hurting stalemate: {'yes' if ripe.mutually_hurting_stalemate else 'no'}, "
                      f"way out: {'yes' if ripe.way_out.holds else 'no'})"]
        for party in ripe.parties:
            side = "" if party.side else " (not a side of this goal)"
            lines.append(f"  {party.party}{side}: {'hurting since ' + str(party.since) if party.hurting and party.since else 'hurting' if party.hurting else 'not hurting'}")
            for cost in party.costs:
                lines.append(f"     {cost.cost}: {cost.text}")
                lines += [f"       fact: {f.subject} = {show(f.value)} on {day(f)} ({f.source or 'no source'})" for f in cost.facts]
                lines += [f"       statement: {s.id} ({s.said_by or s.source})" for s in cost.statements]
        lines.append(f"  {ripe.stalemate.text}")
        lines += [f"     statement: {s.id} ({s.said_by or s.source})" for s in ripe.stalemate.statements]
        acts = set(ripe.stalemate.escalation)  # ids of the verdict's escalation events
        lines += [f"     hostile act: {day(e)} {e.actor}: {e.value} ({e.source})" for e in verdict.escalation_events if e.id in acts]
        lines.append(f"  {ripe.way_out.text}" + (f" (since {ripe.way_out.since})" if ripe.way_out.since else ""))
        lines += [f"     {quoted(s)} — {s.said_by or s.actor}{', ' + said_day(s) if s.said_on else ''}; {s.source}"
                  for s in ripe.way_out.statements]
    return lines


def _concessions(title: str, concessions: ConcessionSets) -> list[str]:
    """The sets, then each stance they name with every statement of it."""
    if not concessions.sets:
        return []
    lines = ["", f"{title} ({concessions.size}, {'exact' if concessions.exact else 'approximate'}):"]
    lines += [f"  - {', '.join(s)}" for s in concessions.sets]
    if concessions.note:
        lines.append(f"  ({concessions.note})")
    for stance in concessions.stances:
        lines.append(f"  {stance.key}: {stance.actor} on {stance.move}" + ("" if stance.statements else ", nobody has said"))
        for said in said_once(stance.statements):  # a package said once is quoted once
            lines.append(f"     {quoted(said)} — {said.said_by or said.actor}{', ' + said_day(said) if said.said_on else ''}; {said.source}")
    return lines


def timeline_text(entries: list[TimelineEntry]) -> str:
    if not entries:
        return "(no facts: empty timeline)"
    lines = []
    for entry in entries:
        head = "; ".join(entry.changes)
        lines.append(f"{when(entry.at):<20} {entry.status:<9} {'escalation' if entry.escalation else '':<10} {head}")
        for cause in entry.causes:
            about = f" (date approximate: about {when(cause.at)})" if cause.approx else ""
            lines.append(f"{'':<42}  because: {cause.subject} = {show(cause.value)} ({cause.source or 'no source'}){about}")
        for stated in entry.statements:
            shown = f", shown by {stated.shown_by.id} of {day(stated.shown_by)}" if stated.shown_by else ""
            lines.append(f"{'':<42}  statement: {stated.id} ({stated.said_by or stated.source}{shown})")
        if isinstance(entry, TimelineEntryWithVerdict):  # ``ripeness timeline --verdicts``
            lines += [f"{'':<42}  verdict: {said}" for said in entry.verdict.summary]
    return "\n".join(lines)


def import_text(report: ImportReport, out: Path | None = None) -> str:
    """An import's counts, one a line, then the bad rows left out."""
    where = f"written to {out}" if out is not None else "stored"
    lines = [f"{report.format} data, mapping {report.mapping}: {report.rows} row(s) read",
             f"  {report.stored} fact(s) {where}, {report.already_there} already there, {report.corrected} corrected, "
             f"{report.withdrawn} withdrawn",
             f"  {report.merged} duplicate row(s) merged, {report.outside_range} outside the date range, "
             f"{report.unmatched} matched no rule, {report.bad_rows} bad row(s) left out"]
    lines += [f"  bad: {problem}" for problem in report.problems]
    return "\n".join(lines)
