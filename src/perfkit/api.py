"""``perfkit.profile(...)``: the one-call Python API behind ``perfkit profile``.

A command (list of strings, or one string split like a shell would) runs under an
out-of-process collector; a Python callable runs in this process under pyinstrument.  Either
way a :class:`~perfkit.model.Profile` comes back (``profile.outcome`` says how the run ended),
optionally also saved.  The CLI calls exactly this, so the two cannot drift apart: the output is
checked before recording, the title is the command, the file is written atomically.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, cast

from perfkit import collectors, files
from perfkit.errors import ParamError, PerfkitError, renamed
from perfkit.formats.registry import Codec
from perfkit.model import Profile, command_text

__all__ = ["Output", "check_output", "default_title", "describe", "profile", "write_output"]

#: where a profile goes: a path (format by extension), or a binary stream (``format`` required)
Output = str | os.PathLike[str] | IO[bytes]


def profile(
    target: Sequence[str] | str | Callable[..., Any],
    *args: Any,
    output: Output | None = None,
    profiler: str | None = None,
    format: str | None = None,
    title: str | None = None,
    **options: Any,
) -> Profile:
    """Profile a command or a callable; save to ``output`` (format by extension) if given.

    ``perfkit.profile(["python", "app.py"], output="cpu.svg", rate=250)`` runs the command
    under py-spy (or ``profiler=``); keyword ``options`` are :class:`RecordOptions` fields
    (``pid=`` attaches to a running process: pass ``[]`` as the command).  ``title`` goes to
    formats that show one (default: the command).  ``perfkit.profile(fn, 1, 2)`` calls
    ``fn(1, 2)`` under pyinstrument (``rate`` sets the interval); bind keyword arguments with
    ``functools.partial``.
    """
    if output is not None:  # before a long recording, not after
        check_output(output, format, **({} if title is None else {"title": title}))
    typed: str | None = None  # the title: the command as the user gave it
    if callable(target):
        result = _profile_callable(target, args, profiler, options)
    else:
        if args:
            raise TypeError("extra positional arguments only apply to a callable target; put them in the command")
        command = shlex.split(target) if isinstance(target, str) else [str(part) for part in target]
        typed = shlex.join(command) if command else None
        result = collectors.record(command, profiler or collectors.DEFAULT_BACKEND, collectors.record_options(options))
    if output is not None:
        write_output(result, output, format, title=title, fallback_title=typed)
    return result


def _path(output: Output) -> Path | None:
    """``output`` as a path, or None for a stream."""
    return Path(output) if isinstance(output, str | os.PathLike) else None


def check_output(output: Output, format: str | None = None, **options: Any) -> Codec:
    """The writer for ``output``; fails now if it could never be written (unknown extension,
    missing folder) or does not take ``options``."""
    path = _path(output)
    if path is not None:
        with renamed(path="output"):
            codec = files.check_output(path, format)
    elif format is None:
        raise ParamError("format", "{name}: name the format when the output is a stream (no extension to go by)")
    else:
        codec = files.writer_for("-", format)
    codec.check_options(options)
    return codec


def write_output(
    prof: Profile,
    output: Output,
    format: str | None = None,
    *,
    title: str | None = None,
    fallback_title: str | None = None,
    **options: Any,
) -> Path | None:
    """Save ``prof`` to a path (atomically) or write it to a binary stream, with the format's
    ``options``.  ``title`` goes to formats that show one, and naming one for a format that has
    none is an error; without it such formats get ``fallback_title``, else :func:`default_title`."""
    path = _path(output)
    codec = check_output(output, format) if path is None else files.writer_for(path, format)
    shown = title
    if shown is None and codec.takes("title"):
        shown = fallback_title or default_title(prof)
    if shown is not None:
        options["title"] = shown
    if path is None:
        sink = cast(IO[bytes], output)
        sink.write(codec.write(prof, **options))
        sink.flush()
        return None
    with renamed(path="output"):
        return files.save(prof, path, codec.name, **options)


def default_title(prof: Profile) -> str | None:
    """The recorded command as a shell line, ``pid N`` for an attached process, else None."""
    command = command_text(prof.metadata.get("command"))
    if command:
        return command
    pid = prof.metadata.get("pid")
    return f"pid {pid}" if pid is not None else None


def _profile_callable(
    fn: Callable[..., Any], args: tuple[Any, ...], profiler: str | None, options: dict[str, Any]
) -> Profile:
    if profiler not in (None, "pyinstrument"):
        raise PerfkitError(f"profiler={profiler}: a Python callable can only be profiled with pyinstrument")
    rate = options.pop("rate", None)
    if options:
        name = sorted(options)[0]
        raise ParamError(name, "{name}: not supported for a callable (only rate is)")
    from perfkit.collectors import pyinstrument

    interval = 1.0 / rate if rate else 0.001
    _, prof = pyinstrument.profile_callable(fn, *args, interval=interval)
    return prof


def describe(profile: Profile) -> str:
    """``512 samples, 5.02s cpu over 5.1s``: what a profile holds, for run summaries."""
    from perfkit.views.units import format_value

    parts = []
    if "samples" in [t.type for t in profile.sample_types]:
        parts.append(f"{profile.total('samples'):,} samples")
    main = profile.sample_types[profile.default_type]
    if main.type != "samples":
        parts.append(f"{format_value(profile.total(), main.unit)} {main.type}")
    text = ", ".join(parts)
    duration_ns = profile.metadata.get("duration_ns")
    if isinstance(duration_ns, int | float) and duration_ns > 0:
        text += f" over {duration_ns / 1e9:.1f}s"
    return text
