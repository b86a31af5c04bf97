"""``ripeness import``'s three destinations: a fact file, a session of a local fact log, or
a running server (the file uploaded to ``POST /sessions/{sid}/imports``)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from engine.errors import MappingError, Problem, RipenessError
from engine.imports import ImportReport, import_into, plan_import, read_deletions, read_mapping, read_wanted
from engine.imports.formats import Read
from engine.imports.mapping import Mapping
from engine.imports.plan import Wanted
from ripeness.bootstrap import Scenario, open_sessions, resolve_rules_dir

Progress = Callable[[int], None]


class RemoteImportError(RipenessError):
    """The server refused the import or could not be reached (its problem+json said why)."""


def rules_folder(rules: str | None, mapping: Path) -> Path:
    """``--rules``, or the scenario folder a mapping in its ``imports/`` folder belongs to."""
    if rules is not None:
        return resolve_rules_dir(rules)
    if mapping.resolve().parent.name == "imports":
        return mapping.resolve().parent.parent
    raise MappingError([Problem(str(mapping), "", "which scenario? give --rules DIR (or keep the mapping in the scenario's imports/ folder)")])


def mapping_path(name: str, folder: Path) -> Path:
    """A mapping given as a path, or by name in the scenario's ``imports/`` folder."""
    path = Path(name)
    if path.is_file():
        return path
    for candidate in (folder / "imports" / name, folder / "imports" / f"{name}.yaml"):
        if candidate.is_file():
            return candidate
    return path  # reading it reports it missing


def load(scenario: Scenario, mapping: Path, source: Path, fmt: str | None, deletions: Path | None,
         progress: Progress | None) -> tuple[Mapping, Wanted, set[str]]:
    """The mapping, and what the source's rows make under it, read and planned at once (a
    GDELT file's rows are not kept), its deletions applied; the third item, the deletions
    left for ``to_fact_file`` or ``to_session`` to apply, is empty."""
    chosen = read_mapping(mapping, scenario.rulebook, fmt)
    deleted: set[str] = set()
    if deletions is not None:
        with _open(deletions) as stream:
            deleted = read_deletions(chosen.format, str(deletions), stream)
    with _open(source) as stream:
        wanted = read_wanted(chosen, str(source), stream, scenario.rulebook, deleted=deleted, progress=progress)
    return chosen, wanted, set()


def _open(path: Path):
    try:
        return path.open("rb")
    except OSError as exc:
        raise MappingError([Problem(str(path), "", f"cannot read the file: {exc}")]) from None


def to_fact_file(scenario: Scenario, mapping: Mapping, read: Read | Wanted, deleted: set[str], out: Path, skip_bad: bool) -> ImportReport:
    """Every fact the rows make, written to a ``.jsonl`` fact file (replacing it): importing
    the same rows again writes the same file, and loading it into a session stores nothing twice."""
    items, report = plan_import(mapping, read, scenario.rulebook, deleted=deleted, skip_bad=skip_bad)
    out.write_text("".join(json.dumps(fact, ensure_ascii=False) + "\n" for _, fact in items), encoding="utf-8")
    return report


def to_session(scenario: Scenario, mapping: Mapping, read: Read | Wanted, deleted: set[str], session: str, db: str | None,
               skip_bad: bool) -> ImportReport:
    sessions = open_sessions(scenario, db)
    try:
        return import_into(sessions, session, mapping, read, deleted=deleted, skip_bad=skip_bad)
    finally:
        sessions.close()


def to_server(url: str, token: str | None, session: str, mapping: Path, source: Path, fmt: str | None, deletions: Path | None,
              skip_bad: bool, progress: Progress | None = None, scenario: str | None = None) -> ImportReport:
    """Upload the files to a running server, which imports them into ``session`` (of
    ``scenario``, on a server of several; default: the server's default scenario).  A large
    source is imported there as a job (202): its progress is polled (``progress`` is told
    how many more bytes the server has read) until it is done."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    files = {"mapping": (mapping.name, mapping.read_bytes()), "source": (source.name, source.open("rb"))}
    if deletions is not None:
        files["deletions"] = (deletions.name, deletions.read_bytes())
    data = {"skip_bad": str(skip_bad).lower()}
    if fmt is not None:
        data["format"] = fmt
    base = url.rstrip("/")
    try:
        prefix = f"/scenarios/{scenario}" if scenario else ""
        reply = httpx.post(f"{base}{prefix}/sessions/{session}/imports", data=data, files=files, headers=headers, timeout=600)
        if reply.status_code == 202:
            return _follow(url, f"{base}{reply.headers['Location']}", headers, progress)
    except httpx.HTTPError as exc:
        raise RemoteImportError(f"{url}: the server did not answer: {exc}") from None
    finally:
        files["source"][1].close()
    if reply.status_code >= 400:
        raise RemoteImportError(f"{url} answered {reply.status_code}: " + _problem_text(reply))
    return ImportReport.model_validate(reply.json())


POLL_SECONDS = 0.2


def _follow(url: str, job_url: str, headers: dict[str, str], progress: Progress | None) -> ImportReport:
    """Poll an import job until it is done; its report, or its problem raised."""
    told = 0
    while True:
        reply = httpx.get(job_url, headers=headers, timeout=60)
        if reply.status_code >= 400:
            raise RemoteImportError(f"{url} answered {reply.status_code} about the import job: " + _problem_text(reply))
        job = reply.json()
        if progress is not None and job["bytes_read"] > told:
            progress(job["bytes_read"] - told)
            told = job["bytes_read"]
        if job["state"] == "done":
            return ImportReport.model_validate(job["result"])
        if job["state"] == "failed":
            problem = job.get("problem") or {}
            raise RemoteImportError(f"{url}: the import failed ({problem.get('status')}): " + _problem_lines(problem))
        time.sleep(POLL_SECONDS)


def _problem_text(reply: httpx.Response) -> str:
    try:
        return _problem_lines(reply.json())
    except (ValueError, KeyError, TypeError):
        return reply.text[:2000]


def _problem_lines(body: dict) -> str:
    lines = [f"{body.get('title', 'error')}: {body.get('detail', '')}"] + [f"  {e['detail']}" for e in body.get("errors") or []]
    return "\n".join(lines)
