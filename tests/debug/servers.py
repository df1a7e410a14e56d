"""Run real pre-forking servers (gunicorn, uvicorn) on a loopback port for the tests and the
benchmarks, and drive load at them over real sockets."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROGRAMS = Path(__file__).parent / "programs"
BIN = Path(sys.executable).parent
_LISTENING = re.compile(rb"(?:Listening at: |running on )http://127\.0\.0\.1:(\d+)")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log: list[bytes] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def gunicorn(
    *args: str,
    env: dict[str, str] | None = None,
    app: str = "flask_app:application",
    config: str = "python:perfkit.debug.gunicorn_hooks",
) -> contextlib.AbstractContextManager[Server]:
    """``gunicorn -b 127.0.0.1:0 -c CONFIG ARGS APP`` (by default perfkit's hooks module as the config)."""
    command = [str(BIN / "gunicorn"), "-b", "127.0.0.1:0", "-c", config, *args]
    return _serve([*command, app], env)


def uvicorn(*args: str, env: dict[str, str] | None = None) -> contextlib.AbstractContextManager[Server]:
    """``uvicorn --port 0 ARGS fastapi_app:application``."""
    command = [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", "0", "--no-access-log", *args]
    return _serve([*command, "fastapi_app:application"], env)


@contextlib.contextmanager
def _serve(command: list[str], env: dict[str, str] | None) -> Iterator[Server]:
    proc = subprocess.Popen(
        command,
        cwd=PROGRAMS,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        start_new_session=True,
    )
    log: list[bytes] = []
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            log.append(line)
            match = _LISTENING.search(line)
            if match and not found:
                found.append(f"http://127.0.0.1:{int(match.group(1))}")
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        if not ready.wait(30) or not found:
            raise AssertionError(f"{command[0]} did not start: {b''.join(log)[-2000:].decode(errors='replace')}")
        yield Server(proc, found[0], log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def request(url: str, path: str, *, timeout: float = 60, headers: dict[str, str] | None = None):
    """(status, headers with lower-case names, body) of one GET over a fresh connection."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def wait_for_workers(url: str, count: int, timeout: float = 30) -> list[int]:
    """Until ``count`` workers have joined the server's group; their pids."""
    deadline = time.monotonic() + timeout
    pids: list[int] = []
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            status, _, body = request(url, "/debug/vars", timeout=5)
            if status == 200:
                pids = json.loads(body).get("server", {}).get("workers", [])
                if len(pids) >= count:
                    return pids
        time.sleep(0.2)
    raise AssertionError(f"only {pids} of {count} workers joined")


class Load:
    """``clients`` threads requesting ``path`` back to back until stopped; counts answers."""

    def __init__(self, url: str, path: str, clients: int = 4) -> None:
        self.url, self.path = url, path
        self.done = 0
        self.failed = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                status = request(self.url, self.path, timeout=30)[0]
            except OSError:
                status = 0
            if status == 200:
                self.done += 1
            else:
                self.failed += 1

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=35)
