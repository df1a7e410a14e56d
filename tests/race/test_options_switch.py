"""PERFKIT_RACE's scheduling options (switch_interval, perturb): parsed, bounded, and applied in the
process under test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.race.clock import CORE
from perfkit.race.report import PERTURB, SWITCH_INTERVAL, parse_options


def test_switch_interval_parses_and_is_bounded() -> None:
    assert parse_options("")[0].switch_interval == SWITCH_INTERVAL
    assert parse_options("switch_interval=0.01")[0].switch_interval == 0.01
    for bad in ("switch_interval=0", "switch_interval=-1", "switch_interval=5", "switch_interval=x"):
        assert parse_options(bad)[1] == [bad]


@pytest.mark.parametrize(("env", "expected"), [("", SWITCH_INTERVAL), ("switch_interval=0.002", 0.002)])
def test_the_target_runs_with_the_switch_interval(tmp_path: Path, env: str, expected: float) -> None:
    prog = tmp_path / "show.py"
    prog.write_text("import sys\nprint(sys.getswitchinterval())\n")
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "race", "--", sys.executable, str(prog)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PERFKIT_RACE": env},
    )
    assert done.returncode == 0, done.stderr
    if CORE is None and not env:  # no perturbation without the compiled core: 1 ms stands in for it
        expected = 0.001
    assert float(done.stdout.strip()) == pytest.approx(expected)


def test_a_bad_switch_interval_is_one_line(tmp_path: Path) -> None:
    prog = tmp_path / "noop.py"
    prog.write_text("pass\n")
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "race", "--", sys.executable, str(prog)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PERFKIT_RACE": "switch_interval=9"},
    )
    assert done.returncode != 0 and "switch_interval=9" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_perturb_parses() -> None:
    assert parse_options("")[0].perturb == PERTURB
    assert parse_options("perturb=0")[0].perturb == 0
    assert parse_options("perturb=64")[0].perturb == 64
    for bad in ("perturb=-1", "perturb=x", "perturb=0.5"):
        assert parse_options(bad)[1] == [bad]


WORKER_GROUP = """
import queue, threading

class Stats:
    def __init__(self):
        self.done = 0

def worker(q, stats):
    while True:
        item = q.get()
        if item is None:
            return
        sum(range(200))
        stats.done += 1

q = queue.Queue()
stats = Stats()
for i in range(1000):
    q.put(i)
workers = [threading.Thread(target=worker, args=(q, stats)) for _ in range(3)]
for _ in workers:
    q.put(None)
for w in workers:
    w.start()
for w in workers:
    w.join()
from perfkit.race.clock import CORE
print("hand-offs", *CORE.sched_stats()[:2])
"""


@pytest.mark.skipif(CORE is None, reason="the perturbation lives in the compiled core")
@pytest.mark.parametrize(
    ("env", "found"), [("switch_interval=1 perturb=0", False), ("switch_interval=1 perturb=1", True)]
)
def test_perturbation_lets_other_threads_run(tmp_path: Path, env: str, found: bool) -> None:
    """With a 1 s switch interval one worker takes every item, and its accesses race with
    nobody's; giving the GIL away at the queue's gets lets the other workers in."""
    prog = tmp_path / "group.py"
    prog.write_text(WORKER_GROUP)
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "race", "--", sys.executable, str(prog)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PERFKIT_RACE": env},
    )
    assert ("Stats.done" in done.stderr) is found, done.stderr
    assert done.returncode == (66 if found else 0), done.stderr
    tried, taken = map(int, done.stdout.split("hand-offs")[1].split())
    # perturb=0 never hands the GIL on; perturb=1 did, and another thread took it
    assert (tried > 0, taken > 0) == (found, found), done.stdout
