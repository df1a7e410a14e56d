"""When benchstat reads its later inputs in a second process: only with a core to spare."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from perfkit.bench import readahead

_ASK = "from perfkit.bench import readahead; print(readahead.spare_core(), readahead.wanted())"


def ask(*prefix: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([*prefix, sys.executable, "-c", _ASK], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="needs CPU affinity")
def test_one_allowed_core_is_never_spare() -> None:
    """``taskset -c 0``: the child would only take turns with its parent."""
    if not shutil.which("taskset"):
        pytest.skip("taskset not installed")
    cpu = min(os.sched_getaffinity(0))
    env = {k: v for k, v in os.environ.items() if k != "PERFKIT_BENCHSTAT_READAHEAD"}
    assert ask("taskset", "-c", str(cpu), env=env) == "False False"


def test_the_environment_overrides_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFKIT_BENCHSTAT_READAHEAD", "0")
    assert not readahead.wanted()
    monkeypatch.setenv("PERFKIT_BENCHSTAT_READAHEAD", "1")
    assert readahead.wanted()
    monkeypatch.setenv("PERFKIT_BENCHSTAT_READAHEAD", "auto")
    assert readahead.wanted() == readahead.spare_core()


def test_a_busy_machine_has_no_spare_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """As many runnable threads as cores (or a load average that high): read in order."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    monkeypatch.setattr(readahead, "_running_now", lambda: 1)
    monkeypatch.setattr(os, "getloadavg", lambda: (float(cores), 0.0, 0.0))
    assert not readahead.spare_core()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(readahead, "_running_now", lambda: cores + 1)
    assert not readahead.spare_core()
    monkeypatch.setattr(readahead, "_running_now", lambda: 1)
    assert readahead.spare_core() == (cores >= 2)


def test_the_running_count_is_read_from_the_kernel() -> None:
    assert readahead._running_now() >= 1  # at least this test
