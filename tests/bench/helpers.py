"""Shared helpers for the bench tests: deterministic synthetic runs and golden-file checks."""

from __future__ import annotations

import os
import random
from pathlib import Path

GOLDEN = Path(__file__).parents[1] / "golden" / "bench"


def go_text(name_scale: dict[str, float], *, count: int, noise: float, seed: int, pkg: str = "example/orders") -> str:
    """Go benchmark text with ``count`` runs per benchmark, values scaled with Gaussian noise."""
    rng = random.Random(seed)
    lines = ["goos: linux", "goarch: amd64", f"pkg: {pkg}", "cpu: Test CPU @ 3.00GHz"]
    for name, ns in name_scale.items():
        for _ in range(count):
            value = ns * rng.gauss(1.0, noise)
            lines.append(f"{name}-2\t  100000\t{value:12.1f} ns/op\t    1184 B/op\t      12 allocs/op")
    return "\n".join(lines) + "\nPASS\n"


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/bench/<name>; PERFKIT_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("PERFKIT_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden file (PERFKIT_UPDATE_GOLDEN=1 to accept)"
