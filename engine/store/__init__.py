"""The fact store: its ports (``engine.store.ports``: what every backend promises) and the
SQL backend (``engine.store.database.SqlStore``: SQLite by default, PostgreSQL for a team).
The rest of ripeness depends on the ports; only the composition root opens a backend."""

from engine.store.database import SqlStore, shown_url
from engine.store.ports import (
    Bound,
    FactLog,
    Position,
    Replies,
    RulebookVersion,
    RulebookVersions,
    SessionRecord,
    SessionRegistry,
    Store,
    StoredRequest,
    View,
    Writing,
)

__all__ = ["Bound", "FactLog", "Position", "Replies", "RulebookVersion", "RulebookVersions", "SessionRecord", "SessionRegistry",
           "SqlStore", "Store", "StoredRequest", "View", "Writing", "open_store", "shown_url"]


def open_store(url: str, scenario: str, *, several: bool = False) -> SqlStore:
    """The store at a SQLAlchemy URL for a scenario (``StoreError`` if it cannot be opened);
    ``several``: the log may hold other scenarios' sessions too (``SqlStore.scoped``)."""
    return SqlStore(url, scenario, several=several)
