"""Which logical thread is running now, and the registry of every logical thread seen.

The hot path reads ``tls.cur``; task switches in asyncio swap it. Threads the detector did not
start (the main thread, threads from C extensions) get a fresh clock on first access.
"""

from __future__ import annotations

import _thread
import os
import sys
from types import CodeType, FrameType
from typing import TYPE_CHECKING, cast

from .clock import CORE, LT

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable
    from typing import Any, Protocol

    class ThreadingModule(Protocol):
        """CPython's ``threading`` module as the detector reads and replaces it: the private
        registry of live threads and exit hook, and the lock factories ``sync`` swaps in."""

        _active: dict[int, threading.Thread]
        _shutdown: Callable[[], None]
        Lock: Callable[..., Any]
        RLock: Callable[..., Any]


tls = _thread._local()
#: tid -> logical thread, kept after it ends so reports can name it
LTS: dict[int, LT] = {}

_RACE_DIR = os.path.dirname(os.path.abspath(__file__))
_STDLIB = os.path.dirname(os.__file__)
_HIDDEN_CACHE: dict[str, bool] = {}


def _no_core(lt: LT) -> None:
    pass


_core_set_current = CORE.set_current if CORE is not None else _no_core


def set_current(lt: LT) -> None:
    """Make ``lt`` the logical thread running on this OS thread: the only way ``tls.cur`` is
    changed, as the compiled core caches it per thread."""
    tls.cur = lt
    _core_set_current(lt)


def register(lt: LT) -> LT:
    LTS[lt.tid] = lt
    return lt


def attach(
    name: str | None = None, parent: dict[int, int] | None = None, created: tuple[tuple[str, int, str], ...] = ()
) -> LT:
    """Give the calling OS thread its own logical thread."""
    if name is None:
        import threading

        active = cast("ThreadingModule", threading)._active
        name = active[_thread.get_ident()].name if _thread.get_ident() in active else ""
        name = name or f"Thread-{_thread.get_ident()}"
    lt = register(LT(name, "thread", parent, created=created))
    tls.base = lt
    set_current(lt)
    return lt


def current() -> LT:
    try:
        return tls.cur
    except AttributeError:
        return attach()


def base() -> LT:
    """The OS thread's own logical thread (not the task running on it)."""
    try:
        return tls.base
    except AttributeError:
        return attach()


def hidden(filename: str) -> bool:
    """Frames of the detector itself, left out of reported stacks."""
    r = _HIDDEN_CACHE.get(filename)
    if r is None:
        r = filename.startswith(_RACE_DIR)
        _HIDDEN_CACHE[filename] = r
    return r


def is_library(filename: str) -> bool:
    """Standard library or installed packages: not the user's code."""
    return filename.startswith(_STDLIB) or "site-packages" in filename or "dist-packages" in filename


_BOUNDARIES = {
    ("_run", os.path.join(_STDLIB, "asyncio", "events.py")),
    ("_bootstrap", os.path.join(_STDLIB, "multiprocessing", "process.py")),
}


def is_boundary(code: CodeType) -> bool:
    """Where a stack starts, as a goroutine's does: an event loop callback (``Handle._run``), so
    a task's stack does not go on through the loop to ``asyncio.run``; and a multiprocessing
    child's entry (``BaseProcess._bootstrap``), so a forked child's stacks do not go on through
    the parent's frames that ``fork()`` copied, down to ``Process.start()``."""
    return (code.co_name, code.co_filename) in _BOUNDARIES


def capture_stack(
    frame: FrameType | None = None, limit: int = 24, trim_library: bool = True
) -> tuple[tuple[str, int, str], ...]:
    """Innermost-first (file, line, function) of the caller, without detector frames.

    With ``trim_library`` the innermost standard-library frames are dropped too, so a thread's
    creation stack starts at the user's ``start()`` call rather than inside ``threading``.
    """
    f: FrameType | None = frame if frame is not None else sys._getframe(1)
    out: list[tuple[str, int, str]] = []
    while f is not None and len(out) < limit:
        fn = f.f_code.co_filename
        if out and is_boundary(f.f_code):
            break
        if not hidden(fn) and not (trim_library and not out and is_library(fn)):
            out.append((fn, f.f_lineno, f.f_code.co_name))
        f = f.f_back
    while trim_library and len(out) > 1 and is_library(out[-1][0]):
        out.pop()
    return tuple(out)
