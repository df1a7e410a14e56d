"""Shared test fixtures: paths to the test programs and the real external tools.

Tests that need ``go`` or ``chromium`` skip with a loud reason when the tool is absent;
``.ci/run`` installs both, so in CI they always run.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from goprofiles import GoProfiles, record_go_profiles

PROGRAMS = Path(__file__).parent / "programs"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="session", autouse=True)
def help_cache_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``perfkit X --help`` run by tests records into the session's temporary folder, not the
    user's ~/.cache (perfkit.helpcache)."""
    before = os.environ.get("PERFKIT_HELP_CACHE")
    os.environ["PERFKIT_HELP_CACHE"] = str(tmp_path_factory.mktemp("help-cache"))
    yield
    if before is None:
        os.environ.pop("PERFKIT_HELP_CACHE", None)
    else:
        os.environ["PERFKIT_HELP_CACHE"] = before


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


#: chromium flags for the browser tests: headless, no sandbox (root in CI), nothing phoning home
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def _launched() -> Iterator[dict[str, object]]:
    """One Playwright and one browser per test module (launching takes seconds)."""
    state: dict[str, object] = {}
    yield state
    if "browser" in state:
        state["browser"].close()
        state["playwright"].stop()


@pytest.fixture
def browser(chromium: str, _launched: dict[str, object]) -> object:
    """Headless Debian chromium driven by Playwright, started on first use in the module."""
    if "browser" not in _launched:
        sync_api = pytest.importorskip("playwright.sync_api")
        _launched["playwright"] = pw = sync_api.sync_playwright().start()
        _launched["browser"] = pw.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
    return _launched["browser"]


@pytest.fixture
def as_nobody() -> list[str]:
    """Argv prefix running this interpreter as user ``nobody`` (for real ptrace refusals).

    Needs root and setpriv, and an interpreter that ``nobody`` may run with perfkit importable
    (a Python built under root's home may not be): otherwise the test is skipped, loudly."""
    import os
    import subprocess

    setpriv = shutil.which("setpriv")
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or setpriv is None:
        pytest.skip("SKIPPED LOUDLY: needs root and setpriv (util-linux) to drop to nobody")
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import perfkit.collectors.pyspy"], capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:
        pytest.skip(f"SKIPPED LOUDLY: {sys.executable} cannot run as nobody: {probe.stderr.strip()[:200]}")
    return prefix


@pytest.fixture(scope="session")
def go_profiles(tmp_path_factory: pytest.TempPathFactory) -> GoProfiles:
    """CPU, heap and goroutine profiles written by Go's own runtime/pprof, built once per session."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("SKIPPED LOUDLY: `go` is not installed (apt-get install golang-go; .ci/run does)")
    return record_go_profiles(go, tmp_path_factory.mktemp("gorecorder"))
