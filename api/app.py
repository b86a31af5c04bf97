"""The FastAPI application: wiring only (routes in ``api.routes``, errors in ``api.problems``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from api import docs, problems
from api.access import Tokens
from api.imports import router as imports_router
from api.reads import AnalysisCounts
from api.routes import router
from api.scenarios import in_scenario
from api.scenarios import router as scenarios_router
from api.schemas import FactBatch, NewSession
from engine.deadline import DEFAULT_BUDGET
from engine.facts import FactInput
from engine.rulebook import Rulebook
from engine.scenarios import Scenarios
from engine.sessions import Sessions

MAX_BODY = 16 * 1024 * 1024
SCENARIO_PREFIX = "/scenarios/{scenario}"


def create_app(sessions: Sessions | Scenarios, tokens: Tokens | None = None, *, max_body: int = MAX_BODY,
               analysis_budget: float | None = DEFAULT_BUDGET, on_shutdown: Callable[[], None] | None = None) -> FastAPI:
    """The API over one scenario's ``sessions`` (``ripeness.bootstrap.open_sessions``) or
    several ``Scenarios`` (``ripeness.bootstrap.open_scenarios``): each under
    ``/scenarios/{id}``, the default one also without the prefix.  ``analysis_budget``:
    seconds a verdict, timeline or comparison may take (None: no limit)."""
    scenarios = sessions if isinstance(sessions, Scenarios) else Scenarios.single(sessions)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if on_shutdown is not None:
            on_shutdown()

    app = FastAPI(title="ripeness", version="0.1.0", lifespan=lifespan, responses=problems.RESPONSES, docs_url=None, redoc_url=None,
                  description=f"Negotiation state: deadlock or openings, with the evidence. Scenarios served: "
                              f"{', '.join(scenarios.ids())}; each under /scenarios/{{scenario}}/..., and the default one "
                              f"('{scenarios.default_id}') also at the paths without that prefix. "
                              "Every error is application/problem+json.")
    app.state.scenarios = scenarios
    app.state.sessions = scenarios.default  # as started (the routes look the scenario up per request)
    app.state.tokens = tokens or Tokens()
    app.state.max_body = max_body
    app.state.analysis_budget = analysis_budget
    app.state.analyses = AnalysisCounts()
    app.state.lanes = {}  # write lanes per scenario (api.scenarios.lanes_of)
    problems.install(app)
    docs.install(app)  # /docs and /redoc from packaged assets: they work offline
    app.include_router(router)
    app.include_router(imports_router)
    app.include_router(scenarios_router)
    in_one = [Depends(in_scenario)]  # declares {scenario}; a 404 for one not served
    app.include_router(router, prefix=SCENARIO_PREFIX, dependencies=in_one)
    app.include_router(imports_router, prefix=SCENARIO_PREFIX, dependencies=in_one)
    # for Allow headers: a prefixed path has the methods of the same path without its prefix
    app.state.routes = [r for r in (*app.routes, *router.routes, *imports_router.routes, *scenarios_router.routes)
                        if getattr(r, "methods", None)]
    app.state.route_prefix = re.compile(r"^/scenarios/[^/]+(?=/)")
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the body models that routes parse themselves: facts (to report
    every bad fact with its path, all or nothing) and a new session (to bound its size and
    nesting)."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _, extra = models_json_schema([(FactInput, "validation"), (FactBatch, "validation"), (NewSession, "validation")],
                                      ref_template="#/components/schemas/{model}")
        schema.setdefault("components", {}).setdefault("schemas", {}).update(extra.get("$defs", {}))
        scenarios: Scenarios = app.state.scenarios
        _name_scenario_terms(schema, "/sessions/{sid}/facts", scenarios.default.rulebook)
        if len(scenarios.ids()) == 1:  # the prefixed path's scenario is that one; with several, any of theirs
            _name_scenario_terms(schema, SCENARIO_PREFIX + "/sessions/{sid}/facts", scenarios.default.rulebook)
        app.openapi_schema = schema
    return app.openapi_schema


def _name_scenario_terms(schema: dict[str, Any], path: str, rulebook: Rulebook) -> None:
    """The facts query's ``actor`` and ``subject`` take the scenario's names only: say which."""
    known = {"actor": sorted(rulebook.actors), "subject": sorted(rulebook.subjects)}
    for parameter in schema["paths"][path]["get"]["parameters"]:
        if parameter["in"] == "query" and parameter["name"] in known:
            parameter["schema"] = {"type": "string", "enum": known[parameter["name"]]}
