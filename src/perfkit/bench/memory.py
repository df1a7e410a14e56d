"""Go's ``-benchmem`` for Python: bytes and allocations per call, from a separate pass under
memray's tracker so timings are never disturbed by it.

What is counted: every allocation memray's tracker sees with ``trace_python_allocators=True``:
calls into Python's object allocator (pymalloc) and the system allocator (malloc, calloc,
realloc, aligned allocations, mmap) made by the benchmarked function, in any thread, during the
pass.  Frees are not subtracted (Go counts allocations, not live memory).  The harness's own
cost (the tracker starting and stopping, the loop, calling a function) is measured with an
empty function the same way and subtracted, so a function that allocates nothing reads ~0.
"""

from __future__ import annotations

import gc
import itertools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Allocations", "calls_for", "measure"]

TARGET_NS = 5_000_000  #: aim the tracked pass at about this much untracked run time
MAX_CALLS = 200

_baseline_cache: dict[tuple[int, bool, tuple[str, ...]], tuple[int, int]] = {}


@dataclass(frozen=True)
class Allocations:
    """Per-call figures as Go prints them (integers), and how many calls were tracked."""

    bytes_per_op: int
    allocs_per_op: int
    calls: int


def calls_for(ns_per_op: float) -> int:
    """How many calls to track: enough to average, few enough that memray's overhead stays small."""
    if ns_per_op <= 0:
        return MAX_CALLS
    return max(1, min(MAX_CALLS, int(TARGET_NS / ns_per_op)))


def _tracked(fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], calls: int) -> tuple[int, int]:
    import memray

    frees = {memray.AllocatorType.FREE, memray.AllocatorType.PYMALLOC_FREE, memray.AllocatorType.MUNMAP}
    fd, path = tempfile.mkstemp(prefix="perfkit-benchmem-", suffix=".bin")
    os.close(fd)
    try:
        gc.collect()
        repeat = itertools.repeat
        destination = memray.FileDestination(path, overwrite=True)
        with memray.Tracker(destination=destination, trace_python_allocators=True):
            if args or kwargs:
                for _ in repeat(None, calls):
                    fn(*args, **kwargs)
            else:
                for _ in repeat(None, calls):
                    fn()
        size = count = 0
        with memray.FileReader(path) as reader:
            for record in reader.get_allocation_records():
                if record.allocator not in frees:
                    size += record.size
                    count += record.n_allocations
        return size, count
    finally:
        os.unlink(path)


def _noop(*_args: Any, **_kwargs: Any) -> None:
    return None


def measure(fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], calls: int) -> Allocations:
    """Bytes and allocations per call of ``fn(*args, **kwargs)`` (warmed up by the timing pass),
    less those of an empty function called the same way."""
    key = (calls, bool(args), tuple(kwargs))
    if key not in _baseline_cache:
        _tracked(_noop, args, kwargs, calls)  # the first tracker start in a process has one-off costs
        _baseline_cache[key] = _tracked(_noop, args, kwargs, calls)
    base_size, base_count = _baseline_cache[key]
    size, count = _tracked(fn, args, kwargs, calls)
    return Allocations(max(0, size - base_size) // calls, max(0, count - base_count) // calls, calls)
