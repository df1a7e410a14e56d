"""``cpus=N``: a raced process's threads run on N of its CPUs (default 1: two cores made the
detector's hand-offs convoy between them, reports/race-overhead.md), and a raced child chooses
among the CPUs its first raced ancestor was given, not only its parent's one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from tests.race.test_cli import race, write

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs and affinity"
)
ALL = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0

AFFINITY = """
import os, subprocess, sys, threading
seen = []
worker = threading.Thread(target=lambda: seen.append(len(os.sched_getaffinity(0))))
worker.start()
worker.join()
ask = "import os; print(len(os.sched_getaffinity(0)), os.environ.get('PERFKIT_RACE_CPUSET', ''))"
child = subprocess.run([sys.executable, "-c", ask], capture_output=True, text=True, check=True).stdout.split()
print(len(os.sched_getaffinity(0)), seen[0], *child)
"""


def test_default_runs_threads_and_children_on_one_cpu(tmp_path: Path) -> None:
    write(tmp_path / "aff.py", AFFINITY)
    done = race("--", sys.executable, "aff.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    main, thread, child, cpuset = done.stdout.split()
    assert (main, thread, child) == ("1", "1", "1")
    assert len(cpuset.split(",")) == ALL  # the child chose among all of them, as its parent did


def test_cpus_zero_keeps_every_cpu(tmp_path: Path) -> None:
    write(tmp_path / "aff.py", AFFINITY)
    done = race("--", sys.executable, "aff.py", cwd=tmp_path, env={"PERFKIT_RACE": "cpus=0"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:3] == [str(ALL)] * 3


def test_bad_cpus_value_is_an_option_error(tmp_path: Path) -> None:
    write(tmp_path / "aff.py", "pass\n")
    done = race("--", sys.executable, "aff.py", cwd=tmp_path, env={"PERFKIT_RACE": "cpus=-1"})
    assert done.returncode != 0 and "cpus=-1" in done.stderr and "Traceback" not in done.stderr
