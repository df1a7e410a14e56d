"""Shared test fixtures: paths to the test programs and the real external tools.

Tests that need ``go`` or ``chromium`` skip with a loud reason when the tool is absent;
``.ci/run`` installs both, so in CI they always run.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def programs() -> Path:
    """Folder of small target programs with known behaviour (CPU 70/30, memory 80/20)."""
    return PROGRAMS


@pytest.fixture
def python() -> str:
    """The interpreter running the tests, which has every backend installed."""
    return sys.executable


@pytest.fixture
def go_tool() -> str:
    """Path of the ``go`` binary, for ``go tool pprof`` as a reference reader."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("SKIPPED LOUDLY: `go` is not installed (apt-get install golang-go; .ci/run does)")
    return go


@pytest.fixture
def chromium() -> str:
    """Path of Debian's chromium, for browser tests of the flame graph."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("SKIPPED LOUDLY: chromium is not installed (apt-get install chromium; .ci/run does)")
