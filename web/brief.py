"""A verdict's brief as Markdown, to paste into a note: status, main goal, cycles with their
quotes, the facts that keep each condition unmet, dead ends, and the ways out.  The HTML
brief (``templates/brief.html``) shows the same, in the same order."""

from __future__ import annotations

from engine.rulebook import Rulebook
from engine.verdict import FactRef, PositionRef, Unmet, Verdict
from web.times import day

DASH, BOTH_WAYS = "\u2014", " \u21c4 "


def text(value: object) -> str:
    """Text on one line, with Markdown's own characters taken literally."""
    out = " ".join(str(value).split())
    for char in "\\`*_[]<>|#":
        out = out.replace(char, "\\" + char)
    return out


def quote(p: PositionRef) -> list[str]:
    said = ", ".join(x for x in (text(p.said_by or p.actor), day(p.said_on) if p.said_on else "") if x)
    lines = [f"> {text(p.quote)}", ">", f"> {DASH} {said} ({p.kind} `{p.id}`{f', variant `{p.variant}`' if p.variant else ''})"]
    if p.source:
        lines.append(f"> Source: {text(p.source)}")
    return lines


def fact(f: FactRef) -> str:
    value = "" if f.value is None else f" = **{text(f.value)}**{' ' + text(f.unit) if f.unit else ''}"
    who = f" by {f.actor}" if f.actor else ""
    source = f" ({text(f.source)})" if f.source else ""
    return f"`{f.id}` {text(f.subject)}{value}{who} since {day(f.at)}{source}"


def unmet(items: list[Unmet]) -> list[str]:
    return [f"- {text(u.test)}: " + (f"held unmet by {fact(u.fact)}" if u.fact else "nothing known yet") for u in items]


def markdown(verdict: Verdict, rulebook: Rulebook) -> str:
    actor = {a.id: a.name for a in rulebook.actors.values()}
    lines = [f"# Brief: {text(rulebook.info.title)}", "",
             f"**Status: {verdict.status}**{' with escalation' if verdict.escalation else ''} as of {day(verdict.as_of)}"
             f" (session `{verdict.session}`)", ""]
    lines += ["## Goals", ""]
    for g in verdict.goals:
        why = f" (blocked by {', '.join(g.blocked_by)})" if g.blocked_by else ""
        lines.append(f"- {'**main goal** ' if g.rank == 'main' else 'interim '}`{g.id}`: **{g.status}**{why}"
                     + (f" {DASH} {text(g.description)}" if g.description else ""))
    lines.append("")
    for number, cycle in enumerate(verdict.cycles, start=1):
        lines += [f"## Cycle {number}: {BOTH_WAYS.join(cycle.moves)}", ""]
        for step in cycle.steps:
            if step.position is None:  # no statement: the move can only be made after the next (``after``)
                lines += [f"**{text(actor.get(step.actor, step.actor))}** can make `{step.move}` only after `{step.waits_for}`", ""]
                continue
            until = f" until `{step.waits_for}`" if step.waits_for else ""
            lines += [f"**{text(actor.get(step.actor, step.actor))}** withholds `{step.move}`{until}", "", *quote(step.position), ""]
            lines += [*unmet(step.unmet), ""] if step.unmet else []
    if verdict.refusals:
        lines += ["## Dead ends", ""]
        for r in verdict.refusals:
            lines += [f"**{text(actor.get(r.actor, r.actor))}** refuses `{r.move}`", "", *quote(r.position), ""]
            lines += [*unmet(r.unmet), ""] if r.unmet else []
    lines += ["## Ways out", ""]
    if verdict.openings:
        lines += [f"{o.rank}. {text(o.description)} ({o.kind}{'; breaks every cycle' if o.breaks_all_cycles else ''}"
                  f"{'; reaches a goal' if o.reaches_goal else ''})" for o in verdict.openings]
    else:
        lines.append("No way out is known.")
    if verdict.concessions.sets:
        sets = " or ".join("{" + ", ".join(f"`{k}`" for k in s) + "}" for s in verdict.concessions.sets)
        lines += ["", f"Smallest concession sets ({verdict.concessions.size} stance(s)): {sets}."]
    if verdict.escalation and verdict.escalation_chains:
        lines += ["", "## Escalation", ""]
        cited = {e.id: e for e in verdict.escalation_events}  # each event cited once; a chain names them by id
        for chain in verdict.escalation_chains:
            lines += [f"- pattern `{chain.pattern}`:", *[f"  - {fact(cited[i])}" for i in chain.events]]
    return "\n".join(lines).rstrip() + "\n"
