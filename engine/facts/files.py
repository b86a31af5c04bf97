"""Fact files: ``.jsonl`` (one JSON object a line) or ``.yaml`` (a list, or a mapping with
a ``facts`` list), read whole and checked before any fact is used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.errors import FactError, Problem
from engine.facts.fact import ResolvedFact
from engine.facts.resolve import parse_inputs
from engine.rulebook import Rulebook
from engine.yamlsource import MAX_YAML_BYTES, YAML_FILE, FileTooLarge, YamlSyntaxError, load_located, read_limited

MAX_JSONL_BYTES = 64 * 2**20  # a .jsonl fact file: ~400,000 facts (a YAML one: yamlsource.MAX_YAML_BYTES)


def read_fact_file(path: str | Path, rulebook: Rulebook) -> list[ResolvedFact]:
    """Facts from a ``.jsonl`` (one JSON object a line) or ``.yaml`` file (a list, or a
    mapping with a ``facts`` list).  Any bad line rejects the whole file."""
    items, problems = _read_items(Path(path))
    return parse_inputs(items, rulebook, problems)


def read_fact_items(path: str | Path) -> list[tuple[str, Any]]:
    """The raw items of a fact file, each with its file and line, not yet checked against a
    scenario.  Raises ``FactError`` if the file cannot be read or parsed."""
    items, problems = _read_items(Path(path))
    if problems:
        raise FactError(problems)
    return items


def _read_items(path: Path) -> tuple[list[tuple[str, Any]], list[Problem]]:
    limit, what = (MAX_JSONL_BYTES, "a .jsonl fact file") if path.suffix == ".jsonl" else (MAX_YAML_BYTES, YAML_FILE)
    try:
        text = read_limited(path, limit, what)
    except FileTooLarge as exc:
        raise FactError([Problem(str(path), "", str(exc))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FactError([Problem(str(path), "", f"cannot read the fact file: {exc}")]) from None
    if path.suffix == ".jsonl":
        return _jsonl_items(path, text)
    if path.suffix in (".yaml", ".yml"):
        return _yaml_items(path, text), []
    raise FactError([Problem(str(path), "", "expected a .jsonl, .yaml or .yml fact file")])


def _jsonl_items(path: Path, text: str) -> tuple[list[tuple[str, Any]], list[Problem]]:
    """Each line's JSON value with where it is, and the lines that are not JSON."""
    items: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append((f"{path}:{number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"{path}:{number}", "", f"not valid JSON: {exc.msg} at column {exc.colno}"))
    return items, problems


def _yaml_items(path: Path, text: str) -> list[tuple[str, Any]]:
    try:
        located = load_located(text)
    except YamlSyntaxError as exc:
        raise FactError([Problem(f"{path}:{exc.line}", "", str(exc))]) from None
    data, prefix = located.data, ()
    if isinstance(data, dict) and set(data) == {"facts"}:
        data, prefix = data["facts"], ("facts",)
    if data is None:
        return []
    if not isinstance(data, list):
        raise FactError([Problem(f"{path}:1", "", "expected a list of facts, or a mapping with a 'facts' list")])
    return [(f"{path}:{located.line_of(prefix + (i,))}", item) for i, item in enumerate(data)]
