"""Browser fixtures for the web UI's tests: one headless Debian chromium per module (as
tests/test_flamegraph_browser.py), and a screenshot of every open page kept when a test fails."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

#: where failing browser tests leave their screenshots (CI keeps this folder as an artefact)
ARTIFACTS = Path(os.environ.get("PERFKIT_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="module")
def _launched() -> Iterator[dict[str, object]]:
    state: dict[str, object] = {}
    yield state
    if "browser" in state:
        state["browser"].close()
        state["playwright"].stop()


@pytest.fixture
def browser(chromium: str, _launched: dict[str, object]) -> object:
    """Headless Debian chromium, started on first use in the module."""
    if "browser" not in _launched:
        sync_api = pytest.importorskip("playwright.sync_api")
        _launched["playwright"] = pw = sync_api.sync_playwright().start()
        _launched["browser"] = pw.chromium.launch(executable_path=chromium, args=ARGS)
    return _launched["browser"]


@pytest.fixture
def browser_page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh page; its console errors and off-origin requests are collected on ``page.problems``,
    and a failing test leaves ``test-artifacts/web/<test>.png``."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: msg.type in ("error", "warning") and page.problems.append(f"console: {msg.text}"))
    yield page
    if request.node.stash.get(_FAILED, False):
        folder = ARTIFACTS / "web"
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        (folder / f"{name}.html").write_text(page.content(), encoding="utf-8")
    context.close()
