"""How the page writes a time."""

from __future__ import annotations

import datetime as dt


def day(value: dt.datetime | dt.date | None) -> str:
    """A time as an analyst writes it: the date alone at midnight UTC, else to the minute."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    if (value.hour, value.minute, value.second) == (0, 0, 0):
        return value.date().isoformat()
    return value.strftime("%Y-%m-%d %H:%M UTC")
