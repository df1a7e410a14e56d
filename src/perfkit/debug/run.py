"""``python -m perfkit.debug.run [-m module | script.py] [args...]``: run a program unchanged
with the debug server on (address from ``PERFKIT_DEBUG_ADDR``, default 127.0.0.1:6060).
"""

from __future__ import annotations

import os
import runpy
import sys

from perfkit.debug import autostart
from perfkit.errors import PerfkitError

USAGE = "usage: PERFKIT_DEBUG_ADDR=127.0.0.1:6060 python -m perfkit.debug.run (script.py | -m module) [args...]"


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        raise SystemExit(2 if not argv else 0)
    if argv[0] == "-m" and len(argv) < 2:
        print(USAGE, file=sys.stderr)
        raise SystemExit(2)
    if argv[0] != "-m" and not os.path.isfile(argv[0]):
        print(f"perfkit: {argv[0]}: no such script; check the path", file=sys.stderr)
        raise SystemExit(2)
    env = dict(os.environ)
    env.setdefault(autostart.ADDR_ENV, "127.0.0.1:6060")
    try:
        autostart.from_environment(env)
    except PerfkitError as exc:
        print(f"perfkit: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    if argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    script = argv[0]
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
