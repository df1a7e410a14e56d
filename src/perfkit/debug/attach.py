"""``perfkit dump --pid``: every thread's stack of a running Python process, now, via
``py-spy dump --json`` (no code change in the target), parsed into per-thread stacks.

The JSON is read defensively (it comes from another program, possibly another py-spy version):
anything malformed is a ValueError naming what was wrong, never a crash deep in the code.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any

from perfkit.errors import PerfkitError


@dataclass(frozen=True, slots=True)
class ThreadStack:
    """One thread of the target: name, ids, state, frames outermost first (function, file, line)."""

    name: str
    thread_id: int
    native_id: int | None
    active: bool
    owns_gil: bool
    stack: tuple[tuple[str, str, int], ...]


def parse_dump(text: str) -> list[ThreadStack]:
    """Parse ``py-spy dump --json`` output; raises ValueError on anything malformed."""
    doc = json.loads(text)
    if not isinstance(doc, list):
        raise ValueError("py-spy dump JSON is not a list of threads")
    threads = []
    for i, raw in enumerate(doc):
        if not isinstance(raw, dict):
            raise ValueError(f"thread {i} is not an object")
        frames = raw.get("frames")
        if not isinstance(frames, list):
            raise ValueError(f"thread {i} has no frame list")
        stack = []
        for j, frame in enumerate(frames):
            if not isinstance(frame, dict) or not isinstance(frame.get("name"), str):
                raise ValueError(f"thread {i} frame {j} has no name")
            line = frame.get("line", 0)
            filename = frame.get("filename") or frame.get("short_filename") or ""
            if not isinstance(line, int) or isinstance(line, bool) or not isinstance(filename, str):
                raise ValueError(f"thread {i} frame {j} has a bad file or line")
            stack.append((frame["name"], filename, line))
        stack.reverse()  # py-spy lists the leaf first
        tid = raw.get("thread_id")
        native = raw.get("os_thread_id")
        if not isinstance(tid, int) or isinstance(tid, bool):
            raise ValueError(f"thread {i} has no thread_id")
        name = raw.get("thread_name")
        threads.append(
            ThreadStack(
                name=name if isinstance(name, str) and name else _unnamed(native, raw.get("pid"), tid),
                thread_id=tid,
                native_id=native if isinstance(native, int) and not isinstance(native, bool) else None,
                active=bool(raw.get("active")),
                owns_gil=bool(raw.get("owns_gil")),
                stack=tuple(stack),
            )
        )
    return threads


def _unnamed(native: object, pid: object, tid: int) -> str:
    """py-spy names threads through ``threading``; a program that never imported it has only
    its main thread, whose kernel id is the process id."""
    if isinstance(native, int) and native == pid:
        return "MainThread"
    return f"thread {native if isinstance(native, int) else tid}"


def dump_pid(pid: int, *, timeout: float = 30.0) -> list[ThreadStack]:
    """Run ``py-spy dump --json --pid PID`` and parse it (one-line errors for the user's mistakes)."""
    from perfkit.collectors.ptrace import check_pid
    from perfkit.collectors.pyspy import classify_failure, find_pyspy

    check_pid(pid)
    pyspy = find_pyspy()
    try:
        done = subprocess.run(
            [pyspy, "dump", "--json", "--full-filenames", "--pid", str(pid)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PerfkitError(f"--pid {pid}: py-spy dump did not answer within {timeout:g}s; retry") from None
    if done.returncode != 0:
        if classify_failure(done.stderr) == "permission":
            raise PerfkitError(
                f"--pid {pid}: no permission to read its memory (ptrace); run perfkit as the same user with sudo "
                "(in a container: --cap-add SYS_PTRACE)"
            )
        detail = next((line.strip().removeprefix("Error: ") for line in done.stderr.splitlines() if line.strip()), "")
        if "running" in detail.lower() or "no such" in detail.lower():
            raise PerfkitError(f"--pid {pid}: no such process (it may have just ended); check the id with `ps`")
        raise PerfkitError(f"--pid {pid}: py-spy dump failed ({detail[:200] or 'no message'}); is it a Python process?")
    try:
        return parse_dump(done.stdout)
    except ValueError as exc:
        raise PerfkitError(f"--pid {pid}: could not read py-spy's dump ({exc}); is py-spy >= 0.3 installed?") from None


def format_threads(pid: int, threads: list[ThreadStack]) -> str:
    """The dump as text, in the same layout as ``/debug/pprof/goroutine?debug=2``."""
    from perfkit.debug.dump import Entry, format_dump

    entries = []
    for t in threads:
        state = "running" if t.active else "idle"
        gil = ", holds the GIL" if t.owns_gil else ""
        header = f"thread {t.name!r} ident={t.thread_id} native_id={t.native_id} [{state}{gil}]"
        entries.append(Entry("thread", t.name, header, t.stack))
    return f"process {pid}\n" + format_dump(entries, 2)


def as_json(threads: list[ThreadStack]) -> list[dict[str, Any]]:
    return [
        {
            "name": t.name,
            "thread_id": t.thread_id,
            "native_id": t.native_id,
            "active": t.active,
            "owns_gil": t.owns_gil,
            "stack": [{"function": f, "file": p, "line": n} for f, p, n in t.stack],
        }
        for t in threads
    ]
