"""Collectors: each runs one profiling tool for real and reads its output into a Profile.

A collector module defines ``NAME`` and ``record(command, options) -> Profile``. On Ctrl-C a
collector stops the target, keeps what was gathered and returns it with
``metadata["interrupted"] = True``; ``profile.outcome`` (:class:`perfkit.model.Outcome`) reads
that back with the exit status and warnings.  :func:`record` is the one entry point: it checks
the request (backend, command or pid) before any profiler starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from types import ModuleType
from typing import Any

from perfkit.errors import ParamError
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


def record_options(options: dict[str, Any]) -> RecordOptions:
    """``RecordOptions(**options)``, with a misspelled field a ParamError naming it."""
    known = [f.name for f in fields(RecordOptions)]
    for name in options:
        if name not in known:
            raise ParamError(name, f"{{name}}: not a recording option; use one of: {', '.join(known)}")
    return RecordOptions(**options)


def backend(name: str) -> ModuleType:
    """The collector module for a backend name, or a one-line error listing the choices."""
    module = BACKENDS.get(name)
    if module is None:
        raise ParamError("profiler", f"{{name}} {name}: unknown profiler; use one of: {', '.join(BACKENDS)}")
    return importlib.import_module(module)


def check_target(command: Sequence[str], pid: int | None) -> None:
    """A command to run or a process to attach to (not both): it must exist and be ours to
    trace, so a typo is one line before any profiler starts."""
    if pid is not None:
        if command:
            raise ParamError("pid", "{name}: give either a pid to attach to or a command to run, not both")
        from perfkit.collectors import ptrace

        ptrace.check_pid(pid)
        return
    if not command:
        raise ParamError("command", "{name}: no command to run; give one (e.g. python app.py) or a pid to attach to")
    from perfkit.collectors import process

    process.resolve(command)


def record(command: Sequence[str], profiler: str = DEFAULT_BACKEND, options: RecordOptions | None = None) -> Profile:
    """Run ``command`` (or attach to ``options.pid``) under ``profiler`` and return its profile;
    ``profile.outcome`` says how the run ended (exit status, Ctrl-C, warnings)."""
    options = options or RecordOptions()
    module = backend(profiler)
    check_target(command, options.pid)
    profile: Profile = module.record(list(command), options)
    return profile
