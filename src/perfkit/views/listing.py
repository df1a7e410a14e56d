"""``perfkit list REGEX``: source lines of matching functions annotated with flat and cum, as
pprof's -list.

A routine is a (function, file) pair.  Its lines come from the file on disk; the shown range is
the function's own ``def`` block when the source parses (found with :mod:`ast`), else the sampled
lines widened by ``context``.  When the file cannot be read, only sampled lines are listed and
the routine says its source is unavailable.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from perfkit.errors import PerfkitError
from perfkit.graph import Granularity, GraphOptions, Prepared, flat_cum, prepare
from perfkit.model import Profile
from perfkit.views.units import format_percent, format_value, resolve_sample_type

__all__ = ["AnnotatedLine", "Routine", "annotate", "format_listing", "print_listing", "routines"]

#: lines shown around the sampled range when the function's block is unknown
CONTEXT = 3
#: value columns are this wide (pprof uses ten)
WIDTH = 10


@dataclass(slots=True)
class Routine:
    """One function in one file: its totals and flat/cum per sampled line."""

    function: str
    file: str
    flat: int
    cum: int
    lines: dict[int, tuple[int, int]]  #: line -> (flat, cum)


def routines(
    profile: Profile,
    pattern: str,
    *,
    sample_type: str | int | None = None,
    options: GraphOptions | None = None,
    prepared: Prepared | None = None,
) -> list[Routine]:
    """Every (function, file) whose function name matches ``pattern``, heaviest cum first.

    Line values come from the graph layer at ``lines`` granularity, a function's own totals from
    the same stacks at ``filefunctions`` (so a function is counted once per sample however many of
    its lines the stack holds).  ``options`` brings the graph's filters (focus, ignore, tag
    filters ...), as pprof's source view applies them; ``prepared`` gives those stacks already
    prepared at ``lines`` granularity instead (from a cache, as the web UI keeps them)."""
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise PerfkitError(f"list {pattern!r}: not a valid regular expression ({exc})") from None
    if prepared is not None:
        if prepared.granularity is not Granularity.LINES:
            raise ValueError(f"routines: prepared stacks must be at lines granularity, not {prepared.granularity}")
        lines = prepared
    else:
        resolve_sample_type(profile, sample_type)
        opts = (options or GraphOptions()).replace(granularity=Granularity.LINES)
        if sample_type is not None:
            opts = opts.replace(sample_index=sample_type)
        lines = prepare(profile, opts)
    wanted = {i for i, info in enumerate(lines.infos) if rx.search(info.name)}
    if not wanted:
        return []
    line_flat, line_cum = flat_cum(lines, wanted)
    functions = lines.coarsen(Granularity.FILEFUNCTIONS)
    fn_flat, fn_cum = flat_cum(functions, {i for i, info in enumerate(functions.infos) if rx.search(info.name)})
    found: dict[tuple[str, str], Routine] = {}
    for fid, cum in fn_cum.items():
        info = functions.infos[fid]
        found[(info.name, info.file)] = Routine(info.name, info.file, fn_flat.get(fid, 0), cum, {})
    for lid, cum in line_cum.items():
        info = lines.infos[lid]
        routine = found.get((info.name, info.file))
        if routine is not None:
            routine.lines[info.line] = (line_flat.get(lid, 0), cum)
    return sorted(found.values(), key=lambda r: (-abs(r.cum), r.function, r.file))


def _read_source(file: str, source_path: Sequence[str | os.PathLike[str]]) -> tuple[list[str] | None, str]:
    """The file's lines, or None and why not; relative names are tried under ``source_path``."""
    if not file:
        return None, "no file name recorded"
    candidates = [Path(file)]
    if not Path(file).is_absolute():
        candidates += [Path(root) / file for root in source_path]
    reason = "file not found"
    for candidate in candidates:
        try:
            text = candidate.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            continue
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            continue
        # read_text already turned \r\n and \r into \n; split on \n only, as Python numbers lines
        # (str.splitlines would also split on form feeds and U+2028 and shift every line after them)
        lines = text.split("\n")
        return (lines[:-1] if lines and lines[-1] == "" else lines), ""
    return None, reason


def _def_block(source: list[str], function: str, first: int, last: int) -> tuple[int, int] | None:
    """Line range of the innermost ``def``/``class`` named ``function`` holding the sampled lines."""
    try:
        tree = ast.parse("\n".join(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # not Python, or nested past the parser's limits: fall back to the context window
        return None
    short = function.rsplit(".", 1)[-1]
    best: tuple[int, int] | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) or node.name != short:
            continue
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        end = node.end_lineno or node.lineno
        if start <= first and last <= end and (best is None or end - start < best[1] - best[0]):
            best = (start, end)
    return best


def _value(value: int, unit: str) -> str:
    return format_value(value, unit) if value else "."


@dataclass(frozen=True, slots=True)
class AnnotatedLine:
    """One line of a listing: its number, flat and cum, and its source text (None when the
    source could not be read)."""

    number: int
    flat: int
    cum: int
    text: str | None


def annotate(
    routine: Routine,
    *,
    source_path: Sequence[str | os.PathLike[str]] = (),
    context: int = CONTEXT,
    sources: dict[str, tuple[list[str] | None, str]] | None = None,
) -> tuple[list[AnnotatedLine], str]:
    """The lines a listing shows for ``routine``, and why its source is unavailable ("" when it
    was used): the function's ``def`` block when the source parses, else the sampled lines widened
    by ``context``; without source, only the sampled lines.  ``sources`` caches files read
    (several routines often share one)."""
    if sources is None:
        sources = {}
    if routine.file not in sources:
        sources[routine.file] = _read_source(routine.file, source_path)
    source, reason = sources[routine.file]
    sampled = sorted(n for n in routine.lines if n > 0)
    if source is None or not sampled:
        why = reason if source is None else "no line numbers recorded"
        return [AnnotatedLine(n, *routine.lines[n], None) for n in sorted(routine.lines)], why
    block = None if routine.function.startswith("<") else _def_block(source, routine.function, sampled[0], sampled[-1])
    start, end = block if block else (sampled[0] - context, sampled[-1] + context)
    start, end = max(1, start), max(min(len(source), end), sampled[-1])
    out = []
    for line in range(start, end + 1):
        flat, cum = routine.lines.get(line, (0, 0))
        text = source[line - 1].rstrip() if line <= len(source) else ""
        out.append(AnnotatedLine(line, flat, cum, text))
    return out, ""


def _routine_text(routine: Routine, unit: str, total: int, lines: list[AnnotatedLine], why: str) -> list[str]:
    out = [
        f"ROUTINE ======================== {routine.function} in {routine.file or '<unknown>'}",
        f"{format_value(routine.flat, unit):>{WIDTH}} {format_value(routine.cum, unit):>{WIDTH}} "
        f"(flat, cum) {format_percent(routine.cum, total)} of Total",
    ]
    if why:
        out.append(f"{'':>{WIDTH}} {'':>{WIDTH}} (source unavailable: {why})")
    for line in lines:
        text = (
            f"{_value(line.flat, unit):>{WIDTH}} {_value(line.cum, unit):>{WIDTH}} {line.number:6d}:{line.text or ''}"
        )
        out.append(text.rstrip() if line.text is not None else text)
    return out


def format_listing(
    profile: Profile,
    pattern: str,
    *,
    sample_type: str | int | None = None,
    context: int = CONTEXT,
    source_path: Sequence[str | os.PathLike[str]] = (),
    options: GraphOptions | None = None,
) -> str:
    """The listing as plain text; raises PerfkitError when no function matches ``pattern``."""
    found = routines(profile, pattern, sample_type=sample_type, options=options)
    if not found:
        raise PerfkitError(f"no function matches {pattern}; try `perfkit top` to see names")
    if sample_type is None and options is not None:
        sample_type = options.sample_index
    index = resolve_sample_type(profile, sample_type)
    unit = profile.sample_types[index].unit
    total = sum(abs(v) for v in profile.values[index])
    lines = [f"Total: {format_value(total, unit)}"]
    sources: dict[str, tuple[list[str] | None, str]] = {}
    for routine in found:
        annotated, why = annotate(routine, source_path=source_path, context=context, sources=sources)
        lines += _routine_text(routine, unit, total, annotated, why)
    return "\n".join(lines) + "\n"


def print_listing(
    profile: Profile,
    pattern: str,
    console: Console,
    *,
    sample_type: str | int | None = None,
    context: int = CONTEXT,
    source_path: Sequence[str | os.PathLike[str]] = (),
) -> None:
    """Print the listing; source text is printed verbatim (no markup, no highlighting)."""
    text = format_listing(profile, pattern, sample_type=sample_type, context=context, source_path=source_path)
    console.out(text, end="", highlight=False)
