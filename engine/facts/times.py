"""Times of facts: ``at`` is when a fact became true in the world, an ISO 8601 date or
datetime; a naive value means UTC, a date means 00:00 UTC that day, between the years 1000 and
8999 (``EARLIEST``, ``LATEST``).  ``Time`` is such a time given from outside (a fact's date, a
fork's, a query's ``as_of``); ``cited_day`` is a fact's day as a citation gives it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

# A verdict reads events back to its time minus the escalation horizon and a timeline looks a
# window past each event, so times near the ends of Python's calendar cannot be worked with.
EARLIEST = dt.datetime(1000, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.timezone.utc)


def to_utc(value: dt.datetime | dt.date) -> dt.datetime:
    """The time in UTC (a naive value is UTC, a date 00:00 UTC); ``ValueError`` for a time
    before ``EARLIEST`` or from ``LATEST`` on."""
    if not isinstance(value, dt.datetime):
        utc = dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    elif value.tzinfo is None:
        utc = value.replace(tzinfo=dt.timezone.utc)
    else:
        try:
            utc = value.astimezone(dt.timezone.utc)
        except OverflowError:  # within hours of datetime.min or max
            utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"{value.isoformat()} is out of range: times run from the year {EARLIEST.year} to {LATEST.year - 1}")
    return utc


TIME_RULE = (f"an ISO 8601 date or datetime from the year {EARLIEST.year} to {LATEST.year - 1}, "
             "such as 2021-03-07 or 2021-03-07T14:30:00Z")
_ISO_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ].*)?", re.DOTALL)


def parse_time(value: Any) -> dt.datetime:
    """An ISO 8601 date or datetime (text, or a ``date``/``datetime``) as UTC; ``ValueError``
    saying what is allowed for anything else, a number of seconds included."""
    if isinstance(value, str) and _ISO_SHAPE.fullmatch(value):
        try:
            value = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, dt.date):
        return to_utc(value)
    raise ValueError(f"expected {TIME_RULE}")


def _time_schema() -> dict[str, Any]:
    # The schema states the range as a pattern on the year: 1001 to 8998, so that a time with
    # any zone offset is in range in UTC too (the server takes the edge years when in range).
    years = "(?:100[1-9]|10[1-9][0-9]|1[1-9][0-9]{2}|[2-7][0-9]{3}|8[0-8][0-9]{2}|89[0-8][0-9]|899[0-8])"
    pattern = f"^{years}-"
    return {"anyOf": [{"type": "string", "format": "date", "pattern": pattern},
                      {"type": "string", "format": "date-time", "pattern": pattern}],
            "description": f"{TIME_RULE[0].upper()}{TIME_RULE[1:]}; no zone means UTC, a date 00:00 UTC that day"}


TIME_SCHEMA = _time_schema()
# A time given from outside: a fact's date, a fork's, a query's as_of.
Time = Annotated[dt.datetime, BeforeValidator(parse_time), WithJsonSchema(TIME_SCHEMA)]


def cited_day(at: dt.datetime, approx: bool = False) -> str:
    """A fact's day as a citation gives it: ``2019-11-19``, or ``about 2019-11-19`` when its
    date is approximate (``approx``)."""
    day = at.date().isoformat()
    return f"about {day}" if approx else day
