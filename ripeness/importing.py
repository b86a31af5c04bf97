"""``ripeness import``'s three destinations: a fact file, a session of a local fact log, or
a running server (the file uploaded to ``POST /sessions/{sid}/imports``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from engine.errors import MappingError, Problem, RipenessError
from engine.imports import ImportReport, import_into, plan_import, read_deletions, read_mapping, read_records
from engine.imports.formats import Read
from engine.imports.mapping import Mapping
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
         progress: Progress | None) -> tuple[Mapping, Read, set[str]]:
    chosen = read_mapping(mapping, scenario.rulebook, fmt)
    deleted: set[str] = set()
    if deletions is not None:
        with _open(deletions) as stream:
            deleted = read_deletions(chosen.format, str(deletions), stream)
    with _open(source) as stream:
        read = read_records(chosen.format, str(source), stream, progress)
    return chosen, read, deleted


def _open(path: Path):
    try:
        return path.open("rb")
    except OSError as exc:
        raise MappingError([Problem(str(path), "", f"cannot read the file: {exc}")]) from None


def to_fact_file(scenario: Scenario, mapping: Mapping, read: Read, deleted: set[str], out: Path, skip_bad: bool) -> ImportReport:
    """Every fact the rows make, written to a ``.jsonl`` fact file (replacing it): importing
    the same rows again writes the same file, and loading it into a session stores nothing twice."""
    items, report = plan_import(mapping, read, scenario.rulebook, deleted=deleted, skip_bad=skip_bad)
    out.write_text("".join(json.dumps(fact, ensure_ascii=False) + "\n" for _, fact in items), encoding="utf-8")
    return report


def to_session(scenario: Scenario, mapping: Mapping, read: Read, deleted: set[str], session: str, db: str | None,
               skip_bad: bool) -> ImportReport:
    sessions = open_sessions(scenario, db)
    try:
        return import_into(sessions, session, mapping, read, deleted=deleted, skip_bad=skip_bad)
    finally:
        sessions.close()


def to_server(url: str, token: str | None, session: str, mapping: Path, source: Path, fmt: str | None, deletions: Path | None,
              skip_bad: bool, scenario: str | None = None) -> ImportReport:
    """Upload the files to a running server, which imports them into ``session`` (of
    ``scenario``, on a server of several; default: the server's default scenario)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    files = {"mapping": (mapping.name, mapping.read_bytes()), "source": (source.name, source.open("rb"))}
    if deletions is not None:
        files["deletions"] = (deletions.name, deletions.read_bytes())
    data = {"skip_bad": str(skip_bad).lower()}
    if fmt is not None:
        data["format"] = fmt
    try:
        prefix = f"/scenarios/{scenario}" if scenario else ""
        reply = httpx.post(f"{url.rstrip('/')}{prefix}/sessions/{session}/imports", data=data, files=files, headers=headers, timeout=600)
    except httpx.HTTPError as exc:
        raise RemoteImportError(f"{url}: the server did not answer: {exc}") from None
    finally:
        files["source"][1].close()
    if reply.status_code >= 400:
        try:
            body = reply.json()
            lines = [f"{body.get('title', 'error')}: {body.get('detail', '')}"] + [f"  {e['detail']}" for e in body.get("errors") or []]
        except (ValueError, KeyError, TypeError):
            lines = [reply.text[:2000]]
        raise RemoteImportError(f"{url} answered {reply.status_code}: " + "\n".join(lines))
    return ImportReport.model_validate(reply.json())
