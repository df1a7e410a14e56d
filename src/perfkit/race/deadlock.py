"""Lock-order graph (potential deadlocks, like TSan's detector and lockdep) and a hang watchdog.

Every time a thread acquires lock B while holding lock A, the edge A→B is recorded with the
stack; a new edge closing a cycle is a lock-order inversion even if this run did not hang.
The watchdog, a raw ``_thread`` thread invisible to ``threading.enumerate()``, ends a run in
which every thread has been blocked in a detector-observed wait for over a second.
"""

from __future__ import annotations

import _thread
import contextlib
import itertools
import linecache
import os
import re
import sys
import time
from importlib import import_module
from types import FrameType
from typing import TYPE_CHECKING, cast

from .state import capture_stack, hidden

if TYPE_CHECKING:
    from . import report
    from .clock import LT
    from .state import ThreadingModule

# submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
report = import_module(".report", __package__)

_serials = itertools.count(1)
_lock = _thread.allocate_lock()
#: (held serial, acquired serial) -> (thread label, acquisition stack)
EDGES: dict[tuple[int, int], tuple[str, tuple]] = {}
SUCC: dict[int, set[int]] = {}
NAMES: dict[int, str] = {}
#: OS thread ident -> what it is blocked on
BLOCKED: dict[int, str] = {}
_progress = [0]
_VAR = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?::[^=]*)?=[^=]")


def name_lock(frame: FrameType | None) -> tuple[int, str]:
    """A serial and a readable name for a new lock, from the line that created it."""
    serial = next(_serials)
    if frame is None:
        NAMES[serial] = f"lock #{serial}"
        return serial, NAMES[serial]
    fn, line = frame.f_code.co_filename, frame.f_lineno
    m = _VAR.match(linecache.getline(fn, line))
    where = f"{os.path.basename(fn)}:{line}"
    name = f"{m.group(1)} (created at {where})" if m else f"lock created at {where}"
    NAMES[serial] = name
    return serial, name


def _path(src: int, dst: int) -> list[int] | None:
    """A path src → … → dst in the lock-order graph."""
    prev: dict[int, int] = {src: src}
    todo = [src]
    while todo:
        node = todo.pop()
        if node == dst:
            path = [dst]
            while path[-1] != src:
                path.append(prev[path[-1]])
            return path[::-1]
        for nxt in SUCC.get(node, ()):
            if nxt not in prev:
                prev[nxt] = node
                todo.append(nxt)
    return None


def before_acquire(lt: LT, serial: int, held: list[int]) -> None:
    """Record held→serial edges; report a cycle closed by a new edge."""
    for h in held:
        if h == serial or (h, serial) in EDGES:
            continue
        stack = capture_stack(sys._getframe(2), trim_library=False)
        with _lock:
            if (h, serial) in EDGES:
                continue
            EDGES[h, serial] = (lt.label(), stack)
            SUCC.setdefault(h, set()).add(serial)
            back = _path(serial, h)
        if back is not None:
            _report_cycle([h, *back])


def _report_cycle(cycle: list[int]) -> None:
    edges = list(itertools.pairwise(cycle))
    names = [NAMES.get(s, f"lock #{s}") for s in cycle]
    lines = ["WARNING: POTENTIAL DEADLOCK (lock-order inversion)", "Cycle in lock order graph: " + " => ".join(names)]
    match = list(names)
    for a, b in edges:
        who, stack = EDGES[a, b]
        lines.append(f"Lock {NAMES.get(b)} acquired while holding {NAMES.get(a)} by {who}:")
        lines += report.format_stack(stack)
        match += [name for _, _, name in stack] + [f"{fn}:{ln}" for fn, ln, _ in stack]
    report.emit("deadlock", ("deadlock", frozenset(edges)), lines, match)


def block(what: str) -> None:
    BLOCKED[_thread.get_ident()] = what


def unblock() -> None:
    BLOCKED.pop(_thread.get_ident(), None)
    _progress[0] += 1


def _all_blocked(me: int) -> dict[int, FrameType] | None:
    frames = sys._current_frames()
    frames.pop(me, None)
    if not frames:
        return None
    for ident in frames:
        if ident not in BLOCKED:
            return None
    return frames


def _report_hang(frames: dict[int, FrameType]) -> None:
    import threading

    names = {t.ident: t.name for t in list(cast("ThreadingModule", threading)._active.values())}
    lines = ["WARNING: DEADLOCK (every thread is blocked)"]
    for ident, frame in frames.items():
        lines.append(f"Thread {names.get(ident, ident)} blocked in {BLOCKED.get(ident, '?')}:")
        stack: list[tuple[str, int, str]] = []
        f: FrameType | None = frame
        while f is not None:
            if not hidden(f.f_code.co_filename):
                stack.append((f.f_code.co_filename, f.f_lineno, f.f_code.co_name))
            f = f.f_back
        lines += report.format_stack(stack)
    if report.emit("deadlock", ("hang", time.time()), lines, []):
        report.OPTS.exit_override = True
        report.finish()
        os._exit(report.OPTS.exitcode)  # a child that hangs ends too


def _watch(interval: float) -> None:
    with contextlib.suppress(Exception):  # interpreter shutdown: nothing left to watch
        _watch_forever(interval)


def _watch_forever(interval: float) -> None:
    me = _thread.get_ident()
    seen = None
    while True:
        time.sleep(interval)
        frames = _all_blocked(me)
        if frames is None:
            seen = None
            continue
        snap = (_progress[0], frozenset(frames))
        if seen == snap:
            _report_hang(frames)
            return
        seen = snap


def start_watchdog(interval: float = 0.5) -> None:
    _thread.start_new_thread(_watch, (interval,))
