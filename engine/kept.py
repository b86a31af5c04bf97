"""Parts of earlier answers kept for the next ones, under one promise.

The analysis keeps what it worked out from one verdict to the next (a timeline's verdicts,
a reply's two, a verdict as of another day share most of their inputs), each part on a
frozen snapshot of what it read: the very objects it read (kept objects: rulebooks, blocks,
citations, never changed once made) and plain values.  ``Kept`` is that cache; ``Last``
holds the one thing a step works from by difference (the last model built).  Both register
themselves, so ``forget()`` empties every one of them (``analysis.forget``), and
``registered()`` lists them.
"""

from __future__ import annotations

import types
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["Kept", "Last", "forget", "registered"]

V = TypeVar("V")

_REGISTERED: weakref.WeakSet = weakref.WeakSet()  # every Kept and Last made, held weakly (a test's own go with it)


class Kept(Generic[V]):
    """Values kept on a key of ``objects`` (by identity) and a ``plain`` part (by equality).

    Promise: ``get(objects, plain)`` gives back the value last ``put`` under
    ``(objects, plain)`` only when every object of ``objects`` is the very same object
    (``is``) as the one in that place when it was put, and ``plain`` is equal (``==``, the
    same hash); else None.  An object equal to a key's object but not the same one makes
    another key.  Each entry holds its objects, so none of them is collected while it is
    kept and its ``id`` given to another: an id in a key stands for that one object, and a
    lookup need not compare the objects again.  The key is a snapshot of what the value was
    worked out from when the caller names all of it: the objects read (frozen, or never
    changed once made) and the plain values read.  ``objects`` has the cache's ``arity``
    (its number of objects, fixed when made: the key is built without a loop; None for any
    number, a little slower); objects of another number fail to unpack (``ValueError``).

    ``get(objects, plain=None)``: the value kept under ``objects`` and ``plain``, or None.
    ``put(objects, plain, value, weight=0)``: ``value``, kept under them (and returned).

    Bound: at most ``bound`` entries and, with ``weight_bound``, at most that much weight in
    all (each ``put`` gives its own: the moves its key holds, say).  A ``put`` that would pass
    either first clears every entry: cleared when full, not least recently used, so a hit
    costs one dict lookup and nothing more (what is asked next is nearly always what was just
    worked out, and a clear costs one rebuild).  A bound may be a callable, called at each
    ``put``, so that a module constant changed later applies.

    Every ``Kept`` registers itself: ``forget()`` empties them all.  Lookups and puts are
    single dict operations, safe under the GIL across threads; a put racing a clear loses
    at most its own entry."""

    __slots__ = ("__weakref__", "_bound", "_entries", "_weight", "_weight_bound", "arity", "get", "name", "put")

    def __init__(self, name: str, bound: int | Callable[[], int], *, arity: int | None,
                 weight_bound: int | Callable[[], int] | None = None):
        self.name, self.arity = name, arity
        self._bound, self._weight_bound = bound, weight_bound
        self._entries: dict[Hashable, tuple[tuple, V]] = {}
        self._weight = 0
        get, put = _BY_ARITY.get(arity, (_get_any, _put_any))
        # plain functions per arity, bound here, so that a lookup unpacks its objects, builds its key tuple and does
        # nothing else (objects of another number fail to unpack: never a key of the wrong shape)
        self.get: Callable[..., V | None] = types.MethodType(get, self)  # (objects, plain=None) -> the value or None
        self.put: Callable[..., V] = types.MethodType(put, self)  # (objects, plain, value, weight=0) -> value
        _REGISTERED.add(self)

    def clear(self) -> None:
        self._entries.clear()
        self._weight = 0

    def _room(self, weight: int) -> dict:
        """The entries, cleared if one more of ``weight`` would pass a bound; the weight counted."""
        bound, limit = self._bound, self._weight_bound
        if len(self._entries) >= (bound if type(bound) is int else bound()) or (  # type: ignore[operator]
                limit is not None and self._weight + weight > (limit if type(limit) is int else limit())):  # type: ignore[operator]
            self.clear()
        self._weight += weight
        return self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Kept({self.name!r}, {len(self._entries)} kept)"


# ``Kept.get`` and ``Kept.put`` per arity, each pair on one key: ``(plain, id(o0), id(o1), ...)``, ``plain`` alone
# with no objects, ``id(o0)`` alone with one object and no plain part.  Written out per arity: a key built from a loop (``map``) cost about three times as much.
def _get_any(self: Kept, objects: tuple, plain: Hashable = None) -> Any:
    found = self._entries.get((plain, *map(id, objects)))
    return found[1] if found is not None else None


def _put_any(self: Kept, objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
    self._room(weight)[(plain, *map(id, objects))] = (objects, value)
    return value


def _get0(self: Kept, objects: tuple = (), plain: Hashable = None) -> Any:
    () = objects
    found = self._entries.get(plain)
    return found[1] if found is not None else None


def _put0(self: Kept, objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
    () = objects
    self._room(weight)[plain] = ((), value)
    return value


def _get1(self: Kept, objects: tuple, plain: Hashable = None) -> Any:
    (a,) = objects
    found = self._entries.get(id(a) if plain is None else (plain, id(a)))  # the id alone: never equal to a tuple
    return found[1] if found is not None else None


def _put1(self: Kept, objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
    (a,) = objects
    self._room(weight)[id(a) if plain is None else (plain, id(a))] = (objects, value)
    return value


def _get2(self: Kept, objects: tuple, plain: Hashable = None) -> Any:
    a, b = objects
    found = self._entries.get((plain, id(a), id(b)))
    return found[1] if found is not None else None


def _put2(self: Kept, objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
    a, b = objects
    self._room(weight)[(plain, id(a), id(b))] = (objects, value)
    return value


def _get3(self: Kept, objects: tuple, plain: Hashable = None) -> Any:
    a, b, c = objects
    found = self._entries.get((plain, id(a), id(b), id(c)))
    return found[1] if found is not None else None


def _put3(self: Kept, objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
    a, b, c = objects
    self._room(weight)[(plain, id(a), id(b), id(c))] = (objects, value)
    return value


def _get4(self: Kept, objects: tuple, plain: Hashable = None) -> Any:
    a, b, c, d = objects
    found = self._entries.get((plain, id(a), id(b), id(c), id(d)))
    return found[1] if found is not None else None


def _put4(self: Kept, objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
    a, b, c, d = objects
    self._room(weight)[(plain, id(a), id(b), id(c), id(d))] = (objects, value)
    return value


_BY_ARITY = {0: (_get0, _put0), 1: (_get1, _put1), 2: (_get2, _put2), 3: (_get3, _put3), 4: (_get4, _put4)}


class Last(list):
    """The one value a step works from by difference (the last model built, the last wait
    graph with its components), as ``last[0]``: None when there is none.  What it holds
    changes how much is worked out again, never an answer.  It registers itself, so
    ``forget()`` sets it to None."""

    def __init__(self, name: str):
        super().__init__([None])
        self.name = name
        _REGISTERED.add(self)

    def clear(self) -> None:  # type: ignore[override]  # emptied, it keeps its one place
        self[0] = None

    def __len__(self) -> int:
        """1 while it holds a value, else 0 (how many values are kept, as ``Kept``'s)."""
        return int(self[0] is not None)

    __hash__ = object.__hash__  # in the registry's WeakSet (a list is not hashable)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __repr__(self) -> str:
        return f"Last({self.name!r}, {'set' if self[0] is not None else 'empty'})"


def registered() -> list[Kept | Last]:
    """Every cache alive, by name."""
    return sorted(_REGISTERED, key=lambda k: k.name)


def forget() -> None:
    """Empty every registered cache: what is worked out next is worked out from nothing kept."""
    for kept in list(_REGISTERED):
        kept.clear()
