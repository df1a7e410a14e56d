"""Run every case of ``cases.py`` in this process under the detector; one JSON line per case.

Started as ``python run.py harness.py`` with the detector's environment (see test_gocases):
a case "reported" when a report was printed while it ran.
"""

from __future__ import annotations

import asyncio
import json
import sys

import cases
import gocompat

report = sys.modules["perfkit.race.report"]


def main() -> None:
    only = set(sys.argv[1:])
    for name, fn in list(vars(cases).items()):
        if not name.startswith(("race_", "norace_")) or (only and name not in only):
            continue
        before = len(report.REPORTS)
        result = fn()
        if asyncio.iscoroutine(result):
            asyncio.run(result)
        gocompat.join_all()
        print(json.dumps({"case": name, "reported": len(report.REPORTS) > before}), flush=True)


main()
