"""Read Scalene's JSON profile (``scalene run -o profile.json``) into a Profile.

Scalene measures per source line, not per stack: for each line it reports shares of the run's
CPU time split into Python, native (C) and system time, and megabytes allocated.  The mapping:

* Each profiled line becomes one leaf frame ``Frame(function, file, line)``.  The function is
  the one Scalene names for the line's enclosing ``def``/``class`` (its ``functions`` list,
  qualified names such as ``Cls.method``), else the name parsed from that ``def`` line, else
  ``<module>`` for top-level code.
* Callers: Scalene 2.x also samples Python call stacks (``stacks`` for CPU, ``memory_stacks``
  for allocations).  A line's values are shared among the stacks that end in the same function
  of the same file, in proportion to those stacks' weights, and the callers of each become the
  line's callers.  Lines of a function no stack ends in (older Scalene, ``--no-stacks``) stay
  single-frame stacks.  So per-line and per-function totals are Scalene's own; the caller split
  is an estimate that assumes a function's lines do not depend on who called it.
* Values: a line's percentages are shares of the run's sampled wall time, so each becomes
  share x elapsed time: ``cpu/nanoseconds`` (default: Python + native, the time the process ran
  on a CPU in that line), ``cpu_python/nanoseconds``, ``cpu_native/nanoseconds``,
  ``system/nanoseconds`` (Scalene's "system" column: the rest of the sampled wall time, in the
  kernel or waiting on I/O, locks or sleep; not CPU time, hence not ``cpu_system``) and
  ``wall/nanoseconds`` (all three).  With memory profiling also ``alloc_space/bytes``
  (Scalene's sampled malloc MB x 2**20; sampled, so approximate).
* Scalene reports no per-thread values, so samples carry no thread label.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from perfkit.model import Frame, Profile, ValueType

NAME = "scalene"

CPU = ValueType("cpu", "nanoseconds")
CPU_PYTHON = ValueType("cpu_python", "nanoseconds")
CPU_NATIVE = ValueType("cpu_native", "nanoseconds")
SYSTEM = ValueType("system", "nanoseconds")
WALL = ValueType("wall", "nanoseconds")
ALLOC_SPACE = ValueType("alloc_space", "bytes")

MB = 1024 * 1024
_DEF = re.compile(r"^\s*(?:async\s+def|def|class)\s+([A-Za-z_]\w*)")
_STACK_FRAME = re.compile(r"^(?P<file>.*) (?P<func>\S+):(?P<line>\d+);?$")
_INT64 = 2**63

#: (root-first caller frames, weight) per (file, function) a stack ends in
_Contexts = dict[tuple[str, str], list[tuple[tuple[Frame, ...], float]]]


def sniff(head: bytes) -> bool:
    """Scalene writes sorted keys, so ``"alloc_samples"`` is the first key of the object."""
    text = head.lstrip()
    return text.startswith(b"{") and b'"alloc_samples"' in text[:200]


def read(path: Path) -> Profile:
    """Read one Scalene JSON file; anything malformed raises ValueError saying what."""
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not JSON ({str(exc)[:120]})") from None
    return parse(data)


def parse(data: Any) -> Profile:
    """Build a profile from Scalene's decoded JSON object."""
    if not isinstance(data, dict) or "files" not in data or "elapsed_time_sec" not in data:
        raise ValueError("no Scalene profile keys (files, elapsed_time_sec); is it `scalene run` output?")
    files = _get(data, "files", dict)
    elapsed = _number(data, "elapsed_time_sec")
    if elapsed > 1e8:
        raise ValueError(f"elapsed_time_sec {elapsed:g} is not a plausible run time")
    memory = bool(data.get("memory", False))
    elapsed_ns = elapsed * 1e9
    types = [CPU, CPU_PYTHON, CPU_NATIVE, SYSTEM, WALL] + ([ALLOC_SPACE] if memory else [])
    start = data.get("start_time_absolute")
    args = data.get("args")
    profile = Profile(
        types,
        metadata={
            "format": NAME,
            "backend": "scalene",
            "program": str(data.get("program", "")),
            "command": " ".join(map(str, args)) if isinstance(args, list) else str(data.get("program", "")),
            "duration_ns": round(elapsed_ns),
            "memory": memory,
        },
    )
    if isinstance(start, (int, float)) and 0 < start < 1e10:
        profile.metadata["start_ns"] = round(start * 1e9)
    peak = data.get("max_footprint_mb")
    if memory and isinstance(peak, (int, float)) and 0 <= peak < 1e12:
        profile.metadata["peak_memory_bytes"] = round(peak * MB)
    cpu_contexts = _cpu_contexts(data.get("stacks"))
    mem_contexts = _memory_contexts(data.get("memory_stacks"))
    for filename, detail in files.items():
        if not isinstance(detail, dict):
            raise ValueError(f"files[{str(filename)[:80]!r}] is not an object")
        lines = _get(detail, "lines", list)
        names = _function_names(detail, lines)
        for row in lines:
            if not isinstance(row, dict):
                raise ValueError(f"a line of {str(filename)[:80]} is not an object")
            lineno = _int(row, "lineno")
            start_fn = _int(row, "start_function_line", 0)
            # round the measured parts first so cpu == python + native and wall == cpu + system exactly
            python = _nanoseconds(_number(row, "n_cpu_percent_python") / 100 * elapsed_ns, filename, lineno)
            native = _nanoseconds(_number(row, "n_cpu_percent_c") / 100 * elapsed_ns, filename, lineno)
            system = _nanoseconds(_number(row, "n_sys_percent") / 100 * elapsed_ns, filename, lineno)
            cpu_values = [python + native, python, native, system, python + native + system]
            alloc = _number(row, "n_malloc_mb", 0.0) * MB if memory else 0.0
            if not any(cpu_values) and not alloc:
                continue
            function = names.get(start_fn, "<module>") if start_fn else "<module>"
            leaf = Frame(function, str(filename), lineno)
            if any(cpu_values):
                contexts = _matching(cpu_contexts, str(filename), function)
                _add(profile, leaf, cpu_values + ([0.0] if memory else []), contexts)
            if alloc:
                contexts = _matching(mem_contexts, str(filename), function)
                contexts = contexts or _matching(cpu_contexts, str(filename), function)
                _add(profile, leaf, [0.0, 0.0, 0.0, 0.0, 0.0, alloc], contexts)
    return profile


def _nanoseconds(value: float, filename: object, lineno: int) -> float:
    """A non-negative finite value rounded to whole nanoseconds (kept a float for _add's checks)."""
    if not 0 <= value < _INT64:  # also rejects inf and nan
        raise ValueError(f"value out of range at {str(filename)[:80]}:{lineno}")
    return float(round(value))


def _add(profile: Profile, leaf: Frame, values: list[float], contexts: list[tuple[tuple[Frame, ...], float]]) -> None:
    """Add one line's values, shared among its caller contexts by weight (exact integer totals)."""
    if any(not 0 <= v < _INT64 for v in values):  # also rejects inf and nan
        raise ValueError(f"value out of range at {leaf.file}:{leaf.line}")
    totals = [round(v) for v in values]
    if any(t >= _INT64 for t in totals):
        raise ValueError(f"value out of range at {leaf.file}:{leaf.line}")
    weight = sum(w for _, w in contexts)
    if not contexts or weight <= 0:
        profile.add([leaf], totals)
        return
    left = list(totals)
    for i, (callers, w) in enumerate(contexts):
        if i == len(contexts) - 1:
            share = left
        else:
            share = [math.floor(t * w / weight) for t in totals]
            left = [a - b for a, b in zip(left, share)]
        if any(share):
            profile.add([*callers, leaf], share)


def _matching(contexts: _Contexts, filename: str, function: str) -> list[tuple[tuple[Frame, ...], float]]:
    """Caller contexts of stacks ending in ``function`` of ``filename``: by qualified name, or
    for a name parsed from source (unqualified) by its last part."""
    found = contexts.get((filename, function))
    if found is not None:
        return found
    base = function.rpartition(".")[2]
    return [
        c for (file, name), cs in contexts.items() if file == filename and name.rpartition(".")[2] == base for c in cs
    ]


def _function_key(qualname: str) -> str:
    """``Cls.method.<locals>.<listcomp>`` -> ``Cls.method``: comprehensions and lambdas belong to
    the function that contains them, as Scalene's line rows count them."""
    parts = qualname.split(".")
    while len(parts) > 1 and parts[-1].startswith("<"):
        parts.pop()
    return ".".join(parts) or "<module>"


def _function_names(detail: dict, lines: list) -> dict[int, str]:
    """First line of each ``def``/``class`` -> the name Scalene gives it (or the parsed one)."""
    names: dict[int, str] = {}
    for row in lines:
        if isinstance(row, dict) and isinstance(row.get("line"), str):
            m = _DEF.match(row["line"])
            if m and isinstance(row.get("lineno"), int):
                names[row["lineno"]] = m.group(1)
    functions = detail.get("functions", [])
    if not isinstance(functions, list):
        raise ValueError("'functions' is not a list")
    for fn in functions:
        if isinstance(fn, dict) and isinstance(fn.get("line"), str) and isinstance(fn.get("lineno"), int):
            names[fn["lineno"]] = fn["line"]
    return names


def _cpu_contexts(stacks: Any) -> _Contexts:
    """Scalene's CPU ``stacks``: ``[["file func:line;", ...root first], {"cpu_samples": w}]``."""
    return _contexts(stacks, _cpu_frame, lambda stats: stats.get("cpu_samples") if isinstance(stats, dict) else None)


def _cpu_frame(text: Any) -> Frame | None:
    m = _STACK_FRAME.match(text) if isinstance(text, str) else None
    return None if m is None else Frame(m.group("func"), m.group("file"), int(m.group("line")))


def _memory_contexts(stacks: Any) -> _Contexts:
    """Scalene's ``memory_stacks``: ``[[{display_name, filename_or_module, line}, ...], mb]``."""
    return _contexts(stacks, _memory_frame, lambda mb: mb)


def _memory_frame(f: Any) -> Frame | None:
    if not (isinstance(f, dict) and isinstance(f.get("display_name"), str)):
        return None
    line = f.get("line")
    return Frame(f["display_name"], str(f.get("filename_or_module", "")), line if isinstance(line, int) else 0)


def _contexts(stacks: Any, frame_of: Callable[[Any], Frame | None], weight_of: Callable[[Any], Any]) -> _Contexts:
    """``[[frame, ...root first], stats]`` entries filed by :func:`_remember`; an entry with a
    frame ``frame_of`` cannot read (None) is skipped."""
    out: _Contexts = {}
    if not isinstance(stacks, list):
        return out
    for entry in stacks:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], list)):
            continue
        frames = []
        for item in entry[0]:
            frame = frame_of(item)
            if frame is None:
                break
            frames.append(frame)
        else:
            _remember(out, frames, weight_of(entry[1]))
    return out


def _remember(out: _Contexts, frames: Sequence[Frame], weight: Any) -> None:
    """File a root-first stack under the function it ends in, keeping only its callers."""
    if not frames or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight <= 0:
        return
    leaf = frames[-1]
    key = (leaf.file, _function_key(leaf.function))
    callers = list(frames)
    while callers and callers[-1].file == leaf.file and _function_key(callers[-1].function) == key[1]:
        callers.pop()
    bucket = out.setdefault(key, [])
    for i, (known, w) in enumerate(bucket):
        if known == tuple(callers):
            bucket[i] = (known, w + float(weight))
            return
    bucket.append((tuple(callers), float(weight)))


def _get(obj: dict, key: str, kind: type) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind):
        raise ValueError(f"{key!r} is missing or not a {kind.__name__}")
    return value


def _number(obj: dict, key: str, default: float | None = None) -> float:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{key!r} is missing or not a non-negative number (got {str(value)[:40]})")
    return float(value)


def _int(obj: dict, key: str, default: int | None = None) -> int:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key!r} is missing or not a non-negative integer (got {str(value)[:40]})")
    return value
