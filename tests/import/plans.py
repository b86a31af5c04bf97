"""What a GDELT file plans the two ways it can be read: its records through ``read_records``
and the plan, or planned as it is read (``read_wanted``): the tests hold them to each other."""

from __future__ import annotations

import io

from engine.errors import SourceRowError
from engine.imports import parse_mapping, plan_import, read_records, read_wanted
from ripeness.bootstrap import Scenario


def both(mapping_text: str, data: bytes, docks: Scenario, deleted: set[str], skip_bad: bool):
    """What the two ways plan: (items, report) or the problems of the error raised, for each."""
    mapping = parse_mapping(mapping_text, "mapping.yaml", docks.rulebook)
    outcomes = []
    for streamed in (False, True):
        try:
            if streamed:
                planned = read_wanted(mapping, "events.tsv", io.BytesIO(data), docks.rulebook, deleted=deleted)
                outcomes.append(plan_import(mapping, planned, docks.rulebook, skip_bad=skip_bad))
            else:
                read = read_records("gdelt", "events.tsv", io.BytesIO(data), keep=mapping.reads)
                outcomes.append(plan_import(mapping, read, docks.rulebook, deleted=deleted, skip_bad=skip_bad))
        except SourceRowError as exc:
            outcomes.append([str(p) for p in exc.problems])
    return outcomes
