"""The check of the change of a verdict's escalation shape (branch h-events5): every output
``benchmarks.outputs`` covers, with each chain's event ids (and a stalemate's) replaced by the
events they name and the chains' new fields (``first_at``, ``last_at``) left out, must be the
JSON of before, where chains cited their events whole.

    git archive BASE | tar -x -C /tmp/base && cp benchmarks/chain_ids.py /tmp/base/benchmarks/
    (cd /tmp/base && /path/to/.venv/bin/python -m benchmarks.chain_ids) > before.txt
    .venv/bin/python -m benchmarks.chain_ids > after.txt
    diff before.txt after.txt                               # nothing: the same outputs

Each payload is read back and written again with sorted keys (on both sides, so that the
two compare), and digested as ``benchmarks.outputs`` digests it.  On the code before the
change the expansion finds whole events and leaves them as they are.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from benchmarks import outputs


def expanded(value: Any) -> Any:
    """``value`` (read JSON) with every verdict's chains and stalemates citing whole events."""
    if isinstance(value, list):
        return [expanded(v) for v in value]
    if not isinstance(value, dict):
        return value
    value = {k: expanded(v) for k, v in value.items()}
    if "escalation_chains" in value and "escalation_events" in value:
        cited = {e["id"]: e for e in value["escalation_events"]}
        for chain in value["escalation_chains"]:
            chain["events"] = [cited[e] if isinstance(e, str) else e for e in chain["events"]]
            chain.pop("first_at", None)
            chain.pop("last_at", None)
        for ripe in value.get("ripeness") or ():
            stalemate = ripe["stalemate"]
            stalemate["escalation"] = [cited[e] if isinstance(e, str) else e for e in stalemate["escalation"]]
    return value


def main() -> int:
    digest = outputs.digest

    def normalised(name: str, payload: str) -> str:
        try:
            read = json.loads(payload)
        except ValueError:
            return digest(name, payload)
        return digest(name, json.dumps(expanded(read), sort_keys=True))

    outputs.digest = normalised
    return outputs.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
