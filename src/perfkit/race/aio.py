"""asyncio: each Task is a logical thread; task steps between awaits are atomic.

Every task's coroutine is wrapped so that each step (from one suspension to the next) runs as
the task's logical thread with a fresh epoch. Edges come from task creation (parent → child),
awaiting a task, future or gather (completion → awaiter), and asyncio's Lock, Event, Condition
(through its lock), Semaphore, Barrier and Queue. The event loop's scheduling itself is not an
edge: two tasks of one loop race only through a lost update across an await (see runtime).
"""

from __future__ import annotations

import collections.abc
import sys
import weakref
from typing import TYPE_CHECKING, Any, cast

from .clock import LT, Capacity, acquire, release, snapshot
from .state import base, capture_stack, current, register, set_current, tls

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Coroutine
    from typing import Protocol, TypeVar, TypeVarTuple

    _Ts = TypeVarTuple("_Ts")
    _R = TypeVar("_R")

    class TasksInternals(Protocol):
        """``asyncio.tasks`` with the private coroutine ``wait`` and ``wait_for`` wait by."""

        _wait: Callable[..., Coroutine[Any, Any, tuple[set[asyncio.Future[Any]], set[asyncio.Future[Any]]]]]

    class FuturesInternals(Protocol):
        """``asyncio.futures`` with the private function that completes a future from another."""

        _copy_future_state: Callable[[asyncio.Future[Any], asyncio.Future[Any]], None]


#: task -> its wrapped coroutine (which knows the task's logical thread and final clock)
_TASKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_done = False


class _Coro(collections.abc.Coroutine):
    """A coroutine that runs each step of its task as that task's logical thread."""

    __slots__ = ("__weakref__", "_coro", "final", "lt", "waiting")

    def __init__(self, coro, lt: LT) -> None:
        self._coro = coro
        self.lt = lt
        self.waiting = None
        self.final: dict[int, int] | None = None

    def _step(self, fn, *args):
        lt = self.lt
        w = self.waiting
        if w is not None:
            self.waiting = None
            received(lt, w)
        lt.tick()
        try:
            prev = tls.cur
        except AttributeError:
            prev = base()
        set_current(lt)
        try:
            r = fn(*args)
        except BaseException:
            self.final = dict(lt.vc)
            # the task's done callbacks see what it did (see call_soon); the loop's thread sees
            # it only once the loop stops, or every callback would order every later task
            done = _loop_done()
            for k, v in self.final.items():
                if done.get(k, 0) < v:
                    done[k] = v
            raise
        finally:
            set_current(prev)
        self.waiting = r
        return r

    def send(self, value):
        return self._step(self._coro.send, value)

    def throw(self, *args):
        return self._step(self._coro.throw, *args)

    def close(self):
        return self._coro.close()

    def __await__(self):
        return self._coro.__await__()

    def __getattr__(self, name: str):
        return getattr(self._coro, name)

    def __repr__(self) -> str:
        return repr(self._coro)


def received(lt: LT, fut: object) -> None:
    """``lt`` resumes after ``fut`` completed: join whatever completed it."""
    clock = clock_of(fut)
    if clock:
        lt.join(clock)
    children = getattr(fut, "_children", None)
    if children:
        for child in children:
            received(lt, child)


def _loop_done() -> dict[int, int]:
    """The clocks of every task finished on this OS thread's loop so far."""
    try:
        return tls.aio_done
    except AttributeError:
        tls.aio_done = {}
        return tls.aio_done


def clock_of(fut: object) -> dict[int, int] | None:
    """What completing ``fut`` published: its task's final clock or the completer's stamp."""
    try:
        w = _TASKS.get(fut)
    except TypeError:
        w = None
    if w is not None and w.final:
        return w.final
    return getattr(fut, "_pk_clock", None)


def _done_callback(cb: Callable[[*_Ts], _R], fut: object, clock: dict[int, int]) -> Callable[[*_Ts], _R]:
    """Run ``cb(fut)`` on the loop's thread knowing what completed ``fut``, and nothing more."""
    return _with_clock(cb, clock)


def _with_clock(cb: Callable[[*_Ts], _R], clock: dict[int, int]) -> Callable[[*_Ts], _R]:
    """``cb`` run on the loop's thread after the point ``clock`` stands for, and nothing more."""

    def run(*args: *_Ts) -> _R:
        lt = base()
        saved = dict(lt.vc)
        lt.join(clock)
        try:
            return cb(*args)
        finally:
            own = lt.vc[lt.tid]
            lt.vc = saved
            saved[lt.tid] = own
            lt.tick()

    return run


def _stamp(fut: Any) -> None:
    lt = current()
    fut._pk_clock = dict(lt.vc)
    lt.tick()


def _sc(obj: Any) -> dict[int, int]:
    sc = obj.__dict__.get("_pk_sc")
    if sc is None:
        sc = obj._pk_sc = {}
    return sc


def _capacity(q: Any) -> Capacity:
    cap = q.__dict__.get("_pk_cap")
    if cap is None:
        cap = q._pk_cap = Capacity(q._maxsize)
    return cap


def _pub(obj: Any) -> None:
    release(current(), _sc(obj))


def _recv(obj: Any) -> None:
    acquire(current(), obj.__dict__.get("_pk_sc"))


def _wrap(cls: type, name: str, make: Callable[[Any], Any]) -> None:
    orig = cls.__dict__[name]
    new = make(orig)
    new.__name__, new.__qualname__, new.__doc__ = orig.__name__, orig.__qualname__, orig.__doc__
    setattr(cls, name, new)


def _after_async(orig):
    async def wrapper(self, *args, **kwargs):
        r = await orig(self, *args, **kwargs)
        _recv(self)
        return r

    return wrapper


def _before(orig):
    def wrapper(self, *args, **kwargs):
        _pub(self)
        return orig(self, *args, **kwargs)

    return wrapper


def _after(orig):
    def wrapper(self, *args, **kwargs):
        r = orig(self, *args, **kwargs)
        _recv(self)
        return r

    return wrapper


def _after_if_true(orig):
    """A flag seen set orders after whatever set it (``Event.is_set()`` like ``wait()``)."""

    def wrapper(self, *args, **kwargs):
        r = orig(self, *args, **kwargs)
        if r:
            _recv(self)
        return r

    return wrapper


def patch() -> None:
    global _done
    if _done:
        return
    _done = True
    from asyncio import base_events, futures, locks, queues, taskgroups, tasks

    class RaceFuture(futures.Future):
        """A loop future remembering the clock of whoever completed it."""

        def set_result(self, result):
            _stamp(self)
            return super().set_result(result)

        def set_exception(self, exception):
            _stamp(self)
            return super().set_exception(exception)

    Loop = base_events.BaseEventLoop

    def create_future(self):
        return RaceFuture(loop=self)

    orig_create_task = Loop.create_task

    def create_task(self, coro, *args, **kwargs):
        parent = current()
        lt = register(LT("", "task", snapshot(parent), os_tid=base().tid, created=capture_stack(sys._getframe(1))))
        w = _Coro(coro, lt)
        try:
            task = orig_create_task(self, w, *args, **kwargs)
        except BaseException:
            # e.g. a closed loop: do not leave the user's coroutine wrapped and unawaited
            raise
        lt.name = f"{task.get_name()} ({getattr(coro, '__qualname__', type(coro).__name__)})"
        _TASKS[task] = w
        return task

    create_task.__doc__ = orig_create_task.__doc__
    Loop.create_future = create_future
    Loop.create_task = create_task

    orig_call_soon = Loop.call_soon

    def call_soon(
        self: asyncio.BaseEventLoop, callback: Callable[[*_Ts], object], *args: *_Ts, **kwargs: Any
    ) -> asyncio.Handle:
        # a future's done callbacks are scheduled as call_soon(cb, fut)
        given: tuple[object, ...] = args  # as a plain tuple: mypy cannot index *args: *_Ts by its length
        if len(given) == 1 and isinstance(given[0], futures.Future) and given[0].done():
            clock = clock_of(given[0])
            if clock:
                callback = _done_callback(callback, given[0], clock)
        return orig_call_soon(self, callback, *args, **kwargs)

    call_soon.__doc__ = orig_call_soon.__doc__
    Loop.call_soon = call_soon

    orig_call_soon_threadsafe = Loop.call_soon_threadsafe

    def call_soon_threadsafe(
        self: asyncio.BaseEventLoop, callback: Callable[[*_Ts], object], *args: *_Ts, **kwargs: Any
    ) -> asyncio.Handle:
        # another thread hands work to the loop: what it did before happens before the callback
        # (and so before a task that run_coroutine_threadsafe creates there)
        try:
            lt = current()
            clock = dict(lt.vc)
            lt.tick()
            callback = _with_clock(callback, clock)
        except Exception:
            pass
        return orig_call_soon_threadsafe(self, callback, *args, **kwargs)

    call_soon_threadsafe.__doc__ = orig_call_soon_threadsafe.__doc__
    Loop.call_soon_threadsafe = call_soon_threadsafe

    orig_run_forever = Loop.run_forever

    def run_forever(self):
        try:
            return orig_run_forever(self)
        finally:
            base().join(_loop_done())

    run_forever.__doc__ = orig_run_forever.__doc__
    Loop.run_forever = run_forever

    tasks_module = cast("TasksInternals", tasks)
    orig_wait = tasks_module._wait

    async def _wait(fs, *args, **kwargs):
        done, pending = await orig_wait(fs, *args, **kwargs)
        lt = current()
        for f in done:
            received(lt, f)
        return done, pending

    tasks_module._wait = _wait

    TG = taskgroups.TaskGroup

    def tg_create_task(orig):
        def create_task(self, *args, **kwargs):
            task = orig(self, *args, **kwargs)
            self.__dict__.setdefault("_pk_tasks", []).append(task)
            return task

        return create_task

    def tg_aexit(orig):
        async def __aexit__(self, *args):
            try:
                return await orig(self, *args)
            finally:
                lt = current()
                for task in self.__dict__.pop("_pk_tasks", ()):
                    if task.done():
                        received(lt, task)

        return __aexit__

    _wrap(TG, "create_task", tg_create_task)
    _wrap(TG, "__aexit__", tg_aexit)

    futures_module = cast("FuturesInternals", futures)
    orig_copy = futures_module._copy_future_state

    def _copy_future_state(source, dest):
        clock = getattr(source, "_pk_clock", None)
        orig_copy(source, dest)
        if clock:
            own = dest.__dict__.setdefault("_pk_clock", {}) if hasattr(dest, "__dict__") else None
            if own is not None:
                for k, v in clock.items():
                    if own.get(k, 0) < v:
                        own[k] = v

    futures_module._copy_future_state = _copy_future_state

    _wrap(locks.Lock, "acquire", _after_async)
    _wrap(locks.Lock, "release", _before)
    _wrap(locks.Event, "set", _before)
    _wrap(locks.Event, "wait", _after_async)
    _wrap(locks.Event, "is_set", _after_if_true)
    _wrap(locks.Semaphore, "acquire", _after_async)
    _wrap(locks.Semaphore, "release", _before)
    if hasattr(locks, "Barrier"):
        Barrier = locks.Barrier

        def bar_wait(orig):
            async def wait(self):
                _pub(self)
                r = await orig(self)
                _recv(self)
                return r

            return wait

        _wrap(Barrier, "wait", bar_wait)
    _wrap(queues.Queue, "put_nowait", _before)
    _wrap(queues.Queue, "get_nowait", _after)

    def cap_put(orig):
        def _put(self, item):
            if self._maxsize > 0:
                _capacity(self).put(current())
            return orig(self, item)

        return _put

    def cap_get(orig):
        def _get(self):
            if self._maxsize > 0:
                _capacity(self).got(current())
            return orig(self)

        return _get

    for cls in (queues.Queue, queues.PriorityQueue, queues.LifoQueue):
        _wrap(cls, "_put", cap_put)
        _wrap(cls, "_get", cap_get)

    def task_done(orig):
        def wrapper(self):
            release(current(), self.__dict__.setdefault("_pk_done", {}))
            return orig(self)

        return wrapper

    def join(orig):
        async def wrapper(self):
            r = await orig(self)
            acquire(current(), self.__dict__.get("_pk_done"))
            return r

        return wrapper

    _wrap(queues.Queue, "task_done", task_done)
    _wrap(queues.Queue, "join", join)
