"""Read memray capture files (``memray run -o capture.bin``) into a Profile.

memray's own reader (``memray.FileReader``) is the only reader of its binary format, so it is
used, but never in this process: on corrupted input its C++ reader can abort the whole
interpreter (SIGABRT from a bad free was seen fuzzing it), and on truncated input it logs
``Memray ERROR`` and silently returns part of the data.  A short-lived worker interpreter reads
the capture and prints plain JSON; a crash, a logged error or a bad exit becomes a ValueError.

The worker is self-contained (only ``memray`` and the standard library), so it can run under
the target's interpreter when that one's memray wrote the capture.

Sample types, as pprof's heap profiles:

* ``alloc_space/bytes`` (default) and ``alloc_objects/count``: every allocation over the run;
* ``inuse_space/bytes`` and ``inuse_objects/count``: what was live at the high-water mark.

Pre-aggregated captures (``memray run --aggregate``) keep no per-allocation history, so they
give only the two ``inuse`` types.  Stacks are memray's Python stacks (hybrid Python + native
with ``--native``); the launcher frames ``memray run`` and ``runpy`` add under the program's
``<module>`` are dropped.  Each sample carries a ``thread`` label.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from perfkit.model import Frame, Profile, ValueType

NAME = "memray"

ALLOC_SPACE = ValueType("alloc_space", "bytes")
ALLOC_OBJECTS = ValueType("alloc_objects", "count")
INUSE_SPACE = ValueType("inuse_space", "bytes")
INUSE_OBJECTS = ValueType("inuse_objects", "count")

_MAGIC = b"memray\x00"
_LZ4_MAGIC = b"\x04\x22\x4d\x18"
_INT64 = 2**63
#: files of the frames ``memray run`` puts between the interpreter and the program
_LAUNCHER_FILES = ("<frozen runpy>", "/runpy.py", "/memray/commands/run.py", "/memray/__main__.py")


def sniff(head: bytes) -> bool:
    """memray's header starts with ``memray\\0``; compressed captures (the default since
    memray 1.x) are an LZ4 frame whose first literal run is that same header."""
    if head.startswith(_MAGIC):
        return True
    return head.startswith(_LZ4_MAGIC) and _MAGIC in head[4:48]


def read(
    path: Path, *, python: str | None = None, allow_partial: bool = False, timeout: float | None = None
) -> Profile:
    """Read a capture through a worker interpreter (``python``, default: this one).

    ``allow_partial`` accepts a capture memray can only partly read (a target killed while
    writing); without it a truncated or corrupted capture raises ValueError.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(64)
    if not head:
        raise ValueError("the capture is empty")
    if not sniff(head):
        raise ValueError("no memray header at the start; is it a `memray run` capture?")
    if timeout is None:
        timeout = 120.0 + path.stat().st_size / 1e6 * 5.0
    code = inspect.getsource(_worker) + f"\n_worker({str(path)!r})\n"
    try:
        done = subprocess.run(
            [python or sys.executable, "-I", "-c", code],
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise ValueError(f"memray's reader took over {timeout:.0f} s; the capture may be corrupted") from None
    return _build(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"), allow_partial)


def _build(returncode: int, stdout: bytes, stderr: str, allow_partial: bool) -> Profile:
    """Turn the worker's JSON (or its failure) into a Profile or a one-line ValueError."""
    logged = [line.strip() for line in stderr.splitlines() if "Memray ERROR" in line]
    if returncode < 0:
        raise ValueError(f"memray's reader crashed (signal {-returncode}); the capture is corrupted")
    try:
        data = json.loads(stdout) if stdout.strip() else None
    except ValueError:
        data = None
    if returncode != 0 or not isinstance(data, dict):
        if isinstance(data, dict) and data.get("error"):
            raise ValueError(f"memray cannot read it: {data['error']}")
        if "No module named" in stderr and "memray" in stderr:
            raise ValueError("memray is not installed for the reading interpreter; pip install memray")
        tail = (logged or [line for line in stderr.splitlines() if line.strip()] or ["no output"])[-1]
        raise ValueError(f"memray cannot read it ({tail.strip()[:160]})")
    if logged and not allow_partial:
        raise ValueError(f"the capture is truncated or corrupted ({logged[0][:160]})")
    return _profile(data, partial=bool(logged))


def _profile(data: dict[str, Any], *, partial: bool) -> Profile:
    meta = data["meta"]
    full = meta["file_format"] == "ALL_ALLOCATIONS"
    types = [ALLOC_SPACE, ALLOC_OBJECTS, INUSE_SPACE, INUSE_OBJECTS] if full else [INUSE_SPACE, INUSE_OBJECTS]
    start = datetime.fromisoformat(meta["start_time"])
    end = datetime.fromisoformat(meta["end_time"])
    start_ns = int(start.timestamp() * 1e9)
    profile = Profile(
        types,
        metadata={
            "format": NAME,
            "backend": "memray",
            "command": meta["command_line"],
            "pid": meta["pid"],
            "start_ns": start_ns,
            "duration_ns": max(0, int(end.timestamp() * 1e9) - start_ns),
            "peak_memory_bytes": meta["peak_memory"],
            "total_allocations": meta["total_allocations"],
            "python_allocator": meta["python_allocator"],
            "native": meta["has_native_traces"],
            "trace_python_allocators": meta["trace_python_allocators"],
            "memray_file_format": meta["file_format"],
        },
    )
    if partial:
        profile.metadata["partial"] = True
    frame_ids = [profile.frame_id(Frame(str(f), str(file), int(line))) for f, file, line in data["frames"]]
    launcher = {i for i, (_, file, _) in enumerate(data["frames"]) if str(file).endswith(_LAUNCHER_FILES)}
    main_tid = meta["main_thread_id"]
    labels: dict[tuple[int, str], int] = {}
    for tid, name, leaf_first, values in data["rows"]:
        stack = _strip_launcher(list(reversed(leaf_first)), launcher)
        key = (tid, name)
        lid = labels.get(key)
        if lid is None:
            thread = name or ("MainThread" if tid == main_tid else f"thread {tid}")
            lid = labels[key] = profile.labelset_id({"thread": thread})
        if not all(0 <= v < _INT64 for v in values):
            raise ValueError("allocation sizes out of range; the capture is corrupted")
        sid = profile.stack_id(tuple(frame_ids[f] for f in stack))
        profile.add_ids(sid, values if full else values[2:], lid)
    return profile


def _strip_launcher(root_first: list[int], launcher: set[int]) -> list[int]:
    """Drop the launcher's frames on the root side of the program's first frame, unless that
    would leave nothing (allocations made by the launcher itself keep their stack)."""
    last = -1
    for i, f in enumerate(root_first):
        if f in launcher:
            last = i
    if last < 0 or last == len(root_first) - 1:
        return root_first
    return [f for i, f in enumerate(root_first) if i > last or f not in launcher]


def _worker(path: str) -> None:  # pragma: no cover - runs in the worker interpreter
    """Read one capture with memray and print frames, rows and metadata as JSON."""
    import json
    import sys

    def fail(message: str) -> None:
        sys.stdout.write(json.dumps({"error": message}))
        sys.stdout.flush()
        sys.exit(3)

    try:
        import memray
    except ImportError:
        fail("memray is not installed for the reading interpreter; pip install memray")
    free_kinds = {int(memray.AllocatorType.FREE), int(memray.AllocatorType.PYMALLOC_FREE)}
    free_kinds.add(int(memray.AllocatorType.MUNMAP))
    try:
        reader = memray.FileReader(path)
        meta = reader.metadata
        native = bool(meta.has_native_traces)
        full = meta.file_format == memray.FileFormat.ALL_ALLOCATIONS
        frames: dict[tuple, int] = {}
        stacks: dict[tuple, list] = {}
        names: dict[int, str] = {}

        def row(record, column: int, size: int, count: int) -> None:
            key = (record.tid, record.stack_id, record.native_stack_id, record.native_segment_generation)
            if not names.get(record.tid):  # a thread's name is known only once memray has read it
                names[record.tid] = str(record.thread_name or "")
            entry = stacks.get(key)
            if entry is None:
                trace = record.hybrid_stack_trace() if native else record.stack_trace()
                ids = [frames.setdefault((str(f[0]), str(f[1]), int(f[2])), len(frames)) for f in trace]
                entry = stacks[key] = [record.tid, "", ids, [0, 0, 0, 0]]
            entry[3][column] += size
            entry[3][column + 1] += count

        if full:
            for record in reader.get_allocation_records():
                if int(record.allocator) in free_kinds:
                    continue
                row(record, 0, int(record.size), int(record.n_allocations))
        for record in reader.get_high_watermark_allocation_records(merge_threads=False):
            row(record, 2, int(record.size), int(record.n_allocations))
        for entry in stacks.values():
            entry[1] = names.get(entry[0], "")
        out = {
            "meta": {
                "start_time": meta.start_time.isoformat(),
                "end_time": meta.end_time.isoformat(),
                "total_allocations": int(meta.total_allocations),
                "peak_memory": int(meta.peak_memory),
                "command_line": str(meta.command_line),
                "pid": int(meta.pid),
                "main_thread_id": int(meta.main_thread_id),
                "python_allocator": str(meta.python_allocator),
                "has_native_traces": native,
                "trace_python_allocators": bool(meta.trace_python_allocators),
                "file_format": "ALL_ALLOCATIONS" if full else "AGGREGATED_ALLOCATIONS",
            },
            "frames": [list(k) for k in frames],
            "rows": list(stacks.values()),
        }
        reader.close()
    except Exception as exc:  # every failure of memray's reader becomes one line
        text = str(exc).strip().splitlines()
        fail(f"{type(exc).__name__}: {text[0][:160] if text else ''}")
    sys.stdout.write(json.dumps(out))
    sys.stdout.flush()
