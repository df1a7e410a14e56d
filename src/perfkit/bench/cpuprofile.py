"""Go's ``-cpuprofile`` per benchmark: a separate pass under pyinstrument, turned into a perfkit
:class:`~perfkit.model.Profile` and written as a flame graph through the profile core.

perfkit's own pyinstrument collector (``perfkit.collectors.pyinstrument.profile_callable``) is
used when it is installed; otherwise pyinstrument's call tree is converted here.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfkit.model import Frame, Profile, ValueType

__all__ = ["file_name", "profile_calls", "save_flamegraph"]

WALL_NS = ValueType("wall", "nanoseconds")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.=-]+")


def file_name(benchmark: str) -> str:
    """A file-system-safe stem: ``BenchmarkSized/size=10`` -> ``BenchmarkSized_size=10``."""
    return _UNSAFE.sub("_", benchmark).strip("_") or "benchmark"


def _from_tree(root: Any) -> Profile:
    profile = Profile([WALL_NS], metadata={"backend": "pyinstrument", "source": "perfkit bench --cpuprofile"})

    def walk(node: Any, stack: tuple[Frame, ...]) -> None:
        if node.is_synthetic:
            return
        here = (*stack, Frame(node.function or "?", node.file_path or "", node.line_no or 0))
        own = round(node.total_self_time * 1e9)
        if own:
            profile.add(here, own)
        for child in node.children:
            walk(child, here)

    if root is not None:
        walk(root, ())
    return profile


def profile_calls(call: Callable[[], Any], seconds: float, interval: float = 0.0005) -> Profile:
    """Call ``call()`` repeatedly for about ``seconds`` under a sampling profiler."""
    try:
        collector = importlib.import_module("perfkit.collectors.pyinstrument")
        profile_callable = getattr(collector, "profile_callable", None)
    except ImportError:
        profile_callable = None
    deadline = time.perf_counter() + seconds

    def repeat() -> None:
        call()
        while time.perf_counter() < deadline:
            call()

    if profile_callable is not None:  # returns (fn's result, profile)
        return profile_callable(repeat, interval=interval, async_mode="disabled")[1]
    from pyinstrument import Profiler

    profiler = Profiler(interval=interval, async_mode="disabled")
    profiler.start()
    try:
        repeat()
    finally:
        session = profiler.stop()
    return _from_tree(session.root_frame())


def save_flamegraph(profile: Profile, folder: Path, benchmark: str) -> Path:
    """Write ``<folder>/<benchmark>.svg`` through perfkit's format registry; when the flame graph
    writer is unavailable, fall back to folded stacks (any flame graph tool reads them)."""
    from perfkit import files
    from perfkit.atomic import atomic_write
    from perfkit.formats import folded

    folder.mkdir(parents=True, exist_ok=True)
    stem = file_name(benchmark)
    try:
        return files.save(profile, folder / f"{stem}.svg", title=benchmark)
    except ImportError:
        path = folder / f"{stem}.folded"
        atomic_write(path, folded.write(profile))
        return path
