"""The scalene collector, running real Scalene on the test programs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perfkit import files
from perfkit.collectors import RecordOptions
from perfkit.collectors import scalene as collector
from perfkit.errors import PerfkitError
from perfkit.model import Profile

MB = 1024 * 1024
pytestmark = pytest.mark.slow


def _inclusive(profile: Profile, name: str, sample_type: str | None = None) -> int:
    return sum(
        value
        for stack, value in profile.iter_stacks(sample_type)
        if any(profile.frames[f].function == name for f in stack)
    )


def _hot_share(profile: Profile, sample_type: str | None = None) -> float:
    hot, cold = _inclusive(profile, "hot", sample_type), _inclusive(profile, "cold", sample_type)
    return 100 * hot / (hot + cold)


@pytest.fixture(scope="module")
def cpu_split_profile() -> Profile:
    """cpu_split.py (3 s) at 333 samples/s.  At Scalene's default 100/s a 3 s run gives ~250
    time-weighted samples and the hot share spread 68-78 % over 8 runs on a busy 2-core box,
    too wide for a 7-point check; at 333/s it stayed within 66-74 %."""
    program = Path(__file__).parent / "programs" / "cpu_split.py"
    return collector.record([sys.executable, str(program)], RecordOptions(rate=333))


def test_cpu_split_is_70_30(cpu_split_profile: Profile) -> None:
    profile = cpu_split_profile
    assert str(profile.sample_types[profile.default_type]) == "cpu/nanoseconds"
    assert abs(_hot_share(profile) - 70) <= 7
    assert abs(_hot_share(profile, "wall") - 70) <= 7
    # callers come from Scalene's sampled stacks: <module> -> main -> hot
    hot_stacks = [s for s, _ in profile.iter_stacks() if profile.frames[s[-1]].function == "hot"]
    assert hot_stacks and all(
        [profile.frames[f].function for f in s] == ["<module>", "main", "hot"] for s in hot_stacks
    )
    # the split columns add up to the totals
    assert profile.total("cpu") == profile.total("cpu_python") + profile.total("cpu_native")
    wall = profile.total("wall")
    assert abs(wall - (profile.total("cpu") + profile.total("system"))) <= len(profile)
    meta = profile.metadata
    assert meta["backend"] == "scalene" and meta["exit_code"] == 0 and meta["interrupted"] is False
    assert meta["backend_version"] and meta["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["rate"] == 333 and meta["duration_ns"] >= 3e9


@pytest.mark.parametrize("suffix", [".pb.gz", ".speedscope.json", ".folded"])
def test_cpu_split_survives_save_and_reload(cpu_split_profile: Profile, tmp_path: Path, suffix: str) -> None:
    path = files.save(cpu_split_profile, tmp_path / f"cpu{suffix}")
    again = files.load(path)
    assert abs(_hot_share(again) - 70) <= 7
    assert abs(_hot_share(again) - _hot_share(cpu_split_profile)) < 0.01


def test_alloc_split_total_memory(programs: Path) -> None:
    profile = collector.record([str(programs / "alloc_split_total.py")], RecordOptions())
    assert profile.total("alloc_space") >= 150 * MB
    big, small = (
        _inclusive(profile, "allocate_big", "alloc_space"),
        _inclusive(profile, "allocate_small", "alloc_space"),
    )
    assert abs(100 * big / (big + small) - 80) <= 8
    assert profile.metadata["peak_memory_bytes"] >= 80 * MB


def test_module_arguments_exit_status_and_quiet_stderr(
    tmp_path: Path, python: str, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "spinmod.py").write_text(
        "import sys, time\n"
        "def spin():\n    end = time.perf_counter() + 0.6\n    while time.perf_counter() < end:\n        pass\n"
        "spin()\nprint('args', sys.argv[1:], file=sys.stderr)\nsys.exit(3)\n",
        encoding="utf-8",
    )
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        profile = collector.record([python, "-m", "spinmod", "-x", "--flag", "5"], RecordOptions())
    finally:
        os.chdir(cwd)
    err = capfd.readouterr().err
    assert "args ['-x', '--flag', '5']" in err  # the target's own stderr passes through
    assert "profile saved" not in err and "scalene view" not in err
    assert profile.metadata["exit_code"] == 3
    assert _inclusive(profile, "spin") > 0.3e9


def test_environment_keeps_scalene_in_one_process() -> None:
    env = collector.scalene_environment("/lib/scalene", {"LD_PRELOAD": "libx.so", "PYTHONMALLOC": "pymalloc"})
    assert env["LD_PRELOAD"] == "libscalene.so:libx.so"
    assert env["LD_LIBRARY_PATH"] == "/lib/scalene"
    assert env["PYTHONMALLOC"] == "default"
    assert env["SCALENE_ALLOCATION_SAMPLING_WINDOW"] == str(collector.ALLOCATION_WINDOW)
    again = collector.scalene_environment("/lib/scalene", env)
    assert again == env


def test_user_errors_are_one_line(tmp_path: Path, programs: Path) -> None:
    with pytest.raises(PerfkitError, match="no such script"):
        collector.record([str(tmp_path / "nope.py")], RecordOptions())
    with pytest.raises(PerfkitError, match="cannot attach"):
        collector.record([], RecordOptions(pid=os.getpid()))
    with pytest.raises(PerfkitError, match="Python programs"):
        collector.record(["true"], RecordOptions())
    with pytest.raises(PerfkitError, match="sampling rate"):
        collector.record([str(programs / "cpu_split.py")], RecordOptions(rate=0))
    bare = tmp_path / "python3"  # a Python without site-packages, so without scalene
    bare.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    bare.chmod(0o755)
    with pytest.raises(PerfkitError, match="scalene is not installed"):
        collector.record([str(bare), str(programs / "cpu_split.py")], RecordOptions())


@pytest.mark.parametrize("whom", ["group", "perfkit"])
def test_ctrl_c_returns_what_was_gathered(programs: Path, python: str, whom: str) -> None:
    """``group``: a terminal's Ctrl-C reaches perfkit and the target; ``perfkit``: only perfkit
    is signalled and must stop the target (one Scalene process, thanks to the prepared env)."""
    driver = subprocess.Popen(
        [python, str(programs / "record_summary.py"), "scalene", "--", python, str(programs / "alloc_loop.py")],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert driver.stdout is not None
        assert driver.stdout.readline().strip() == b"started"
        running = time.monotonic()
        time.sleep(2.0)
        signalled = time.monotonic()
        if whom == "group":
            os.killpg(driver.pid, signal.SIGINT)
        else:
            driver.send_signal(signal.SIGINT)
        out, _ = driver.communicate(timeout=60)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary.get("error") is None, summary
    assert summary["metadata"]["interrupted"] is True
    # the target stopped within seconds of Ctrl-C: its run time exceeds the time it had run
    # before the signal by at most a few seconds (reading the output afterwards is not counted)
    assert summary["metadata"]["duration_ns"] / 1e9 - (signalled - running) < 8
    assert summary["functions"].get("spin", 0) > 0
