"""A GDELT file planned as it is read, its rows never kept: each row is checked, merged
with the duplicate reports of its event, and planned (what it counts, which fact it makes)
in batches of a block's rows, in C where it can (``map`` over a batch's columns).  What is
kept: for each event (merge group) the id of the row kept, for each row that matched a rule
where it went (so that it can be taken back), the counts, and the facts the rows make.

The result is what ``plan.wanted_facts`` makes of the file's records (``read_records``),
the same facts in the same order with the same problems: the row kept for an event is the
one with the smallest id even when it comes last (the row kept before is taken back and the
new one planned), an event with a deleted id is deleted even when that id comes last, and a
sum is added up in the order of the rows' lines.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import re
from array import array
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from engine.errors import Problem
from engine.imports.formats import GDELT_LAYOUTS, MERGE_KEY, SPECS, SPLIT, Record, gdelt_batches, line_order, no_cycle_collection, number, parse_day
from engine.imports.mapping import PSEUDO_FIELDS, Mapping
from engine.imports.plan import Wanted, aggregate_all, period_start, row_fact, row_key, tests_of
from engine.rulebook import Rulebook

if TYPE_CHECKING:
    from engine.imports.blocks import Block, Ids

assert MERGE_KEY[0] == SPECS["gdelt"].date  # an event's key begins with its date (see _Taken)
CANONICAL_IDS = re.compile(r"[1-9][0-9]{0,17}(?:\t[1-9][0-9]{0,17})*")  # whole numbers as ``str(int)`` writes them


def read_gdelt_wanted(mapping: Mapping, name: str, stream: IO[bytes], rulebook: Rulebook, deleted: Iterable[str] = (),
                      progress: Callable[[int], None] | None = None) -> Wanted:
    """The facts a GDELT file's rows make under ``mapping`` (rows whose id is in ``deleted``
    make none), read from ``stream`` (named ``name`` in problems)."""
    from engine.imports.blocks import Block, Reader  # pyarrow loaded when a GDELT file is read, not before

    planner = _Planner(mapping, name, rulebook, set(deleted))
    reader = Reader(mapping.reads)
    with no_cycle_collection():
        for batch in gdelt_batches(name, stream, progress, planner.read_problems, SPLIT, reader.each):
            planner.take(batch if isinstance(batch, Block) else _Rows(*batch))
    return planner.finish()


class _SeenIds:
    """The ids of a file's rows, with the line of each, to find an id used twice.  GDELT's
    ids are whole numbers that only grow: while they do, two arrays of 8 bytes a row; from
    the first that does not, a dict."""

    def __init__(self) -> None:
        self.last = 0
        self.ids, self.lines = array("q"), array("q")
        self.by_id: dict[str, int] | None = None

    def add(self, ids: list[str], lines: list[int], ints: Ids | None = None) -> list[tuple[int, int]]:
        """Remember ``ids`` (a batch's, read at ``lines``; ``ints``: the same as numbers, when
        each is known to be a whole number as ``str(int)`` writes it); for each one used
        before: its place in the batch and the line that used it first."""
        if not ids:
            return []
        if self.by_id is None:
            if ints is not None:
                if ints.first > self.last and ints.grow():
                    self.ids.frombytes(ints.packed())
                    self.lines.extend(lines)
                    self.last = ints.last
                    return []
            elif CANONICAL_IDS.fullmatch("\t".join(ids)):
                ints = list(map(int, ids))
                if ints[0] > self.last and all(map(operator.lt, ints, itertools.islice(ints, 1, None))):
                    self.ids.extend(ints)
                    self.lines.extend(lines)
                    self.last = ints[-1]
                    return []
            self.by_id = dict(zip(map(str, self.ids), self.lines))
            self.ids, self.lines = array("q"), array("q")
        by_id = self.by_id
        if by_id.keys().isdisjoint(ids) and len(set(ids)) == len(ids):
            by_id.update(zip(ids, lines))
            return []
        repeated = []
        for k, (rid, line) in enumerate(zip(ids, lines)):
            first = by_id.setdefault(rid, line)
            if first != line:
                repeated.append((k, first))
        return repeated


class _Planner:
    """The plan of a GDELT file's rows, made batch by batch (see the module's docstring)."""

    def __init__(self, mapping: Mapping, name: str, rulebook: Rulebook, gone: set[str]) -> None:
        self.mapping, self.name, self.rulebook, self.gone = mapping, name, rulebook, gone
        self.spec = SPECS["gdelt"]
        self.read_problems: list[tuple[int, Problem]] = []
        self.plan_problems: dict[int, list[tuple[int, Problem]]] = {}  # line -> (rule, problem)
        self.seen_ids = _SeenIds()
        self.groups: dict[str, str | int] = {}  # merge key (its fields joined by tabs) -> id of the row kept (``str(id)``: see take)
        self.deleted_groups: set[str] = set()
        self.deleted_rows: list[str] = []  # ids of deleted rows that merge with none
        self.taken: dict[str, tuple[int, tuple[bool, ...]]] = {}  # id of a row taken that matched a rule -> its line, the aggregating rules it added to
        self.combos: dict[tuple[bool, ...], tuple[bool, ...]] = {}  # each such tuple once
        self.loose: list[str] = []  # ids of rows taken that merge with none
        self.days: Counter[dt.date] = Counter()  # days of the rows taken
        self.row_facts: dict[int, tuple[str, str, dict[str, Any]]] = {}  # line -> key, where, fact
        self.rows = self.merged = self.outside = self.unmatched = 0
        self.rules = [(i, rule, tests_of(rule), rulebook.subjects[rule.subject].kind == "event") for i, rule in enumerate(mapping.rules)]
        self.aggregating = [r for r in self.rules if r[1].aggregate != "none"]
        self.counts: dict[int, Counter] = {i: Counter() for i, rule, _, _ in self.aggregating if rule.sum is None}
        self.sums: dict[int, dict[Any, dict[int, float]]] = {i: {} for i, rule, _, _ in self.aggregating if rule.sum is not None}
        self.starts: dict[str, dict[dt.date, dt.date]] = {}  # period -> day -> the period's start
        # every rule counts rows by what makes them one event (and its actors): a duplicate
        # report counts what the row it merges with counted, so nothing is kept to take it back
        self.by_event = all(rule.aggregate != "none" and rule.sum is None and all(f in MERGE_KEY or f in PSEUDO_FIELDS for f in rule.when)
                            for rule in mapping.rules)

    # --- a batch of rows -------------------------------------------------------------
    def take(self, batch: Block | _Rows) -> None:
        lines, days = batch.lines, batch.days
        ids: list[str] = batch.texts(self.spec.id)  # type: ignore[assignment]
        ints = batch.ints()
        repeated = self.seen_ids.add(ids, lines, ints)
        if repeated:
            for k, first in repeated:
                self.read_problems.append((lines[k], Problem(f"{self.name}:{lines[k]}", self.spec.id,
                                                             f"the id {ids[k]!r} was already used at {self.name}:{first}")))
            keep = [True] * len(batch)
            for k, _ in repeated:
                keep[k] = False
            lines, days, ids = (list(itertools.compress(xs, keep)) for xs in (lines, days, ids))
            batch, ints = _Rows(batch.layout, batch.rows(keep), lines, days), None
        self.rows += len(batch)
        cells = _Columns(self, batch)
        cells.known[self.spec.id] = ids
        if all(c in batch.at for c in MERGE_KEY):
            parts = [cells(c) for c in MERGE_KEY]
            keys: list[str | None] = list(map("\t".join, zip(*parts)))  # type: ignore[arg-type]
            # an event keeps the id of its row as a number where the id is one as str(int)
            # writes it (half the memory of the text, at a million events): read it as str()
            held: list[str] | list[int] = ids if ints is None else ints.values()
            if all(parts[-1]):  # type: ignore[arg-type]
                firsts = list(map(self.groups.setdefault, keys, held))
            else:  # no source URL: never merged
                keys = [key if url else None for key, url in zip(keys, parts[-1])]  # type: ignore[arg-type]
                firsts = [rid if key is None else self.groups.setdefault(key, rid) for key, rid in zip(keys, held)]
            new = list(map(operator.is_, firsts, held))
        else:
            keys, new = [None] * len(batch), [True] * len(batch)
        everyone = all(new)
        self._plan(cells, lines, days, keys, None if everyone else new)
        if not everyone:
            for k in itertools.compress(range(len(batch)), map(operator.not_, new)):
                self._merge(batch, k, lines[k], days[k], ids[k], keys[k])  # type: ignore[arg-type]

    def _merge(self, batch: Block | _Rows, k: int, line: int, day: dt.date, rid: str, key: str) -> None:
        """A duplicate report of an event already read: the event is deleted if its id is,
        and its row kept is the one with the smaller id."""
        self.merged += 1
        kept = str(self.groups[key])
        smaller = (len(rid), rid) < (len(kept), kept)
        if key in self.deleted_groups:
            if smaller:
                self.groups[key] = rid
            return
        if rid in self.gone or smaller:
            row = batch.row(k)
            self._take_back(batch.layout, row, day, kept)
        if smaller:
            self.groups[key] = rid
        if rid in self.gone:
            self.deleted_groups.add(key)
        elif smaller:
            one = _Columns(self, _Rows.one(batch.layout, row))
            one.known[self.spec.id] = [rid]
            self._plan(one, [line], [day], [None], None)

    def _plan(self, cells: _Columns, lines: list[int], days: list[dt.date], keys: list[str | None], mask: list[bool] | None) -> None:
        """Rows kept (for now; those of ``mask``, or all) planned: what each counts, which fact it makes."""
        ids = cells(self.spec.id)
        if self.gone:
            out = list(map(self.gone.__contains__, ids))
            if mask is not None:
                out = list(map(operator.and_, out, mask))
            if any(out):
                for rid, key in itertools.compress(zip(ids, keys), out):
                    if key is None:
                        self.deleted_rows.append(rid)
                    else:
                        self.deleted_groups.add(key)
                mask = list(map(operator.not_, out)) if mask is None else list(map(operator.gt, mask, out))
        since, until = self.mapping.info.from_, self.mapping.info.until
        if since is not None or until is not None:
            inside = [(since is None or day >= since) and (until is None or day < until) for day in days]
            if mask is not None:
                inside = list(map(operator.and_, inside, mask))
            self.outside += (len(days) if mask is None else sum(mask)) - sum(inside)
            mask = inside
        n = len(days) if mask is None else sum(mask)
        if not n:
            return
        self.days.update(days if mask is None else itertools.compress(days, mask))
        if None in keys:
            loose = list(map(operator.is_, keys, itertools.repeat(None)))
            self.loose.extend(itertools.compress(ids, loose if mask is None else map(operator.and_, loose, mask)))
        actors = cells("actor")
        known = list(map(operator.is_not, actors, itertools.repeat(None)))
        size = len(days)
        matched = [False] * size
        made = [False] * size
        added: list[list[bool]] = []
        for i, rule, tests, event in self.rules:
            passed = self._matches(tests, cells, size)
            if passed is not None and mask is not None:
                passed = list(map(operator.and_, passed, mask))
            if passed is None or not any(passed):
                if rule.aggregate != "none":
                    added.append([False] * size)
                continue
            if rule.aggregate == "none":
                if event:
                    passed = list(map(operator.and_, passed, known))
                if any(passed):
                    self._row_facts(i, rule, passed, made, cells, lines, days, ids)
                continue
            matched = list(map(operator.or_, matched, passed))
            starts = self._starts(rule.aggregate, days)
            if rule.sum is None:
                if event:
                    passed = list(map(operator.and_, passed, known))
                    self.counts[i].update(itertools.compress(zip(starts, actors, cells("target")), passed))  # type: ignore[arg-type]
                else:
                    self.counts[i].update(itertools.compress(starts, passed))
                added.append(passed)
            else:
                added.append(self._sums(i, rule.sum, event, passed, starts, lines, actors, cells))
        matched = list(map(operator.or_, matched, made))
        taken = sum(matched)
        self.unmatched += n - taken
        if taken and not self.by_event:
            combos = list(map(self.combos.setdefault, *itertools.tee(zip(*added)))) if added else [()] * size
            self.taken.update(itertools.compress(zip(ids, zip(lines, combos)), matched))

    def _matches(self, tests, column: _Columns, n: int) -> list[bool] | None:
        """Which rows pass a rule's tests (None: none can, the field is not in the rows)."""
        mask: list[bool] | None = None
        for name, codes, prefixes in tests:
            cells = column(name)
            if cells is None:
                return None
            passed = list(map(codes.__contains__, cells))
            if prefixes:
                passed = [p or (c is not None and c.startswith(prefixes)) for p, c in zip(passed, cells)]
            mask = passed if mask is None else list(map(operator.and_, mask, passed))
        return mask if mask is not None else [True] * n

    def _starts(self, period: str, days: list[dt.date]) -> list[dt.date]:
        starts = self.starts.setdefault(period, {})
        for day in set(days).difference(starts):
            starts[day] = period_start(period, day)
        return list(map(starts.__getitem__, days))

    def _sums(self, i: int, field: str, event: bool, mask: list[bool], starts: list[dt.date], lines: list[int],
              actors: list[str | None], column: _Columns) -> list[bool]:
        """A summing rule's amounts, kept by line (added up in the order of the lines at the end)."""
        texts, targets = column(field), column("target")
        sums = self.sums[i]
        added = [False] * len(mask)
        for k in itertools.compress(range(len(mask)), mask):
            if not texts[k]:
                self.plan_problems.setdefault(lines[k], []).append(
                    (i, Problem(f"{self.name}:{lines[k]}", field, f"empty, and the mapping sums {field}: expected a number")))
                continue
            if event and actors[k] is None:
                continue  # a counted event needs who did it, as a row's event does
            bucket = (starts[k], actors[k], targets[k]) if event else starts[k]
            sums.setdefault(bucket, {})[lines[k]] = number(texts[k])
            added[k] = True
        return added

    def _row_facts(self, i: int, rule, mask: list[bool], made: list[bool], cells: _Columns, lines: list[int],
                   days: list[dt.date], ids: list[str]) -> None:
        """The fact each row matching a row rule makes (a row makes one fact at most: its first rule's)."""
        actors, targets = cells("actor"), cells("target")
        for k in itertools.compress(range(len(mask)), mask):
            if made[k]:
                continue
            made[k] = True
            record = Record(ids[k], days[k], cells.batch.at, tuple(cells.batch.row(k)), self.name, lines[k])
            found: list[Problem] = []
            fact = row_fact(self.mapping, rule, record, {"actor": actors[k], "target": targets[k]}, self.rulebook, found)
            if found:
                self.plan_problems.setdefault(lines[k], []).extend((i, p) for p in found)
            if fact is not None:
                self.row_facts[lines[k]] = (row_key(self.mapping, ids[k]), record.where, fact)

    def _take_back(self, layout: tuple[str, ...], row: list[str], day: dt.date, rid: str) -> None:
        """Undo the plan of the row ``rid`` kept for the event of ``row`` (its cells, stripped; the
        two rows share their day and actors)."""
        since, until = self.mapping.info.from_, self.mapping.info.until
        if (since is not None and day < since) or (until is not None and day >= until):
            self.outside -= 1
            return
        self.days[day] -= 1
        if not self.days[day]:
            del self.days[day]
        if self.by_event:
            self._uncount(layout, row, day)
            return
        if rid not in self.taken:
            self.unmatched -= 1
            return
        line, combo = self.taken.pop(rid)
        at = _AT[layout]
        actor = self.mapping.actors.get(row[at[self.spec.actor]])
        target = self.mapping.actors.get(row[at[self.spec.target]])
        for (i, rule, _, event), was in zip(self.aggregating, combo):
            if was:
                start = period_start(rule.aggregate, day)
                bucket = (start, actor, target) if event else start
                if rule.sum is None:
                    self.counts[i][bucket] -= 1
                else:
                    del self.sums[i][bucket][line]
        self.row_facts.pop(line, None)
        self.plan_problems.pop(line, None)

    def _uncount(self, layout: tuple[str, ...], row: list[str], day: dt.date) -> None:
        """Take back what a row counted, found again from a duplicate of it (``by_event``)."""
        one = _Columns(self, _Rows.one(layout, row))
        matched = False
        for i, rule, tests, event in self.aggregating:
            passed = self._matches(tests, one, 1)
            if passed is None or not passed[0]:
                continue
            matched = True
            start = period_start(rule.aggregate, day)
            actor = one("actor")[0]  # type: ignore[index]
            if event and actor is None:
                continue
            self.counts[i][(start, actor, one("target")[0]) if event else start] -= 1  # type: ignore[index]
        if not matched:
            self.unmatched -= 1

    # --- the end of the file ---------------------------------------------------------
    def finish(self) -> Wanted:
        mapping = self.mapping
        wanted = Wanted(problems=line_order(self.read_problems), record_prefix=row_key(mapping, ""))
        for line in sorted(self.plan_problems):
            wanted.problems.extend(p for _, p in sorted(self.plan_problems[line], key=operator.itemgetter(0)))
        for line in sorted(self.row_facts):
            key, where, fact = self.row_facts[line]
            wanted.facts[key] = (where, fact)
        wanted.seen = _Taken(self)
        wanted.deleted = ({row_key(mapping, str(self.groups[key])) for key in self.deleted_groups}
                          | {row_key(mapping, rid) for rid in itertools.chain(self.deleted_rows, self.gone)})
        wanted.rows, wanted.merged, wanted.outside_range, wanted.unmatched = self.rows, self.merged, self.outside, self.unmatched
        buckets: dict[int, dict[Any, float]] = {}
        for i, counts in self.counts.items():
            buckets[i] = {bucket: float(count) for bucket, count in counts.items() if count}
        for i, sums in self.sums.items():
            buckets[i] = {bucket: _added(amounts) for bucket, amounts in sums.items() if amounts}
        days = list(self.days)
        aggregate_all(mapping, buckets, min(days, default=None), max(days, default=None), self.rulebook, wanted)
        return wanted


class _Taken(Container[str]):
    """The ids of the rows taken (in range, not deleted): the row kept of each event and the
    rows that merge with none, gathered when first asked about (a re-import asks; most
    imports do not)."""

    def __init__(self, planner: _Planner) -> None:
        self.planner = planner
        self.ids: set[str] | None = None

    def __contains__(self, rid: object) -> bool:
        if self.ids is None:
            planner = self.planner
            since, until = planner.mapping.info.from_, planner.mapping.info.until
            days: dict[str, bool] = {}  # a date as written -> whether it is taken

            def inside(written: str) -> bool:
                if written not in days:
                    day = parse_day(written)
                    days[written] = day is not None and (since is None or day >= since) and (until is None or day < until)
                return days[written]

            self.ids = set(planner.loose)
            self.ids.update(str(rid) for key, rid in planner.groups.items()
                            if key not in planner.deleted_groups and inside(key[:key.index("\t")]))
        return rid in self.ids


class _Columns:
    """The columns of a batch's rows, each stripped once when first asked for (``actor``,
    ``target``: the scenario's actors the codes are mapped to; None: no such field)."""

    def __init__(self, planner: _Planner, batch: Block | _Rows) -> None:
        self.planner, self.batch = planner, batch
        self.known: dict[str, list[Any] | None] = {}

    def __call__(self, name: str) -> list[Any] | None:
        found = self.known.get(name, self)
        if found is not self:
            return found  # type: ignore[return-value]
        if name in PSEUDO_FIELDS:
            spec = self.planner.spec
            codes = self(spec.actor if name == "actor" else spec.target)
            found = [None] * len(self.batch) if codes is None else list(map(self.planner.mapping.actors.get, codes))
        else:
            found = self.batch.texts(name)
        self.known[name] = found
        return found


_AT = {layout: {name: j for j, name in enumerate(layout)} for layout in GDELT_LAYOUTS.values()}


class _Rows:
    """A batch of rows read the slow way (``formats.gdelt_batches``: each row's first ``SPLIT``
    cells, then the rest of its line), with what ``blocks.Block`` gives of its own."""

    def __init__(self, layout: tuple[str, ...], rows: list[list[str]], lines: list[int], days: list[dt.date]) -> None:
        self.layout, self.at, self.split, self.lines, self.days = layout, _AT[layout], rows, lines, days

    @classmethod
    def one(cls, layout: tuple[str, ...], row: list[str]) -> _Rows:
        """A batch of one row, given whole (its cells), of no line."""
        return cls(layout, [[*row[:SPLIT], "\t".join(row[SPLIT:])]], [0], [])

    def __len__(self) -> int:
        return len(self.split)

    def texts(self, name: str) -> list[str] | None:
        j = self.at.get(name)
        return None if j is None else list(map(str.strip, _cells(self.split, j, len(self.layout))))

    def row(self, k: int) -> list[str]:
        cells = self.split[k]
        return list(map(str.strip, [*cells[:SPLIT], *cells[SPLIT].split("\t")]))

    def rows(self, keep: list[bool]) -> list[list[str]]:
        return list(itertools.compress(self.split, keep))

    def ints(self) -> None:
        return None  # the ids not known to be whole numbers


def _cells(rows: list[list[str]], j: int, width: int) -> Iterator[str]:
    """The cells of column ``j`` of rows split as ``gdelt_batches`` splits them (at most
    ``SPLIT`` cells, then the rest of the line), of ``width`` columns each."""
    if j < SPLIT:
        return map(operator.itemgetter(j), rows)
    rests = map(operator.itemgetter(SPLIT), rows)
    if j == width - 1:
        return map(operator.itemgetter(2), map(operator.methodcaller("rpartition", "\t"), rests))
    return map(operator.itemgetter(j - SPLIT), map(operator.methodcaller("split", "\t"), rests))


def _added(amounts: dict[int, float]) -> float:
    """Amounts added up one after the other in the order of their lines, as a loop over
    the rows adds them (``sum`` of floats compensates its rounding since Python 3.12)."""
    total = 0.0
    for line in sorted(amounts):
        total += amounts[line]
    return total

