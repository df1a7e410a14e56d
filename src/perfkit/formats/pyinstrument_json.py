"""Read pyinstrument's files: saved sessions (``.pyisession``, ``-r session``) and the JSON
renderer's call tree (``-r json``).

Facts this reader relies on (pyinstrument 4.0 to 5.x):

* A session is a JSON object whose ``frame_records`` is a list of ``[stack, seconds]`` pairs, one
  per sample, stacks root first. Each stack entry is a *frame info* string: an identifier
  ``function NUL file NUL first_line``, optionally followed by ``\\x01``-separated attributes
  (``l<line>`` the line running at sample time, ``c<class>`` the class of a method, ``h1``
  ``__tracebackhide__``). Since 4.x a first entry ``name NUL <thread> NUL ident`` names the thread.
  Synthetic leaves ``[await]`` and ``[out-of-context]`` mark time spent awaiting or outside the
  profiled async context. ``start_call_stack`` lists the frames that called ``profiler.start()``.
  5.x adds ``min_interval``/``max_interval``/``target_description``; 4.x has ``program`` instead.
* The JSON renderer writes ``root_frame``: nested ``{function, file_path, line_no, time,
  children}`` with times in seconds, already pruned by pyinstrument's processors.

Sessions become ``wall/nanoseconds`` plus ``samples/count``; trees only ``wall/nanoseconds``
(self time = a node's time minus its children's). The frames that started the profiler
(``start_call_stack``) are trimmed where every sample shares them, and so are the launcher's
``exec``/runpy frames, as pyinstrument displays it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from perfkit.model import SAMPLES, WALL_NS, Frame, Profile

NAME = "pyinstrument"

_THREAD_FILE = "<thread>"
_SYNTHETIC = frozenset({"[await]", "[out-of-context]", "[self]", "[root]"})
_MAX_DEPTH = 100_000


def sniff(head: bytes) -> bool:
    """A JSON object with pyinstrument's session/report keys near the start."""
    text = head.lstrip()
    return (
        text[:1] == b"{"
        and b'"start_time"' in text
        and b'"sample_count"' in text
        and (b'"duration"' in text)
        and (b'"frame_records"' in text or b'"start_call_stack"' in text or b'"root_frame"' in text)
    )


def read(path: Path) -> Profile:
    """Read a pyinstrument session or JSON report; malformed content raises ValueError."""
    with open(path, "rb") as handle:
        data = handle.read()
    return parse(data)


def parse(data: bytes | str) -> Profile:
    """Parse the bytes of a session or JSON report (see the module docstring)."""
    try:
        doc = json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    return from_dict(doc)


def from_dict(doc: Any) -> Profile:
    """Build a Profile from a decoded session or report (also used on ``Session.to_json()``)."""
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    try:
        if "frame_records" in doc:
            return _from_session(doc)
        if "root_frame" in doc:
            return _from_tree(doc)
    except (TypeError, AttributeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        # belt and braces: every shape is checked below, but a reader must only raise ValueError
        raise ValueError(f"malformed pyinstrument data ({type(exc).__name__})") from None
    raise ValueError("neither 'frame_records' (a pyinstrument session) nor 'root_frame' (a -r json report)")


# ---------------------------------------------------------------------------------- sessions
def _from_session(doc: dict[str, Any]) -> Profile:
    records = doc["frame_records"]
    if not isinstance(records, list):
        raise ValueError("'frame_records' is not a list")
    interval = _number(doc.get("min_interval", 0.001), "min_interval")
    profile = Profile(
        [WALL_NS, SAMPLES],
        period=round(interval * 1e9),
        period_type=WALL_NS,
        metadata=_session_metadata(doc),
    )
    start_stack = doc.get("start_call_stack") or []
    if not isinstance(start_stack, list | tuple) or not all(isinstance(s, str) for s in start_stack):
        raise ValueError("'start_call_stack' is not a list of strings")
    start_ids = [_identifier(s) for s in start_stack if not _is_thread(s)]
    # only the thread that called profiler.start() has those frames on its stacks
    start_thread = next((_identifier(s).split("\x00", 1)[0] for s in start_stack if _is_thread(s)), None)

    parsed: list[tuple[str, list[str], float]] = []
    for n, record in enumerate(records):
        if not isinstance(record, list | tuple) or len(record) != 2:
            raise ValueError(f"frame record {n} is not a [stack, time] pair")
        stack, seconds = record
        if not isinstance(stack, list | tuple) or not all(isinstance(s, str) for s in stack):
            raise ValueError(f"frame record {n}: the stack is not a list of strings")
        seconds = _number(seconds, f"frame record {n} time")
        thread = ""
        if stack and _is_thread(stack[0]):
            thread = _identifier(stack[0]).split("\x00", 1)[0]
            stack = stack[1:]
        stack = list(stack)
        if len(stack) > _MAX_DEPTH:
            raise ValueError(f"frame record {n}: stack deeper than {_MAX_DEPTH}")
        parsed.append((thread, stack, seconds))

    trim = len(start_ids)
    for thread, stack, _ in parsed:
        if start_thread is not None and thread != start_thread:
            continue
        shared = 0
        while shared < trim and shared < len(stack) and _identifier(stack[shared]) == start_ids[shared]:
            shared += 1
        trim = shared
        if trim == 0:
            break

    frames: dict[str, int] = {}
    labelsets: dict[str, int] = {}
    for thread, stack, seconds in parsed:
        ids = []
        if start_thread is None or thread == start_thread:
            stack = stack[trim:]
        for info in stack[_launcher_frames(stack) :]:
            fid = frames.get(info)
            if fid is None:
                frame = _frame(info)
                fid = frames[info] = -1 if frame is None else profile.frame_id(frame)
            if fid >= 0:
                ids.append(fid)
        lid = labelsets.get(thread)
        if lid is None:
            lid = labelsets[thread] = profile.labelset_id({"thread": thread} if thread else None)
        profile.add_ids(profile.stack_id(tuple(ids)), (round(seconds * 1e9), 1), lid)
    return profile.aggregate()


def _session_metadata(doc: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {"format": NAME, "pyinstrument_file": "session"}
    start = doc.get("start_time")
    if isinstance(start, int | float) and math.isfinite(start) and 0 <= start < 1e11:
        meta["start_ns"] = round(start * 1e6) * 1000  # float seconds: keep microseconds exact
    for key, out in (("duration", "duration_ns"), ("cpu_time", "cpu_time_ns")):
        value = doc.get(key)
        if isinstance(value, int | float) and math.isfinite(value) and 0 <= value < 1e9:
            meta[out] = round(value * 1e9)
    count = doc.get("sample_count")
    if isinstance(count, int):
        meta["sample_count"] = count
    for key in ("target_description", "program"):
        if isinstance(doc.get(key), str):
            meta["target_description"] = doc[key]
            break
    interval = doc.get("min_interval")
    if isinstance(interval, int | float) and math.isfinite(interval) and 0 < interval < 1e6:
        meta["interval_s"] = interval
    return meta


def _launcher_frames(stack: list[str]) -> int:
    """How many leading frames are pyinstrument's (or perfkit's) launcher: an ``exec`` of
    ``<string>`` and runpy's ``run_path``/``run_module`` chain above the program's own frames."""
    count = runpy = 0
    for info in stack:
        parts = _identifier(info).split("\x00")
        file = parts[1] if len(parts) > 1 else ""
        if file == "<frozen runpy>" or file.endswith(("/runpy.py", "\\runpy.py")):
            runpy += 1
        elif not (file == "<string>" and parts[0] == "<module>"):
            break
        count += 1
    return count if runpy else 0


def _identifier(info: str) -> str:
    return info.split("\x01", 1)[0]


def _is_thread(info: str) -> bool:
    parts = _identifier(info).split("\x00")
    return len(parts) >= 2 and parts[1] == _THREAD_FILE


def _frame(info: str) -> Frame | None:
    """A Frame for one frame info string; None for ``[self]`` (time belongs to the caller)."""
    identifier, *attributes = info.split("\x01")
    if identifier in _SYNTHETIC:
        return None if identifier in ("[self]", "[root]") else Frame(identifier)
    parts = identifier.split("\x00")
    function = parts[0] or "?"
    file = parts[1] if len(parts) > 1 else ""
    line = _int(parts[2]) if len(parts) > 2 else 0
    class_name = ""
    for attribute in attributes:
        if attribute[:1] == "l":
            line = _int(attribute[1:]) or line
        elif attribute[:1] == "c" and attribute[1:]:
            class_name = attribute[1:]
    if class_name and "." not in function:
        function = f"{class_name}.{function}"
    return Frame(function, file, line)


# ---------------------------------------------------------------------------------- trees
def _from_tree(doc: dict[str, Any]) -> Profile:
    profile = Profile([WALL_NS], period_type=WALL_NS, metadata=_session_metadata(doc))
    profile.metadata["pyinstrument_file"] = "json"
    root = doc["root_frame"]
    if root is None:
        return profile  # pyinstrument writes null for an empty session
    todo: list[tuple[Any, tuple[int, ...]]] = [(root, ())]
    while todo:
        node, parent = todo.pop()
        if not isinstance(node, dict):
            raise ValueError("a frame in 'root_frame' is not an object")
        function = node.get("function")
        if not isinstance(function, str):
            raise ValueError("a frame has no 'function' string")
        seconds = _number(node.get("time", 0), f"time of frame {function[:60]!r}")
        children = node.get("children", [])
        if not isinstance(children, list):
            raise ValueError(f"'children' of frame {function[:60]!r} is not a list")
        if function == "[self]":
            _add_time(profile, parent, seconds)
            continue
        file = node.get("file_path") or ""
        if not isinstance(file, str):
            raise ValueError(f"'file_path' of frame {function[:60]!r} is not a string")
        line = node.get("line_no") or 0
        if not isinstance(line, int):
            raise ValueError(f"'line_no' of frame {function[:60]!r} is not an integer")
        class_name = node.get("class_name")
        if isinstance(class_name, str) and class_name and "." not in function:
            function = f"{class_name}.{function}"
        frame = Frame(function) if function in _SYNTHETIC else Frame(function, file, line)
        stack = (*parent, profile.frame_id(frame))
        if len(stack) > _MAX_DEPTH:
            raise ValueError(f"call tree deeper than {_MAX_DEPTH}")
        inner = 0.0  # a [self] child holds the self time, so it counts as a child here too
        for child in children:
            if isinstance(child, dict):
                inner += _number(child.get("time", 0), "child time")
        _add_time(profile, stack, seconds - inner)
        todo.extend((child, stack) for child in reversed(children))
    return profile.aggregate()


def _add_time(profile: Profile, stack: tuple[int, ...], seconds: float) -> None:
    nanoseconds = round(seconds * 1e9)
    if nanoseconds > 0 and stack:
        profile.add_ids(profile.stack_id(stack), nanoseconds)


# ---------------------------------------------------------------------------------- checks
def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} is not a finite number")
    if value < 0 or value > 1e9:
        raise ValueError(f"{what} is out of range ({value!r})")
    return float(value)


def _int(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0
