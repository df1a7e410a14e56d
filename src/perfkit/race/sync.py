"""Feed happens-before edges from threading, queue and concurrent.futures into the clocks.

Only primitives created by the user's code (any code outside the standard library) carry a
clock: the locks inside ``queue.Queue`` or ``ThreadPoolExecutor`` would otherwise order every
producer after every other and hide real races. Their semantics are modelled instead
(put→get, submit→run, completion→result). Every blocking wait is announced to the watchdog.
"""

from __future__ import annotations

import _queue
import _thread
import functools
import sys
import threading
from collections import deque
from collections.abc import Callable
from importlib import import_module
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .clock import CORE, LT, acquire, merge, release, sched_point, snapshot, tick
from .state import attach, base, capture_stack, current, hidden, is_library, register, set_current, tls

if TYPE_CHECKING:
    from . import deadlock
    from .state import ThreadingModule

# submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
deadlock = import_module(".deadlock", __package__)

_patched: set[str] = set()
_T = TypeVar("_T")


def _user_frame(depth: int, obj: object = None) -> FrameType | None:
    """The frame that asked for a new primitive, skipping ``super().__init__`` chains of ``obj``."""
    f: FrameType | None = sys._getframe(depth)
    while f is not None and obj is not None and f.f_code.co_name == "__init__" and f.f_locals.get("self") is obj:
        f = f.f_back
    while f is not None and hidden(f.f_code.co_filename):
        f = f.f_back
    if f is None or is_library(f.f_code.co_filename):
        return None
    return f


# ---------------------------------------------------------------- locks


class RaceLock:
    """A ``threading.Lock`` that publishes its holder's clock on release."""

    __slots__ = ("__weakref__", "_inner", "_sc", "name", "serial")
    _reentrant = False

    def __init__(self, inner, frame) -> None:
        self._inner = inner
        self._sc: dict[int, int] = {}
        self.serial, self.name = deadlock.name_lock(frame)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        inner = self._inner
        if self._reentrant and inner._is_owned():
            return inner.acquire(blocking, timeout)
        try:
            lt = tls.cur
        except AttributeError:
            lt = attach()
        held = lt.held
        if held:
            deadlock.before_acquire(lt, self.serial, held)
        if inner.acquire(False):
            ok = True
        elif not blocking:
            ok = False
        elif timeout is None or timeout < 0:
            deadlock.block(f"acquire of {self.name}")
            try:
                ok = inner.acquire()
            finally:
                deadlock.unblock()
        else:
            ok = inner.acquire(True, timeout)
        if ok:
            acquire(lt, self._sc)
            held.append(self.serial)
        return ok

    __enter__ = acquire

    def _publish(self) -> None:
        try:
            lt = tls.cur
        except AttributeError:
            lt = attach()
        release(lt, self._sc)
        sched_point()
        held = lt.held
        serial = self.serial
        if held and held[-1] == serial:
            held.pop()
        elif serial in held:
            del held[len(held) - 1 - held[::-1].index(serial)]

    def release(self) -> None:
        inner = self._inner
        if self._reentrant:
            if inner._is_owned() and inner._recursion_count() == 1:
                self._publish()
        elif inner.locked():
            self._publish()
        inner.release()

    def __exit__(self, *exc) -> None:
        # release() without its reentrancy test for a plain lock: every `with lock:` block's exit
        inner = self._inner
        if self._reentrant:
            return self.release()
        if inner.locked():
            self._publish()
        inner.release()

    def locked(self) -> bool:
        r = self._inner.locked()
        if not r:
            # seeing the lock free observes its last release, like a successful try-lock
            try:
                lt = tls.cur
            except AttributeError:
                lt = attach()
            acquire(lt, self._sc)
        return r

    def _at_fork_reinit(self) -> None:
        self._inner._at_fork_reinit()

    def __repr__(self) -> str:
        return f"<perfkit.race {type(self).__name__} {self.name} {self._inner!r}>"


class RaceRLock(RaceLock):
    """A ``threading.RLock``; also offers the hooks ``threading.Condition`` uses."""

    __slots__ = ()
    _reentrant = True

    def locked(self) -> bool:
        return self._inner._is_owned()

    def _is_owned(self) -> bool:
        return self._inner._is_owned()

    def _release_save(self):
        self._publish()
        return self._inner._release_save()

    def _acquire_restore(self, state) -> None:
        deadlock.block(f"re-acquire of {self.name}")
        try:
            self._inner._acquire_restore(state)
        finally:
            deadlock.unblock()
        lt = current()
        lt.join(self._sc)
        lt.held.append(self.serial)

    def _recursion_count(self) -> int:
        return self._inner._recursion_count()


if CORE is not None:
    # `with lock:` in one C call each way (_core.c, "locks"); the methods above stay its slow path
    CORE.bind_lock(RaceLock, RaceLock.acquire, RaceLock.__exit__)
    _enter, _exit = CORE.lock_methods()
    RaceLock.__enter__ = _enter
    RaceLock.__exit__ = _exit

_orig: dict[str, Callable[..., Any]] = {}


def Lock(*args: Any, **kwargs: Any) -> RaceLock | _thread.LockType:
    frame = _user_frame(2)
    if frame is None:
        return _thread.allocate_lock()
    return RaceLock(_thread.allocate_lock(), frame)


def RLock(*args: Any, **kwargs: Any) -> Any:
    frame = _user_frame(2)
    inner = _orig["RLock"](*args, **kwargs)
    if frame is None:
        return inner
    return RaceRLock(inner, frame)


# ---------------------------------------------------------------- helpers


def _mark(obj: Any) -> None:
    """Give ``obj`` a sync clock when user code created it (called from its ``__init__``)."""
    if _user_frame(3, obj) is not None:
        obj._pk_sc = {}


def _pub(obj: object) -> None:
    sc = getattr(obj, "_pk_sc", None)
    if sc is not None:
        try:
            lt = tls.cur
        except AttributeError:
            lt = attach()
        release(lt, sc)
        sched_point()


def _recv(obj: object, name: str = "_pk_sc") -> None:
    sc = getattr(obj, name, None)
    if sc:
        try:
            lt = tls.cur
        except AttributeError:
            lt = attach()
        acquire(lt, sc)


def _blocking(what: str, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    deadlock.block(what)
    try:
        return fn(*args, **kwargs)
    finally:
        deadlock.unblock()


def _wrap(cls: type, name: str, make: Callable[[Any], Any]) -> None:
    orig = cls.__dict__[name]
    new = make(orig)
    functools.update_wrapper(new, orig)
    new._pk_orig = orig
    setattr(cls, name, new)


# ---------------------------------------------------------------- threads


def _patch_threads() -> None:
    Thread = threading.Thread

    def start(orig):
        def start(self):
            lt = current()
            self._pk_parent = snapshot(lt)
            self._pk_created = capture_stack(sys._getframe(1))
            return orig(self)

        return start

    def bootstrap_inner(orig):
        def _bootstrap_inner(self):
            lt = attach(self.name, getattr(self, "_pk_parent", None), getattr(self, "_pk_created", ()))
            try:
                orig(self)
            finally:
                self._pk_final = dict(lt.vc)

        return _bootstrap_inner

    def join(orig):
        def join(self, timeout=None):
            if timeout is None:
                _blocking(f"join of {self.name}", orig, self)
            else:
                orig(self, timeout)
            final = getattr(self, "_pk_final", None)
            if final is not None and not self.is_alive():
                current().join(final)

        return join

    def is_alive(orig):
        def is_alive(self):
            r = orig(self)
            if not r:
                # seeing the thread finished is what join() returning sees
                final = getattr(self, "_pk_final", None)
                if final is not None:
                    current().join(final)
            return r

        return is_alive

    _wrap(Thread, "start", start)
    _wrap(Thread, "_bootstrap_inner", bootstrap_inner)
    _wrap(Thread, "join", join)
    _wrap(Thread, "is_alive", is_alive)

    threading_module = cast("ThreadingModule", threading)
    shutdown = threading_module._shutdown

    def _shutdown():
        deadlock.block("interpreter exit, waiting for non-daemon threads")
        try:
            return shutdown()
        finally:
            deadlock.unblock()

    threading_module._shutdown = _shutdown


def _patch_primitives() -> None:
    _orig["RLock"] = threading.RLock
    threading_module = cast("ThreadingModule", threading)
    threading_module.Lock = Lock
    threading_module.RLock = RLock
    Condition, Semaphore, Event, Barrier = threading.Condition, threading.Semaphore, threading.Event, threading.Barrier

    def init(orig):
        def __init__(self, *args, **kwargs):
            orig(self, *args, **kwargs)
            _mark(self)

        return __init__

    for cls in (Condition, Semaphore, Event, Barrier):
        _wrap(cls, "__init__", init)

    def cond_init(orig):
        def __init__(self, *args, **kwargs):
            orig(self, *args, **kwargs)
            _mark(self)
            if hasattr(self, "_pk_sc"):
                # only user conditions pay for the wrappers (queue internals use Condition heavily)
                self.__class__ = _race_condition_class(type(self))
                lock_acquire, lock_release = self.acquire, self.release

                def acquire(*a, **k):
                    ok = lock_acquire(*a, **k)
                    if ok:
                        _recv(self)
                    return ok

                def release():
                    _pub(self)
                    lock_release()

                self.acquire, self.release = acquire, release

        return __init__

    Condition.__init__ = cond_init(Condition.__init__.__dict__["_pk_orig"])

    def sem_acquire(orig):
        def acquire(self, blocking=True, timeout=None):
            if blocking and timeout is None:
                ok = _blocking("Semaphore.acquire", orig, self, blocking, timeout)
            else:
                ok = orig(self, blocking, timeout)
            if ok:
                _recv(self)
            return ok

        return acquire

    def sem_release(orig):
        def release(self, n=1):
            _pub(self)
            return orig(self, n)

        return release

    _wrap(Semaphore, "acquire", sem_acquire)
    Semaphore.__enter__ = Semaphore.acquire
    _wrap(Semaphore, "release", sem_release)
    if "release" in threading.BoundedSemaphore.__dict__:
        _wrap(threading.BoundedSemaphore, "release", sem_release)

    def ev_set(orig):
        def set(self):
            _pub(self)
            return orig(self)

        return set

    def ev_wait(orig):
        def wait(self, timeout=None):
            r = _blocking("Event.wait", orig, self) if timeout is None else orig(self, timeout)
            if r:
                _recv(self)
            return r

        return wait

    def ev_is_set(orig):
        def is_set(self):
            r = orig(self)
            if r:
                # observing the flag orders after set(), as Go's atomic load observing a store
                # (and as wait() returning True)
                _recv(self)
            return r

        return is_set

    _wrap(Event, "set", ev_set)
    _wrap(Event, "wait", ev_wait)
    _wrap(Event, "is_set", ev_is_set)

    def bar_wait(orig):
        def wait(self, timeout=None):
            _pub(self)
            r = _blocking("Barrier.wait", orig, self) if timeout is None else orig(self, timeout)
            _recv(self)
            return r

        return wait

    _wrap(Barrier, "wait", bar_wait)


_COND_CLASSES: dict[type[threading.Condition], type[threading.Condition]] = {}


def _race_condition_class(tp: type[threading.Condition]) -> type[threading.Condition]:
    """A subclass of ``tp`` whose enter/exit/wait carry the condition's clock."""
    sub = _COND_CLASSES.get(tp)
    if sub is not None:
        return sub

    def __enter__(self):
        r = tp.__enter__(self)
        _recv(self)
        return r

    def __exit__(self, *args):
        _pub(self)
        return tp.__exit__(self, *args)

    def wait(self, timeout=None):
        _pub(self)
        r = _blocking("Condition.wait", tp.wait, self) if timeout is None else tp.wait(self, timeout)
        _recv(self)
        return r

    ns = {"__enter__": __enter__, "__exit__": __exit__, "wait": wait, "__module__": tp.__module__}
    ns["__qualname__"] = tp.__qualname__
    sub = _COND_CLASSES[tp] = type(tp.__name__, (tp,), ns)
    return sub


# ---------------------------------------------------------------- queue


class SimpleQueue(_queue.SimpleQueue):
    """``queue.SimpleQueue`` with put→get edges when user code created it."""

    def __init__(self) -> None:
        _mark(self)

    def put(self, item, block=True, timeout=None):
        _pub(self)
        return super().put(item, block, timeout)

    def put_nowait(self, item):
        return self.put(item, False)

    def get(self, block=True, timeout=None):
        item = _blocking("SimpleQueue.get", super().get) if block and timeout is None else super().get(block, timeout)
        _recv(self)
        return item

    def get_nowait(self):
        return self.get(False)


def _watch_waits(cond: Any, what: str) -> None:
    """A queue's condition: an indefinite wait is announced to the deadlock watchdog."""
    wait = cond.wait

    def announced_wait(timeout=None):
        if timeout is None:
            return _blocking(what, wait)
        return wait(timeout)

    cond.wait = announced_wait


def _queue_edges(q: Any, queue: ModuleType) -> None:
    """Instrument one queue created by user code, in its ``_put``/``_get`` (called under the
    queue's mutex, so in the items' own order). Nothing wraps ``put``/``get`` themselves: a
    queue made by a library pays nothing, and a user's queue one call per item.

    * ``Queue`` and ``LifoQueue``: each get receives the clock of the put whose item it takes
      (Go's send → receive, per item);
    * other queues (``PriorityQueue``, subclasses with their own storage): a get receives every
      put so far (a PriorityQueue's put too, as it compares the items already queued);
    * bounded queues add Go's capacity rule (:class:`~perfkit.race.clock.Capacity`, inlined:
      this is every item's path).
    """
    per_item = type(q) in (queue.Queue, queue.LifoQueue)
    size = q.maxsize
    sc = q._pk_sc
    clocks: dict[int, dict[int, int]] = {}
    counts = [0, 0]  # receives, sends
    sent: deque = deque()
    take = sent.pop if type(q) is queue.LifoQueue else sent.popleft
    inner_get, inner_put = q._get, q._put

    def _get():
        try:
            lt = tls.cur
        except AttributeError:
            lt = current()
        if per_item:
            if sent:
                merge(lt.vc, take())
        else:
            acquire(lt, sc)
        item = inner_get()
        if size > 0:
            n = counts[0] = counts[0] + 1
            clocks[n] = lt.vc.copy()
            tick(lt)
        return item

    def _put(item):
        try:
            lt = tls.cur
        except AttributeError:
            lt = current()
        if size > 0:
            n = counts[1] = counts[1] + 1
            clock = clocks.pop(n - size, None)
            if clock:
                merge(lt.vc, clock)
        if per_item:
            sent.append(lt.vc.copy())
            tick(lt)
        else:
            acquire(lt, sc)
            release(lt, sc)
        return inner_put(item)

    if CORE is not None:
        # the same two hooks in one C call each (state layout: see _core.c, "queues")
        state = (inner_put, inner_get, per_item, size, sc, clocks, counts, sent.append, take, sent.__len__)
        q._get = functools.partial(CORE.qget, state)
        q._put = functools.partial(CORE.qput, state)
    else:
        q._get, q._put = _get, _put
    _watch_waits(q.not_empty, "Queue.get")
    _watch_waits(q.not_full, "Queue.put")


def patch_queue() -> None:
    if "queue" in _patched:
        return
    _patched.add("queue")
    import queue

    Queue = queue.Queue

    def init(orig):
        def __init__(self, *args, **kwargs):
            orig(self, *args, **kwargs)
            _mark(self)
            if hasattr(self, "_pk_sc"):
                self._pk_done = {}
                _queue_edges(self, queue)

        return __init__

    def task_done(orig):
        def task_done(self):
            done = getattr(self, "_pk_done", None)
            if done is not None:
                release(current(), done)
            return orig(self)

        return task_done

    def join(orig):
        def join(self):
            _blocking("Queue.join", orig, self)
            _recv(self, "_pk_done")

        return join

    _wrap(Queue, "__init__", init)
    _wrap(Queue, "task_done", task_done)
    _wrap(Queue, "join", join)
    queue.SimpleQueue = SimpleQueue  # type: ignore[misc]  # the patch: queue.SimpleQueue() makes ours


# ---------------------------------------------------------------- concurrent.futures


def patch_futures() -> None:
    """``concurrent.futures.Future``: completion → ``result()``/``exception()``/done callbacks,
    ``wait``/``as_completed`` (asyncio's ``run_coroutine_threadsafe`` returns one too)."""
    if "futures" in _patched:
        return
    _patched.add("futures")
    import concurrent.futures as cf
    from concurrent.futures import _base

    Future = _base.Future

    def set_done(orig):
        def setter(self, value):
            lt = current()
            self._pk_clock = dict(lt.vc)
            lt.tick()
            return orig(self, value)

        return setter

    def result_like(orig):
        def getter(self, timeout=None):
            try:
                if timeout is None and not self.done():
                    return _blocking("Future.result", orig, self)
                return orig(self, timeout)
            finally:
                _recv(self, "_pk_clock")

        return getter

    def done(orig):
        def done(self):
            r = orig(self)
            if r:
                # seeing it done observes its completion, as result() does
                _recv(self, "_pk_clock")
            return r

        return done

    _wrap(Future, "set_result", set_done)
    _wrap(Future, "set_exception", set_done)
    _wrap(Future, "result", result_like)
    _wrap(Future, "exception", result_like)
    _wrap(Future, "done", done)

    def add_done_callback(orig):
        def add_done_callback(self, fn):
            # a callback added to a finished future runs here and now: it sees what completed it
            def _pk_done(fut):
                _recv(fut, "_pk_clock")
                return fn(fut)

            return orig(self, _pk_done)

        return add_done_callback

    _wrap(Future, "add_done_callback", add_done_callback)

    orig_wait, orig_as_completed = _base.wait, _base.as_completed

    @functools.wraps(orig_wait)
    def wait(fs, timeout=None, return_when=_base.ALL_COMPLETED):
        if timeout is None:
            done = _blocking("concurrent.futures.wait", orig_wait, fs, timeout, return_when)
        else:
            done = orig_wait(fs, timeout, return_when)
        for f in done.done:
            _recv(f, "_pk_clock")
        return done

    @functools.wraps(orig_as_completed)
    def as_completed(fs, timeout=None):
        for f in orig_as_completed(fs, timeout):
            _recv(f, "_pk_clock")
            yield f

    _base.wait = cf.wait = wait
    _base.as_completed = cf.as_completed = as_completed


def patch_executor() -> None:
    """``ThreadPoolExecutor.submit``: each work item is a logical thread forked from the submitter."""
    if "executor" in _patched:
        return
    _patched.add("executor")
    patch_futures()
    from concurrent.futures import thread

    def submit(orig):
        def submit(self, fn, /, *args, **kwargs):
            snap = snapshot(current())
            created = capture_stack(sys._getframe(1))
            name = getattr(fn, "__qualname__", type(fn).__name__)

            def _pk_task(*a, **k):
                # each work item is its own logical thread, like a goroutine: two items that
                # happen to share a worker are still unordered
                worker = current()
                lt = register(LT(f"{name} on {worker.name}", "executor task", snap, created=created))
                set_current(lt)
                try:
                    return fn(*a, **k)
                finally:
                    set_current(worker)
                    worker.join(lt.vc)

            return orig(self, _pk_task, *args, **kwargs)

        return submit

    _wrap(thread.ThreadPoolExecutor, "submit", submit)


def patch_threading() -> None:
    if "threading" in _patched:
        return
    _patched.add("threading")
    _patch_threads()
    _patch_primitives()
    main = threading.main_thread()
    if getattr(tls, "base", None) is None:
        attach(main.name if _thread.get_ident() == main.ident else None)
    base()
