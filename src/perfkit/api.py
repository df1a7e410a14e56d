"""``perfkit.profile(...)``: the one-call Python API behind ``perfkit profile``.

A command (list of strings, or one string split like a shell would) runs under an
out-of-process collector, exactly as the CLI does; a Python callable runs in this process under
pyinstrument.  Either way a :class:`~perfkit.model.Profile` comes back, optionally also saved.
"""

from __future__ import annotations

import inspect
import os
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from perfkit import collectors, files
from perfkit.errors import PerfkitError
from perfkit.model import Profile

__all__ = ["profile"]


def profile(
    target: Sequence[str] | str | Callable[..., Any],
    *args: Any,
    output: str | os.PathLike[str] | None = None,
    profiler: str | None = None,
    format: str | None = None,
    **options: Any,
) -> Profile:
    """Profile a command or a callable; save to ``output`` (format by extension) if given.

    ``perfkit.profile(["python", "app.py"], output="cpu.svg", rate=250)`` runs the command
    under py-spy (or ``profiler=``); keyword ``options`` are :class:`RecordOptions` fields.
    ``perfkit.profile(fn, 1, 2)`` calls ``fn(1, 2)`` under pyinstrument (``rate`` sets the
    interval); bind keyword arguments with ``functools.partial``.
    """
    if callable(target):
        result = _profile_callable(target, args, profiler, options)
    else:
        if args:
            raise TypeError("extra positional arguments only apply to a callable target; put them in the command")
        command = shlex.split(target) if isinstance(target, str) else [str(part) for part in target]
        result = collectors.record(command, profiler or collectors.DEFAULT_BACKEND, collectors.RecordOptions(**options))
    if output is not None:
        files.save(result, output, format, **_title(result, output, format))
    return result


def _profile_callable(
    fn: Callable[..., Any], args: tuple[Any, ...], profiler: str | None, options: dict[str, Any]
) -> Profile:
    if profiler not in (None, "pyinstrument"):
        raise PerfkitError(f"profiler={profiler}: a Python callable can only be profiled with pyinstrument")
    rate = options.pop("rate", None)
    if options:
        raise TypeError(f"options not supported for a callable: {', '.join(sorted(options))}")
    from perfkit.collectors import pyinstrument

    interval = 1.0 / rate if rate else 0.001
    _, prof = pyinstrument.profile_callable(fn, *args, interval=interval)
    return prof


def _title(prof: Profile, output: str | os.PathLike[str], fmt: str | None) -> dict[str, Any]:
    """Pass a title only to writers that take one (views), as the CLI does."""
    writer = files.writer_for(Path(output), fmt)
    params = inspect.signature(writer.write).parameters
    command = prof.metadata.get("command")
    title = " ".join(command) if isinstance(command, list) and command else None
    return {"title": title} if title and "title" in params else {}
