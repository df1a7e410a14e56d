"""Profiles with known numbers for the web UI's tests: the 70/30 split of
``tests/programs/cpu_split.py`` as a sampler records it, with real file names and lines (so the
source view shows the program's own code) and a ``handler`` label per side."""

from __future__ import annotations

from pathlib import Path

from perfkit.model import Frame, Profile, ValueType

SPLIT = Path(__file__).resolve().parents[1] / "programs" / "cpu_split.py"
MS = 1_000_000


def split_profile(hot_ms: int = 700, cold_ms: int = 300) -> Profile:
    """``<module>`` -> ``main`` -> ``hot`` (``hot_ms``, lines 14 and 13) / ``cold`` (``cold_ms``),
    10 ms per sample, with ``handler=hot|cold`` labels."""
    file = str(SPLIT)
    profile = Profile([ValueType("samples", "count"), ValueType("cpu", "nanoseconds")], default_type=1)
    module = Frame("<module>", file, 36)
    hot_stack = [module, Frame("main", file, 30)]
    cold_stack = [module, Frame("main", file, 32)]
    for _ in range(hot_ms * 5 // 70):  # five sevenths on line 14, the rest on line 13
        profile.add([*hot_stack, Frame("hot", file, 14)], [1, 10 * MS], {"handler": "hot"})
    for _ in range(hot_ms // 10 - hot_ms * 5 // 70):
        profile.add([*hot_stack, Frame("hot", file, 13)], [1, 10 * MS], {"handler": "hot"})
    for _ in range(cold_ms // 10):
        profile.add([*cold_stack, Frame("cold", file, 21)], [1, 10 * MS], {"handler": "cold"})
    profile.metadata.update({"command": ["python", file], "backend": "py-spy"})
    return profile
