"""Run a function in a forked copy of this process and bring its bytes back through a pipe.

Why: the heap profile is built from tracemalloc's traces, and while tracemalloc traces, every
allocation the building makes is itself traced, with a traceback whose line numbers CPython
computes by scanning each frame's line table: building and encoding a profile of a 26 MB heap
costs the service about ten times its plain cost (3-4 s of CPU instead of 0.4 s, most of it in
``_PyCode_CheckLineNumber``), all of it holding the GIL the service's threads need.  A forked
child has a copy of the traces as they were at the fork; it switches tracing off (its own copy
only) and does the work at the plain cost on its own core, while the service keeps running: the
requesting thread only waits on the pipe, without the GIL.

The child runs only the given function (the service's other threads do not exist in it), never
returns into the caller's code and leaves with ``os._exit``: no atexit handlers, no flushing of
buffers it shares with the parent.  Anything going wrong (fork refused, the child failing,
crashing or running past the timeout, killed then) raises :class:`Unavailable`, and the caller
does the work in process instead.  Off with ``PERFKIT_DEBUG_FORK=0``; Linux only (fork of a
threaded process is not safe on macOS).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import time
import warnings
from collections.abc import Callable

_HEADER = 9  #: one kind byte (b"K" result, b"E" error) and the payload length, 8 bytes big-endian
_CHUNK = 1 << 20


# Python 3.12+ warns on every fork of a threaded process; here the child runs only ``make`` and a
# child that hangs is killed (the time limit), so the warning would only alarm the service's logs
warnings.filterwarnings("ignore", r"This process .* is multi-threaded", DeprecationWarning, __name__)


class Unavailable(RuntimeError):
    """The child could not give an answer: do the work in process."""


def usable() -> bool:
    """Whether :func:`call` may fork here (Linux, ``os.fork``, not switched off)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and os.environ.get("PERFKIT_DEBUG_FORK") != "0"


def call(make: Callable[[], bytes], timeout: float) -> bytes:
    """``make()`` run in a forked child; its bytes.  Raises :class:`Unavailable`."""
    if not usable():
        raise Unavailable("forking is off here")
    read_fd, write_fd = os.pipe()  # both close on exec, so no exec'd process keeps the pipe open
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        raise Unavailable(f"fork: {exc}") from None
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        _child(make, read_fd, write_fd)
    os.close(write_fd)
    try:
        data = _read_until_eof(read_fd, time.monotonic() + timeout)
    except Unavailable:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_fd)
        _reap(pid)
    kind, size = data[:1], int.from_bytes(data[1:_HEADER], "big")
    if kind == b"K" and len(data) == _HEADER + size:
        return data[_HEADER:]
    if kind == b"E":
        raise Unavailable(f"the child failed: {data[_HEADER : _HEADER + size].decode('utf-8', 'replace')}")
    raise Unavailable(f"the child's answer was cut short ({len(data)} bytes)")


def _child(make: Callable[[], bytes], read_fd: int, write_fd: int) -> None:  # pragma: no cover
    """In the child: never return, always ``os._exit``."""
    code = 1
    try:
        os.close(read_fd)
        # the service's handlers (a server's graceful-exit flag) mean nothing here: a signal ends the child
        for number in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError, OSError):
                signal.signal(number, signal.SIG_DFL)
        try:
            payload, kind = make(), b"K"
        except Exception as exc:  # reported to the parent, which then works in process
            payload, kind = f"{type(exc).__name__}: {exc}"[:500].encode("utf-8", "replace"), b"E"
        _write_all(write_fd, kind + len(payload).to_bytes(8, "big"))
        _write_all(write_fd, payload)
        code = 0
    finally:
        os._exit(code)


def _write_all(fd: int, data: bytes) -> None:  # pragma: no cover - runs in the child
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view[:_CHUNK]) :]


def _read_until_eof(fd: int, deadline: float) -> bytes:
    """Everything the child writes, waiting without the GIL (poll: any fd number works)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Unavailable("the child ran past its time limit; killed")
        if not poller.poll(min(left, 1.0) * 1000):
            continue
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int) -> None:
    """Wait for the child (it exits right after writing, or was killed); never leave a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):  # the service reaps its children itself
        os.waitpid(pid, 0)
