"""The timing harness: Go's way of choosing N (grow it until one run fills the benchtime) and a
timed loop with as little of its own cost as Python allows.

Every timed run starts from the same state: a full ``gc.collect()`` first (Go's ``runN`` calls
``runtime.GC()``), the collector left enabled during the run so allocation-heavy code pays for
its own collections, and any trace/profile hook (coverage, debuggers) switched off.
"""

from __future__ import annotations

import gc
import itertools
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from perfkit.errors import PerfkitError

__all__ = ["BenchTime", "Loop", "calibrate", "make_loop", "parse_benchtime"]

MAX_N = 1_000_000_000
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ns|us|µs|ms|s|m|h)\s*$")
_SCALE = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}

#: run ``n`` calls and return the elapsed nanoseconds of the timed part
Loop = Callable[[int], int]


@dataclass(frozen=True)
class BenchTime:
    """``-benchtime``: a duration to fill (``1s``, ``500ms``) or a fixed count (``100x``)."""

    seconds: float | None = 1.0
    iterations: int | None = None

    def __str__(self) -> str:
        return f"{self.iterations}x" if self.iterations else f"{self.seconds:g}s"


def parse_benchtime(text: str) -> BenchTime:
    """Parse Go's ``-benchtime`` syntax."""
    value = text.strip()
    if value.endswith("x") and value[:-1].isdigit() and int(value[:-1]) > 0:
        return BenchTime(None, int(value[:-1]))
    match = _DURATION.match(value)
    if match is None or float(match.group(1)) <= 0:
        raise PerfkitError(f"--benchtime {text}: use a duration like 1s or 500ms, or a count like 100x")
    return BenchTime(float(match.group(1)) * _SCALE[match.group(2)], None)


def _quiet_hooks() -> tuple[Any, Any]:
    trace, profile = sys.gettrace(), sys.getprofile()
    sys.settrace(None)
    sys.setprofile(None)
    return trace, profile


def make_loop(fn: Callable[..., Any], args: tuple = (), kwargs: dict[str, Any] | None = None) -> Loop:
    """A loop calling ``fn(*args, **kwargs)`` n times; the no-argument case calls ``fn()``
    directly, which is the cheapest call CPython has (the harness's floor)."""
    timer = time.perf_counter_ns
    repeat = itertools.repeat

    if not args and not kwargs:

        def loop(n: int) -> int:
            hooks = _quiet_hooks()
            gc.collect()
            try:
                start = timer()
                for _ in repeat(None, n):
                    fn()
                return timer() - start
            finally:
                sys.settrace(hooks[0])
                sys.setprofile(hooks[1])

        return loop

    kw = dict(kwargs or {})

    def loop_args(n: int) -> int:
        hooks = _quiet_hooks()
        gc.collect()
        try:
            start = timer()
            for _ in repeat(None, n):
                fn(*args, **kw)
            return timer() - start
        finally:
            sys.settrace(hooks[0])
            sys.setprofile(hooks[1])

    return loop_args


def make_setup_loop(fn: Callable[..., Any], setup: Callable[[], Any]) -> Loop:
    """A loop where ``setup()`` prepares each call and is not timed (Go's b.StopTimer/StartTimer);
    setup may return ``(args, kwargs)`` as pytest-benchmark's pedantic mode allows."""
    timer = time.perf_counter_ns

    def loop(n: int) -> int:
        hooks = _quiet_hooks()
        gc.collect()
        total = 0
        try:
            for _ in range(n):
                prepared = setup()
                args, kwargs = prepared if isinstance(prepared, tuple) and len(prepared) == 2 else ((), {})
                start = timer()
                fn(*args, **(kwargs or {}))
                total += timer() - start
            return total
        finally:
            sys.settrace(hooks[0])
            sys.setprofile(hooks[1])

    return loop


@dataclass(frozen=True)
class Calibrated:
    """The final run (its N and time) and every (N, ns) step that led to it."""

    n: int
    elapsed_ns: int
    steps: tuple[tuple[int, int], ...]


def next_n(goal_ns: float, last_n: int, last_ns: int) -> int:
    """Go's rule: predict the N that fills the goal, add 20%, grow at most 100x and at least by
    one, and never beyond a billion."""
    predicted = int(goal_ns * last_n / max(last_ns, 1))
    predicted += predicted // 5
    return min(max(min(predicted, 100 * last_n), last_n + 1), MAX_N)


def calibrate(loop: Loop, benchtime: BenchTime) -> Calibrated:
    """Run with N = 1, then grow N until one run lasts the benchtime (or run exactly ``Nx``)."""
    elapsed = loop(1)
    steps = [(1, elapsed)]
    if benchtime.iterations is not None:
        if benchtime.iterations > 1:
            elapsed = loop(benchtime.iterations)
            steps.append((benchtime.iterations, elapsed))
        return Calibrated(steps[-1][0], steps[-1][1], tuple(steps))
    goal = (benchtime.seconds or 1.0) * 1e9
    n = 1
    while elapsed < goal and n < MAX_N:
        n = next_n(goal, n, elapsed)
        elapsed = loop(n)
        steps.append((n, elapsed))
    return Calibrated(n, elapsed, tuple(steps))
