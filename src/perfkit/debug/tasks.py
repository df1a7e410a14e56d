"""Find every asyncio task in the process, from any thread, and read its await stack.

``asyncio.all_tasks()`` only answers for the calling thread's running loop, but a debug
endpoint runs in its own thread and must see every loop.  asyncio keeps its task registry in
module globals (``_all_tasks`` on 3.11, ``_scheduled_tasks`` + ``_eager_tasks`` on 3.12/3.13);
they are read the way ``asyncio.all_tasks`` reads them, retrying if another thread changes
them meanwhile.  Nothing here runs on, or blocks, any event loop.

An await stack is what the task is suspended in, outermost first: the task's coroutine, the
coroutine it awaits, and so on down to the innermost (``cr_await`` / ``gi_yieldfrom`` /
``ag_await`` chain); a Future or another Task at the bottom is named, not followed.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

#: a frame as stored: (code object, line number)
CodeLine = tuple[CodeType, int]


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """A snapshot of one task, taken without touching its loop."""

    name: str
    state: str  #: running | pending | done | cancelled
    stack: tuple[CodeLine, ...]  #: outermost first
    awaiting: str  #: what the innermost coroutine waits for ("" when running or unknown)
    thread: int | None  #: ident of the thread running its loop, when known
    task: Any = None  #: the asyncio.Task itself (for callers that need more)


def _registries() -> list[Any]:
    tasks_mod = sys.modules.get("asyncio.tasks")
    if tasks_mod is None:  # asyncio never imported: no tasks anywhere
        return []
    found = []
    for name in ("_all_tasks", "_scheduled_tasks", "_eager_tasks"):
        registry = getattr(tasks_mod, name, None)
        if registry is not None:
            found.append(registry)
    return found


def all_tasks() -> list[Any]:
    """Every live task of every event loop in this process."""
    out: dict[int, Any] = {}
    for registry in _registries():
        for _attempt in range(100):
            try:
                items = list(registry)
                break
            except RuntimeError:  # changed size during iteration (another thread): retry
                continue
        else:
            items = []
        for task in items:
            out[id(task)] = task
    return [t for t in out.values() if not t.done()]


def current_tasks() -> dict[int, Any]:
    """Thread ident -> the task running on that thread's loop right now."""
    tasks_mod = sys.modules.get("asyncio.tasks")
    current = getattr(tasks_mod, "_current_tasks", None) if tasks_mod else None
    if not current:
        return {}
    for _attempt in range(100):
        try:
            pairs = list(current.items())
            break
        except RuntimeError:
            continue
    else:
        return {}
    return {tid: task for loop, task in pairs if (tid := loop_thread(loop)) is not None}


def loop_thread(loop: Any) -> int | None:
    """Ident of the thread running ``loop`` (BaseEventLoop records it while running)."""
    tid = getattr(loop, "_thread_id", None)
    return tid if isinstance(tid, int) else None


def task_name(task: Any) -> str:
    get_name = getattr(task, "get_name", None)
    return str(get_name()) if get_name else repr(task)


def await_stack(task: Any) -> tuple[tuple[CodeLine, ...], str]:
    """(outermost-first frames, what the innermost awaits) for a task's coroutine chain."""
    get_coro = getattr(task, "get_coro", None)
    obj = get_coro() if get_coro else None
    stack: list[CodeLine] = []
    awaiting = ""
    for _depth in range(256):  # a cycle here would be a bug elsewhere; never loop forever
        if obj is None:
            break
        frame: FrameType | None = (
            getattr(obj, "cr_frame", None) or getattr(obj, "gi_frame", None) or getattr(obj, "ag_frame", None)
        )
        if frame is None and not hasattr(obj, "cr_await") and not hasattr(obj, "gi_yieldfrom"):
            awaiting = _describe(obj)
            break
        if frame is not None:
            stack.append((frame.f_code, frame.f_lineno))
        nxt = getattr(obj, "cr_await", None)
        if nxt is None:
            nxt = getattr(obj, "gi_yieldfrom", None)
        if nxt is None:
            nxt = getattr(obj, "ag_await", None)
        obj = nxt
    return tuple(stack), awaiting


def _describe(obj: Any) -> str:
    """How a dump names what the innermost coroutine waits on."""
    if hasattr(obj, "get_coro") and hasattr(obj, "get_name"):
        return f"task {task_name(obj)}"
    kind = type(obj).__name__
    return "future" if "Future" in kind else kind


def snapshot(tasks: list[Any] | None = None) -> list[TaskInfo]:
    """A :class:`TaskInfo` for every live task (or those given)."""
    running = {id(t): tid for tid, t in current_tasks().items()}
    infos = []
    for task in all_tasks() if tasks is None else tasks:
        stack, awaiting = await_stack(task)
        thread: int | None
        if id(task) in running:
            state, thread = "running", running[id(task)]
        else:
            state = "cancelled" if task.cancelled() else "done" if task.done() else "pending"
            thread = _task_thread(task)
        infos.append(TaskInfo(task_name(task), state, stack, awaiting, thread, task))
    infos.sort(key=lambda info: info.name)
    return infos


def _task_thread(task: Any) -> int | None:
    get_loop = getattr(task, "get_loop", None)
    return loop_thread(get_loop()) if get_loop else None


def thread_names() -> dict[int, str]:
    """Thread ident -> name for every thread ``threading`` knows."""
    return {t.ident: t.name for t in threading.enumerate() if t.ident is not None}
