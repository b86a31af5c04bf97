"""``engine.kept``: a kept value is given back only for the very same objects and equal plain
parts, the bound holds, and ``forget`` leaves nothing kept anywhere (also after a verdict)."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import kept
from engine.kept import Kept, Last


class Thing:
    """An object equal to every copy of it (what a frozen model is), never the same one."""

    def __init__(self, n: int):
        self.n = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Thing) and other.n == self.n

    def __hash__(self) -> int:
        return hash(self.n)


# a key: which of a few objects (by place in a pool), and a plain part
keys = st.tuples(st.lists(st.integers(0, 3), min_size=2, max_size=2), st.one_of(st.none(), st.integers(0, 2), st.text(max_size=2)))


@settings(max_examples=200, deadline=None)
@given(puts=st.lists(keys, max_size=40), asked=st.lists(keys, max_size=20), bound=st.integers(1, 8), arity=st.sampled_from([2, None]))
def test_a_value_comes_back_only_for_the_same_objects_and_equal_plain_parts(puts, asked, bound, arity):
    pool = [Thing(n % 2) for n in range(4)]  # pairs of equal objects: 0 == 2, 1 == 3, none the same
    cache: Kept[int] = Kept("test.same", bound, arity=arity)
    model: dict = {}  # what a cache cleared when full must hold
    for i, (places, plain) in enumerate(puts):
        if len(model) >= bound:
            model.clear()
        model[(tuple(places), plain)] = i
        cache.put(tuple(pool[p] for p in places), plain, i)
        assert len(cache) == len(model) <= bound
    for places, plain in [*puts, *asked]:
        assert cache.get(tuple(pool[p] for p in places), plain) == model.get((tuple(places), plain))
        # an equal copy of each object is another key
        assert cache.get(tuple(copy.copy(pool[p]) for p in places), plain) is None


@settings(max_examples=200, deadline=None)
@given(asked=st.lists(st.tuples(keys, st.booleans()), max_size=60), bound=st.integers(1, 8), arity=st.sampled_from([0, 1, 2, None]))
def test_keep_gives_what_a_fresh_computation_gives(asked, bound, arity):
    """``keep`` (a miss's get and put in one call) gives at every step what the work gives
    worked out afresh, works it out only on a miss (else the value kept, the very object),
    and keeps what ``put`` keeps: ``get`` finds it, under the same bound."""
    pool = [Thing(n % 2) for n in range(4)]
    cache: Kept[tuple] = Kept("test.keep", bound, arity=arity)
    model: dict = {}  # what a cache cleared when full must hold
    for (places, plain), by_put in asked:
        places = tuple(places[:arity] if arity is not None else places)
        objects = tuple(pool[p] for p in places)
        first = pool[places[0]].n if places else None
        fresh = (places, plain, first)  # what the work reads: the objects' places, the plain part
        worked: list = []

        def work(*args, worked=worked, first=first):
            worked.append(args)
            return (*args, first)

        if by_put:  # a put among keeps, as callers mix them
            if len(model) >= bound:
                model.clear()
            model[(places, plain)] = cache.put(objects, plain, fresh)
            continue
        kept = model.get((places, plain))
        got = cache.keep(objects, plain, work, places, plain)
        assert got == fresh
        assert worked == ([] if kept is not None else [(places, plain)])
        if kept is not None:
            assert got is kept
        else:
            if len(model) >= bound:
                model.clear()
            model[(places, plain)] = got
        assert cache.get(objects, plain) is got and len(cache) == len(model) <= bound


@settings(max_examples=100, deadline=None)
@given(weights=st.lists(st.integers(0, 5), max_size=30), limit=st.integers(5, 12))
def test_the_weight_bound_holds(weights, limit):
    cache: Kept[int] = Kept("test.weight", 1000, arity=1, weight_bound=lambda: limit)
    held = []
    for i, w in enumerate(weights):
        held.append(Thing(i))
        cache.put((held[-1],), None, i, weight=w)
        assert cache.weight <= limit or len(cache) == 1  # one put heavier than the bound is kept alone
        assert cache.get((held[-1],)) == i


def test_an_entry_holds_its_objects_so_an_id_is_never_another_s():
    cache: Kept[str] = Kept("test.held", 10, arity=1)
    cache.put((Thing(1),), "p", "kept")  # the only reference is the cache's
    for n in range(1000):  # new objects, some of which would take a freed id
        assert cache.get((Thing(1),), "p") is None, n


@given(st.lists(st.integers(0, 20), max_size=10))
def test_forget_empties_every_registered_cache(sizes):
    caches = [Kept(f"test.forget{i}", 100, arity=1) for i in range(len(sizes))]
    last = Last("test.last")
    last[0] = 1
    held = [[Thing(j) for j in range(n)] for n in sizes]
    for cache, things in zip(caches, held):
        for t in things:
            cache.put((t,), None, t.n)
    kept.forget()
    assert all(len(c) == 0 for c in kept.registered())
    assert last[0] is None and all(c.get((t,)) is None for c, things in zip(caches, held) for t in things)


def test_analysis_forget_leaves_no_cache_holding_anything(seed):
    """After a verdict and a timeline every analysis cache holds something; ``analysis.forget``
    empties every one registered (no list of them to keep by hand)."""
    import datetime as dt

    from engine import reply_json
    from engine.analysis import forget

    reply_json.verdict_json(seed.verdict())
    seed.timeline()
    seed.verdict(dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
    names = {c.name for c in kept.registered() if len(c)}
    assert {"analysis.models", "explain.cited", "model.blocks", "ripeness.parties"} <= names, names
    forget()
    assert [c for c in kept.registered() if len(c)] == []
