"""Facts: "subject had value V from time ``at``" (states) and one-off events, each with its
source.  Facts may arrive late and out of order, and may be dated after now (the API warns of
those).

One module a concept:

    times     when a fact holds: ``Time``, ``to_utc``, the range ``EARLIEST``..``LATEST``, ``cited_day``
    inputs    ``FactInput``, a fact as it arrives from outside, checked field by field
    fact      ``Fact``, a recorded fact (id, recording order), and ``ResolvedFact``, an input resolved against the rulebook
    resolve   ``parse_inputs`` and ``recheck``: inputs checked against the rulebook, all or nothing
    files     ``read_fact_file``: a ``.jsonl`` or ``.yaml`` fact file, read whole

Import from ``engine.facts``; the modules are its parts, not its surface.
"""

from __future__ import annotations

from engine.facts.fact import Fact, ResolvedFact, facts_by_field
from engine.facts.files import MAX_JSONL_BYTES, read_fact_file, read_fact_items
from engine.facts.inputs import MAX_TEXT_VALUE, Confidence, FactInput, admitted, text
from engine.facts.resolve import dated_after, parse_inputs, recheck
from engine.facts.times import EARLIEST, LATEST, Time, cited_day, to_utc

__all__ = [
    "EARLIEST", "LATEST", "MAX_JSONL_BYTES", "MAX_TEXT_VALUE", "Confidence", "Fact", "FactInput", "ResolvedFact", "Time",
    "admitted", "cited_day", "dated_after", "facts_by_field", "parse_inputs", "read_fact_file", "read_fact_items",
    "recheck", "text", "to_utc",
]
