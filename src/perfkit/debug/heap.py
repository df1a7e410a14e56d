"""Heap profiles from tracemalloc, in the shape of Go's heap profile.

tracemalloc must be tracing, or there is nothing to report: switch it on with
``PYTHONTRACEMALLOC=25`` (25 frames per allocation) in the service's environment, ``python -X
tracemalloc=25``, or ``perfkit.debug.start(tracemalloc=True)``.  It costs memory and time per
allocation, which is why perfkit never switches it on by itself.

Sample types: ``inuse_objects/count`` and ``inuse_space/bytes`` (what is allocated and still
alive now, by allocating stack).  With ``seconds=N`` the profile is the *delta* of the in-use heap
over N seconds, as Go's ``heap?seconds=N`` is a delta of two profiles: the same sample types,
each stack's value the live memory at the end minus the live memory at the start, so positive
where the heap grew and negative only where memory was freed; the profile says so in its
comments (``go tool pprof -comments``) and metadata (``delta=true``).

perfkit's own allocations (the sampler, the routes, building this very profile) are left out:
a traceback with a frame in perfkit's code is dropped, except the ASGI/WSGI wrappers' frames,
which sit under every request of the app.

Fast on large heaps: tracemalloc hands every trace of one allocating traceback the same tuple,
so traces are grouped by sorting on it (identical tuples compare by identity) and summed in C,
and a frame's function is looked up only for the frames the profile holds.

tracemalloc records file and line only; function names are looked up once per file from the
code objects of the modules already imported (never by reading or compiling files named in a
request).
"""

from __future__ import annotations

import bisect
import itertools
import operator
import os
import pickle
import sys
import time
import tracemalloc
import weakref
from collections.abc import Callable
from types import CodeType, FunctionType, MethodType
from typing import TypeVar

from perfkit.debug import forked
from perfkit.model import Frame, Profile, ValueType

INUSE = (ValueType("inuse_objects", "count"), ValueType("inuse_space", "bytes"))
#: perfkit's own code: allocations made there are not the service's
_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_WRAPPERS = {os.path.join(_OWN_DIR, "debug", name) for name in ("asgi.py", "wsgi.py")}
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
    """[count, bytes] per allocating traceback, perfkit's own allocations left out.  Reads the
    snapshot's raw trace tuples when the running Python exposes them (much faster than
    ``statistics()``, which makes an object per frame), else the public API."""
    raw = getattr(snapshot.traces, "_traces", None)
    if isinstance(raw, list | tuple) and not tracemalloc.is_tracing():
        # nothing here is traced (a forked child that stopped tracing): a plain loop is quickest
        merged: dict[_Raw, list[int]] = {}
        get = merged.get
        for _domain, size, frames, _total in raw:
            row = get(frames)
            if row is None:
                merged[frames] = [1, size]
            else:
                row[0] += 1
                row[1] += size
    elif isinstance(raw, list | tuple):
        # every per-trace step runs in C and allocates nothing: with tracemalloc on, each Python
        # allocation here would itself be traced (a traceback captured), 10x the cost
        merged = {}
        for frames, group in itertools.groupby(sorted(raw, key=_TRACEBACK), key=_TRACEBACK):
            traces = list(group)
            merged[frames] = [len(traces), sum(map(_SIZE, traces))]
    else:
        merged = {}
        for stat in snapshot.statistics("traceback"):
            frames = tuple((f.filename, f.lineno) for f in reversed(stat.traceback))
            merged[frames] = [stat.count, stat.size]
    files = set(map(_FILE, itertools.chain.from_iterable(merged)))  # in C: no per-frame Python work
    own = {name for name in files if name.startswith(_OWN_DIR) and name not in _WRAPPERS}
    return {frames: row for frames, row in merged.items() if own.isdisjoint(map(_FILE, frames))}


#: a code object's last line, kept across profiles (code objects live as long as their module)
_LAST_LINES: weakref.WeakKeyDictionary[CodeType, int] = weakref.WeakKeyDictionary()
_LINE = operator.itemgetter(2)  #: co_lines() yields (start, end, line)
_TRACEBACK = operator.itemgetter(2)  #: a raw trace is (domain, size, traceback, total frames)
_SIZE = operator.itemgetter(1)
_FILE = operator.itemgetter(0)  #: a raw frame is (file, line)


#: seconds a forked child may take to build a heap profile before it is killed (then: in process)
CHILD_TIMEOUT = 120.0
T = TypeVar("T")
#: what one snapshot gives: rows per traceback, the traceback limit, the traced memory (bytes)
_Rows = tuple[dict[_Raw, list[int]], int, int]


def heap_profile(seconds: float = 0.0) -> Profile:
    """In-use heap by allocating stack; with ``seconds`` > 0, its delta over that window.
    Built in this process (every allocation of the building traced too): see :func:`answer`."""
    first = _rows_now()
    if seconds <= 0:
        return _build(*first)
    started = time.monotonic_ns()
    time.sleep(seconds)
    return _delta(first, _rows_now(), started, seconds)


def answer(seconds: float, make: Callable[[Profile], T], timeout: float = CHILD_TIMEOUT) -> T:
    """``make(heap_profile(seconds))``, computed where it costs the service least: in a forked
    child with tracing off (see :mod:`perfkit.debug.forked`), so the service's GIL and CPU stay
    its own; in process if the child cannot answer.  ``make``'s result must pickle."""
    if not tracemalloc.is_tracing():
        raise TracemallocOff(f"tracemalloc is off; {HOW_TO_ENABLE}")
    if not forked.usable():
        return make(heap_profile(seconds))
    first: bytes | None = None
    started = time.monotonic_ns()
    try:
        if seconds <= 0:
            return pickle.loads(forked.call(lambda: pickle.dumps(make(_build(*_rows_now(stop=True)))), timeout))
        first = forked.call(lambda: pickle.dumps(_rows_now(stop=True)), timeout)
        time.sleep(seconds)

        # the second child unpickles the first rows itself: the service never holds them as objects
        def second() -> bytes:
            now = _rows_now(stop=True)  # before unpickling: that is not traced then
            return pickle.dumps(make(_delta(pickle.loads(first), now, started, seconds)))

        return pickle.loads(forked.call(second, timeout))
    except forked.Unavailable:
        if first is not None:  # the window has passed: only the end is left to take
            now = _rows_now()
            return make(_delta(pickle.loads(first), now, started, seconds))
        return make(heap_profile(seconds))


def _rows_now(stop: bool = False) -> _Rows:
    """Aggregate a snapshot taken now; with ``stop`` (in a forked child only), tracing is switched
    off right after the snapshot, so the work that follows is not traced."""
    snapshot = _snapshot()
    limit, traced = tracemalloc.get_traceback_limit(), tracemalloc.get_traced_memory()[0]
    if stop:
        tracemalloc.stop()
    return aggregate(snapshot), limit, traced


def _delta(first: _Rows, second: _Rows, started_ns: int, seconds: float) -> Profile:
    rows = second[0]
    for frames, (count, size) in first[0].items():
        row = rows.setdefault(frames, [0, 0])
        row[0] -= count
        row[1] -= size
    profile = _build(rows, second[1], second[2])
    profile.metadata["duration_ns"] = time.monotonic_ns() - started_ns
    profile.metadata["delta"] = "true"
    profile.metadata["comments"] = [
        f"delta of the in-use heap over {seconds:g}s: live at the end minus live at the start; "
        "negative values are memory freed in the window"
    ]
    return profile


def _build(rows: dict[_Raw, list[int]], limit: int, traced: int) -> Profile:
    profile = Profile(list(INUSE), default_type=1)
    frame_ids = _FrameIds(profile, FunctionNames(set(map(_FILE, itertools.chain.from_iterable(rows)))))
    for frames, (count, size) in rows.items():
        if count or size:  # oldest (root) first, as the model wants
            profile.add_ids(profile.stack_id(tuple(map(frame_ids.__getitem__, reversed(frames)))), (count, size))
    profile.metadata.update({"backend": "tracemalloc", "traceback_limit": limit, "traced_memory": traced})
    return profile


class _FrameIds(dict):
    """``(file, line)`` -> the profile's frame id, made on first use (``__missing__``), so the
    per-frame loop of :func:`_build` runs in C."""

    def __init__(self, profile: Profile, names: FunctionNames) -> None:
        super().__init__()
        self.profile = profile
        self.names = names

    def __missing__(self, key: tuple[str, int]) -> int:
        fid = self[key] = self.profile.frame_id(Frame(self.names.at(*key), key[0], key[1]))
        return fid


class FunctionNames:
    """``(file, line)`` -> the innermost function defined there, from imported modules' code.
    Per file, its code objects are listed once by first line (cheap); a lookup starts at the
    code object with the nearest first line at or before the frame's (bisect) and, while the
    line is past that code's last line, moves to the code that encloses it: a few steps, each
    reading one code object's line table once (kept across profiles)."""

    def __init__(self, files: set[str] | None = None) -> None:
        self._files = files  #: only modules of these files are indexed (None: every module)
        self._by_file: dict[str, tuple[list[int], list[CodeType]]] | None = None
        self._parent: dict[CodeType, CodeType | None] = {}
        self._last = _LAST_LINES

    def _index(self) -> dict[str, tuple[list[int], list[CodeType]]]:
        found: dict[str, list[tuple[int, CodeType]]] = {}
        parent = self._parent
        for module in list(sys.modules.values()):
            # read namespaces directly: attribute access on a module (or a lazy-import proxy in its
            # globals, as polars keeps for numpy) may run an import inside the profiled service
            namespace = getattr(module, "__dict__", None)
            filename = namespace.get("__file__") if isinstance(namespace, dict) else None
            if not isinstance(filename, str) or (self._files is not None and filename not in self._files):
                continue
            for value in list(namespace.values()):
                code = _code_of(value)
                if code is not None:
                    _add_code(found, parent, code)
                elif isinstance(value, type):
                    for member in list(vars(value).values()):
                        member_code = _code_of(member)
                        if member_code is not None:
                            _add_code(found, parent, member_code)
        index = {}
        for filename, codes in found.items():
            codes.sort(key=lambda item: item[0])
            index[filename] = ([first for first, _code in codes], [code for _first, code in codes])
        return index

    def _last_line(self, code: CodeType) -> int:
        last = self._last.get(code)
        if last is None:
            last = self._last[code] = max(filter(None, map(_LINE, code.co_lines())), default=0)
        return last

    def at(self, filename: str, lineno: int) -> str:
        if self._by_file is None:
            self._by_file = self._index()
        entry = self._by_file.get(filename)
        if entry is None:
            return f"{filename.rsplit('/', 1)[-1]}:{lineno}"
        firsts, codes = entry
        i = bisect.bisect_right(firsts, lineno) - 1
        code: CodeType | None = codes[i] if i >= 0 else None
        while code is not None and lineno > self._last_line(code):
            code = self._parent.get(code)
        return "<module>" if code is None else getattr(code, "co_qualname", code.co_name)


def _code_of(value: object) -> CodeType | None:
    """The code of a function or method, found by type, never by attribute lookup (which can run
    arbitrary ``__getattr__`` code in the profiled service)."""
    if isinstance(value, (staticmethod, classmethod, MethodType)):
        value = value.__func__
    return value.__code__ if isinstance(value, FunctionType) else None


def _add_code(
    index: dict[str, list[tuple[int, CodeType]]],
    parent: dict[CodeType, CodeType | None],
    code: CodeType,
    outer: CodeType | None = None,
    depth: int = 0,
) -> None:
    """``code`` and the functions nested in it, by file, each with the code that encloses it."""
    if code in parent:
        return
    parent[code] = outer
    index.setdefault(code.co_filename, []).append((code.co_firstlineno, code))
    if depth < 20:
        for const in code.co_consts:
            if isinstance(const, CodeType):
                _add_code(index, parent, const, code, depth + 1)
