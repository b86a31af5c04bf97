"""Read YAML keeping the line of every value, so errors can say where they are.

Rule files and fact files come from outside, so their YAML is held to a few limits, each
refused with the file and line: no anchors or aliases (``&a`` / ``*a``: nine aliases of nine
aliases expand a 1 KB file into gigabytes), at most ``MAX_DEPTH`` levels of nesting, and at
most ``MAX_YAML_BYTES`` per file (``read_limited``).  Only plain YAML types are built
(``yaml.SafeLoader``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from engine.errors import FileTooLarge, YamlSyntaxError

Path = tuple[str | int, ...]

MAX_YAML_BYTES = 4 * 2**20  # a YAML rule or fact file: ~20,000 positions or ~25,000 facts, ~20 s to parse
YAML_FILE = "a YAML rule or fact file"  # how size errors name the kind of file
MAX_DEPTH = 64  # levels of nested mappings and lists (rule files use about 10)


@dataclass
class Located:
    """Parsed YAML data and the 1-based line where each path starts: a mapping entry's
    line is its key's, a list item's is where the item begins."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of the deepest known prefix of ``path`` (1 if nothing is known)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


def read_limited(path: FilePath, limit: int, what: str) -> str:
    """The UTF-8 text of ``path``, refused (``FileTooLarge``) beyond ``limit`` bytes without
    reading more than that; ``what`` names the kind of file in the message."""
    with path.open("rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"larger than {limit:,} bytes, the most {what} may hold; split it into several files")
    return data.decode("utf-8")


class _Refused(yaml.MarkedYAMLError):
    """YAML that parses but that ripeness does not accept (its message is said as is)."""


class _Strict:
    """Composes as ``SafeLoader`` does, refusing anchors and aliases, and nesting beyond
    ``MAX_DEPTH``, as it goes: nothing is ever expanded.  Mixed into a loader before its
    composer."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(None, None, f"YAML aliases (*{event.anchor}) are not allowed in ripeness files;"
                                       " write each value out", event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise _Refused(None, None, f"YAML anchors (&{event.anchor}) and aliases are not allowed in ripeness files;"
                                       " write each value out", event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise _Refused(None, None, f"YAML nested more than {MAX_DEPTH} levels deep; ripeness files need far fewer",
                           event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _StrictLoader(_Strict, yaml.SafeLoader):
    """``SafeLoader``, strict (``_Strict``): pure Python, the reference, and what says what
    is wrong with a file."""


if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _FastLoader(_Strict, Composer, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        """``_StrictLoader`` with libyaml's scanner and parser (C) under the same composer,
        constructor and resolver (Python): the same nodes, lines, values and refusals, at
        about a fifth of the time (most of a fidelity case's loading was pure-Python
        scanning).  Text it refuses is read again by ``_StrictLoader``, whose messages are
        the ones ripeness gives (libyaml words some errors otherwise)."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        # the composer's, not CParser's own (in C, which would skip ``_Strict``'s checks)
        check_node, get_node, get_single_node = Composer.check_node, Composer.get_node, Composer.get_single_node
else:  # PyYAML built without libyaml: the pure-Python loader alone
    _FastLoader = _StrictLoader  # type: ignore[misc]


def load_located(text: str, *, reference: bool = False) -> Located:
    """Parse one YAML document (empty text is ``None``) with the line of every node.
    Raises ``YamlSyntaxError`` for text that is not YAML, or has anchors, aliases or
    nesting deeper than ``MAX_DEPTH``.  ``reference``: read with the pure-Python loader
    alone, as text libyaml refuses is read (what the fast path must agree with)."""
    if _FastLoader is not _StrictLoader and not reference:
        try:
            return _located(_FastLoader(text))
        except Exception:  # noqa: BLE001  refused (or text libyaml cannot take, a lone surrogate): the reference decides, in its own words
            pass
    return _located(_StrictLoader(text))


def _located(loader: yaml.SafeLoader) -> Located:
    try:
        node = loader.get_single_node()
        located = Located(None)
        if node is not None:
            located.data = _build(loader, node, (), located.lines)
        return located
    except yaml.MarkedYAMLError as exc:
        raise YamlSyntaxError(*_describe(exc)) from None
    finally:
        loader.dispose()


def _describe(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line of a syntax error and a message that also says where the construct it
    broke began (pyyaml's "while parsing a flow sequence" with its line)."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    if isinstance(exc, _Refused):
        return line, str(exc.problem)
    message = f"YAML syntax: {exc.problem or exc}"
    if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
        message += f" ({exc.context} started on line {exc.context_mark.line + 1})"
    elif exc.context:
        message += f" ({exc.context})"
    if exc.problem == "mapping values are not allowed here":
        message += "; a colon followed by a space inside an unquoted value starts a key: put the value in quotes"
    return line, message


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (dict, list)):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            key = str(key) if not isinstance(key, str) else key
            result[key] = _build(loader, value_node, path + (key,), lines)
            # a field is where its key is written, even when its value starts below it
            lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path + (i,), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
