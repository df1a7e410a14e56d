"""Text dumps of every thread and every asyncio task, like Go's ``goroutine?debug=1|2``.

``debug=2`` prints each thread (name, ident, native id, daemon, scheduler state) and each task
(name, state, what it awaits) with its full stack, outermost call first as in a Python
traceback.  ``debug=1`` groups threads and tasks with identical stacks under one header with a
count, as Go does.  ``debug=0`` is :func:`goroutine_profile`, a pprof-able Profile with one
sample per thread and per task.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from types import FrameType

from perfkit.debug import cpustate, tasks
from perfkit.debug.frames import Interner, code_name, walk
from perfkit.model import SAMPLES, Profile


@dataclass(frozen=True, slots=True)
class Entry:
    """One thread or task: a header and its stack, outermost first, as (function, file, line)."""

    kind: str  #: "thread" or "task"
    name: str
    header: str
    stack: tuple[tuple[str, str, int], ...]


def _thread_frames(frame: FrameType | None) -> tuple[tuple[str, str, int], ...]:
    flat = walk(frame)
    out = [(code_name(flat[i]), flat[i].co_filename, flat[i + 1]) for i in range(0, len(flat), 2)]
    out.reverse()
    return tuple(out)


def entries(*, skip: set[int] | None = None) -> list[Entry]:
    """Every thread (main first, then by name) and every live task (by name)."""
    frames = sys._current_frames()
    by_ident = {t.ident: t for t in threading.enumerate()}
    skip = skip or set()
    out: list[Entry] = []
    order = sorted(frames, key=lambda i: (i != threading.main_thread().ident, getattr(by_ident.get(i), "name", "")))
    for ident in order:
        if ident in skip:
            continue
        thread = by_ident.get(ident)
        name = thread.name if thread else f"thread {ident}"
        native = cpustate.native_id(thread) if thread is not None else None
        state = cpustate.thread_state(native)
        daemon = "daemon" if thread is not None and thread.daemon else "non-daemon"
        header = f"thread {name!r} ident={ident} native_id={native} {daemon} [{state}]"
        out.append(Entry("thread", name, header, _thread_frames(frames[ident])))
    del frames
    names = tasks.thread_names()
    for info in tasks.snapshot():
        where = f" on thread {names.get(info.thread, info.thread)!r}" if info.thread is not None else ""
        waits = f" awaiting {info.awaiting}" if info.awaiting else ""
        header = f"task {info.name!r} [{info.state}]{waits}{where}"
        stack = tuple((code_name(code), code.co_filename, line) for code, line in info.stack)
        out.append(Entry("task", info.name, header, stack))
    return out


def _frame_lines(stack: tuple[tuple[str, str, int], ...]) -> list[str]:
    return [f'  File "{file}", line {line}, in {function}' for function, file, line in stack] or [
        "  (no Python frames)"
    ]


def format_dump(items: list[Entry], debug: int = 2) -> str:
    """``debug=2``: every entry with its stack; ``debug=1``: identical stacks grouped."""
    threads = sum(1 for e in items if e.kind == "thread")
    lines = [f"perfkit dump: {threads} threads, {len(items) - threads} asyncio tasks", ""]
    if debug >= 2:
        for entry in items:
            lines.append(entry.header + ":")
            lines.extend(_frame_lines(entry.stack))
            lines.append("")
        return "\n".join(lines)
    groups: dict[tuple[str, tuple], list[Entry]] = {}
    for entry in items:
        groups.setdefault((entry.kind, entry.stack), []).append(entry)
    for (kind, stack), members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        names = ", ".join(repr(m.name) for m in members)
        lines.append(f"{len(members)} @ {kind}{'s' if len(members) > 1 else ''} {names}")
        lines.extend(_frame_lines(stack))
        lines.append("")
    return "\n".join(lines)


def dump_text(debug: int = 2, *, skip: set[int] | None = None) -> str:
    """The dump of this process as text."""
    return format_dump(entries(skip=skip), debug)


def goroutine_profile(*, skip: set[int] | None = None) -> Profile:
    """One ``samples/count`` sample per thread and per task, labelled ``thread`` / ``task``."""
    profile = Profile([SAMPLES])
    interner = Interner(profile)
    frames = sys._current_frames()
    names = tasks.thread_names()
    for ident, frame in frames.items():
        if skip and ident in skip:
            continue
        sid = interner.leaf_first(walk(frame))
        profile.add_ids(sid, 1, profile.labelset_id({"thread": names.get(ident, f"thread {ident}")}))
    del frames
    for info in tasks.snapshot():
        labels = {"task": info.name}
        if info.thread is not None and info.thread in names:
            labels["thread"] = names[info.thread]
        profile.add_ids(interner.root_first(info.stack), 1, profile.labelset_id(labels))
    profile.metadata["backend"] = "perfkit.debug"
    return profile
