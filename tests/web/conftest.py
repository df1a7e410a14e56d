"""The web UI's browser tests: a page per test on the shared chromium (tests/conftest.py), its
script errors collected, and a screenshot of it kept when the test fails."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

#: where failing browser tests leave a screenshot and the page's HTML (kept after the run; gitignored)
ARTIFACTS = Path(os.environ.get("PERFKIT_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def browser_page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh page; its script errors and console errors and warnings (CSP refusals among them)
    are collected on ``page.problems``; a failing test leaves ``test-artifacts/web/<test>.png``."""
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
