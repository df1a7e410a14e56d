"""Vector clocks and FastTrack epochs for logical threads (OS threads and asyncio tasks).

An epoch packs ``clock << 32 | tid`` into one int so the hot path compares plain ints and
allocates nothing. Shadow state stores an epoch negated when the access was not atomic, so one
int carries who, when and how.
"""

from __future__ import annotations

import _thread
import itertools
import os
from importlib import import_module
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Protocol

    class Core(Protocol):
        """The compiled core (``_core.c``) as the Python side calls it by name; ``runtime``
        also takes its access helpers (``ga``, ``sa``...) by name, with the same signatures as
        its own. ``tests/race`` checks that the built module has every name listed here."""

        VERSION: int
        Loc: type

        def init(self, *state: object) -> None: ...
        def init_shadow(
            self, flags: dict[type, int], ref: type, dead: Callable[[Any], None], owner: object, lt: type
        ) -> None: ...
        def dead(self, ref: Any, /) -> None: ...
        def outer(self) -> int: ...
        def merge(self, dst: dict[int, int], src: dict[int, int], /) -> None: ...
        def release(self, lt: LT, sc: dict[int, int], /) -> None: ...
        def acquire(self, lt: LT, sc: dict[int, int] | None, /) -> None: ...
        def tick(self, lt: LT, /) -> None: ...
        def sched_point(self) -> None: ...
        def set_current(self, lt: LT, /) -> None: ...
        def set_perturb(self, perturb_us: int, /) -> None: ...
        def sched_stats(self) -> tuple[int, int, int]: ...
        def bind_lock(self, cls: type, acquire: Callable[..., Any], exit: Callable[..., Any], /) -> None: ...
        def lock_methods(self) -> tuple[Callable[..., Any], Callable[..., Any]]: ...
        def qput(self, state: tuple[Any, ...], item: Any, /) -> Any: ...
        def qget(self, state: tuple[Any, ...], /) -> Any: ...


SHIFT = 32
MASK = (1 << SHIFT) - 1
ONE = 1 << SHIFT

_tids = itertools.count(1)
#: guards merges into sync clocks shared by several threads (queues, events, futures)
meta_lock = _thread.allocate_lock()


class LT:
    """A logical thread: one OS thread, or one asyncio task running on an OS thread."""

    __slots__ = ("__weakref__", "blocked", "created", "e", "held", "kind", "name", "ne", "os", "tid", "vc")

    def __init__(
        self, name: str, kind: str = "thread", parent: dict[int, int] | None = None, os_tid: int = 0, created=()
    ) -> None:
        tid = next(_tids)
        self.tid = tid
        vc = dict(parent) if parent else {}
        vc[tid] = 1
        self.vc: dict[int, int] = vc
        self.e = ONE | tid
        self.ne = -self.e
        self.name = name
        self.kind = kind
        #: tid of the OS thread this logical thread runs on (itself for an OS thread)
        self.os = os_tid or tid
        self.created = created
        self.held: list = []
        self.blocked: str | None = None

    def tick(self) -> None:
        """Start a new epoch (after a release or a fork) so later accesses are not covered by it."""
        c = self.vc[self.tid] + 1
        self.vc[self.tid] = c
        self.e = (c << SHIFT) | self.tid
        self.ne = -self.e

    def join(self, other: dict[int, int]) -> None:
        """Acquire: everything ``other`` saw happens before this thread's next access."""
        vc = self.vc
        get = vc.get
        for k, v in other.items():
            if get(k, 0) < v:
                vc[k] = v

    def label(self) -> str:
        return f"{self.kind} {self.name}"


def ordered(epoch: int, lt: LT) -> bool:
    """Whether the access stamped ``epoch`` (signed) happens before ``lt``'s current point."""
    if epoch < 0:
        epoch = -epoch
    return (epoch >> SHIFT) <= lt.vc.get(epoch & MASK, 0)


def tid_of(epoch: int) -> int:
    return (-epoch if epoch < 0 else epoch) & MASK


def _merge_locked(dst: dict[int, int], src: dict[int, int], /) -> None:
    with meta_lock:
        get = dst.get
        for k, v in src.items():
            if get(k, 0) < v:
                dst[k] = v


#: ``dst |= max src`` in one step; the compiled core's needs no lock (it runs under the GIL
#: without a switch), the Python one takes ``meta_lock``, which threads convoy on
merge = _merge_locked


def release(lt: LT, sc: dict[int, int], /) -> None:
    """Publish ``lt``'s clock into a sync object's clock, then start a new epoch."""
    merge(sc, lt.vc)
    lt.tick()


def acquire(lt: LT, sc: dict[int, int] | None, /) -> None:
    """Receive a sync object's clock (``dict(sc)`` is one step: no lock needed to copy it)."""
    if sc:
        lt.join(sc.copy())


def tick(lt: LT, /) -> None:
    lt.tick()


#: the ``_core.c`` this Python code goes with (its CORE_VERSION)
CORE_VERSION = 5


def load_core() -> Core | None:
    """The compiled core (``_core.c``), or None: not built, built from other sources (a stale
    build: reinstall with ``pip install -e .``), or ``PERFKIT_RACE_PURE=1``."""
    if os.environ.get("PERFKIT_RACE_PURE") == "1":
        return None
    try:
        core = import_module("._core", __package__)
    except ImportError:
        return None
    # a module built from the _core.c this code goes with is what Core describes
    return cast("Core", core) if getattr(core, "VERSION", None) == CORE_VERSION else None


def sched_point() -> None:
    """A synchronisation point: the compiled core may give the GIL away after it (see _core.c)."""


CORE = load_core()
if CORE is not None:
    # the same rules in one C call each (and a merge that needs no lock)
    merge, release, acquire, tick = CORE.merge, CORE.release, CORE.acquire, CORE.tick
    sched_point = CORE.sched_point
    LT.join = lambda self, other: merge(self.vc, other)


def snapshot(lt: LT) -> dict[int, int]:
    """A copy of ``lt``'s clock for a fork edge (thread start, task creation, executor submit)."""
    snap = dict(lt.vc)
    lt.tick()
    return snap


class Capacity:
    """Go's rule for a buffered channel of capacity C: the k-th receive happens before the
    (k+C)-th send completes. So a ``Queue(maxsize=1)`` used as a mutex orders like one.

    Called under the queue's own mutex (or on its event loop), so counts follow the real order.
    At most C receive clocks wait for their send.
    """

    __slots__ = ("clocks", "gets", "puts", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self.gets = 0
        self.puts = 0
        self.clocks: dict[int, dict[int, int]] = {}

    def got(self, lt: LT) -> None:
        self.gets += 1
        self.clocks[self.gets] = lt.vc.copy()
        tick(lt)

    def put(self, lt: LT) -> None:
        self.puts += 1
        clock = self.clocks.pop(self.puts - self.size, None)
        if clock:
            merge(lt.vc, clock)
