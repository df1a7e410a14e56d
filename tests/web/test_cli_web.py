"""``perfkit web`` as a user runs it: a real process, real sockets, Ctrl-C, the browser it opens,
a live service's profile fetched with a token, and one-line mistakes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from perfkit import files

from .webprofiles import split_profile

TOKEN = "debug-token-0123456789abcdef"


@contextmanager
def perfkit_web(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen, str]]:
    """Run ``perfkit web ARGS``; yields the process and the UI's URL once it says it is serving."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfkit", "web", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines = []
    try:
        deadline = time.monotonic() + 90
        url = None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"serving .* on (http://\S+) \(Ctrl-C to stop\)", line)
            if found:
                url = found.group(1)
                break
        assert url, "".join(lines)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stderr.close()


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode("utf-8")


@pytest.fixture(scope="module")
def split_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "split.pb.gz"
    files.save(split_profile(), path)
    return path


def test_serves_until_ctrl_c(split_file: Path) -> None:
    with perfkit_web(str(split_file), "--no-browser") as (proc, url):
        assert url.startswith("http://127.0.0.1:") and url.endswith("/ui/")
        assert "Showing 300ms of 1s total (30.00%)" in fetch(url + "top?f=cold")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        rest = proc.stderr.read()
    assert "perfkit: stopped" in rest and "Traceback" not in rest


def test_opens_the_browser_with_pythons_webbrowser(split_file: Path, tmp_path: Path) -> None:
    seen = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys, pathlib; pathlib.Path({str(seen)!r}).write_text(sys.argv[1])\n")
    env = {"BROWSER": f"{sys.executable} {browser} %s", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    with perfkit_web(str(split_file), env=env) as (_proc, url):
        deadline = time.monotonic() + 30
        while not seen.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert seen.read_text() == url


def test_diff_from_two_files(split_file: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.pb.gz"
    files.save(split_profile(400, 300), old)
    with perfkit_web("--base", str(old), str(split_file), "--no-browser") as (_proc, url):
        text = fetch(url + "top")
    assert f"split.pb.gz − base {old}" in text
    assert re.search(r'data-flat="300000000"[^>]*>\s*<td class="num">300ms</td><td class="num">42\.86%', text)


def test_fetches_a_live_service_with_its_token() -> None:
    from perfkit.debug.server import DebugServer

    with DebugServer("127.0.0.1:0", token=TOKEN) as service:
        url = f"{service.url}/debug/pprof/profile?seconds=1"
        with perfkit_web("--url", url, "--token", TOKEN, "--no-browser") as (_proc, ui):
            text = fetch(ui + "top")
        assert "Type: cpu" in text or "Type: wall" in text or "Type: samples" in text
        wrong = subprocess.run(
            [sys.executable, "-m", "perfkit", "web", "--url", url, "--token", "wrong-token-0123456789", "--no-browser"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        f"perfkit: {url}: 401 unauthorized; pass --token (or set PERFKIT_DEBUG_TOKEN) with the service's debug token"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.pb.gz"], r"^perfkit: missing\.pb\.gz: no such file; check the path$"),
        ([], r"^perfkit: web: give a profile file or --url"),
        (["{split}", "--host", "0.0.0.0"], r"^perfkit: --host 0\.0\.0\.0: not a loopback address.*--token"),
        (["{split}", "--host", "0.0.0.0", "--token", "short"], r"^perfkit: debug token: 5 characters, too short"),
        (["--url", "ftp://x"], r"^perfkit: --url 'ftp://x': use http://HOST:PORT"),
    ],
)
def test_mistakes_are_one_line(split_file: Path, args: list[str], message: str) -> None:
    argv = [a.replace("{split}", str(split_file)) for a in args]
    env = {k: v for k, v in os.environ.items() if k != "PERFKIT_DEBUG_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "web", *argv, "--no-browser"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(message, lines[0]), done.stderr
