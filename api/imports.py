"""``POST /sessions/{sid}/imports``: a file of coded event data (PLOVER, ACLED, GDELT) and
its mapping, uploaded; the import runs in the session's write lane (after the writes that
came before it), all or nothing, and answers with its counts (``engine.imports``).

A large source (``BACKGROUND_FROM`` bytes or more, or any with ``background=true``) is
imported as a job: the reply is 202 at once with the job, and ``GET .../imports/{id}`` shows
how far the reading has gone, then the counts or the problem.  Jobs are kept in memory (the
latest ``MAX_JOBS``); the facts they store are in the log like any others."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import shutil
import tempfile
from collections.abc import Callable
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.access import Caller, caller, require_writer
from api.problems import RESPONSES, ApiProblem, body_of
from api.scenarios import lanes_of, sessions_of
from engine.errors import MappingError, Problem
from engine.imports import ImportReport, import_into, parse_mapping, read_deletions, read_mapping, read_wanted
from engine.rulebook.models import Identifier
from engine.sessions import Sessions
from engine.yamlsource import MAX_YAML_BYTES

router = APIRouter()
Who = Annotated[Caller, Depends(caller)]
MAX_UPLOAD = 64 * 2**20  # bytes of one uploaded file (a mapping file: engine.yamlsource.MAX_YAML_BYTES)
BACKGROUND_FROM = 2**20  # bytes of source from which an upload is imported as a job (202)
MAX_JOBS = 1000  # import jobs kept (the oldest finished ones go first)


class ImportJob(BaseModel):
    """An import running after its request was answered, and how far it has gone."""

    id: str = Field(description="the job's id, e.g. i3")
    session: str
    state: Literal["running", "done", "failed"]
    bytes_total: int = Field(description="the size of the uploaded source")
    bytes_read: int = Field(0, description="how much of the source has been read so far")
    lines_read: int = Field(0, description="lines of the source read so far (the report's rows once done)")
    stored: int | None = Field(None, description="once done: facts stored")
    skipped: int | None = Field(None, description="once done: bad rows left out (with skip_bad)")
    result: ImportReport | None = Field(None, description="once done: the report a small upload gets at once")
    problem: dict[str, Any] | None = Field(None, description="once failed: the problem+json a small upload would get")
    started_at: dt.datetime
    finished_at: dt.datetime | None = None


class _Jobs:
    """The jobs of one app, and their tasks (kept, so that they run to the end)."""

    def __init__(self) -> None:
        self.jobs: dict[str, ImportJob] = {}
        self.tasks: set[asyncio.Task] = set()
        self.ids = itertools.count(1)

    def add(self, job: ImportJob) -> None:
        self.jobs[job.id] = job
        finished = [k for k, j in self.jobs.items() if j.state != "running"]
        for key in finished[:max(0, len(self.jobs) - MAX_JOBS)]:
            del self.jobs[key]


def _jobs(request: Request) -> _Jobs:
    state = request.app.state
    if not hasattr(state, "import_jobs"):
        state.import_jobs = _Jobs()
    return state.import_jobs


@router.post("/sessions/{sid}/imports", status_code=201, response_model=ImportReport, tags=["facts"],
             responses={202: {"model": ImportJob, "description": "a large source: imported as a job, see its Location"}})
async def post_import(sid: str, request: Request, response: Response, who: Who,
                      source: Annotated[UploadFile, File(description="the event data: PLOVER .jsonl/.tsv, ACLED .csv or GDELT .tsv/.CSV")],
                      format: Annotated[Literal["plover", "acled", "gdelt"] | None, Form(description="the format of 'source' (default: the mapping's)")] = None,
                      mapping: Annotated[UploadFile | None, File(description="the mapping file (YAML); or name one with 'mapping_name'")] = None,
                      mapping_name: Annotated[Identifier | None, Form(description="a mapping in the scenario's imports/ folder, without .yaml")] = None,
                      deletions: Annotated[UploadFile | None, File(description="ids deleted at the source (ACLED's deletions file)")] = None,
                      skip_bad: Annotated[bool, Form(description="leave out bad rows and list them, instead of refusing the file")] = False,
                      background: Annotated[bool | None, Form(description="import as a job, answered 202 at once (default: for a source "
                                                              f"of {BACKGROUND_FROM:,} bytes or more)")] = None) -> Any:
    """Import event data as facts: new rows are stored, rows imported before are left alone
    (or corrected when they changed), deleted ones withdrawn; all or nothing.  201 with the
    counts; 200 when nothing was stored.  A large source is imported as a job: 202 with the
    job, whose ``Location`` shows its progress and then its counts."""
    require_writer(who, sessions_of(request).record_of(sid))
    for part in (source, mapping, deletions):
        if part is not None and (part.size or 0) > MAX_UPLOAD:
            raise ApiProblem(413, "body-too-large", "Upload too large", f"{part.filename}: an uploaded file may be at most {MAX_UPLOAD} bytes")
    if (mapping is None) == (mapping_name is None):
        raise ApiProblem(422, "invalid-request", "Invalid request", "send a mapping: upload it as 'mapping', or name one of the "
                         "scenario's imports/ folder as 'mapping_name' (one of the two)")
    mapping_text = _mapping_text(mapping.filename or "upload", await mapping.read()) if mapping is not None else None

    as_job = background if background is not None else (source.size or 0) >= BACKGROUND_FROM
    source_file: IO[bytes] = source.file
    deletions_file: IO[bytes] | None = deletions.file if deletions is not None else None
    if as_job:  # the uploads are closed when this request is answered: the job reads copies
        source_file, deletions_file = await run_in_threadpool(_copies, source.file, deletions_file)
    job = ImportJob(id=f"i{next(_jobs(request).ids)}" if as_job else "", session=sid, state="running", bytes_total=source.size or 0,
                    started_at=dt.datetime.now(dt.timezone.utc))

    def progress(size: int) -> None:
        job.bytes_read += size
        job.lines_read += 1

    def run() -> ImportReport:
        sessions: Sessions = sessions_of(request)  # when the job runs: a reload may have come first
        rulebook = sessions.rulebook
        if mapping_text is not None:
            chosen = parse_mapping(mapping_text, f"mapping:{mapping.filename or 'upload'}", rulebook, format)
        else:
            path = rulebook.folder / "imports" / f"{mapping_name}.yaml" if rulebook.folder else None
            if path is None or not path.is_file():
                raise MappingError([Problem("mapping_name", "", f"no mapping {mapping_name!r} in the scenario's imports/ folder")])
            chosen = read_mapping(path, rulebook, format)
        deleted = read_deletions(chosen.format, f"deletions:{deletions.filename}", deletions_file) if deletions_file is not None else set()
        wanted = read_wanted(chosen, f"source:{source.filename or 'upload'}", source_file, rulebook, deleted=deleted, progress=progress)
        return import_into(sessions, sid, chosen, wanted, skip_bad=skip_bad)

    if not as_job:
        report = await lanes_of(request).run(sid, run)
        if not report.ids:
            response.status_code = 200
        return report
    jobs = _jobs(request)
    jobs.add(job)
    lanes = lanes_of(request)
    task = asyncio.get_running_loop().create_task(_run_job(job, lambda: lanes.run(sid, run),
                                                           [f for f in (source_file, deletions_file) if f is not None]))
    jobs.tasks.add(task)
    task.add_done_callback(jobs.tasks.discard)
    return JSONResponse(job.model_dump(mode="json"), status_code=202, headers={"Location": f"{request.url.path.rstrip('/')}/{job.id}"})


@router.get("/sessions/{sid}/imports/{job_id}", response_model=ImportJob, tags=["facts"], responses=RESPONSES)
def get_import(sid: str, job_id: str, request: Request, who: Who) -> ImportJob:
    """An import job: how much of its source it has read, then its counts (``result``) or
    its problem.  Jobs are kept in memory, the latest 1,000: not after a restart."""
    sessions_of(request).record_of(sid)  # an unknown session is a 404 naming the known ones
    job = _jobs(request).jobs.get(job_id)
    if job is None or job.session != sid:
        raise ApiProblem(404, "unknown-import", "Unknown import", f"no import job {job_id!r} of session {sid!r} "
                         "(jobs are kept in memory: not after a restart, the latest 1,000 only)")
    return job


async def _run_job(job: ImportJob, start: Callable[[], Any], files: list[IO[bytes]]) -> None:
    try:
        report: ImportReport = await start()
    except Exception as exc:  # noqa: BLE001  (every failure is the job's problem, as it would be the request's)
        job.problem, job.state = body_of(exc), "failed"
    else:
        job.result, job.stored, job.skipped, job.state = report, report.stored, report.bad_rows, "done"
    finally:
        job.finished_at = dt.datetime.now(dt.timezone.utc)
        for file in files:
            file.close()


def _copies(source: IO[bytes], deletions: IO[bytes] | None) -> tuple[IO[bytes], IO[bytes] | None]:
    copies = []
    for upload in (source, deletions):
        if upload is None:
            copies.append(None)
            continue
        copy = tempfile.TemporaryFile()
        upload.seek(0)
        shutil.copyfileobj(upload, copy)
        copy.seek(0)
        copies.append(copy)
    return copies[0], copies[1]  # type: ignore[return-value]


def _mapping_text(name: str, raw: bytes) -> str:
    """An uploaded mapping file's text, held to the limits of one in the scenario folder."""
    if len(raw) > MAX_YAML_BYTES:
        raise MappingError([Problem(f"mapping:{name}", "", f"larger than {MAX_YAML_BYTES:,} bytes, the most a mapping file may hold")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError([Problem(f"mapping:{name}", "", f"not UTF-8 text (a bad byte at offset {exc.start})")]) from None
