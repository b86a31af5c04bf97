"""The resources.  Each handler parses, checks access, calls ``engine.sessions`` off the
event loop, and renders; writes to one session queue in arrival order (``api.lanes``)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from api.access import Caller, caller, require, require_writer
from api.lanes import Lanes
from api.problems import ApiProblem
from api.reads import analysed
from api.scenarios import lanes_of, sessions_of
from api.schemas import MAX_FACTS, FactList, FactOut, Health, NewSession, RulesOut, SessionOut
from engine.comparison import Comparison
from engine.errors import FactError, Problem, UnknownNameError
from engine.facts import Confidence, Time, text
from engine.reply_json import take_json
from engine.sessions import FactPost, Recorded, Sessions
from engine.verdict import StatementState, TimelineEntry, TimelineEntryWithVerdict, Verdict

router = APIRouter()
Who = Annotated[Caller, Depends(caller)]
# a time out of range or not ISO 8601 (a number of seconds, "March 2021") is a 422 naming the parameter
AsOf = Annotated[Time | None, Query(description="ISO 8601 date or datetime (UTC if no zone); default now")]
Admit = Annotated[Confidence, Query(description=(
    "the lowest confidence of the facts read: confirmed (only confirmed facts), reported (confirmed and reported) or "
    "disputed (every fact, the default); the facts left out count as never recorded"))]
FACTS_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "anyOf": [{"$ref": "#/components/schemas/FactInput"}, {"$ref": "#/components/schemas/FactBatch"},
              {"type": "array", "items": {"$ref": "#/components/schemas/FactInput"}, "minItems": 1, "maxItems": MAX_FACTS}]}}}}}
SESSION_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewSession"}}}}}
MAX_SESSION_BODY = 64 * 1024  # bytes of a what-if's body: a name, a parent, a date and a description
MAX_DEPTH = 32  # levels of JSON nesting in a body (a batch of facts needs 3)


MAX_SESSIONS_PAGE = 1000


def _sessions(request: Request) -> Sessions:
    return sessions_of(request)


def _lanes(request: Request) -> Lanes:
    return lanes_of(request)


@router.get("/health", response_model=Health, tags=["service"])
def health(request: Request) -> Health:
    sessions = _sessions(request)
    return Health(status="ok", scenario=sessions.rulebook.id, sessions=len(sessions.names()),
                  analyses=request.app.state.analyses.now())


@router.get("/rules", response_model=RulesOut, tags=["service"])
def rules(request: Request, who: Who) -> RulesOut:
    rb = _sessions(request).rulebook

    def dump(items) -> list[dict[str, Any]]:
        return [item.model_dump(mode="json", by_alias=True, exclude_none=True) for item in items]

    return RulesOut(scenario=rb.info.model_dump(mode="json", by_alias=True, exclude_none=True),
                    version=_sessions(request).rules_version, fingerprint=rb.fingerprint,
                    actors=dump(rb.actors.values()), subjects=[{"key": k, **s.model_dump(mode="json", exclude_none=True)} for k, s in rb.subjects.items()],
                    conditions=dump(rb.conditions.values()), moves=[{"key": k, **m.model_dump(mode="json", by_alias=True, exclude_none=True)} for k, m in rb.moves.items()],
                    positions=dump(rb.positions.values()), offers=dump(rb.offers.values()), goals=dump(rb.goals.values()),
                    escalations=dump(rb.escalations.values()))


@router.post("/sessions/{sid}/facts", status_code=201, response_model=Recorded, tags=["facts"], openapi_extra=FACTS_BODY)
async def post_facts(sid: str, request: Request, who: Who,
                     idempotency_key: Annotated[text(200) | None, Header(description="retry safely: the same key gets the same reply")] = None,
                     verdict_then: Annotated[bool, Query(description="false: leave out the verdict as of the facts' latest date "
                                                         "(a bulk load that does not read it need not wait for it)")] = True) -> Response:
    """Record one fact, a list, or ``{"facts": [...]}`` (at most 10,000): all or nothing.
    The reply carries each fact's id and the verdict after them, now and as of the
    latest of their dates."""
    sessions = _sessions(request)
    require_writer(who, sessions.record_of(sid))
    raw = await _read_body(request, request.app.state.max_body)
    post = FactPost(_fact_items(raw), idempotency_key, hashlib.sha256(raw).hexdigest(), then=verdict_then, sent=True)
    recorded = await _lanes(request).record(sid, post)
    # the text Recorded's JSON would be, written beside the commit from the parts kept of the replies before
    # (engine.reply_json), or now (a retry answered from its stored reply)
    return Response(take_json(recorded), status_code=201, media_type="application/json")


@router.get("/sessions/{sid}/facts", response_model=FactList, tags=["facts"])
def get_facts(sid: str, request: Request, who: Who,
              subject: Annotated[str | None, Query(description=(
                  "subject id or dotted key (IRN.enrichment_pct), or a position's or offer's id: the statement facts "
                  "filed under it (the one that states it; a fact that only ends statements is filed under the first it ends)"))] = None,
              actor: Annotated[str | None, Query()] = None,
              start: Annotated[Time | None, Query(alias="from", description="facts true from this time on")] = None,
              end: Annotated[Time | None, Query(alias="to")] = None,
              after: Annotated[str | None, Query(pattern=r"^f[0-9]{1,18}$", description="continue after this fact id")] = None,
              limit: Annotated[int, Query(ge=1, le=MAX_FACTS)] = 1000) -> FactList:
    """The facts a session sees, in recording order; withdrawn ones are marked ``withdrawn_by``."""
    page = _sessions(request).facts(sid, subject=subject, actor=actor, start=start, end=end, after=after, limit=limit)
    return FactList(session=sid, facts=[FactOut.of(f, page.withdrawn_by.get(f.id)) for f in page.facts], next_after=page.next_after)


@router.get("/sessions/{sid}/verdict", response_model=Verdict, tags=["verdicts"])
async def get_verdict(sid: str, request: Request, who: Who, as_of: AsOf = None, confidence: Admit = "disputed") -> Verdict:
    """Deadlock, opening or progress, with the positions and facts behind it, and the facts
    not confirmed that it rests on."""
    sessions = _sessions(request)
    return await analysed(request, f"the verdict of {sid!r}", lambda deadline: sessions.verdict(sid, as_of, deadline, confidence))


_ENTRIES = TypeAdapter(list[TimelineEntry])
_FULL_ENTRIES = TypeAdapter(list[TimelineEntryWithVerdict])


@router.get("/sessions/{sid}/timeline", response_model=list[TimelineEntry | TimelineEntryWithVerdict], tags=["verdicts"])
async def get_timeline(sid: str, request: Request, who: Who, confidence: Admit = "disputed",
                       verdicts: Annotated[Literal["cited", "full"], Query(description=(
                           "cited (the default): each entry cites its verdict by its time, ``GET .../verdict?as_of=AT`` "
                           "(with the same confidence); full: each entry holds it too, as ``verdict``"))] = "cited") -> Response:
    """Each time the status or escalation changed: what changed, its causes, each goal's
    status and each main goal's ripeness from then on; the changes that rest on facts not
    confirmed are marked.  The verdict from then on is ``GET .../verdict?as_of=AT`` (or
    inline with ``verdicts=full``)."""
    sessions = _sessions(request)
    full = verdicts == "full"
    entries = await analysed(request, f"the timeline of {sid!r}", lambda deadline: sessions.timeline(sid, deadline, confidence, full))
    return Response((_FULL_ENTRIES if full else _ENTRIES).dump_json(entries), media_type="application/json")


@router.get("/sessions/{sid}/statements", response_model=list[StatementState], tags=["verdicts"])
def get_statements(sid: str, request: Request, who: Who, as_of: AsOf = None) -> list[StatementState]:
    """The session's positions and offers as of a date (now by default): those of the rule
    files and those stated by its facts, each in force or not, since and until when, and
    the facts that stated and ended it."""
    return _sessions(request).statements(sid, as_of)


@router.get("/sessions/{a}/compare/{b}", response_model=Comparison, tags=["verdicts"])
async def compare(a: str, b: str, request: Request, who: Who, as_of: AsOf = None, confidence: Admit = "disputed") -> Comparison:
    """Both verdicts side by side and what differs going from ``a`` to ``b``.  Default time:
    the earlier of the two lines' presents (a what-if forked as of a past date is compared
    as of its own latest fact, or its fork time)."""
    sessions = _sessions(request)
    return await analysed(request, f"the comparison of {a!r} with {b!r}", lambda deadline: sessions.compare(a, b, as_of, deadline, confidence))


@router.post("/sessions", status_code=201, response_model=SessionOut, tags=["sessions"], openapi_extra=SESSION_BODY)
async def create_session(request: Request, who: Who) -> SessionOut:
    """A what-if session forked from ``parent`` now or as of a date.  It sees the parent's
    facts recorded before the fork and true by the fork time; never the parent's later facts."""
    require(who, "analyst", "creating a what-if session")
    body = _new_session(await _read_body(request, MAX_SESSION_BODY))
    sessions = _sessions(request)
    try:
        sessions.record_of(body.parent)
    except UnknownNameError as exc:
        raise UnknownNameError("parent session", body.parent, exc.known) from None
    # the scenario's sessions when the job runs: a reload may have come first
    record = await _lanes(request).run(body.parent, lambda: _sessions(request).fork(body.name, body.parent, body.as_of, body.description, who.name))
    return SessionOut.of(record, body.parent)


@router.get("/sessions", response_model=list[SessionOut], tags=["sessions"])
def list_sessions(request: Request, response: Response, who: Who,
                  after: Annotated[int | None, Query(ge=0, description="continue after this cursor (from the Link header)")] = None,
                  limit: Annotated[int, Query(ge=1, le=MAX_SESSIONS_PAGE)] = MAX_SESSIONS_PAGE) -> list[SessionOut]:
    """The sessions in creation order, at most ``limit``; when there are more, a
    ``Link: <...>; rel="next"`` header gives the URL of the next page."""
    page = _sessions(request).page(after, limit)
    if page.next_after is not None:
        following = request.url.include_query_params(after=page.next_after, limit=limit)
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return [SessionOut.of(record, parent) for record, parent in page.sessions]


@router.get("/sessions/{sid}", response_model=SessionOut, tags=["sessions"])
def get_session(sid: str, request: Request, who: Who) -> SessionOut:
    sessions = _sessions(request)
    record = sessions.record_of(sid)
    return SessionOut.of(record, sessions.parent_name(record))


@router.delete("/sessions/{sid}", status_code=204, tags=["sessions"])
async def delete_session(sid: str, request: Request, who: Who) -> Response:
    """Delete a what-if session (never ``baseline``); its facts stay in the log."""
    sessions = _sessions(request)
    require_writer(who, sessions.record_of(sid))
    await _lanes(request).run(sid, lambda: _sessions(request).delete(sid, who.name))
    return Response(status_code=204)


async def _read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise ApiProblem(413, "body-too-large", "Body too large", f"the body may be at most {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiProblem(413, "body-too-large", "Body too large", f"the body may be at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_json(raw: bytes) -> Any:
    """The body as JSON, nested at most ``MAX_DEPTH`` levels; a 400 problem saying what is
    wrong otherwise."""
    if not raw.strip():
        raise ApiProblem(400, "malformed-json", "Malformed JSON", "the body is empty: send a JSON document")
    too_deep = ApiProblem(400, "json-too-deep", "JSON nested too deep", f"the body's JSON nests arrays and objects more than {MAX_DEPTH} levels deep")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiProblem(400, "malformed-json", "Malformed JSON", f"the request body is not valid JSON: {exc}") from None
    except RecursionError:  # deeper than Python's parser can go: deeper than MAX_DEPTH too
        raise too_deep from None
    if _too_deep(body):
        raise too_deep
    return body


def _too_deep(body: Any) -> bool:
    """Whether arrays and objects nest more than ``MAX_DEPTH`` levels (walked without recursion)."""
    level, containers = 0, [body]
    while containers:
        level += 1
        if level > MAX_DEPTH:
            return True
        containers = [child for c in containers if isinstance(c, (list, dict))
                      for child in (c.values() if isinstance(c, dict) else c) if isinstance(child, (list, dict))]
    return False


def _new_session(raw: bytes) -> NewSession:
    try:
        return NewSession.model_validate(_parse_json(raw))
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def _fact_items(raw: bytes) -> list[tuple[str, Any]]:
    """The facts of a body, each with where it is: ``body`` (one fact), ``facts[3]`` or ``[3]``."""
    body = _parse_json(raw)
    if isinstance(body, dict) and "facts" in body:
        if set(body) != {"facts"} or not isinstance(body["facts"], list):
            raise FactError([Problem("body", "", "a batch is {\"facts\": [fact, ...]} with nothing else")])
        items = [(f"facts[{i}]", item) for i, item in enumerate(body["facts"])]
    elif isinstance(body, list):
        items = [(f"[{i}]", item) for i, item in enumerate(body)]
    else:
        items = [("body", body)]
    if not items:
        raise FactError([Problem("body", "facts", "no facts: send at least one")])
    if len(items) > MAX_FACTS:
        raise ApiProblem(413, "too-many-facts", "Too many facts", f"{len(items)} facts; a request may carry at most {MAX_FACTS}")
    return items
