"""Read YAML keeping the line of every value, so errors can say where they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


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


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


def load_located(text: str) -> Located:
    """Parse one YAML document (empty text is ``None``) with the line of every node."""
    loader = yaml.SafeLoader(text)
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
    message = f"YAML syntax: {exc.problem or exc}"
    if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
        message += f" ({exc.context} started on line {exc.context_mark.line + 1})"
    elif exc.context:
        message += f" ({exc.context})"
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
