"""The replies to idempotent requests in SQL (``engine.store.ports.Replies``)."""

from __future__ import annotations

import json
import threading

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from engine.store.ports import StoredRequest
from engine.store.schema import requests


class SqlReplies:
    def __init__(self, engine: Engine, write: threading.Lock):
        self._engine, self._write = engine, write

    def request(self, session_id: int, key: str) -> StoredRequest | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(requests).where(requests.c.session_id == session_id, requests.c.key == key)).first()
        return StoredRequest(row.body_hash, json.loads(row.seqs), row.reply) if row else None

    def save_reply(self, session_id: int, key: str, reply: str) -> None:
        with self._write, self._engine.begin() as conn:
            conn.execute(update(requests).where(requests.c.session_id == session_id, requests.c.key == key).values(reply=reply))
