"""Read a scenario folder into a ``Rulebook``, or report every problem with file and line.

Every ``*.yaml`` / ``*.yml`` file in the folder is a rule file, except fact files
(``facts.yaml``, ``facts.yml``, ``facts.jsonl`` and any file whose name starts with
``facts``); a link to a file outside the folder is refused.  Nothing is returned unless
every file is valid.

Every problem is reported, not only the first: an item with a bad shape is left out and the
others are still checked against each other (a reference to a name that a bad item declares
is not reported again).  Only when a file cannot be read at all (YAML syntax, not a mapping)
are cross-references left unchecked, since what it declares is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError

from engine.errors import Problem, RuleFileError, brief, suggest
from engine.rulebook.models import SECTIONS, RuleFile, ScenarioInfo
from engine.rulebook.references import check_references
from engine.rulebook.rulebook import Rulebook
from engine.yamlsource import MAX_YAML_BYTES, YAML_FILE, FileTooLarge, Located, YamlSyntaxError, load_located, read_limited


@dataclass(frozen=True)
class Origin:
    """Where an item was written: the file, and the path of the item inside it."""

    file: str
    located: Located
    path: tuple

    def at(self, *more: Any) -> str:
        return f"{self.file}:{self.located.line_of(self.path + tuple(more))}"

    def field(self, *more: Any) -> str:
        """The dotted path from the top of the file: ``positions.2.withholds``."""
        return ".".join(str(p) for p in self.path + tuple(more))


@dataclass
class ParsedFile:
    """A rule file's valid items (with their index in the file) and the names declared by
    items too broken to use, so that references to them are not reported twice."""

    located: Located
    scenario: ScenarioInfo | None = None
    items: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    broken: dict[str, set[str]] = field(default_factory=dict)


def rule_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith("facts")
    )


def outside_link(path: Path, folder: Path, what: str) -> Problem | None:
    """The problem with ``path`` if it is a (symbolic) link to a file outside ``folder``:
    ``what`` (rule files, fact files) must be in the scenario folder itself, so that a
    folder never reads a file it does not hold."""
    if path.resolve().is_relative_to(folder.resolve()):
        return None
    return Problem(str(path), "", f"a link to a file outside the scenario folder; {what} must be in the folder itself")


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
    broken: dict[str, set[str]] = {s: set() for s in SECTIONS}
    infos: list[tuple[ScenarioInfo, Origin]] = []
    unreadable = False
    for path in files:
        linked = outside_link(path, folder, "rule files")
        if linked is not None:
            problems.append(linked)
            unreadable = True
            continue
        parsed = _read_rule_file(path, problems)
        if parsed is None:
            unreadable = True
            continue
        name = str(path)
        if parsed.scenario:
            infos.append((parsed.scenario, Origin(name, parsed.located, ("scenario",))))
        for section in SECTIONS:
            for i, item in parsed.items.get(section, []):
                items[section].append((item, Origin(name, parsed.located, (section, i))))
            broken[section] |= parsed.broken.get(section, set())

    if len(infos) > 1:
        problems.append(Problem(infos[1][1].at(), "scenario",
                                f"the scenario is described twice (first at {infos[0][1].at()})"))
    if not unreadable:
        problems.extend(check_references(items, broken))
    if problems:
        return None, in_file_order(problems)
    info = infos[0][0] if infos else ScenarioInfo(id=_identifier(folder.name), title=folder.name)
    return _build(info, folder, items), []


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Problems sorted by file, then line (stable, so one line's problems keep their order)."""
    def key(problem: Problem) -> tuple[str, int]:
        file, _, line = problem.where.rpartition(":")
        return (file, int(line)) if line.isdigit() else (problem.where, 0)
    return sorted(problems, key=key)


def _read_rule_file(path: Path, problems: list[Problem]) -> ParsedFile | None:
    """The file's usable items (its shape problems added to ``problems``), or None when
    the file cannot be read at all."""
    try:
        located = load_located(read_limited(path, MAX_YAML_BYTES, YAML_FILE))
    except YamlSyntaxError as exc:
        problems.append(Problem(f"{path}:{exc.line}", "", str(exc)))
        return None
    except FileTooLarge as exc:
        problems.append(Problem(str(path), "", str(exc)))
        return None
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), "", f"not UTF-8 text ({exc.reason})"))
        return None
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        problems.append(Problem(f"{path}:1", "", f"expected a mapping of sections ({', '.join(('scenario',) + SECTIONS)})"))
        return None
    try:
        rule_file = RuleFile.model_validate(data)
    except ValidationError as exc:
        for error in merge_union_errors(exc.errors()):
            problems.append(_problem_from_pydantic(str(path), located, error))
        return _salvage(data, located)
    return ParsedFile(located, rule_file.scenario,
                      {s: list(enumerate(getattr(rule_file, s))) for s in SECTIONS})


def _salvage(data: dict, located: Located) -> ParsedFile:
    """The items of an invalid file that are valid on their own (their problems are
    already reported), and the names the others declare."""
    parsed = ParsedFile(located)
    try:
        parsed.scenario = ScenarioInfo.model_validate(data["scenario"]) if data.get("scenario") else None
    except ValidationError:
        pass
    for section in SECTIONS:
        raw_items = data.get(section)
        if not isinstance(raw_items, list):
            continue
        model = get_args(RuleFile.model_fields[section].annotation)[0]
        parsed.items[section], parsed.broken[section] = [], set()
        for i, raw in enumerate(raw_items):
            try:
                parsed.items[section].append((i, model.model_validate(raw)))
            except ValidationError:
                parsed.broken[section] |= _declared_name(raw)
    return parsed


def _declared_name(raw: Any) -> set[str]:
    """The name a raw item declares (``ACTOR.id`` when it has an actor), if it has one."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        return set()
    actor = raw.get("actor")
    return {raw["id"], f"{actor}.{raw['id']}"} if isinstance(actor, str) else {raw["id"]}


def _problem_from_pydantic(file: str, located: Located, error: dict) -> Problem:
    data_path = data_path_of(located.data, tuple(error["loc"]))
    line = located.line_of(data_path)
    fld = ".".join(str(p) for p in data_path)
    if error["type"] == "extra_forbidden":
        name = str(data_path[-1])
        expected = fields_of(_model_at(tuple(error["loc"])))
        if len(data_path) == 1:
            message = f"unknown field {name!r}; expected one of the sections {', '.join(('scenario',) + SECTIONS)}"
        else:
            message = unknown_field_message(name, expected)
    else:
        message = error_message(error)
    return Problem(f"{file}:{line}", fld, message)


def error_message(error: dict) -> str:
    """Pydantic's message for one error, saying what was expected and what was given."""
    if error["type"] == "missing":
        return f"required field {str(error['loc'][-1])!r} is missing"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "string_pattern_mismatch":
        dotted = "\\." in str(error.get("ctx", {}).get("pattern", ""))
        message = ("expected a name of letters, digits and '_' that starts with a letter"
                   + (", or ACTOR.name" if dotted else ""))
    # a whole item or condition as "got" would repeat the file; plain values help
    if "input" in error and not isinstance(error["input"], dict) and error["type"] != "invalid_condition":
        message += f" (got {brief(error['input'])})"
    if error["type"] == "string_type" and isinstance(error.get("input"), bool):
        message += ("; YAML reads an unquoted on, off, yes, no, true or false as true or false, "
                    "not as a name: put it in quotes ('on') or choose another word")
    return message


def unknown_field_message(name: str, expected: list[str]) -> str:
    split = ("; it looks like text cut off by a comma or a colon inside a one-line {...} mapping: "
             "quote the text it belongs to") if not name.isidentifier() and (" " in name or not name[:1].isalpha()) else ""
    if not expected:
        return f"unknown field {name!r}{split}"
    hint = suggest(name, expected)
    hint_text = f"; did you mean {hint!r}?" if hint else split
    return f"unknown field {name!r}{hint_text} (expected one of {', '.join(expected)})"


_MEMBER_TAGS = {"bool": "true or false", "int": "a number", "float": "a number", "str": "text",
                "datetime": "an ISO 8601 date or datetime", "date": "an ISO 8601 date or datetime",
                "OtherSubject": "another subject as {subject: ...}"}


def _other_subject_errors(errors: list[dict]) -> list[dict]:
    """A comparison's operand written as a mapping is meant as another subject: its errors
    are the ``{subject: ...}`` form's alone (located without pydantic's member name), not
    also "expected a number"."""
    meant = {tuple(e["loc"])[:i] for e in errors for i, part in enumerate(e["loc"])
             if part == "OtherSubject" and i + 1 < len(e["loc"])}
    if not meant:
        return errors
    kept = []
    for error in errors:
        loc = tuple(error["loc"])
        if loc[:-1] in meant and loc[-1] in _MEMBER_TAGS:
            continue  # "expected a number" for a mapping meant as a subject
        if "OtherSubject" in loc:
            i = loc.index("OtherSubject")
            error = {**error, "loc": loc[:i] + loc[i + 1:]}
        kept.append(error)
    return kept


def merge_union_errors(errors: list[dict]) -> list[dict]:
    """Pydantic reports a value that fits no member of a union once per member (``eq.bool``,
    ``eq.int``, ``eq.float``, ``eq.str``); one error per value, saying every accepted kind,
    reads better."""
    merged: dict[tuple, dict] = {}
    result: list[dict] = []
    for error in _other_subject_errors(errors):
        loc = tuple(error["loc"])
        if not loc or loc[-1] not in _MEMBER_TAGS or loc[-1] in fields_of(_model_at(loc)):  # a field named ``date``
            result.append(error)
            continue
        kind = _MEMBER_TAGS[loc[-1]]
        if loc[:-1] in merged:
            if kind not in merged[loc[:-1]]["kinds"]:
                merged[loc[:-1]]["kinds"].append(kind)
            continue
        merged[loc[:-1]] = {**error, "loc": loc[:-1], "type": "union_mismatch", "kinds": [kind]}
        result.append(merged[loc[:-1]])
    for error in merged.values():
        kinds = error["kinds"]
        error["msg"] = "expected " + (kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} or {kinds[-1]}")
    return result


def fields_of(model: type[BaseModel] | None) -> list[str]:
    """The field names a model accepts, as written in files (aliases)."""
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The rule-file model that holds the field at the end of pydantic's ``loc``."""
    tp: Any = RuleFile
    for part in loc[:-1]:
        tp = _step(tp, part)
        if tp is None:
            return None
    tp = _strip(tp)
    if get_origin(tp) in (Union, UnionType):  # a value or {subject: ...}: the mapping's model
        models = [m for m in get_args(tp) if isinstance(m, type) and issubclass(m, BaseModel)]
        tp = models[0] if len(models) == 1 else None
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _strip(tp: Any) -> Any:
    """``tp`` without ``Annotated`` and ``Optional`` wrappers."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        members = [a for a in get_args(tp) if a is not type(None)]
        if get_origin(tp) in (Union, UnionType) and len(members) == 1:
            tp = members[0]
            continue
        return tp


def _step(tp: Any, part: Any) -> Any:
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return next((f.annotation for name, f in tp.model_fields.items() if part in (name, f.alias)), None)
    if get_origin(tp) is list:
        return get_args(tp)[0]
    if get_origin(tp) in (Union, UnionType):
        tagged = next((m for m in get_args(tp)
                       if any(isinstance(t, Tag) and t.tag == part for t in getattr(m, "__metadata__", ()))), None)
        if tagged is not None:
            return tagged
        models = [m for m in get_args(tp) if isinstance(m, type) and issubclass(m, BaseModel)]  # a value or {subject: ...}
        return _step(models[0], part) if len(models) == 1 else None
    return None


_UNION_TAGS = {"compare", "all", "any", "not", "ref", "both_sides", "each_side"}


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
        offers=by("offers"),
        goals=by("goals"),
        escalations=by("escalation"),
        costs=by("costs"),
        variants={v.id: (p, v) for p in positions.values() for v in p.variants},
    )
