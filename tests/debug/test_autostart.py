"""Switching the endpoint on for an unchanged program from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.debug.live import get

SCRIPT = """
import sys, threading, time
def unchanged_service_loop():
    time.sleep(30)
print("argv", sys.argv[1:], __name__, flush=True)
unchanged_service_loop()
"""


def run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    script = tmp_path / "app.py"
    script.write_text(SCRIPT)
    return subprocess.Popen(
        [sys.executable, "-m", "perfkit.debug.run", str(script), *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_run_serves_an_unchanged_program(tmp_path: Path) -> None:
    proc = run(tmp_path, {"PERFKIT_DEBUG_ADDR": "127.0.0.1:0"}, "--port", "1")
    try:
        banner = proc.stderr.readline() if proc.stderr else ""
        assert banner.startswith("perfkit.debug: serving http://127.0.0.1:"), banner
        url = banner.split()[2].removesuffix("/debug/pprof/")
        assert (proc.stdout.readline() if proc.stdout else "") == "argv ['--port', '1'] __main__\n"
        status, _, body = get(url, "/debug/pprof/goroutine?debug=2")
        assert status == 200 and b"in unchanged_service_loop" in body
    finally:
        proc.kill()
        proc.wait()


def test_non_loopback_from_the_environment_is_refused(tmp_path: Path) -> None:
    proc = run(tmp_path, {"PERFKIT_DEBUG_ADDR": "0.0.0.0:0", "PERFKIT_DEBUG_TOKEN": ""})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "not a loopback address" in err and err.count("\n") == 1


def test_token_from_the_environment(tmp_path: Path) -> None:
    proc = run(tmp_path, {"PERFKIT_DEBUG_ADDR": "127.0.0.1:0", "PERFKIT_DEBUG_TOKEN": "envtok-0123456789abcdef"})
    try:
        url = (proc.stderr.readline() if proc.stderr else "").split()[2].removesuffix("/debug/pprof/")
        assert get(url, "/debug/vars")[0] == 401
        assert get(url, "/debug/vars", headers={"Authorization": "Bearer envtok-0123456789abcdef"})[0] == 200
    finally:
        proc.kill()
        proc.wait()


def test_missing_script_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "perfkit.debug.run", str(tmp_path / "nope.py")],
        env={**os.environ, "PERFKIT_DEBUG_ADDR": "127.0.0.1:0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "nope.py: no such script" in done.stderr
