"""Every exception ripeness raises on purpose belongs to the one tree of ``engine.errors``
and is drawn in its diagram, so a caller can catch ``RipenessError`` and a reader finds
every kind of failure in one place."""

from __future__ import annotations

import importlib
import inspect
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
