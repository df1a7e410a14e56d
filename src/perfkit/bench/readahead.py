"""Read the later inputs of a comparison in a second process while the first are read here.

Two 100,000-line files take about as long to parse as to summarise. When a core is free, a
forked child parses the second half of the inputs into a *recording*: the
kinds of result line it met (name, configuration, units) with their values and slots, and every
other record (slow-path results, syntax errors, unit lines left unread), in order. The parent
parses the first half itself, then replays the recording: the same routing calls in the same
order, and ``Unit`` lines read against the metadata of every earlier input. The tables come out
exactly as from reading the inputs one after the other; only the wall time differs.

Used for regular files of Go text on POSIX systems, and only when :func:`spare_core` finds a
core nobody else is running on: a second process only helps when it runs *beside* this one. On a
busy machine it waits for a time slice and adds its pickling and the replay, so it lost time
(and memory) there; then, and with one core (``taskset -c 0``), the inputs are read in order.
``PERFKIT_BENCHSTAT_READAHEAD=0`` (never) or ``1`` (always) overrides the choice.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from perfkit.bench.goreader import GoTextReader, UnitLine
from perfkit.bench.results import Record, Result
from perfkit.errors import PerfkitError

__all__ = ["Recording", "read_ahead", "spare_core", "wanted"]


@dataclass(slots=True)
class _ShapeCopy:
    """A result shape as replayed: what routing needs, with slots in the parent's numbering."""

    name: str
    iters: int
    signature: tuple
    config: Any
    slots: Any


@dataclass
class Recording:
    """What the child read, to be replayed in order."""

    events: list[tuple[str, Any]] = field(default_factory=list)  # ("shapes", [...]) | ("record", r) | ("file", path)
    values: array = field(default_factory=lambda: array("d"))
    slots: array = field(default_factory=lambda: array("i"))
    next_slot: int = 0
    results: dict[str, int] = field(default_factory=dict)  #: results per input path
    error: str | None = None

    # the sink interface the Go text reader fills (see perfkit.bench.benchstat.Builder)
    def new_slots(self, count: int) -> array:
        first = self.next_slot
        self.next_slot += count
        return array("i", range(first, first + count))

    def route_shapes(self, shapes: list) -> None:
        copies = [(s.name, s.iters, s.signature, s.config, s.slots) for s in shapes]
        self.events.append(("shapes", copies))

    def add(self, record: Record) -> None:
        self.events.append(("record", record))

    def replay(self, builder: Any, counted: Callable[[str, int], None]) -> None:
        """File everything into ``builder`` as if it had read the inputs itself."""
        import numpy as np

        theirs, mine = array("i"), array("i")  # the child's slot numbers and the parent's
        for kind, payload in self.events:
            if kind == "file":
                path = payload
                counted(path, self.results.get(path, 0))
            elif kind == "shapes":
                copies = []
                for name, iters, signature, config, slots in payload:
                    ours = builder.new_slots(len(slots))
                    theirs.extend(slots)
                    mine.extend(ours)
                    copies.append(_ShapeCopy(name, iters, signature, config, ours))
                builder.route_shapes(copies)
            elif isinstance(payload, UnitLine):
                for record in payload.read(builder.units):
                    builder.add(record)
            else:
                builder.add(payload)
        builder.results += sum(self.results.values()) - sum(
            1 for kind, r in self.events if kind == "record" and type(r) is Result
        )  # fast-path results (the slow ones were counted by add)
        builder.values.frombytes(self.values.tobytes())
        if len(self.slots):
            mapping = np.full(self.next_slot, -1, dtype=np.int32)
            mapping[np.frombuffer(theirs, dtype=np.int32)] = np.frombuffer(mine, dtype=np.int32)
            builder.slots.frombytes(mapping[np.frombuffer(self.slots, dtype=np.int32)].tobytes())


def wanted() -> bool:
    """Read ahead now? ``PERFKIT_BENCHSTAT_READAHEAD`` = 0 / 1 decides, else :func:`spare_core`."""
    choice = os.environ.get("PERFKIT_BENCHSTAT_READAHEAD", "").strip().lower()
    if choice in ("0", "no", "off", "false"):
        return False
    if choice in ("1", "yes", "on", "true"):
        return True
    return spare_core()


def spare_core() -> bool:
    """Is a core this process may run on idle right now?

    Counts the cores we may use (``sched_getaffinity``: ``taskset`` and cgroup cpusets count)
    and what else is running: the kernel's count of runnable threads this instant
    (``procs_running`` in /proc/stat, which includes us) and the 1-minute load average, the
    larger of the two, so neither a lull between time slices nor a load that just ended
    counts as a free core. Other processes' threads may run on cores we may not use, so this
    errs towards reading in order, which is never slower than on one core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    if cores < 2:
        return False
    others = float(_running_now() - 1)  # ourselves
    with contextlib.suppress(OSError):
        others = max(others, os.getloadavg()[0] - 1.0)  # the last minute may include us too
    return others <= cores - 2 + 0.5  # a whole core left for the child, give or take a sampler


def _running_now(samples: int = 3) -> int:
    """Runnable threads (us included): the fewest of a few looks a millisecond apart, so a
    thread that runs for an instant (a shell, a monitor's sampler) is not taken for a busy core."""
    fewest = None
    for i in range(samples):
        if i:
            time.sleep(0.001)
        try:
            with open("/proc/stat", "rb") as stat:
                for line in stat:
                    if line.startswith(b"procs_running "):
                        count = int(line.split()[1])
                        fewest = count if fewest is None else min(fewest, count)
                        break
        except (OSError, ValueError):
            return 1
    return 1 if fewest is None else fewest


def _record(paths: list[tuple[str, str]], open_input: Callable[[str], tuple[str, Any]]) -> Recording:
    recording = Recording()
    for path, label in paths:
        shown, handle = open_input(path)
        recording.events.append(("file", path))
        before = len(recording.events)
        try:
            fast = GoTextReader(shown, label, {}, defer_units=True).feed(handle, recording)
        finally:
            handle.close()
        slow = sum(1 for kind, r in recording.events[before:] if kind == "record" and type(r) is Result)
        recording.results[path] = fast + slow
    return recording


def read_ahead(
    paths: list[tuple[str, str]], open_input: Callable[[str], tuple[str, Any]]
) -> Callable[[], Recording] | None:
    """Start reading ``paths`` (path, label) in a child process; returns a function that waits
    for and returns its :class:`Recording`, or None where forking is not possible."""
    if not hasattr(os, "fork"):
        return None
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send, leave without running the parent's clean-ups
        os.close(read_fd)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            try:
                recording = _record(paths, open_input)
            except PerfkitError as exc:
                recording = Recording(error=str(exc))
            data = pickle.dumps(recording, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(write_fd)

    def collect() -> Recording:
        try:
            with os.fdopen(read_fd, "rb") as incoming:
                data = incoming.read()
        finally:
            os.waitpid(pid, 0)
        if not data:
            raise PerfkitError("reading the inputs in a second process failed; set PERFKIT_BENCHSTAT_READAHEAD=0")
        recording = pickle.loads(data)
        if recording.error:
            raise PerfkitError(recording.error)
        return recording

    return collect
