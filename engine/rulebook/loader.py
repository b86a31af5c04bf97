"""Read a scenario folder into a ``Rulebook``, or report every problem with file and line.

Every ``*.yaml`` / ``*.yml`` file in the folder is a rule file, except fact files
(``facts.yaml``, ``facts.yml``, ``facts.jsonl`` and any file whose name starts with
``facts``).  Nothing is returned unless every file is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.errors import Problem, RuleFileError
from engine.rulebook.models import SECTIONS, RuleFile, ScenarioInfo
from engine.rulebook.references import check_references
from engine.rulebook.rulebook import Rulebook
from engine.yamlsource import Located, YamlSyntaxError, load_located


@dataclass(frozen=True)
class Origin:
    """Where an item was written: the file, and the path of the item inside it."""

    file: str
    located: Located
    path: tuple

    def at(self, *more: Any) -> str:
        return f"{self.file}:{self.located.line_of(self.path + tuple(more))}"


def rule_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith("facts")
    )


def load_rulebook(folder: str | Path) -> Rulebook:
    """The scenario in ``folder``; raises ``RuleFileError`` listing every problem."""
    rulebook, problems = check_folder(folder)
    if problems:
        raise RuleFileError(problems)
    assert rulebook is not None
    return rulebook


def check_folder(folder: str | Path) -> tuple[Rulebook | None, list[Problem]]:
    """Every problem of the scenario folder (empty when it is valid) and the rulebook."""
    folder = Path(folder)
    if not folder.is_dir():
        return None, [Problem(str(folder), "", "not a folder; expected a scenario folder of YAML rule files")]
    files = rule_files(folder)
    if not files:
        return None, [Problem(str(folder), "", "no rule files (*.yaml) in this folder")]

    problems: list[Problem] = []
    items: dict[str, list[tuple[Any, Origin]]] = {s: [] for s in SECTIONS}
    infos: list[tuple[ScenarioInfo, Origin]] = []
    for path in files:
        parsed = _read_rule_file(path, problems)
        if parsed is None:
            continue
        rule_file, located = parsed
        name = str(path)
        if rule_file.scenario:
            infos.append((rule_file.scenario, Origin(name, located, ("scenario",))))
        for section in SECTIONS:
            for i, item in enumerate(getattr(rule_file, section)):
                items[section].append((item, Origin(name, located, (section, i))))
    if problems:
        return None, problems

    if len(infos) > 1:
        problems.append(Problem(infos[1][1].at(), "scenario",
                                f"the scenario is described twice (first at {infos[0][1].at()})"))
    info = infos[0][0] if infos else ScenarioInfo(id=_identifier(folder.name), title=folder.name)
    problems.extend(check_references(items))
    if problems:
        return None, problems
    return _build(info, folder, items), []


def _read_rule_file(path: Path, problems: list[Problem]) -> tuple[RuleFile, Located] | None:
    try:
        located = load_located(path.read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        problems.append(Problem(f"{path}:{exc.line}", "", str(exc)))
        return None
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), "", f"not UTF-8 text ({exc.reason})"))
        return None
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        problems.append(Problem(f"{path}:1", "", f"expected a mapping of sections ({', '.join(('scenario',) + SECTIONS)})"))
        return None
    try:
        return RuleFile.model_validate(data), located
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(_problem_from_pydantic(str(path), located, error))
        return None


def _problem_from_pydantic(file: str, located: Located, error: dict) -> Problem:
    data_path = data_path_of(located.data, tuple(error["loc"]))
    line = located.line_of(data_path)
    fld = ".".join(str(p) for p in data_path)
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = f"unknown field {data_path[-1]!r}"
        if len(data_path) == 1:
            message += f"; expected one of the sections {', '.join(('scenario',) + SECTIONS)}"
    elif error["type"] == "missing":
        message = "required field is missing"
    elif "input" in error and error["type"] not in ("invalid_condition",):
        message += f" (got {error['input']!r})"
    return Problem(f"{file}:{line}", fld, message)


_UNION_TAGS = {"compare", "all", "any", "not", "ref"}


def data_path_of(data: Any, loc: tuple) -> tuple:
    """Pydantic's error location with union tags dropped: the path of the value in the file."""
    path: list = []
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif part in _UNION_TAGS or (isinstance(part, str) and "[" in part):
            continue  # a union tag, not a step into the data
        else:
            path.append(part)
            break
        path.append(part)
    return tuple(path)


def _identifier(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name) or "scenario"
    return cleaned if cleaned[0].isalpha() else f"s_{cleaned}"


def _build(info: ScenarioInfo, folder: Path, items: dict[str, list]) -> Rulebook:
    def by(section: str, key: str = "id") -> dict:
        return {getattr(item, key): item for item, _ in items[section]}

    positions = by("positions")
    return Rulebook(
        info=info,
        folder=folder,
        actors=by("actors"),
        subjects=by("subjects", "key"),
        conditions=by("conditions"),
        moves=by("moves", "key"),
        positions=positions,
        goals=by("goals"),
        escalations=by("escalation"),
        variants={v.id: (p, v) for p in positions.values() for v in p.variants},
    )
