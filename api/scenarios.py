"""Several scenarios in one service: every resource of a scenario under
``/scenarios/{scenario}/...`` (the default scenario's also without the prefix),
``GET /scenarios`` and ``POST /scenarios/{scenario}/reload``.

A request's scenario is its ``scenario`` path parameter, or the default one; its sessions
and write lanes are looked up per request, so a reload takes the requests that follow it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.access import Caller, caller, identity, require
from api.lanes import Lanes
from engine.rulebook.loader import rule_files
from engine.scenarios import Scenarios, Served
from engine.sessions import Sessions

router = APIRouter(tags=["scenarios"])
ScenarioId = Annotated[str, Path(description="a scenario's id (GET /scenarios lists them)", max_length=64)]


def scenarios_of(request: Request) -> Scenarios:
    return request.app.state.scenarios


def scenario_of(request: Request) -> str:
    """The request's scenario: its ``scenario`` path parameter, or the default one."""
    return request.path_params.get("scenario") or scenarios_of(request).default_id


def sessions_of(request: Request) -> Sessions:
    """The sessions of the request's scenario now (``UnknownNameError``, a 404, if none)."""
    return scenarios_of(request).get(scenario_of(request))


def lanes_of(request: Request, scenario: str | None = None) -> Lanes:
    """The write lanes of the request's scenario (kept across its reloads)."""
    scenario = scenario or scenario_of(request)
    scenarios, lanes = scenarios_of(request), request.app.state.lanes
    if scenario not in lanes:
        scenarios.get(scenario)  # a 404 for a scenario not served
        lanes[scenario] = Lanes(lambda: scenarios.get(scenario))
    return lanes[scenario]


def in_scenario(request: Request, scenario: ScenarioId) -> None:
    """The ``scenario`` path parameter of every prefixed route: a scenario served (404 otherwise)."""
    scenarios_of(request).get(scenario)


class ScenarioOut(BaseModel):
    """A scenario as served."""

    id: str
    title: str
    default: bool = Field(description="served also at the routes without /scenarios/{id}")
    rule_files: list[str] = Field(description="its rule files, relative to its folder (as loaded now)")
    loaded_at: dt.datetime = Field(description="when its rule files were last loaded (start or reload)")
    sessions: int = Field(description="its sessions, baseline included")
    facts: int = Field(description="the facts its sessions recorded, withdrawals included")

    @classmethod
    def of(cls, served: Served, default: bool) -> ScenarioOut:
        sessions = served.sessions
        folder = sessions.rulebook.folder
        files = [str(p.relative_to(folder)) for p in rule_files(folder)] if folder else []
        return cls(id=served.id, title=sessions.rulebook.info.title, default=default, rule_files=files,
                   loaded_at=served.loaded_at, sessions=len(sessions.names()), facts=sessions.fact_count())


@router.get("/scenarios", response_model=list[ScenarioOut])
def list_scenarios(request: Request, who: Annotated[Caller, Depends(identity)]) -> list[ScenarioOut]:
    """The scenarios this service serves that the caller has a role in, by id."""
    scenarios = scenarios_of(request)
    shown = [s for s in scenarios.served() if who.in_scenario(s.id) is not None]
    return [ScenarioOut.of(s, s.id == scenarios.default_id) for s in shown]


@router.post("/scenarios/{scenario}/reload", response_model=ScenarioOut)
async def reload_scenario(scenario: ScenarioId, request: Request, who: Annotated[Caller, Depends(caller)]) -> ScenarioOut:
    """Load a scenario's rule files again (or, for a service started on a folder of scenario
    folders, add one of its folders not served yet), without stopping the others.  Its
    sessions and facts stay in the log; its writes in flight end first, and those that
    arrive meanwhile wait.  A folder with errors changes nothing: a 422 listing each, with
    its file and line.  Admin only."""
    require(who, "admin", "reloading a scenario")
    scenarios = scenarios_of(request)
    fresh = await run_in_threadpool(scenarios.prepare, scenario)  # rule files checked and compiled; nothing served yet
    if scenario in scenarios.ids():
        old = await lanes_of(request, scenario).quiesced(lambda: scenarios.put(fresh))
    else:
        old = await run_in_threadpool(scenarios.put, fresh)
    if old is not None:
        old.sessions.close()  # reads still running on it finish with analysts of their own
    return ScenarioOut.of(fresh, scenario == scenarios.default_id)
