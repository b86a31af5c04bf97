"""The FastAPI application: wiring only (routes in ``api.routes``, errors in ``api.problems``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from api import docs, problems
from api.access import Tokens
from api.imports import router as imports_router
from api.lanes import Lanes
from api.reads import AnalysisCounts
from api.routes import router
from api.schemas import FactBatch, NewSession
from engine.deadline import DEFAULT_BUDGET
from engine.facts import FactInput
from engine.rulebook import Rulebook
from engine.sessions import Sessions

MAX_BODY = 16 * 1024 * 1024


def create_app(sessions: Sessions, tokens: Tokens | None = None, *, max_body: int = MAX_BODY,
               analysis_budget: float | None = DEFAULT_BUDGET, on_shutdown: Callable[[], None] | None = None) -> FastAPI:
    """The API over ``sessions`` (built by ``ripeness.bootstrap.open_sessions``);
    ``analysis_budget``: seconds a verdict, timeline or comparison may take (None: no limit)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if on_shutdown is not None:
            on_shutdown()

    app = FastAPI(title="ripeness", version="0.1.0", lifespan=lifespan, responses=problems.RESPONSES, docs_url=None, redoc_url=None,
                  description=f"Negotiation state for scenario '{sessions.rulebook.id}': deadlock or openings, with the evidence. "
                              "Every error is application/problem+json.")
    app.state.sessions = sessions
    app.state.tokens = tokens or Tokens()
    app.state.max_body = max_body
    app.state.analysis_budget = analysis_budget
    app.state.analyses = AnalysisCounts()
    app.state.lanes = Lanes(sessions)
    problems.install(app)
    docs.install(app)  # /docs and /redoc from packaged assets: they work offline
    app.include_router(router)
    app.include_router(imports_router)
    app.state.routes = [r for r in (*app.routes, *router.routes, *imports_router.routes) if getattr(r, "methods", None)]  # for Allow headers
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
        _name_scenario_terms(schema, app.state.sessions.rulebook)
        app.openapi_schema = schema
    return app.openapi_schema


def _name_scenario_terms(schema: dict[str, Any], rulebook: Rulebook) -> None:
    """The facts query's ``actor`` and ``subject`` take the scenario's names only: say which."""
    known = {"actor": sorted(rulebook.actors), "subject": sorted(rulebook.subjects)}
    for parameter in schema["paths"]["/sessions/{sid}/facts"]["get"]["parameters"]:
        if parameter["in"] == "query" and parameter["name"] in known:
            parameter["schema"] = {"type": "string", "enum": known[parameter["name"]]}
