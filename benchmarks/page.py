"""7. Page: each view of the web page (``web/``) for a generated scenario of 200 positions,
timed through the app in process (Starlette's TestClient: routing, the caller, the
analysis within its budget, the template), beside the JSON API call the view is built from,
asked the same way in the same process, alternately.  Goal: each view within 300 ms.

The log holds a first fact for every subject (every move undone: deadlock with all its
cycles) and a few hundred later facts (about a day apart) and hostile events, so the
timeline has a history to band.  A what-if is forked as of the middle of that history with
one hypothetical fact.  Verdicts that nothing changed since are kept by the session: both
sides are asked alike, once to warm up, then alternately.

What is timed is the server's answer, not the browser's drawing (cytoscape's layout of the
graph, the SVG of the bands), which the browser tests exercise but do not time.  The
service keeps a session's latest timelines until its log changes (``engine.analyst.KeptTimelines``),
for the page and the JSON call alike: the timeline view's first request (which works the
timeline out) is timed once, with no JSON call beside it (that one then answers from the
kept timeline), then the kept ones beside their JSON calls.  The comparison's what-if is forked in the past: its first verdicts of a past date read
that moment from the log (``engine.live_session.PAST_QUESTIONS`` of them), then its whole history
is read once; the first request is timed once, then those after the history is read.
"evidence" is what a click on an edge of the graph fetches (one position's quote and
unmet facts, from the kept verdict of the date shown).  The timeline workers are started with
the sessions, as ``ripeness serve`` starts them (``Sessions.start_timeline_workers``), and are
ready (waited for, untimed) before the first view is asked; none has walked a timeline then.
The first timeline's label says how many processes walked it.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks import generate, world
from benchmarks.common import Row, in_child
from engine.live_session import PAST_QUESTIONS

POSITIONS, LATER_FACTS, REPEATS = 200, 300, 5
SLOW = {"timeline": 2}  # repeats of the views whose JSON call takes seconds (the whole history)


def served(scenario: dict[str, Any], db: str, install: Any = None) -> tuple[Any, Any, Any, dict[str, tuple[str, str]], int]:
    """The workload's fact log, sessions and app (``install``: what adds the page to it,
    default ``web.install``): the sessions, the app, its TestClient, each view's URL beside
    its JSON call's, and the number of facts in baseline."""
    from fastapi.testclient import TestClient

    import web
    from api import create_app
    from ripeness.bootstrap import Scenario, open_sessions

    loaded = world.load(scenario)
    subjects = len(loaded.generated.state_subjects)
    facts = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects + LATER_FACTS, subjects=subjects,
                                                                          events=30, seed=1)))
    # facts an hour apart are too close for a timeline of years: spread the later ones a day apart
    for i, fact in enumerate(facts[subjects:], start=1):
        fact["at"] = (generate.START + dt.timedelta(days=i)).isoformat()
    _, head = world.heads(facts, generate.START)
    clock = world.StreamClock(head + dt.timedelta(days=1))
    sessions = open_sessions(Scenario(loaded.rulebook, loaded.rules), db, clock)
    sessions.start_timeline_workers()  # as ``ripeness serve`` does at start (``--timeline-workers``, default the cores)
    for chunk in generate.chunks(iter(facts), 1000):
        sessions.record("baseline", [("", f) for f in chunk])
    middle = generate.START + dt.timedelta(days=LATER_FACTS // 2)
    sessions.fork("whatif", as_of=middle)
    move = loaded.rulebook.moves[next(iter(loaded.rulebook.goals.values())).needs[0]]
    subject = sorted(loaded.rulebook.subjects_of(move.done_when))[0]
    kind = loaded.rulebook.subjects[subject].type
    value = 60 if kind == "number" else "full" if kind == "enum" else True
    sessions.record("whatif", [("", {"at": (middle + dt.timedelta(hours=1)).isoformat(), "subject": subject, "value": value})])
    app = create_app(sessions, None, analysis_budget=None)  # timed, not limited: a loaded machine can take a minute
    (install or web.install)(app)
    client = TestClient(app)
    as_of = (middle + dt.timedelta(days=10)).date().isoformat()
    asked = sessions.verdict("baseline", dt.datetime.fromisoformat(as_of + "T00:00:00+00:00"))
    clicked = asked.cycles[0].steps[0].position.id if asked.cycles else next(iter(loaded.rulebook.positions))
    pairs = {
        "verdict": (f"/web/verdict?session=baseline&as_of={as_of}", f"/sessions/baseline/verdict?as_of={as_of}"),
        "facts": ("/web/facts?session=baseline", "/sessions/baseline/facts?limit=1000"),
        "timeline": ("/web/timeline?session=baseline", "/sessions/baseline/timeline"),
        "evidence": (f"/web/evidence?session=baseline&as_of={as_of}&key=position:{clicked}",
                     f"/sessions/baseline/verdict?as_of={as_of}"),
        "what-if": ("/web/whatif?session=whatif", "/sessions/whatif"),
        "compare": ("/web/compare?a=baseline&b=whatif", "/sessions/baseline/compare/whatif"),
        "brief": (f"/web/brief?session=baseline&as_of={as_of}", f"/sessions/baseline/verdict?as_of={as_of}"),
        "brief.md": (f"/web/brief.md?session=baseline&as_of={as_of}", f"/sessions/baseline/verdict?as_of={as_of}"),
    }
    return sessions, app, client, pairs, len(facts)


def page_child(scenario: dict[str, Any], db: str, repeats: int) -> dict[str, Any]:
    sessions, _, client, pairs, facts = served(scenario, db)
    loaded_rulebook = sessions.rulebook
    as_of = pairs["verdict"][0].rsplit("=", 1)[1]

    def timed(url: str) -> tuple[float, int]:
        start = time.perf_counter()
        reply = client.get(url)
        took = time.perf_counter() - start
        assert reply.status_code == 200, (url, reply.status_code, reply.text[:300])
        return took, len(reply.content)

    out: dict[str, Any] = {}
    # the service's timeline workers have been started a while before a user asks (the facts loaded, other views):
    # wait until they are ready, untimed; none has walked a timeline yet
    workers = sessions.wait_timeline_workers(60.0)
    for view, (page_url, api_url) in pairs.items():
        (first, size), api_first = timed(page_url), timed(api_url)[0]  # warm up: the first verdict of a day is worked out, later ones kept
        if view == "timeline":  # the service keeps a timeline until the session's log changes: a first request, then kept ones
            out["timeline, first request"] = {"page_ms": first * 1000, "api_ms": None, "bytes": size, "runs": 1,
                                              "processes": sessions.timeline_processes, "workers": workers}
            view = "timeline, kept"
        if view == "compare":  # the what-if is forked in the past: its first past-date verdicts read that moment from the log
            out["compare, first request"] = {"page_ms": first * 1000, "api_ms": api_first * 1000, "bytes": size, "runs": 1}
            for _ in range(PAST_QUESTIONS):  # then (engine.live_session.PAST_QUESTIONS) its whole history, once
                timed(page_url)
            view = "compare, history read"
        page, api, size = [], [], 0
        for _ in range(SLOW.get(view.split(",")[0], repeats)):
            took, size = timed(page_url)
            page.append(took)
            api.append(timed(api_url)[0])
        out[view] = {"page_ms": statistics.median(page) * 1000, "api_ms": statistics.median(api) * 1000, "bytes": size,
                     "runs": len(page), "first_ms": first * 1000}
    verdict = sessions.verdict("baseline", dt.datetime.fromisoformat(as_of + "T00:00:00+00:00"))
    out["about"] = {"positions": len(loaded_rulebook.positions), "moves": len(loaded_rulebook.moves), "facts": facts,
                    "cycles": len(verdict.cycles), "openings": len(verdict.openings), "timeline": client.get(pairs["timeline"][0]).text.count('<li class="entry"')}
    sessions.close()
    return out


def run(cfg: Any, folder: Path) -> list[Row]:
    scenario = dict(cfg.scenario, positions=POSITIONS, actors=max(cfg.scenario["actors"], POSITIONS // 10),
                    subjects=max(cfg.stream_subjects, POSITIONS * 2))
    db = f"sqlite:///{folder / 'page.db'}"
    out = in_child("page:page_child", cfg.timeout, scenario=scenario, db=db, repeats=REPEATS)
    if not out.ok:
        return [Row("7 page", f"P={POSITIONS}", "every view", "ms", None, note=f"did not finish: {out.error}")]
    v = out.value
    about = v.pop("about")
    rows = []
    for view, m in v.items():
        note = f"median of {m['runs']}; {m['bytes']:,} bytes"
        if view == "timeline, first request":
            note += (f"; the timeline worked out, walked by {m['processes']} process{'es' if m['processes'] > 1 else ''} "
                     f"({m['workers']} worker{'s' if m['workers'] != 1 else ''} started with the service, none of which had walked "
                     "a timeline; the JSON call beside it would answer from the timeline the service then keeps)")
        if view == "verdict":
            note += (f"; {about['positions']} positions, {about['moves']} moves, {about['cycles']} cycles, "
                     f"{about['openings']} openings, {about['facts']} facts, {about['timeline']} timeline entries")
        rows.append(Row("7 page", f"P={POSITIONS}, {view}", "page view", "ms", m["page_ms"], m["api_ms"], "its JSON API call",
                        higher_is_better=False, max_value=300.0, note=note))
    return rows
