"""Go's vocabulary for the translated cases: ``go`` starts a goroutine (a thread), a channel is
a ``queue.Queue`` (buffered with its capacity; ``Queue()`` where Go sends once and receives once,
which orders the same way: the send happens before the receive completes)."""

from __future__ import annotations

import queue
import threading

_threads: list[threading.Thread] = []


def go(fn, *args) -> None:
    t = threading.Thread(target=fn, args=args, daemon=True)
    _threads.append(t)
    t.start()


def chan(capacity: int = 0) -> queue.Queue:
    """``make(chan T, capacity)``; capacity 0 (unbuffered) becomes an unbounded queue."""
    return queue.Queue(maxsize=capacity)


def join_all() -> None:
    """Between cases: every goroutine of the last case has ended."""
    while _threads:
        _threads.pop().join(10)
