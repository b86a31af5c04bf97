"""Every error as RFC 9457 ``application/problem+json``: type, title, status, detail, and
for validation the JSON pointer of each bad field.  Each ripeness exception maps to one
``type`` here (see ``engine.errors``)."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from engine.errors import (
    AnalysisStopped,
    ApiProblem,
    EngineFault,
    FactError,
    IdempotencyKeyError,
    MappingError,
    RipenessError,
    RuleFileError,
    SessionError,
    SourceRowError,
    StoreError,
    UnknownNameError,
    WhatIfLimitError,
    brief,
)

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("ripeness.api")


class FieldError(BaseModel):
    pointer: str
    detail: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details: the body of every error reply (``engine.errors.Problem`` is one
    thing wrong with an input, listed in ``errors``)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    known: list[str] | None = None
    suggestion: str | None = None


def problem(status: int, kind: str, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = ProblemDetails(type=f"/problems/{kind}", title=title, status=status, detail=detail, **extra)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def pointer(where: str, field: str) -> str:
    """``facts[3]`` + ``value`` -> ``/facts/3/value``; a single fact's where is ``body``."""
    parts = [] if where in ("", "body") else where.replace("[", "/").replace("]", "").split("/")
    parts += field.split(".") if field else []
    return "".join(f"/{p}" for p in parts if p != "")


# one status per exception; an UnknownNameError for a session is a missing resource
def _ripeness(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, FactError):
        return problem(422, "invalid-facts", "Invalid facts", f"{len(exc.problems)} problem(s); nothing was stored",
                       errors=[FieldError(pointer=pointer(p.where, p.field), detail=p.message) for p in exc.problems])
    if isinstance(exc, (MappingError, SourceRowError)):
        kind, title = ("invalid-mapping", "Invalid mapping file") if isinstance(exc, MappingError) else ("invalid-rows", "Invalid rows")
        return problem(422, kind, title, f"{len(exc.problems)} problem(s); nothing was imported",
                       errors=[FieldError(pointer=f"/{'mapping' if isinstance(exc, MappingError) else 'source'}"
                                          + (f"/{p.field.replace('.', '/')}" if p.field else ""), detail=str(p)) for p in exc.problems])
    if isinstance(exc, RuleFileError):
        return problem(422, "invalid-rules", "Invalid rule files", f"{len(exc.problems)} problem(s) in the scenario's rule files; "
                       "nothing was changed", errors=[FieldError(pointer="/" + p.field.replace(".", "/") if p.field else "",
                                                                 detail=str(p)) for p in exc.problems])
    if isinstance(exc, UnknownNameError):
        status = 404 if exc.kind in ("session", "scenario") else 422
        return problem(status, f"unknown-{exc.kind}", f"Unknown {exc.kind}", str(exc), known=exc.known, suggestion=exc.suggestion)
    if isinstance(exc, WhatIfLimitError):
        return problem(409, "too-many-whatifs", "Too many what-if sessions", str(exc))
    if isinstance(exc, AnalysisStopped):
        retry = str(max(1, math.ceil(exc.budget or 1)))
        return problem(503, "analysis-budget-exceeded", "The analysis took too long", f"{exc}. The server gives each "
                       "verdict, timeline and comparison a time budget (--analysis-budget); try again later, or ask "
                       "for a narrower question", headers={"Retry-After": retry})
    if isinstance(exc, SessionError):
        return problem(409, "session-conflict", "Cannot do that to the session", str(exc))
    if isinstance(exc, IdempotencyKeyError):
        return problem(422, "idempotency-key-reused", "Idempotency-Key reused", str(exc))
    if isinstance(exc, StoreError):
        log.error("fact log: %s", exc)
        return problem(503, "store-unavailable", "The fact log is unavailable", str(exc))
    if isinstance(exc, EngineFault):
        log.error("rules engine: %s", exc)
        return problem(500, "engine-fault", "The rules engine failed", str(exc))
    return problem(500, "internal", "Internal error", str(exc))


def _api(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return problem(exc.status, exc.kind, exc.title, exc.detail, headers=exc.headers)


def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(400, "malformed-json", "Malformed JSON", "the request body is not valid JSON")
    fields = [FieldError(pointer="/" + "/".join(str(p) for p in e["loc"]), detail=_message(e)) for e in errors]
    return problem(422, "invalid-request", "Invalid request", f"{len(fields)} problem(s) in the request", errors=fields)


def _message(error: dict[str, Any]) -> str:
    """Pydantic's message, with what was given (cut short) when it was a plain value."""
    message = error["msg"].removeprefix("Value error, ")
    given = error.get("input")
    if error["type"] != "missing" and given is not None and not isinstance(given, (dict, list)):
        message += f" (got {brief(given)})"
    return message


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        # the router names only the first route that matched the path; a path has several
        allowed = _methods_for(request)
        headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
        detail = f"{request.method} is not allowed here; this path takes {', '.join(m for m in allowed if m not in ('HEAD', 'OPTIONS'))}"
        return problem(405, "http", "Method not allowed", detail, headers=headers)
    title = {404: "Not found"}.get(exc.status_code, "HTTP error")
    return problem(exc.status_code, "http", title, str(exc.detail), headers=headers)


def _methods_for(request: Request) -> list[str]:
    """Every method some route takes at the request's path, and OPTIONS."""
    methods = {"OPTIONS"}
    path = request.scope["path"]
    prefix = getattr(request.app.state, "route_prefix", None)
    paths = {path, prefix.sub("", path)} if prefix is not None else {path}
    for route in request.app.state.routes:
        for one in paths:
            match, _ = route.matches({**request.scope, "path": one})
            if match is not Match.NONE:
                methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return problem(500, "internal", "Internal error", f"{exc.__class__.__name__}: the server failed; the error is logged")


def body_of(exc: Exception) -> dict[str, Any]:
    """The problem+json body a request failing with ``exc`` is answered with (for work that
    ends after its request was answered: an import job)."""
    if isinstance(exc, RipenessError):
        reply = _ripeness(None, exc)  # type: ignore[arg-type]  # the request is not read
    elif isinstance(exc, ApiProblem):
        reply = _api(None, exc)  # type: ignore[arg-type]
    else:
        reply = _unexpected(None, exc)  # type: ignore[arg-type]
    return json.loads(reply.body)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RipenessError, _ripeness)
    app.add_exception_handler(ApiProblem, _api)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetails, "description": text, "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}}
    for status, text in [(400, "Malformed JSON"), (401, "No or unknown token"), (403, "Not allowed for this token"),
                         (404, "Unknown session or scenario"), (409, "Conflict"), (413, "Body too large"),
                         (422, "Invalid input"), (500, "Internal error"), (503, "Fact log unavailable, or an analysis past its time budget")]
}
