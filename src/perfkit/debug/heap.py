"""Heap profiles from tracemalloc, in the shape of Go's heap profile.

tracemalloc must be tracing, or there is nothing to report: switch it on with
``PYTHONTRACEMALLOC=25`` (25 frames per allocation) in the service's environment, ``python -X
tracemalloc=25``, or ``perfkit.debug.start(tracemalloc=True)``.  It costs memory and time per
allocation, which is why perfkit never switches it on by itself.

Sample types: ``inuse_objects/count`` and ``inuse_space/bytes`` (what is allocated and still
alive now, by allocating stack).  With ``seconds=N`` the profile is the *growth* over N seconds
(``alloc_objects``/``alloc_space`` of the blocks allocated in that window and still alive at its
end, minus what was freed): the delta Go's ``heap?seconds=N`` gives.

tracemalloc records file and line only; function names are looked up once per file from the
code objects of the modules already imported (never by reading or compiling files named in a
request).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from types import CodeType

from perfkit.model import Frame, Profile, ValueType

INUSE = (ValueType("inuse_objects", "count"), ValueType("inuse_space", "bytes"))
GROWTH = (ValueType("alloc_objects", "count"), ValueType("alloc_space", "bytes"))
HOW_TO_ENABLE = "start the service with PYTHONTRACEMALLOC=25 or call perfkit.debug.start(tracemalloc=True)"


class TracemallocOff(RuntimeError):
    """tracemalloc is not tracing, so there is no heap profile to give."""


def enable(frames: int = 25) -> None:
    """Start tracemalloc with ``frames`` frames per allocation, if it is not already tracing."""
    if not tracemalloc.is_tracing():
        tracemalloc.start(frames)


def _snapshot() -> tracemalloc.Snapshot:
    if not tracemalloc.is_tracing():
        raise TracemallocOff(f"tracemalloc is off; {HOW_TO_ENABLE}")
    return tracemalloc.take_snapshot()


#: a raw traceback as tracemalloc stores it: ((file, line), ...) most recent first
_Raw = tuple[tuple[str, int], ...]


def aggregate(snapshot: tracemalloc.Snapshot) -> dict[_Raw, list[int]]:
    """[count, bytes] per allocating traceback.  Reads the snapshot's raw trace tuples when the
    running Python exposes them (tens of times faster than ``statistics()``, which makes an
    object per frame), else the public API."""
    rows: dict[_Raw, list[int]] = {}
    raw = getattr(snapshot.traces, "_traces", None)
    if isinstance(raw, list | tuple):
        for trace in raw:
            size, frames = trace[1], trace[2]
            row = rows.get(frames)
            if row is None:
                rows[frames] = [1, size]
            else:
                row[0] += 1
                row[1] += size
        return rows
    for stat in snapshot.statistics("traceback"):
        frames = tuple((f.filename, f.lineno) for f in reversed(stat.traceback))
        rows[frames] = [stat.count, stat.size]
    return rows


def heap_profile(seconds: float = 0.0) -> Profile:
    """In-use heap by allocating stack; with ``seconds`` > 0, the growth over that window."""
    first = aggregate(_snapshot())
    if seconds <= 0:
        return _build(first, INUSE, tracemalloc.get_traceback_limit())
    started = time.monotonic_ns()
    time.sleep(seconds)
    second = aggregate(_snapshot())
    for frames, (count, size) in first.items():
        row = second.setdefault(frames, [0, 0])
        row[0] -= count
        row[1] -= size
    profile = _build(second, GROWTH, tracemalloc.get_traceback_limit())
    profile.metadata["duration_ns"] = time.monotonic_ns() - started
    return profile


def _build(rows: dict[_Raw, list[int]], types: tuple[ValueType, ...], limit: int) -> Profile:
    profile = Profile(list(types), default_type=1)
    names = FunctionNames({filename for frames in rows for filename, _line in frames})
    cache: dict[tuple[str, int], int] = {}
    for frames, (count, size) in rows.items():
        if not count and not size:
            continue
        ids = []
        for key in reversed(frames):  # oldest (root) first, as the model wants
            fid = cache.get(key)
            if fid is None:
                fid = cache[key] = profile.frame_id(Frame(names.at(*key), key[0], key[1]))
            ids.append(fid)
        profile.add_ids(profile.stack_id(tuple(ids)), (count, size))
    profile.metadata.update(
        {"backend": "tracemalloc", "traceback_limit": limit, "traced_memory": tracemalloc.get_traced_memory()[0]}
    )
    return profile


class FunctionNames:
    """``(file, line)`` -> the innermost function defined there, from imported modules' code."""

    def __init__(self, files: set[str]) -> None:
        self._files = files
        self._by_file: dict[str, list[tuple[int, int, str]]] | None = None

    def _index(self) -> dict[str, list[tuple[int, int, str]]]:
        index: dict[str, list[tuple[int, int, str]]] = {}
        for module in list(sys.modules.values()):
            if getattr(module, "__file__", None) not in self._files:
                continue
            for value in list(getattr(module, "__dict__", {}).values()):
                code = _code_of(value)
                if code is not None:
                    _add_code(index, code)
                elif isinstance(value, type):
                    for member in list(vars(value).values()):
                        member_code = _code_of(member)
                        if member_code is not None:
                            _add_code(index, member_code)
        for spans in index.values():
            spans.sort(key=lambda span: span[1] - span[0])  # narrowest (innermost) first
        return index

    def at(self, filename: str, lineno: int) -> str:
        if self._by_file is None:
            self._by_file = self._index()
        for first, last, name in self._by_file.get(filename, ()):
            if first <= lineno <= last:
                return name
        return "<module>" if filename in self._by_file else f"{filename.rsplit('/', 1)[-1]}:{lineno}"


def _code_of(value: object) -> CodeType | None:
    value = getattr(value, "__func__", value)
    code = getattr(value, "__code__", None)
    return code if isinstance(code, CodeType) else None


def _add_code(index: dict[str, list[tuple[int, int, str]]], code: CodeType, depth: int = 0) -> None:
    lines = [line for _s, _e, line in code.co_lines() if line is not None]
    if lines:
        name = getattr(code, "co_qualname", code.co_name)
        index.setdefault(code.co_filename, []).append((code.co_firstlineno, max(lines), name))
    if depth < 20:
        for const in code.co_consts:
            if isinstance(const, CodeType):
                _add_code(index, const, depth + 1)
