"""Per-thread CPU time and scheduler state, to tell on-CPU threads from waiting ones.

Why CPU clocks and not only ``/proc/self/task/TID/stat``'s state letter: a Python thread that
wants the GIL sleeps on a condition variable (state ``S``), and while the sampler runs it holds
the GIL, so busy Python threads are almost never seen in state ``R``.  The thread's CPU clock
(``clock_gettime`` on the kernel's per-thread clock) advances only while it really ran, so the
sampler weights each stack by the CPU time its thread used since the previous tick.

The clock id is built from the kernel thread id (``threading.get_native_id``) the way Linux
defines it (``MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)``) instead of ``pthread_getcpuclockid``,
which reads a ``pthread_t`` that may already be freed if the thread has just exited; a dead tid
only makes ``clock_gettime`` fail with EINVAL.

After ``os.fork()`` the thread that forked lives on in the child with a new kernel id, but
``threading`` keeps the parent's (``main_thread().native_id`` is the parent's pid on 3.11-3.13),
and that id names no thread of the child; :func:`native_id` corrects it (``os.register_at_fork``).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass

#: state letters of /proc/PID/task/TID/stat (proc(5)) and what a dump calls them
STATES = {
    "R": "running",
    "S": "sleeping",
    "D": "disk sleep",
    "T": "stopped",
    "t": "tracing stop",
    "Z": "zombie",
    "X": "dead",
    "I": "idle",
    "P": "parked",
    "W": "waking",
}


def linux_thread_clock(tid: int) -> int:
    """The CPU clock id of kernel thread ``tid`` (CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED)."""
    return ((~tid) << 3) | 6


def _clock_formula_works() -> bool:
    if not sys.platform.startswith("linux") or not hasattr(time, "pthread_getcpuclockid"):
        return False
    try:
        return time.pthread_getcpuclockid(threading.get_ident()) == linux_thread_clock(threading.get_native_id())
    except (OSError, AttributeError):
        return False


HAVE_THREAD_CLOCKS = _clock_formula_works()

#: thread ident -> kernel id, for the thread that survived a fork (threading keeps a stale one)
_FORKED: dict[int, int] = {}


def _after_fork_in_child() -> None:
    _FORKED.clear()
    _FORKED[threading.get_ident()] = threading.get_native_id()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def native_id(thread: threading.Thread) -> int | None:
    """The kernel thread id of ``thread`` in this process (right after a fork too)."""
    ident = thread.ident
    if ident is not None and ident in _FORKED:
        return _FORKED[ident]
    return getattr(thread, "native_id", None)


def thread_cpu_ns(tid: int | None) -> int | None:
    """CPU time (user + system) thread ``tid`` has used, in ns; None if unknown or gone."""
    if tid is None:
        return None
    if HAVE_THREAD_CLOCKS:
        try:
            return time.clock_gettime_ns(linux_thread_clock(tid))
        except (OSError, OverflowError):
            return None
    stat = read_stat(tid)
    return None if stat is None else stat.cpu_ns


@dataclass(frozen=True, slots=True)
class TaskStat:
    """The fields perfkit uses from one ``/proc/self/task/TID/stat`` line."""

    state: str  #: one letter, see :data:`STATES`
    utime_ticks: int
    stime_ticks: int

    @property
    def cpu_ns(self) -> int:
        return (self.utime_ticks + self.stime_ticks) * _TICK_NS

    @property
    def state_name(self) -> str:
        return STATES.get(self.state, self.state)


def _tick_ns() -> int:
    try:
        return 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError, ZeroDivisionError):
        return 10_000_000


_TICK_NS = _tick_ns()


def parse_stat(text: str) -> TaskStat:
    """Parse a stat line. The command name (field 2) is in parentheses and may itself hold
    spaces and parentheses, so fields are counted from the *last* ``)``.  Raises ValueError."""
    head, paren, rest = text.rpartition(")")
    if not paren or "(" not in head:
        raise ValueError("no '(comm)' field in the stat line")
    fields = rest.split()
    # after comm: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15)
    if len(fields) < 13:
        raise ValueError(f"stat line has {len(fields) + 2} fields, expected at least 15")
    state = fields[0]
    if len(state) != 1 or not state.isalpha():
        raise ValueError(f"bad state field {state[:20]!r}")
    utime, stime = fields[11], fields[12]
    if not (utime.isdigit() and stime.isdigit()):
        raise ValueError("utime/stime are not counts")
    return TaskStat(state, int(utime), int(stime))


def read_stat(tid: int) -> TaskStat | None:
    """``/proc/self/task/TID/stat`` of one of our threads, or None (not Linux, thread gone)."""
    try:
        with open(f"/proc/self/task/{int(tid)}/stat", encoding="ascii", errors="replace") as handle:
            return parse_stat(handle.read())
    except (OSError, ValueError):
        return None


def thread_state(tid: int | None) -> str:
    """``running``, ``sleeping``, ... for a dump; ``unknown`` without /proc."""
    stat = read_stat(tid) if tid is not None else None
    return "unknown" if stat is None else stat.state_name
