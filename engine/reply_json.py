"""A fact POST's reply as JSON (``engine.sessions.Recorded``), made from parts kept from the
replies before it: the same text as ``Recorded.model_dump_json()``, for less work.

A verdict is a frozen model whose parts are shared with the verdicts before it: a verdict
asked again with nothing it reads changed is the kept one with a new time
(``Analyst.verdict``: a copy holding the same objects), and a reply's ``verdict_then``
takes its goals, stances, cycles, refusals, openings and concessions from the verdict now
(``Analyst.verdict_beside``).  So each field of a verdict is written out as JSON on its own,
by pydantic, and kept with the very object it was written from: a later verdict holding that
same object (``is``, never equality or a key of ours) takes the kept text.  A field that is
a list of models and was not kept whole (a new list, as a verdict worked out again has)
is written item by item the same way: most of its items are the very objects of the
verdicts before it (``explain.kept_part``, citations), and pydantic writes a list of models
as each model's own text between commas.  The kept objects are held, so none of them is
collected and its identity given to another; verdicts are frozen and nothing changes a list
of theirs once made, so a kept text stays true.

A whole reply may be written ahead (``write_ahead``: a fact POST's, in the thread that works
out its verdicts while its commit waits, ``engine.sessions``): its text is then kept with the
reply itself, by identity, and ``reply_json`` of that very reply (the API's response, the
idempotent reply saved) takes it, written once.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import typing
from typing import Any

from pydantic import BaseModel

from engine.errors import Misuse
from engine.kept import Kept
from engine.verdict import Verdict

KEEP = 8  # texts kept per field: the verdicts now and then of a few sessions written in turn
KEEP_ITEMS = 4096  # texts kept of the items of list fields, all fields together (``FieldJson``)
KEEP_AHEAD = 128  # whole replies written ahead and kept until taken: two lanes' groups of POSTs (``api.lanes.MAX_GROUP``)


@functools.cache
def _plain(model: type[BaseModel]) -> bool:
    """Whether a model's JSON is its fields' one after another, each under its name."""
    return not model.model_computed_fields and not any(f.alias or f.serialization_alias for f in model.model_fields.values())


class FieldJson:
    """The JSON of models of one class (UTF-8 bytes), field by field, each field's text kept
    with its value (the latest ``keep`` values of each field)."""

    def __init__(self, model: type[BaseModel], keep: int = KEEP):
        if not _plain(model):
            raise Misuse(f"{model.__name__} has computed fields or aliases: its JSON is not its fields' one by one")
        self._model = model
        self._names = list(model.model_fields)
        self._kept: dict[str, list[tuple[Any, bytes]]] = {name: [] for name in self._names}
        self._keep = keep
        # the fields that are lists of plain models: name -> (the model class, b'"name":')
        self._lists = {name: (item, json.dumps(name).encode() + b":") for name, item in
                       ((name, _list_item(f.annotation)) for name, f in model.model_fields.items()) if item is not None}
        self._items: Kept[bytes] = Kept(f"reply_json.items.{model.__name__}", KEEP_ITEMS, arity=1)  # an item -> its text
        self._lock = threading.Lock()

    def __call__(self, model: BaseModel) -> bytes:
        if type(model) is not self._model:
            return _json(model)
        return b"{" + b",".join(self.parts(model)) + b"}"

    def parts(self, model: BaseModel) -> list[bytes]:
        """Each field of ``model`` (of this class) as ``b'"name":...'``, in order: the text
        kept with its value, or written now and kept."""
        values = model.__dict__
        parts = []
        with self._lock:
            for name in self._names:
                value, kept = values[name], self._kept[name]
                for old, found in kept:
                    if old is value:
                        text = found
                        break
                else:
                    text = self._list(name, value) if name in self._lists else None
                    if text is None:
                        text = _json(model, {name})[1:-1]  # b'"name":...'
                    kept.insert(0, (value, text))
                    del kept[self._keep:]
                parts.append(text)
        return parts

    def _list(self, name: str, items: Any) -> bytes | None:
        """``b'"name":[...]'`` of a list of models, each item's text the one kept with that very
        item (or written now and kept); None if some item is not of the field's model class
        (pydantic would write it as that class: left to pydantic)."""
        cls, head = self._lists[name]
        if type(items) is not list or any(type(item) is not cls for item in items):
            return None
        kept, texts = self._items, []
        for item in items:
            found = kept.get((item,))
            texts.append(found if found is not None else kept.put((item,), None, _json(item)))
        return head + b"[" + b",".join(texts) + b"]"


def _list_item(annotation: Any) -> type[BaseModel] | None:
    """The model class of a field annotated ``list[Model]`` (a plain model: its JSON is its
    own fields'), else None."""
    if typing.get_origin(annotation) is not list:
        return None
    [item] = typing.get_args(annotation)
    return item if isinstance(item, type) and issubclass(item, BaseModel) and _plain(item) else None


_verdicts = FieldJson(Verdict)


def _json(model: BaseModel, include: set[str] | None = None) -> bytes:
    """``model.model_dump_json(include=include)`` as the UTF-8 bytes pydantic writes first."""
    return model.__pydantic_serializer__.to_json(model, include=include)


def verdict_json(verdict: Verdict) -> bytes:
    """``verdict.model_dump_json()`` (as UTF-8 bytes), from the texts kept of the verdicts before it."""
    return _verdicts(verdict)


_SUBJECT = b'"subject":'  # outside a string only a key is a quoted word followed by ":" (inside one, quotes are escaped)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string, from its opening quote


def cited_subjects(verdict: Verdict) -> frozenset[str]:
    """The subjects of every fact ``verdict`` cites (each ``FactRef``, wherever it is), read
    off its JSON (``verdict_json``): the value of every ``subject`` key, of any object (a few
    other objects have one too).  Each field's text is read once (most are kept from the
    verdicts before, ``FieldJson``)."""
    found: set[str] = set()
    for part in _verdicts.parts(verdict):
        found |= _subjects_in(part)
    return frozenset(found)


_SCANNED: Kept[frozenset[str]] = Kept("reply_json.scanned", KEEP_ITEMS, arity=1)  # a part's text -> its subjects


def _subjects_in(text: bytes) -> frozenset[str]:
    """The values of the ``subject`` keys in a part of a verdict's JSON, kept with that text."""
    kept = _SCANNED.get((text,))
    if kept is None:
        found, at = set(), text.find(_SUBJECT)
        while at >= 0:
            value = _STRING.match(text, at + len(_SUBJECT))
            if value is not None:
                found.add(value.group())
            at = text.find(_SUBJECT, at + len(_SUBJECT))
        kept = _SCANNED.put((text,), None, frozenset(json.loads(t) if b"\\" in t else t[1:-1].decode() for t in found))
    return kept


_ahead: dict[int, tuple[BaseModel, bytes]] = {}  # id(reply) -> the reply (held: its id stays its own) and its text
_ahead_lock = threading.Lock()


def write_ahead(reply: BaseModel) -> bytes:
    """``reply_json(reply)``, kept with ``reply`` (by identity, the latest ``KEEP_AHEAD``) for
    the ``reply_json`` or ``take_json`` of that very object: a reply must not be changed once
    written ahead."""
    text = _reply_json(reply)
    with _ahead_lock:
        _ahead[id(reply)] = (reply, text)
        while len(_ahead) > KEEP_AHEAD:
            del _ahead[next(iter(_ahead))]  # the oldest
    return text


def take_json(reply: BaseModel) -> bytes:
    """``reply_json(reply)``, its text written ahead then forgotten (the response sent)."""
    return _written(reply, take=True)


def reply_json(reply: BaseModel) -> bytes:
    """``reply.model_dump_json()`` (as UTF-8 bytes) for a model whose verdicts (fields holding
    a ``Verdict``) are written by ``verdict_json``; the text written ahead for this very
    reply, if it was (``write_ahead``)."""
    return _written(reply, take=False)


def _written(reply: BaseModel, take: bool) -> bytes:
    """The text written ahead for this very reply (forgotten with ``take``), else written now."""
    with _ahead_lock:
        kept = _ahead.pop(id(reply), None) if take else _ahead.get(id(reply))
    return kept[1] if kept is not None and kept[0] is reply else _reply_json(reply)


def _reply_json(reply: BaseModel) -> bytes:
    """The reply's text joined once from its pieces: each verdict's kept parts go in as they
    are (not joined into the verdict's text first, then copied into the reply's: a
    reply of 40 KB was copied five times)."""
    if not _plain(type(reply)):
        return _json(reply)
    parts: list[list[bytes]] = []  # the reply's fields, each as the pieces of its text
    plain: set[str] = set()
    for name in type(reply).model_fields:
        value = reply.__dict__[name]
        if isinstance(value, Verdict):
            if plain:
                parts.append([_json(reply, plain)[1:-1]])
                plain = set()
            head = json.dumps(name).encode() + b":"
            if type(value) is Verdict:
                fields = _verdicts.parts(value)
                pieces = [b","] * (2 * len(fields) + 1)
                pieces[0], pieces[1::2], pieces[-1] = head + b"{", fields, b"}"
                parts.append(pieces)
            else:
                parts.append([head, _json(value)])
        else:
            plain.add(name)
    if plain:
        parts.append([_json(reply, plain)[1:-1]])
    out = [b"{"]
    for i, pieces in enumerate(parts):
        if i:
            out.append(b",")
        out += pieces
    out.append(b"}")
    return b"".join(out)
