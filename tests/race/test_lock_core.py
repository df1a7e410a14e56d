"""``with lock:`` through the compiled core (``_core.c``, "locks") orders exactly as the Python
path does: the same program, run compiled and with ``PERFKIT_RACE_PURE=1``, gets the same
reports. The program mixes the fast path (one lock, uncontended or contended), its slow paths
(nested locks, an RLock, a thread's first lock before it touched anything) and a real race."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.race.clock import CORE

PROGRAM = """
import threading

class Stats:
    def __init__(self):
        self.locked = 0
        self.nested = 0
        self.reentrant = 0
        self.unlocked = 0
        self.lock = threading.Lock()
        self.inner = threading.Lock()
        self.rlock = threading.RLock()

stats = Stats()
start = threading.Barrier(3)

def work():
    with stats.lock:  # a thread's first observed operation: no logical thread yet
        pass
    start.wait()
    for _ in range(100):
        with stats.lock:
            stats.locked += 1
        with stats.lock:
            with stats.inner:
                stats.nested += 1
        with stats.rlock:
            with stats.rlock:
                stats.reentrant += 1
    stats.unlocked += 1  # the one real race

threads = [threading.Thread(target=work) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
try:
    stats.lock.__exit__(None, None, None)
except RuntimeError as exc:
    print("released twice:", exc)
print(stats.locked, stats.nested, stats.reentrant)
"""


def _run(tmp_path: Path, pure: bool) -> subprocess.CompletedProcess[str]:
    prog = tmp_path / "locks.py"
    prog.write_text(PROGRAM)
    env = {**os.environ, "PERFKIT_RACE": "switch_interval=0.0001"}
    if pure:
        env["PERFKIT_RACE_PURE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "perfkit", "race", "--", sys.executable, str(prog)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )


@pytest.mark.skipif(CORE is None, reason="compares the compiled lock path with the pure-Python one")
def test_compiled_locks_order_as_the_python_path(tmp_path: Path) -> None:
    from perfkit.race import sync

    assert type(sync.RaceLock.__dict__["__enter__"]).__name__ == "instancemethod"
    for pure in (False, True):
        done = _run(tmp_path, pure)
        assert done.returncode == 66, done.stderr
        assert "released twice: release unlocked lock" in done.stdout
        assert "300 300 300" in done.stdout
        warned = [line for line in done.stderr.splitlines() if line.startswith(("Read at", "Write at"))]
        assert warned and all("Stats.unlocked" in line for line in warned), done.stderr
        assert "Found 1 data race" in done.stderr, done.stderr
