"""Switch the debug server on for an unchanged service, from the environment.

``PERFKIT_DEBUG_ADDR=127.0.0.1:6060`` (and ``PERFKIT_DEBUG_TOKEN`` for a non-loopback address,
``PERFKIT_DEBUG_TRACEMALLOC=25`` for heap profiles) plus one of:

* ``python -m perfkit.debug.run app.py [args]`` (or ``-m package.module``): no code change;
* a ``sitecustomize.py`` on the service's path containing
  ``import perfkit.debug.autostart; perfkit.debug.autostart.from_environment()``.

Nothing happens when ``PERFKIT_DEBUG_ADDR`` is unset, so the hook is safe to leave installed.
"""

from __future__ import annotations

import os
import sys

from perfkit.debug import security
from perfkit.debug.server import DebugServer
from perfkit.errors import PerfkitError

ADDR_ENV = "PERFKIT_DEBUG_ADDR"
TRACEMALLOC_ENV = "PERFKIT_DEBUG_TRACEMALLOC"

_started: DebugServer | None = None


def from_environment(environ: dict[str, str] | None = None) -> DebugServer | None:
    """Start the debug server once if ``PERFKIT_DEBUG_ADDR`` is set; print where it listens."""
    global _started
    env = os.environ if environ is None else environ
    address = env.get(ADDR_ENV, "").strip()
    if not address or _started is not None:
        return _started
    frames = env.get(TRACEMALLOC_ENV, "").strip()
    if frames:
        if not frames.isdigit():
            raise PerfkitError(f"{TRACEMALLOC_ENV}={frames!r}: use a number of frames, e.g. 25")
        from perfkit.debug import heap

        heap.enable(int(frames))
    _started = DebugServer(address, token=security.resolve_token(env.get(security.TOKEN_ENV) or None))
    print(f"perfkit.debug: serving {_started.url}/debug/pprof/", file=sys.stderr, flush=True)
    return _started
