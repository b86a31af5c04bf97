"""Entry point of a measurement's own process: ``python -m benchmarks.child module:function JSON``.
Prints the function's JSON result on a line starting with ``BENCH-RESULT``."""

from __future__ import annotations

import importlib
import json
import sys
import warnings

from benchmarks.common import RESULT_TAG


def main(argv: list[str]) -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # durable-rules on 3.12+, in every action
    target, kwargs = argv[0], json.loads(argv[1])
    module, function = target.split(":")
    result = getattr(importlib.import_module(f"benchmarks.{module}"), function)(**kwargs)
    sys.stdout.write(RESULT_TAG + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
