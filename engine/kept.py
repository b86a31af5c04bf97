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
    ``keep(objects, plain, work, *args)``: the value kept under them, else ``work(*args)``,
    kept under them (weight 0) and returned: a miss's get and put in one call, its key built
    once.

    Bound: at most ``bound`` entries and, with ``weight_bound``, at most that much weight in
    all (each ``put`` gives its own: the moves its key holds, say).  A ``put`` that would pass
    either first clears every entry: cleared when full, not least recently used, so a hit
    costs one dict lookup and nothing more (what is asked next is nearly always what was just
    worked out, and a clear costs one rebuild).  A bound may be a callable, called at each
    ``put``, so that a module constant changed later applies.

    Every ``Kept`` registers itself: ``forget()`` empties them all.  Lookups and puts are
    single dict operations, safe under the GIL across threads; a put racing a clear loses
    at most its own entry."""

    __slots__ = ("__weakref__", "_bound", "_entries", "_weight", "_weight_bound", "arity", "get", "keep", "name", "put")

    def __init__(self, name: str, bound: int | Callable[[], int], *, arity: int | None,
                 weight_bound: int | Callable[[], int] | None = None):
        self.name, self.arity = name, arity
        self._bound, self._weight_bound = bound, weight_bound
        self._entries: dict[Hashable, tuple[tuple, V]] = {}
        self._weight = 0
        # a closure per arity over the entries and the bound: a lookup unpacks its objects, builds its key tuple and
        # does one dict operation, a put one more comparison (objects of another number fail to unpack: never a key
        # of the wrong shape)
        self.get: Callable[..., V | None]  # (objects, plain=None) -> the value or None
        self.put: Callable[..., V]  # (objects, plain, value, weight=0) -> value
        self.keep: Callable[..., V]  # (objects, plain, work, *args) -> the value kept, else work(*args) kept (weight 0)
        self.get, self.put, self.keep = _methods(self, arity)
        _REGISTERED.add(self)

    def clear(self) -> None:
        self._entries.clear()  # in place: the closures hold this very dict
        self._weight = 0

    def _room(self, weight: int) -> None:
        """Clear the entries if one more of ``weight`` would pass a bound; count the weight."""
        bound, limit = self._bound, self._weight_bound
        if len(self._entries) >= (bound if type(bound) is int else bound()) or (  # type: ignore[operator]
                limit is not None and self._weight + weight > (limit if type(limit) is int else limit())):  # type: ignore[operator]
            self.clear()
        self._weight += weight

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def weight(self) -> int:
        """The weight of the entries kept (each ``put``'s ``weight``), held under ``weight_bound``."""
        return self._weight

    def __repr__(self) -> str:
        return f"Kept({self.name!r}, {len(self._entries)} kept)"


def _methods(cache: Kept, arity: int | None) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    """``cache``'s get and put, each on one key: ``(plain, id(o0), id(o1), ...)``, ``plain`` alone with no objects,
    ``id(o0)`` alone with one object and no plain part (an int: never equal to a tuple).  Closures over the entries
    and the bound, written out per arity: through ``self`` and a helper for the bound, a put cost about twice a
    dict's (``benchmarks.verdict_before_after``, branch h-page21), and a key built from a loop (``map``) about
    three times a written-out tuple.  A bound given as a number is compared as one; a callable is called at each
    put; a cache with a weight bound counts its weight through ``Kept._room``."""
    entries = cache._entries
    find = entries.get
    bound = cache._bound
    weighed = cache._weight_bound is not None
    over: Callable[[], int] = (lambda: bound) if type(bound) is int else bound  # type: ignore[assignment,return-value]

    def store(key: Hashable, objects: tuple, value: Any) -> Any:
        """A miss's value kept under ``key`` as a put of weight 0 keeps it, and returned: every arity's ``keep``
        shares it (a miss has just worked the value out, so the one call more is nothing beside it; ``put`` keeps its
        own lines, on the path the benchmark measured)."""
        if weighed:
            cache._room(0)
        elif len(entries) >= over():
            entries.clear()
        entries[key] = (objects, value)
        return value

    if arity == 0:
        def get(objects: tuple = (), plain: Hashable = None) -> Any:
            () = objects
            found = find(plain)
            return found[1] if found is not None else None

        def put(objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
            () = objects
            if weighed:
                cache._room(weight)
            elif len(entries) >= over():
                entries.clear()
            entries[plain] = ((), value)
            return value

        def keep(objects: tuple, plain: Hashable, work: Callable[..., Any], *args: Any) -> Any:
            () = objects
            key = plain
            found = find(key)
            if found is not None:
                return found[1]
            return store(key, objects, work(*args))
    elif arity == 1:
        def get(objects: tuple, plain: Hashable = None) -> Any:
            (a,) = objects
            found = find(id(a) if plain is None else (plain, id(a)))
            return found[1] if found is not None else None

        def put(objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
            (a,) = objects
            if weighed:
                cache._room(weight)
            elif len(entries) >= over():
                entries.clear()
            entries[id(a) if plain is None else (plain, id(a))] = (objects, value)
            return value

        def keep(objects: tuple, plain: Hashable, work: Callable[..., Any], *args: Any) -> Any:
            (a,) = objects
            key = id(a) if plain is None else (plain, id(a))
            found = find(key)
            if found is not None:
                return found[1]
            return store(key, objects, work(*args))
    elif arity == 2:
        def get(objects: tuple, plain: Hashable = None) -> Any:
            a, b = objects
            found = find((plain, id(a), id(b)))
            return found[1] if found is not None else None

        def put(objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
            a, b = objects
            if weighed:
                cache._room(weight)
            elif len(entries) >= over():
                entries.clear()
            entries[(plain, id(a), id(b))] = (objects, value)
            return value

        def keep(objects: tuple, plain: Hashable, work: Callable[..., Any], *args: Any) -> Any:
            a, b = objects
            key = (plain, id(a), id(b))
            found = find(key)
            if found is not None:
                return found[1]
            return store(key, objects, work(*args))
    elif arity == 3:
        def get(objects: tuple, plain: Hashable = None) -> Any:
            a, b, c = objects
            found = find((plain, id(a), id(b), id(c)))
            return found[1] if found is not None else None

        def put(objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
            a, b, c = objects
            if weighed:
                cache._room(weight)
            elif len(entries) >= over():
                entries.clear()
            entries[(plain, id(a), id(b), id(c))] = (objects, value)
            return value

        def keep(objects: tuple, plain: Hashable, work: Callable[..., Any], *args: Any) -> Any:
            a, b, c = objects
            key = (plain, id(a), id(b), id(c))
            found = find(key)
            if found is not None:
                return found[1]
            return store(key, objects, work(*args))
    elif arity == 4:
        def get(objects: tuple, plain: Hashable = None) -> Any:
            a, b, c, d = objects
            found = find((plain, id(a), id(b), id(c), id(d)))
            return found[1] if found is not None else None

        def put(objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
            a, b, c, d = objects
            if weighed:
                cache._room(weight)
            elif len(entries) >= over():
                entries.clear()
            entries[(plain, id(a), id(b), id(c), id(d))] = (objects, value)
            return value

        def keep(objects: tuple, plain: Hashable, work: Callable[..., Any], *args: Any) -> Any:
            a, b, c, d = objects
            key = (plain, id(a), id(b), id(c), id(d))
            found = find(key)
            if found is not None:
                return found[1]
            return store(key, objects, work(*args))
    else:  # any number: the same keys as the fixed arities' but for one object and no plain part
        def get(objects: tuple, plain: Hashable = None) -> Any:
            found = find(_key(objects, plain))
            return found[1] if found is not None else None

        def put(objects: tuple, plain: Hashable, value: Any, weight: int = 0) -> Any:
            if weighed:
                cache._room(weight)
            elif len(entries) >= over():
                entries.clear()
            entries[_key(objects, plain)] = (objects, value)
            return value

        def keep(objects: tuple, plain: Hashable, work: Callable[..., Any], *args: Any) -> Any:
            key = _key(objects, plain)
            found = find(key)
            if found is not None:
                return found[1]
            return store(key, objects, work(*args))
    return get, put, keep


def _key(objects: tuple, plain: Hashable) -> tuple:
    """The key of a cache of any arity: ``(plain, id(o0), id(o1), ...)``, written out up to four objects."""
    n = len(objects)
    if n == 2:
        a, b = objects
        return (plain, id(a), id(b))
    if n == 1:
        return (plain, id(objects[0]))
    if n == 3:
        a, b, c = objects
        return (plain, id(a), id(b), id(c))
    return (plain, *map(id, objects))


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
