"""Helpers for the live-debug tests: run a service with the endpoint on, and talk to it over a
real socket."""

from __future__ import annotations

import contextlib
import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

PROGRAMS = Path(__file__).parent / "programs"


@contextlib.contextmanager
def live_service(*args: str, python: str = sys.executable, seconds: float = 90) -> Iterator[str]:
    """Start programs/live_service.py; yield its debug base URL; kill it afterwards."""
    proc = subprocess.Popen(
        [python, str(PROGRAMS / "live_service.py"), "--seconds", str(seconds), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("READY "):
            proc.kill()
            raise AssertionError(f"service did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        yield line.split()[1]
    finally:
        proc.kill()
        proc.wait(timeout=10)


def get(
    url: str, path: str, *, headers: dict[str, str] | None = None, method: str = "GET", timeout: float = 60
) -> tuple[int, dict[str, str], bytes]:
    """One request over a fresh connection: (status, headers with lower-case names, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
