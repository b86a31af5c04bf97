"""Mapping files: how a scenario reads coded event data (``rules/<scenario>/imports/*.yaml``,
a subfolder the rule loader never reads).  Validated like rule files: every problem with
its file, line and field, and every actor and subject checked against the rulebook.

A mapping says which of the source's actor codes are which actors, which rows become which
facts (``rules``: an event or a state set per row, or a count or sum per day, week or month:
a number state, or counted events of an event subject),
and which dates to take.  See ``rules/README.md``, section 11.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from engine.errors import MappingError, Problem, suggest
from engine.imports.formats import FORMATS, SPECS
from engine.rulebook import Rulebook
from engine.rulebook.loader import data_path_of, error_message, fields_of, merge_union_errors, unknown_field_message
from engine.rulebook.models import DottedName, Identifier, Scalar, Strict
from engine.rulebook.references import check_value
from engine.yamlsource import MAX_YAML_BYTES, FileTooLarge, Located, YamlSyntaxError, load_located, read_limited

PERIODS = ("daily", "weekly", "monthly")
PSEUDO_FIELDS = ("actor", "target")  # tested after the actor codes are mapped: scenario actor ids


class ImportInfo(Strict):
    id: Identifier = Field(description="names this mapping in each imported fact's source")
    format: Literal["plover", "acled", "gdelt"] | None = None
    from_: dt.date | None = Field(None, alias="from", description="first day taken (inclusive)")
    until: dt.date | None = Field(None, description="first day no longer taken (exclusive)")
    description: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> ImportInfo:
        if self.from_ and self.until and self.until <= self.from_:
            raise ValueError(f"'until' ({self.until}) must be after 'from' ({self.from_})")
        return self


Codes = str | list[str]


class Rule(Strict):
    """Rows matching ``when`` become facts on ``subject``: one per row (``aggregate: none``),
    or one per period holding the rows' count, or the sum of field ``sum``."""

    when: dict[str, Codes] = Field(default_factory=dict)
    subject: Annotated[DottedName, Field(max_length=129)]
    value: Scalar | None = None
    value_from: str | None = None
    aggregate: Literal["none", "daily", "weekly", "monthly"] = "none"
    sum: str | None = None
    confidence: Literal["confirmed", "reported", "disputed"] = Field(
        "confirmed", description="how sure the facts it makes are (coded news reports: often reported)")

    @field_validator("when", mode="before")
    @classmethod
    def _texts(cls, when: Any) -> Any:
        if isinstance(when, dict):
            for name, codes in when.items():
                for code in codes if isinstance(codes, list) else [codes]:
                    if not isinstance(code, str):
                        raise ValueError(f"when.{name}: write codes as quoted text (\"042\", not 042): YAML reads 042 as the "
                                         f"number 34 and 1.10 as 1.1; got the number {code!r}")
        return when

    @model_validator(mode="after")
    def _one_measure(self) -> Rule:
        if self.aggregate == "none" and self.sum is not None:
            raise ValueError("'sum' is for an aggregating rule (aggregate: daily, weekly or monthly)")
        if self.aggregate != "none" and (self.value is not None or self.value_from is not None):
            raise ValueError("an aggregating rule's value is the count of its rows (or the sum of 'sum'); "
                             "leave 'value' and 'value_from' out")
        if self.value is not None and self.value_from is not None:
            raise ValueError("give 'value' or 'value_from', not both")
        return self


class MappingFile(Strict):
    import_: ImportInfo = Field(alias="import")
    actors: dict[str, Identifier] = Field(default_factory=dict, description="source actor code -> scenario actor id")
    rules: list[Rule] = Field(min_length=1)


@dataclass(frozen=True)
class Mapping:
    """A checked mapping, for one format and one scenario."""

    info: ImportInfo
    format: str
    actors: dict[str, str]
    rules: tuple[Rule, ...]
    where: str

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def reads(self) -> tuple[str, ...]:
        """The source fields this mapping reads: the format's id, date, actors, citation and
        text, and those its rules test, take values from or sum."""
        spec = SPECS[self.format]
        named = [spec.id, spec.date, spec.actor, spec.target, spec.cite, spec.text]
        for rule in self.rules:
            named += [f for f in rule.when if f not in PSEUDO_FIELDS]
            named += [f for f in (rule.value_from, rule.sum) if f is not None]
        return tuple(dict.fromkeys(f for f in named if f))

    def takes(self, day: dt.date) -> bool:
        return (self.info.from_ is None or day >= self.info.from_) and (self.info.until is None or day < self.info.until)


def read_mapping(path: str | Path, rulebook: Rulebook, fmt: str | None = None) -> Mapping:
    """The mapping in a file; ``MappingError`` with every problem otherwise."""
    path = Path(path)
    try:
        text = read_limited(path, MAX_YAML_BYTES, "a mapping file")
    except FileTooLarge as exc:
        raise MappingError([Problem(str(path), "", str(exc))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError([Problem(str(path), "", f"cannot read the mapping file: {exc}")]) from None
    return parse_mapping(text, str(path), rulebook, fmt)


def parse_mapping(text: str, name: str, rulebook: Rulebook, fmt: str | None = None) -> Mapping:
    """The mapping written in ``text`` (named ``name`` in problems), for format ``fmt`` (the
    mapping's own ``format`` if None)."""
    try:
        located = load_located(text)
    except YamlSyntaxError as exc:
        raise MappingError([Problem(f"{name}:{exc.line}", "", str(exc))]) from None
    if not isinstance(located.data, dict):
        raise MappingError([Problem(f"{name}:1", "", "expected a mapping with the sections import, actors and rules")])
    try:
        model = MappingFile.model_validate(located.data)
    except ValidationError as exc:
        raise MappingError([_problem(name, located, e) for e in merge_union_errors(exc.errors())]) from None
    chosen = fmt or model.import_.format
    if chosen is None:
        raise MappingError([Problem(f"{name}:{located.line_of(('import',))}", "import.format",
                                    f"no format: name one here or on the command line ({', '.join(FORMATS)})")])
    if fmt is not None and model.import_.format not in (None, fmt):
        raise MappingError([Problem(f"{name}:{located.line_of(('import', 'format'))}", "import.format",
                                    f"this mapping is for {model.import_.format} data; the data given is {fmt}")])
    problems = _references(model, chosen, rulebook, name, located)
    if problems:
        raise MappingError(problems)
    return Mapping(model.import_, chosen, dict(model.actors), tuple(model.rules), name)


def _problem(name: str, located: Located, error: dict) -> Problem:
    path = data_path_of(located.data, tuple(error["loc"]))
    where = f"{name}:{located.line_of(path)}"
    fld = ".".join(str(p) for p in path)
    if error["type"] == "extra_forbidden":
        parent = MappingFile if len(path) == 1 else ImportInfo if path[0] == "import" else Rule if path[0] == "rules" else None
        return Problem(where, fld, unknown_field_message(str(path[-1]), fields_of(parent) if parent else []))
    return Problem(where, fld, error_message(error))


def _references(model: MappingFile, fmt: str, rulebook: Rulebook, name: str, located: Located) -> list[Problem]:
    problems: list[Problem] = []

    def add(path: tuple, message: str) -> None:
        problems.append(Problem(f"{name}:{located.line_of(path)}", ".".join(str(p) for p in path), message))

    def actor_problem(actor: str) -> str | None:
        if actor in rulebook.actors:
            return None
        hint = suggest(actor, list(rulebook.actors))
        return f"unknown actor {actor!r}" + (f"; did you mean {hint!r}?" if hint else "") + f" (known: {', '.join(sorted(rulebook.actors))})"

    for code, actor in model.actors.items():
        if (message := actor_problem(actor)) is not None:
            add(("actors", code), message)
    known = SPECS[fmt].fields
    aggregated: dict[str, int] = {}
    for i, rule in enumerate(model.rules):
        for field_name, codes in rule.when.items():
            if field_name in PSEUDO_FIELDS:
                for actor in codes if isinstance(codes, list) else [codes]:
                    if (message := actor_problem(actor)) is not None:
                        add(("rules", i, "when", field_name), message)
            elif field_name not in known:
                add(("rules", i, "when", field_name), _unknown_field(field_name, fmt, known + PSEUDO_FIELDS))
        for attr in ("value_from", "sum"):
            field_name = getattr(rule, attr)
            if field_name is not None and field_name not in known:
                add(("rules", i, attr), _unknown_field(field_name, fmt, known))
        subject = rulebook.subjects.get(rule.subject)
        if subject is None:
            hint = suggest(rule.subject, list(rulebook.subjects))
            add(("rules", i, "subject"), f"unknown subject {rule.subject!r}" + (f"; did you mean {hint!r}?" if hint else "")
                + f" (known: {', '.join(sorted(rulebook.subjects))})")
            continue
        if rule.aggregate != "none":
            if subject.kind == "state" and subject.type != "number":
                add(("rules", i, "subject"), f"an aggregating rule counts or sums into a number state subject, or into "
                    f"counted events of an event subject; {rule.subject} is a {subject.type} {subject.kind}")
            elif rule.subject in aggregated:
                add(("rules", i, "subject"), f"{rule.subject} is already aggregated by rule {aggregated[rule.subject]}: "
                    "one aggregating rule per subject (list several codes in its 'when')")
            aggregated.setdefault(rule.subject, i)
        elif subject.kind == "state":
            if rule.value is None and rule.value_from is None:
                add(("rules", i), f"{rule.subject} is a state: give the 'value' it takes (or 'value_from' a field)")
            elif rule.value is not None and (message := check_value(subject, rule.value)) is not None:
                add(("rules", i, "value"), message)
            elif rule.value_from is not None and subject.type not in ("number", "text"):
                add(("rules", i, "value_from"), f"'value_from' gives text or a number; {rule.subject} is {subject.type}: "
                    "write one rule per value, with 'value'")
    return problems


def _unknown_field(name: str, fmt: str, known: tuple[str, ...]) -> str:
    hint = suggest(name, list(known))
    return f"{fmt} data has no field {name!r}" + (f"; did you mean {hint!r}?" if hint else "") + f" (fields: {', '.join(known)})"
