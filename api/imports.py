"""``POST /sessions/{sid}/imports``: a file of coded event data (PLOVER, ACLED, GDELT) and
its mapping, uploaded; the import runs in the session's write lane (after the writes that
came before it), all or nothing, and answers with its counts (``engine.imports``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from api.access import Caller, caller, require_writer
from api.problems import ApiProblem
from api.scenarios import lanes_of, sessions_of
from engine.errors import MappingError, Problem
from engine.imports import ImportReport, import_into, parse_mapping, read_deletions, read_mapping, read_records
from engine.rulebook.models import Identifier
from engine.sessions import Sessions
from engine.yamlsource import MAX_YAML_BYTES

router = APIRouter()
Who = Annotated[Caller, Depends(caller)]
MAX_UPLOAD = 64 * 2**20  # bytes of one uploaded file (a mapping file: engine.yamlsource.MAX_YAML_BYTES)


@router.post("/sessions/{sid}/imports", status_code=201, response_model=ImportReport, tags=["facts"])
async def post_import(sid: str, request: Request, response: Response, who: Who,
                      source: Annotated[UploadFile, File(description="the event data: PLOVER .jsonl/.tsv, ACLED .csv or GDELT .tsv/.CSV")],
                      format: Annotated[Literal["plover", "acled", "gdelt"] | None, Form(description="the format of 'source' (default: the mapping's)")] = None,
                      mapping: Annotated[UploadFile | None, File(description="the mapping file (YAML); or name one with 'mapping_name'")] = None,
                      mapping_name: Annotated[Identifier | None, Form(description="a mapping in the scenario's imports/ folder, without .yaml")] = None,
                      deletions: Annotated[UploadFile | None, File(description="ids deleted at the source (ACLED's deletions file)")] = None,
                      skip_bad: Annotated[bool, Form(description="leave out bad rows and list them, instead of refusing the file")] = False) -> ImportReport:
    """Import event data as facts: new rows are stored, rows imported before are left alone
    (or corrected when they changed), deleted ones withdrawn; all or nothing.  201 with the
    counts; 200 when nothing was stored."""
    require_writer(who, sessions_of(request).record_of(sid))
    for part in (source, mapping, deletions):
        if part is not None and (part.size or 0) > MAX_UPLOAD:
            raise ApiProblem(413, "body-too-large", "Upload too large", f"{part.filename}: an uploaded file may be at most {MAX_UPLOAD} bytes")
    if (mapping is None) == (mapping_name is None):
        raise ApiProblem(422, "invalid-request", "Invalid request", "send a mapping: upload it as 'mapping', or name one of the "
                         "scenario's imports/ folder as 'mapping_name' (one of the two)")
    mapping_text = _mapping_text(mapping.filename or "upload", await mapping.read()) if mapping is not None else None

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
        deleted = read_deletions(chosen.format, f"deletions:{deletions.filename}", deletions.file) if deletions is not None else set()
        read = read_records(chosen.format, f"source:{source.filename or 'upload'}", source.file)
        return import_into(sessions, sid, chosen, read, deleted=deleted, skip_bad=skip_bad)

    report = await lanes_of(request).run(sid, run)
    if not report.ids:
        response.status_code = 200
    return report


def _mapping_text(name: str, raw: bytes) -> str:
    """An uploaded mapping file's text, held to the limits of one in the scenario folder."""
    if len(raw) > MAX_YAML_BYTES:
        raise MappingError([Problem(f"mapping:{name}", "", f"larger than {MAX_YAML_BYTES:,} bytes, the most a mapping file may hold")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError([Problem(f"mapping:{name}", "", f"not UTF-8 text (a bad byte at offset {exc.start})")]) from None
