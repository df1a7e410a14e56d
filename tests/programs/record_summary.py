"""Record a command with a perfkit backend and print a JSON summary: a driver for tests that
need perfkit in its own process (to send it Ctrl-C the way a terminal does).

Usage: ``python record_summary.py BACKEND [--duration S] -- COMMAND...``
"""

import json
import sys

from perfkit.collectors import RecordOptions, record
from perfkit.errors import PerfkitError


def main() -> int:
    backend, rest = sys.argv[1], sys.argv[2:]
    duration = None
    if rest[:1] == ["--duration"]:
        duration, rest = float(rest[1]), rest[2:]
    command = rest[rest.index("--") + 1 :]
    try:
        profile = record(command, backend, RecordOptions(duration=duration))
    except PerfkitError as exc:
        print(json.dumps({"error": str(exc)}))
        return exc.exit_code
    functions: dict[str, int] = {}
    for stack, value in profile.iter_stacks():
        for name in {profile.frames[f].function for f in stack}:
            functions[name] = functions.get(name, 0) + value
    keep = ("interrupted", "exit_code", "duration_ns", "stopped_by_duration", "partial")
    print(
        json.dumps(
            {
                "types": [str(t) for t in profile.sample_types],
                "total": profile.total(),
                "functions": functions,
                "metadata": {k: profile.metadata.get(k) for k in keep},
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
