"""The memray collector, running real memray on the test programs."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from collector_helpers import MB, inclusive, interrupt_summary  # tests/ is on sys.path
from perfkit.collectors import RecordOptions
from perfkit.collectors import memray as collector
from perfkit.errors import PerfkitError

pytestmark = pytest.mark.slow


def test_alloc_split_total_allocates_over_150_mb_split_80_20(programs: Path, python: str) -> None:
    profile = collector.record([python, str(programs / "alloc_split_total.py")], RecordOptions())
    assert str(profile.sample_types[profile.default_type]) == "alloc_space/bytes"
    assert profile.total() >= 150 * MB
    big, small = inclusive(profile, "allocate_big"), inclusive(profile, "allocate_small")
    assert abs(100 * big / (big + small) - 80) <= 8
    # the peak holds allocate_big's 80 buffers
    assert inclusive(profile, "allocate_big", "inuse_space") >= 80 * MB
    meta = profile.metadata
    assert meta["backend"] == "memray" and meta["exit_code"] == 0 and meta["interrupted"] is False
    assert meta["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["command"][-1].endswith("alloc_split_total.py")
    assert meta["duration_ns"] > 0 and meta["start_ns"] > 0 and meta["backend_version"]


def test_alloc_split_really_allocates_100_mb(programs: Path) -> None:
    """The original program: 100 MB over its run (one calloc per 1 MB bytearray), split 80/20."""
    profile = collector.record([str(programs / "alloc_split.py")], RecordOptions())
    assert 100 * MB <= profile.total() < 110 * MB
    big, small = inclusive(profile, "allocate_big"), inclusive(profile, "allocate_small")
    assert abs(100 * big / (big + small) - 80) <= 2


def test_module_code_and_exit_status(tmp_path: Path, python: str) -> None:
    (tmp_path / "allocmod.py").write_text(
        "import sys\nblob = [bytearray(1 << 20) for _ in range(5)]\nsys.exit(3)\n", encoding="utf-8"
    )
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        profile = collector.record([python, "-m", "allocmod"], RecordOptions())
    finally:
        os.chdir(cwd)
    assert profile.metadata["exit_code"] == 3
    assert profile.total() >= 5 * MB
    code = collector.record([python, "-c", "x = [bytearray(1 << 20) for _ in range(3)]"], RecordOptions())
    assert code.total() >= 3 * MB and code.metadata["exit_code"] == 0


def test_threads_are_labelled(tmp_path: Path, python: str) -> None:
    script = tmp_path / "threads.py"
    script.write_text(
        "import threading\n"
        "def work():\n    return [bytearray(1 << 20) for _ in range(4)]\n"
        "t = threading.Thread(target=work, name='worker-1')\nt.start(); t.join()\nwork()\n",
        encoding="utf-8",
    )
    profile = collector.record([python, str(script)], RecordOptions())
    threads = profile.label_values("thread")
    assert "worker-1" in threads and "MainThread" in threads
    worker = profile.filter(labels={"thread": "worker-1"})
    assert inclusive(worker, "work") >= 4 * MB


def test_follow_fork_merges_children_with_pid_labels(tmp_path: Path, python: str) -> None:
    script = tmp_path / "forks.py"
    script.write_text(
        "import os\n"
        "def child():\n    return [bytearray(1 << 20) for _ in range(6)]\n"
        "pid = os.fork()\n"
        "if pid == 0:\n    child(); os._exit(0)\n"
        "os.waitpid(pid, 0)\n",
        encoding="utf-8",
    )
    profile = collector.record([python, str(script)], RecordOptions(subprocesses=True))
    assert profile.metadata["processes"] == 2
    assert len(profile.label_values("pid")) == 2
    assert inclusive(profile, "child") >= 6 * MB


def test_missing_script_and_attach_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(PerfkitError, match="no such script"):
        collector.record([str(tmp_path / "nope.py")], RecordOptions())
    with pytest.raises(PerfkitError, match="cannot attach"):
        collector.record([], RecordOptions(pid=os.getpid()))
    with pytest.raises(PerfkitError, match="Python programs"):
        collector.record(["true"], RecordOptions())


def test_interpreter_without_memray_is_one_line_error(tmp_path: Path, programs: Path) -> None:
    bare = tmp_path / "python3"  # a Python without site-packages, so without memray
    bare.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    bare.chmod(0o755)
    with pytest.raises(PerfkitError, match="memray is not installed") as err:
        collector.record([str(bare), str(programs / "alloc_split.py")], RecordOptions())
    assert "\n" not in str(err.value)


def test_duration_stops_the_target_and_keeps_the_data(programs: Path) -> None:
    started = time.monotonic()
    profile = collector.record([str(programs / "alloc_loop.py")], RecordOptions(duration=2.0))
    assert time.monotonic() - started < 20
    assert profile.metadata["stopped_by_duration"] is True
    assert inclusive(profile, "grow") >= 20 * MB


@pytest.mark.parametrize("whom", ["group", "perfkit"])
def test_ctrl_c_returns_what_was_gathered(programs: Path, python: str, whom: str) -> None:
    """``group``: a terminal's Ctrl-C reaches perfkit and the target; ``perfkit``: only perfkit
    is signalled and must stop the target itself."""
    summary, ran_before_signal = interrupt_summary(programs, python, "memray", whom)
    assert summary["metadata"]["interrupted"] is True
    # the target stopped within seconds of Ctrl-C: its run time exceeds the time it had run
    # before the signal by at most a few seconds (reading the output afterwards is not counted)
    assert summary["metadata"]["duration_ns"] / 1e9 - ran_before_signal < 8
    assert summary["functions"]["grow"] >= 20 * MB
