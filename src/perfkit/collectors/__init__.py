"""Collectors: each runs one profiling tool for real and reads its output into a Profile.

A collector module defines ``NAME`` and ``record(command, options) -> Profile``. On Ctrl-C a
collector stops the target, keeps what was gathered and returns it with
``metadata["interrupted"] = True``; the CLI then saves it like any other profile.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from perfkit.errors import PerfkitError
from perfkit.model import Profile

#: backend name -> module; the first is the default
BACKENDS = {
    "py-spy": "perfkit.collectors.pyspy",
    "pyinstrument": "perfkit.collectors.pyinstrument",
    "memray": "perfkit.collectors.memray",
    "scalene": "perfkit.collectors.scalene",
}
DEFAULT_BACKEND = "py-spy"


@dataclass
class RecordOptions:
    """What the user asked for; a backend ignores what it cannot honour and says so in metadata."""

    rate: int = 100  #: samples per second
    idle: bool = False  #: include idle (waiting) threads
    gil: bool = False  #: only samples holding the GIL
    native: bool = False  #: include native (C) frames
    subprocesses: bool = False  #: follow child processes
    duration: float | None = None  #: stop after this many seconds
    pid: int | None = None  #: attach to a running process instead of running a command
    quiet: bool = False  #: no progress output
    #: called now and then with (elapsed seconds, samples so far; -1 when unknown)
    on_progress: Callable[[float, int], None] | None = None


def backend(name: str):
    """The collector module for a backend name, or a one-line error listing the choices."""
    module = BACKENDS.get(name)
    if module is None:
        raise PerfkitError(f"--profiler {name}: unknown profiler; use one of: {', '.join(BACKENDS)}")
    return importlib.import_module(module)


def record(command: Sequence[str], profiler: str = DEFAULT_BACKEND, options: RecordOptions | None = None) -> Profile:
    """Run ``command`` under ``profiler`` and return its profile."""
    return backend(profiler).record(list(command), options or RecordOptions())
