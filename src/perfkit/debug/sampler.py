"""The in-process sampler: a background thread that reads every thread's Python stack (and, in
wall mode, every waiting asyncio task's await stack) ``hz`` times a second.

Two modes, as Go separates CPU profiles from goroutine (wall) views:

* ``cpu``: a thread is sampled only if its CPU clock advanced since the previous tick, and the
  sample is weighted by exactly that CPU time (``cpu/nanoseconds``), so threads waiting on
  locks, I/O or the GIL cost nothing and the total equals the CPU the threads really used.
  A thread found in a call that released the GIL (a socket send, a poll, a lock wait: see
  :mod:`perfkit.debug.callsite`) is where the sampler lands whenever that thread lets go of the
  GIL, so there only the thread's system-time share of the CPU is charged; the rest, the Python
  code it ran before the call, goes to where the thread is next seen running.
* ``wall``: every thread is sampled every tick, weighted by the tick's wall time
  (``wall/nanoseconds``); each suspended asyncio task adds a sample of its await stack.

Labels: ``thread`` (the thread's name) and ``task`` (the asyncio task running on that thread,
or the suspended task itself).  Per tick the cost is one ``sys._current_frames()``, one frame
walk per thread into a flat ``(code, line, ...)`` tuple and one dict update; frames are named
and interned only when the profile is built (see :mod:`perfkit.debug.frames`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from perfkit.debug import callsite, cpustate, gil, tasks
from perfkit.debug.frames import Interner, walk
from perfkit.model import CPU_NS, SAMPLES, WALL_NS, Profile

MODES = ("cpu", "wall")
DEFAULT_HZ = 100
#: GIL switch interval while a CPU profile runs (Python's default is 5 ms): see :meth:`Sampler._run`
SWITCH_INTERVAL = 0.00002
MAX_HZ = 1000

#: aggregation key: (thread ident, task name or "", stack tuple); value: [count, nanoseconds]
_Key = tuple[int, str, tuple]


class Sampler:
    """Samples this process's threads from a background thread between :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        hz: int = DEFAULT_HZ,
        mode: str = "cpu",
        *,
        exclude: set[int] | None = None,
        labels: dict[str, str] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: use one of {', '.join(MODES)}")
        if not 1 <= hz <= MAX_HZ:
            raise ValueError(f"hz {hz}: use 1..{MAX_HZ}")
        self.hz = hz
        self.mode = mode
        self._exclude = set(exclude or ())
        self._labels = dict(labels or {})  #: added to every sample (``pid`` in a worker group)
        self._counts: dict[_Key, list[int]] = {}
        self._names: dict[int, str] = {}
        self._native: dict[int, int | None] = {}
        self._last_cpu: dict[int, int] = {}
        self._task_names: dict[tuple, str] = {}
        self._saved_interval = 0.005
        self._carried: dict[int, int] = {}  #: CPU a thread used before it blocked, not yet charged
        self._blocked_at: dict[int, _Key] = {}
        self._shares: dict[int, tuple[int, float]] = {}  #: thread -> (when read, system share of its CPU)
        self._stat_base: dict[int, tuple[int, int]] = {}  #: thread -> (utime, stime) ticks at the start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0
        self.start_ns = 0
        self.duration_ns = 0
        self.sampler_cpu_ns = 0

    # --------------------------------------------------------------------------- lifecycle
    def start(self) -> Sampler:
        """Start sampling in a daemon thread named ``perfkit-sampler``."""
        if self._thread is not None:
            raise RuntimeError("a Sampler runs once; make a new one")
        self._refresh_threads()
        if self.mode == "cpu":  # baseline: only CPU used from now on counts
            for ident, tid in self._native.items():
                cpu = cpustate.thread_cpu_ns(tid)
                if cpu is not None:
                    self._last_cpu[ident] = cpu
                stat = cpustate.read_stat(tid) if tid is not None else None
                if stat is not None:
                    self._stat_base[ident] = (stat.utime_ticks, stat.stime_ticks)
        self.start_ns = time.time_ns()
        self._thread = threading.Thread(target=self._run, name="perfkit-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> Profile:
        """Stop sampling and return the profile gathered."""
        if self._thread is None:
            raise RuntimeError("the sampler was never started")
        self._stop.set()
        self._thread.join()
        return self.profile()

    def collect(self, seconds: float) -> Profile:
        """Sample for ``seconds`` (the calling thread just waits and is not sampled)."""
        self._exclude.add(threading.get_ident())
        self.start()
        try:
            self._stop.wait(seconds)
        finally:
            profile = self.stop()
        return profile

    # --------------------------------------------------------------------------- sampling
    def _run(self) -> None:
        """Tick ``hz`` times a second.  In cpu mode the GIL switch interval drops to
        :data:`SWITCH_INTERVAL` meanwhile: the sampler reads stacks only when it holds the GIL, and
        with Python's 5 ms it would almost always get it when the running thread releases the GIL
        for a system call (a socket ``send`` in ``write``, an ``epoll_wait``), so the CPU of the
        Python code before it would be charged to that call.  With 20 µs it gets the GIL at a
        point of the running code itself.  Only a thread waiting for the GIL uses the interval,
        so with one busy thread it costs nothing; with two or more busy threads they would hand
        the GIL to each other 250 times as often, so then (see :meth:`_tick`) Python's interval
        is kept: busy threads are already preempted in their Python code every 5 ms, and
        that is where the sampler finds them.  See reports/debug-attribution.md."""
        self._saved_interval = gil.SwitchInterval.enter()
        try:
            self._loop()
        finally:
            gil.SwitchInterval.leave()

    def _loop(self) -> None:
        me = threading.get_ident()
        self._exclude.add(me)
        period = 1_000_000_000 // self.hz
        begin = last = time.monotonic_ns()
        cpu_begin = time.thread_time_ns()
        deadline = begin + period
        wait = self._stop.wait
        while not wait(max(0, deadline - time.monotonic_ns()) / 1e9):
            now = time.monotonic_ns()
            self._tick(now - last)
            last = now
            deadline += period
            if deadline < now:  # fell behind (a long GC pause): skip the missed ticks
                deadline = now + period
        self.duration_ns = time.monotonic_ns() - begin
        self.sampler_cpu_ns = time.thread_time_ns() - cpu_begin
        for ident, carried in self._carried.items():  # never seen running again: keep the total exact
            row = self._counts.setdefault(self._blocked_at[ident], [0, 0])
            row[0] += 1
            row[1] += carried
        self._carried.clear()

    def _tick(self, elapsed_ns: int) -> None:
        self.ticks += 1
        frames = sys._current_frames()
        names = self._names
        if any(ident not in names for ident in frames):
            self._refresh_threads()
        running = tasks.current_tasks() if "asyncio" in sys.modules else {}
        exclude = self._exclude
        cpu_mode = self.mode == "cpu"
        busy = 0
        for ident, frame in frames.items():
            if ident in exclude:
                continue
            task = running.get(ident)
            if cpu_mode:
                weight = self._cpu_delta(ident)
                if weight <= 0:
                    continue
                busy += weight > elapsed_ns // 4
                if callsite.releases_gil(frame):
                    # found in a system call or a wait, where the sampler gets the GIL at once:
                    # only the thread's system-time share of this CPU is the call's; the rest
                    # ran its code before the call and goes to where it is next seen running
                    # (see perfkit.debug.callsite and reports/debug-attribution.md)
                    here = int(weight * self._system_share(ident))
                    self._carried[ident] = self._carried.get(ident, 0) + weight - here
                    key = (ident, tasks.task_name(task) if task is not None else "", walk(frame))
                    self._blocked_at[ident] = key
                    if here > 0:
                        self._count(key, here)
                    continue
                weight += self._carried.pop(ident, 0)
            else:
                weight = elapsed_ns
            self._count((ident, tasks.task_name(task) if task is not None else "", walk(frame)), weight)
        del frames
        if cpu_mode:
            interval = self._saved_interval if busy > 1 else min(self._saved_interval, SWITCH_INTERVAL)
            if sys.getswitchinterval() != interval:
                sys.setswitchinterval(interval)
        if not cpu_mode and running is not None:
            self._tick_tasks(elapsed_ns, running)

    def _count(self, key: _Key, nanoseconds: int) -> None:
        row = self._counts.get(key)
        if row is None:
            self._counts[key] = [1, nanoseconds]
        else:
            row[0] += 1
            row[1] += nanoseconds

    def _cpu_delta(self, ident: int) -> int:
        """CPU ns the thread used since the last tick; 0 when its clock cannot be read (a thread
        whose CPU use is unknown is never counted as busy)."""
        cpu = cpustate.thread_cpu_ns(self._native.get(ident))
        if cpu is None:
            return 0
        delta = cpu - self._last_cpu.get(ident, 0)  # new threads' clocks start at 0
        self._last_cpu[ident] = cpu
        return delta

    def _system_share(self, ident: int) -> float:
        """The share of system time in the thread's CPU since sampling began (its whole life's
        until that is a few clock ticks), read from /proc at most once a second per thread."""
        now = time.monotonic_ns()
        cached = self._shares.get(ident)
        if cached is not None and now - cached[0] < 1_000_000_000:
            return cached[1]
        stat = cpustate.read_stat(self._native.get(ident)) if self._native.get(ident) is not None else None
        if stat is None:
            share = 0.0
        else:
            base = self._stat_base.setdefault(ident, (stat.utime_ticks, stat.stime_ticks))
            user, system = stat.utime_ticks - base[0], stat.stime_ticks - base[1]
            if user + system < 10:
                user, system = stat.utime_ticks, stat.stime_ticks
            share = system / (user + system) if user + system else 0.0
        self._shares[ident] = (now, share)
        return share

    def _tick_tasks(self, elapsed_ns: int, running: dict[int, Any]) -> None:
        busy = {id(t) for t in running.values()}
        for task in tasks.all_tasks():
            if id(task) in busy:
                continue  # its frames are on its thread's stack, sampled above
            stack, _ = tasks.await_stack(task)
            key = (-1 - (tasks.loop_thread(task.get_loop()) or 0), tasks.task_name(task), ("await", stack))
            self._count(key, elapsed_ns)

    def _refresh_threads(self) -> None:
        for thread in threading.enumerate():
            if thread.ident is not None:
                self._names[thread.ident] = thread.name
                self._native[thread.ident] = cpustate.native_id(thread)

    # --------------------------------------------------------------------------- result
    def profile(self) -> Profile:
        """The samples so far as a :class:`Profile` (``samples/count`` + cpu or wall ns)."""
        time_type = CPU_NS if self.mode == "cpu" else WALL_NS
        period = 1_000_000_000 // self.hz
        profile = Profile([SAMPLES, time_type], default_type=1, period=period, period_type=time_type)
        interner = Interner(profile)
        for (ident, task, stack), (count, value) in list(self._counts.items()):
            if stack and stack[0] == "await":
                sid = interner.root_first(stack[1])
                thread = self._names.get(-1 - ident) if ident < 0 else None
            else:
                sid = interner.leaf_first(stack)
                thread = self._names.get(ident, f"thread {ident}")
            labels = dict(self._labels)
            if thread:
                labels["thread"] = thread
            if task:
                labels["task"] = task
            profile.add_ids(sid, (count, value), profile.labelset_id(labels))
        profile.metadata.update(
            {
                "backend": "perfkit.debug",
                "mode": self.mode,
                "rate": self.hz,
                "pid": os.getpid(),
                "python": sys.version.split()[0],
                "command": list(sys.argv),
                "start_ns": self.start_ns,
                "duration_ns": self.duration_ns,
                "ticks": self.ticks,
                "sampler_cpu_ns": self.sampler_cpu_ns,
                "period": f"each sample stands for the {self.mode} time its thread used since the previous tick",
            }
        )
        return profile


def profile(seconds: float, hz: int = DEFAULT_HZ, mode: str = "cpu") -> Profile:
    """Sample this process for ``seconds`` and return the profile (blocks the caller)."""
    return Sampler(hz, mode).collect(seconds)
