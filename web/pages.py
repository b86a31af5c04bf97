"""The page and its views.  ``/`` is a shell that asks for nothing; its script fetches each
view as an HTML fragment from ``/web/...`` with the browser session's bearer token, and
writes facts through the JSON API itself (``POST /sessions/{sid}/facts``).  Each fragment
checks the caller like the API (``api.access``), reads through the same calls as the API's
routes (``engine.sessions`` via ``api.reads.analysed`` for analyses, within the server's
time budget), and renders; errors are the API's problem+json."""

from __future__ import annotations

import datetime as dt
import json
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api.access import Caller, caller, require_writer
from api.app import SCENARIO_PREFIX
from api.problems import ApiProblem
from api.reads import analysed
from api.scenarios import in_scenario, sessions_of
from engine.facts import Fact, Time
from engine.rulebook import Rulebook
from engine.sessions import BASELINE, Sessions, TimelineBasis
from engine.verdict import TimelineEntry
from web import bands, brief, graph
from web.times import day

HERE = Path(__file__).resolve().parent
# the page loads nothing from anywhere but this server, and runs no inline script
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
Who = Annotated[Caller, Depends(caller)]
SessionName = Annotated[str, Query(max_length=64, description="the session to show")]
BLOCKS = 12  # blocking positions the verdict view shows in full (quote, source, unmet facts); the rest one line each
AsOf = Annotated[Time | None, Query(description="ISO 8601 date or datetime (UTC if no zone); default now")]


def shown(value: Any) -> str:
    """A fact's value as the API writes it (true, not True)."""
    return "" if value is None else json.dumps(value) if isinstance(value, bool) else str(value)


def is_link(source: str) -> bool:
    return source.startswith(("https://", "http://")) and not any(c.isspace() for c in source)


templates.env.filters["day"] = day
templates.env.filters["shown"] = shown
templates.env.tests["link"] = is_link


def _sessions(request: Request) -> Sessions:
    return sessions_of(request)  # the scenario of /scenarios/{scenario}/..., else the default one's


def _render(request: Request, name: str, who: Caller, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {"who": who, **context})
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"  # a fragment is one caller's view now
    return response


def may_write(who: Caller, sessions: Sessions, sid: str) -> bool:
    """Whether the API would let ``who`` record facts in ``sid`` (the same rule)."""
    try:
        require_writer(who, sessions.record_of(sid))
    except ApiProblem:
        return False
    return True


@router.get("/", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    """The shell: no data in it, so it needs no token.  At ``/`` it shows the default
    scenario; at ``/scenarios/{scenario}/`` that one (its script then asks that scenario's
    views and API, under the same prefix)."""
    scenario = request.path_params.get("scenario")
    response = templates.TemplateResponse(request, "page.html", {"scenario": _sessions(request).rulebook.id,
                                                                 "base": f"/scenarios/{scenario}" if scenario else ""})
    response.headers["Content-Security-Policy"] = CSP
    return response


@router.get("/web/verdict", response_class=HTMLResponse)
async def verdict_view(request: Request, who: Who, session: SessionName = BASELINE, as_of: AsOf = None) -> HTMLResponse:
    sessions = _sessions(request)
    sessions.record_of(session)  # an unknown session is a 404 before any analysis
    verdict = await analysed(request, f"the verdict of {session!r}", lambda deadline: sessions.verdict(session, as_of, deadline))
    rulebook = sessions.rulebook
    blocking = [(cycle_no, step) for cycle_no, cycle in enumerate(verdict.cycles, start=1) for step in cycle.steps]
    drawn = graph.build(verdict, rulebook)
    return _render(request, "verdict.html", who, v=verdict, title=rulebook.info.title, blocking=blocking, blocks=BLOCKS,
                   main=[g for g in verdict.goals if g.rank == "main"], actors=rulebook.actors,
                   graph=drawn.elements(verdict, rulebook))


DetailKey = Annotated[str, Query(max_length=200, pattern=r"^(move|position):\S+$",
                                 description="what was clicked: move:ID (a node) or position:ID (an edge)")]


@router.get("/web/evidence", response_class=HTMLResponse)
async def evidence_view(request: Request, who: Who, key: DetailKey, session: SessionName = BASELINE,
                        as_of: AsOf = None) -> HTMLResponse:
    """The evidence of one node or edge of a verdict's graph (the verdict of ``session`` as of
    ``as_of``, the time the graph shows): fetched when it is clicked, so the verdict and
    comparison views carry none of it."""
    verdict = await _verdict_of(request, session, as_of)
    rulebook = _sessions(request).rulebook
    drawn = graph.build(verdict, rulebook)
    kind, name = key.split(":", 1)
    move = drawn.moves.get(name) if kind == "move" else None
    if kind == "move" and move is not None:
        evidence = [drawn.positions.get(ref.id, (ref, move.unmet)) for ref in move.evidence]
    elif kind == "position" and name in drawn.positions:
        evidence = [drawn.positions[name]]
    else:
        raise ApiProblem(404, "unknown-evidence", "Not in the graph",
                         f"the graph of {session!r} as of {day(verdict.as_of)} has no {kind} {name!r} (query parameter key)")
    return _render(request, "_detail.html", who, key=key, move=move, evidence=evidence, actors=rulebook.actors)


async def _verdict_of(request: Request, session: str, as_of: dt.datetime | None):
    sessions = _sessions(request)
    sessions.record_of(session)
    return await analysed(request, f"the verdict of {session!r}", lambda deadline: sessions.verdict(session, as_of, deadline))


@router.get("/web/brief", response_class=HTMLResponse)
async def brief_view(request: Request, who: Who, session: SessionName = BASELINE, as_of: AsOf = None) -> HTMLResponse:
    """The verdict's brief, to print (the page's print style shows it alone)."""
    verdict = await _verdict_of(request, session, as_of)
    rulebook = _sessions(request).rulebook
    return _render(request, "brief.html", who, v=verdict, title=rulebook.info.title, actors=rulebook.actors)


@router.get("/web/brief.md", response_class=PlainTextResponse)
async def brief_markdown(request: Request, who: Who, session: SessionName = BASELINE, as_of: AsOf = None) -> PlainTextResponse:
    """The same brief as Markdown, to paste into a note."""
    verdict = await _verdict_of(request, session, as_of)
    return PlainTextResponse(brief.markdown(verdict, _sessions(request).rulebook), media_type="text/markdown; charset=utf-8",
                             headers={"Cache-Control": "no-store"})


@router.get("/web/facts", response_class=HTMLResponse)
def facts_view(request: Request, who: Who, session: SessionName = BASELINE,
               subject: Annotated[str | None, Query(max_length=129)] = None,
               actor: Annotated[str | None, Query(max_length=64)] = None,
               start: Annotated[Time | None, Query(alias="from")] = None,
               end: Annotated[Time | None, Query(alias="to")] = None,
               after: Annotated[str | None, Query(pattern=r"^f[0-9]{1,18}$")] = None) -> HTMLResponse:
    sessions = _sessions(request)
    subject, actor = subject or None, actor or None  # an empty filter field filters nothing
    found = sessions.facts(session, subject=subject, actor=actor, start=start, end=end, after=after, limit=1000)
    rulebook = sessions.rulebook
    return _render(request, "facts.html", who, session=session, page=found, writable=may_write(who, sessions, session),
                   subject_keys=sorted(rulebook.subjects), actors=rulebook.actors,
                   subjects={s.id: s for s in rulebook.subjects.values()},
                   filters={"subject": subject or "", "actor": actor or "", "from": day(start), "to": day(end)})


@dataclass(frozen=True)
class ShownTimeline:
    basis: TimelineBasis  # read before the timeline was worked out: a write meanwhile makes it not hold
    entries: list[TimelineEntry]
    facts: list[Fact]  # the chart's markers: the facts not withdrawn (they change with the version only)


class ShownTimelines:
    """The timelines the page showed last, each kept (the latest ``MOST``) until its session's
    basis no longer holds (``TimelineBasis.still``: another fact or withdrawal, a time at which
    the verdict can change passed, the session deleted and made again), for one scenario's
    sessions as loaded (a reload is a new ``Sessions``, with none kept)."""

    MOST = 8

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, ShownTimeline] = OrderedDict()

    def get(self, session: str, basis: TimelineBasis, now: dt.datetime) -> ShownTimeline | None:
        with self._lock:
            kept = self._kept.get(session)
            if kept is None or not kept.basis.still(basis, now):
                return None
            self._kept.move_to_end(session)
            return kept

    def put(self, session: str, kept: ShownTimeline) -> None:
        with self._lock:
            self._kept[session] = kept
            self._kept.move_to_end(session)
            while len(self._kept) > self.MOST:
                self._kept.popitem(last=False)


_shown_timelines: weakref.WeakKeyDictionary[Sessions, ShownTimelines] = weakref.WeakKeyDictionary()
_kept_guard = threading.Lock()


def shown_timelines(sessions: Sessions) -> ShownTimelines:
    with _kept_guard:
        return _shown_timelines.setdefault(sessions, ShownTimelines())


@router.get("/web/timeline", response_class=HTMLResponse)
async def timeline_view(request: Request, who: Who, session: SessionName = BASELINE) -> HTMLResponse:
    """The timeline's bands and entries.  The timeline is worked out once and kept until the
    session's log changes or a time at which it can change passes (``ShownTimelines``): a
    later view of the same session costs what reading that basis costs."""
    sessions = _sessions(request)
    sessions.record_of(session)
    basis = await run_in_threadpool(sessions.timeline_basis, session)
    keep = shown_timelines(sessions)
    kept = keep.get(session, basis, sessions.clock.now())
    if kept is None:
        entries = await analysed(request, f"the timeline of {session!r}", lambda deadline: sessions.timeline(session, deadline))
        kept = ShownTimeline(basis, entries, await run_in_threadpool(facts_in_force, sessions, session))
        keep.put(session, kept)
    return _render(request, "timeline.html", who, session=session, entries=list(reversed(kept.entries)),
                   chart=bands.chart(kept.entries, kept.facts, sessions.rulebook, sessions.clock.now()))


def facts_in_force(sessions: Sessions, session: str, most: int = bands.MARKERS) -> list:
    """The session's facts not withdrawn, page by page, at most ``most`` of them."""
    found, after = [], None
    while len(found) < most:
        page = sessions.facts(session, after=after, limit=1000)
        found += [f for f in page.facts if f.id not in page.withdrawn_by and not f.withdraws]
        after = page.next_after
        if after is None:
            break
    return found[:most]


def switches(rulebook: Rulebook) -> list[dict[str, Any]]:
    """Each variant with the facts that switch it on, where its ``switched_on_by`` has an
    alternative that names its values (``eq`` or ``in``): the page offers to record them."""
    found = []
    for position in rulebook.positions.values():
        for variant in position.variants:
            for alternative in rulebook.alternatives(variant.switched_on_by):
                facts = []
                for compare in alternative:
                    value = compare.eq if compare.eq is not None else (compare.in_ or [None])[0]
                    if value is None or compare.subject not in rulebook.subjects:
                        break
                    subject = rulebook.subjects[compare.subject]
                    facts.append({"actor": subject.actor, "subject": subject.id, "value": value})
                else:
                    found.append({"variant": variant.id, "position": position.id, "actor": position.actor,
                                  "description": variant.description, "facts": facts})
                    break
    return found


@router.get("/web/whatif", response_class=HTMLResponse)
def whatif_view(request: Request, who: Who, session: SessionName = BASELINE) -> HTMLResponse:
    sessions = _sessions(request)
    record = sessions.record_of(session)
    rulebook = sessions.rulebook
    children = [r for r, parent in sessions.page(limit=1000).sessions if parent == session]
    parent, writable = sessions.parent_name(record), may_write(who, sessions, session)
    present = sessions.present(session)
    # a what-if's statements as of its present: those in force it can end, the offers not in force it can state again
    stated = sessions.statements(session, present) if parent and writable else []
    return _render(request, "whatif.html", who, session=session, record=record, parent=parent,
                   children=children, may_fork=who.at_least("analyst"), writable=writable,
                   switches=switches(rulebook), actors=rulebook.actors,
                   subjects={s.id: s for s in rulebook.subjects.values()}, present=present.date().isoformat(),
                   moves=rulebook.moves, conditions=sorted(rulebook.conditions),
                   in_force=[s for s in stated if s.in_force],
                   stances={s.id: s.restates or s.id for s in stated if s.in_force},  # each one's stance, by its first statement
                   offers_off=[s for s in stated if s.kind == "offer" and not s.in_force])


@router.get("/web/compare", response_class=HTMLResponse)
async def compare_view(request: Request, who: Who, a: SessionName, b: SessionName, as_of: AsOf = None) -> HTMLResponse:
    sessions = _sessions(request)
    sessions.record_of(a)
    sessions.record_of(b)
    both = await analysed(request, f"the comparison of {a!r} with {b!r}", lambda deadline: sessions.compare(a, b, as_of, deadline))
    rulebook = sessions.rulebook
    sides = []
    for key, verdict, marked, mark in (("a", both.a, both.differences.cycles_broken, "broken"),
                                       ("b", both.b, both.differences.cycles_added, "added")):
        drawn = graph.build(verdict, rulebook)
        data = drawn.elements(verdict, rulebook)
        steps = {(step.move, step.waits_for) for cycle in marked for step in cycle.steps}
        for edge in data["edges"]:
            if (edge["data"]["source"], edge["data"]["target"]) in steps:
                edge["classes"] += " " + mark
        sides.append({"key": key, "v": verdict, "graph": data})
    return _render(request, "compare.html", who, c=both, d=both.differences, sides=sides, actors=rulebook.actors)


def install(app: FastAPI) -> None:
    """Add the page (``/``), its views (``/web/...``) and its scripts (``/web/static``); and
    each scenario's page and views at ``/scenarios/{scenario}/`` and ``/scenarios/{scenario}/web/...``."""
    app.mount("/web/static", StaticFiles(directory=HERE / "static", follow_symlink=False), name="web-static")
    app.include_router(router)
    # each scenario's page and views under its prefix, as the API's (a 404 for one not served)
    app.include_router(router, prefix=SCENARIO_PREFIX, dependencies=[Depends(in_scenario)])
    app.state.routes = [*app.state.routes, *router.routes]  # for the Allow header of OPTIONS and 405
    # every template compiled now, at start (Jinja keeps them), not in a user's first request of each view
    # (the timeline's: about 15 ms of its first request at 200 positions)
    for name in templates.env.list_templates():
        templates.env.get_template(name)
