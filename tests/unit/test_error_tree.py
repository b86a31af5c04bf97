"""Every exception ripeness raises on purpose belongs to the one tree of ``engine.errors``
and is drawn in its diagram, so a caller can catch ``RipenessError`` and a reader finds
every kind of failure in one place."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pathlib
import pkgutil

import api
import engine
import ripeness
import web
from engine import errors
from engine.errors import RipenessError


def defined_exceptions() -> list[type[BaseException]]:
    found = []
    for package in (engine, api, web, ripeness):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if (inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.__name__
                        and not name.startswith("_")):
                    found.append(value)
    return found


def test_every_exception_is_in_the_tree_and_its_diagram():
    found = defined_exceptions()
    assert len(found) > 20  # the walk saw the packages
    outside = [f"{e.__module__}.{e.__name__}" for e in found if not issubclass(e, RipenessError)]
    assert outside == [], "exceptions outside the RipenessError tree"
    undrawn = [e.__name__ for e in found if f" {e.__name__} " not in errors.__doc__]
    assert undrawn == [], "exceptions missing from the diagram in engine/errors.py"


# A builtin exception may be raised on purpose only where Python's own contract asks for it:
# ValueError inside a pydantic validator (and the helpers validators call), which pydantic turns
# into a ValidationError naming the field; AssertionError for a Gherkin step that fails or an
# invariant that cannot break. Everything else raises a class of the tree (Misuse for a caller's
# bug), so that ``except RipenessError`` catches every failure ripeness means.
VALIDATOR_HELPERS = {("engine/facts/times.py", "to_utc"), ("engine/facts/times.py", "parse_time"),
                     ("engine/facts/inputs.py", "_plain_text"), ("engine/rulebook/models.py", "check_quote_kind")}


BUILTIN = {name for name, value in vars(builtins).items() if inspect.isclass(value) and issubclass(value, BaseException)}


def _unmeant(node: ast.AST, where: str, function: ast.FunctionDef | ast.AsyncFunctionDef | None) -> list[str]:
    """The builtin exceptions raised in ``node`` (inside ``function``) that the rule above does not allow."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        function = node
    found = []
    if isinstance(node, ast.Raise) and node.exc is not None:
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(raised, ast.Name) and raised.id in BUILTIN:
            decorators = [ast.unparse(d).split("(")[0] for d in function.decorator_list] if function else []
            name = function.name if function else "<module>"
            validating = any(d.endswith("validator") for d in decorators) or (where, name) in VALIDATOR_HELPERS
            if not (raised.id == "AssertionError" or raised.id == "ValueError" and validating):
                found.append(f"{where}:{node.lineno} {name} raises {raised.id}")
    for child in ast.iter_child_nodes(node):
        found += _unmeant(child, where, function)
    return found


def builtin_raises() -> list[str]:
    found = []
    for package in (engine, api, web, ripeness):
        root = pathlib.Path(package.__path__[0])
        for path in sorted(root.rglob("*.py")):
            where = path.relative_to(root.parent).as_posix()
            found += _unmeant(ast.parse(path.read_text(encoding="utf-8")), where, None)
    return found


def test_no_builtin_exception_is_raised_outside_pydantic_validators():
    assert builtin_raises() == []
