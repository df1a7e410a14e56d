"""Helpers shared by the collector tests: attribution shares and the Ctrl-C harnesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from perfkit.model import Profile

MB = 1024 * 1024


def inclusive(profile: Profile, name: str, sample_type: str | None = None) -> int:
    """Value of the stacks in which a function called ``name`` appears anywhere."""
    return sum(
        value
        for stack, value in profile.iter_stacks(sample_type)
        if any(profile.frames[f].function == name for f in stack)
    )


def hot_share(profile: Profile, sample_type: str | None = None) -> float:
    """hot / (hot + cold) in percent, counting a sample for a function if it is anywhere on the stack."""
    hot, cold = inclusive(profile, "hot", sample_type), inclusive(profile, "cold", sample_type)
    assert hot + cold > 0, "neither hot nor cold was sampled"
    return 100 * hot / (hot + cold)


def split(profile: Profile, a: str = "hot", b: str = "cold") -> float:
    """Share of ``a`` in ``a + b`` (default sample type), by ``--focus``."""
    va = profile.filter(focus=f"^{a}$").total()
    vb = profile.filter(focus=f"^{b}$").total()
    assert va + vb > 0, "neither function was sampled"
    return va / (va + vb)


def interrupt_summary(programs: Path, python: str, backend: str, whom: str) -> tuple[dict, float]:
    """Record alloc_loop.py through programs/record_summary.py and Ctrl-C it after 2 s: ``group``
    signals the whole process group (a terminal's Ctrl-C), ``perfkit`` only perfkit. Returns the
    summary it printed and how long the target had run before the signal."""
    driver = subprocess.Popen(
        [python, str(programs / "record_summary.py"), backend, "--", python, str(programs / "alloc_loop.py")],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert driver.stdout is not None
        assert driver.stdout.readline().strip() == b"started"
        running = time.monotonic()  # the target's own output
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
    return json.loads(out.decode().strip().splitlines()[-1]), signalled - running


#: records argv[3:] with backend argv[1], saves argv[2].folded and a summary in argv[2].json
DRIVER = textwrap.dedent(
    """
    import json, sys
    from perfkit import files
    from perfkit.collectors import RecordOptions, record
    profile = record(sys.argv[3:], sys.argv[1], RecordOptions())
    files.save(profile, sys.argv[2] + ".folded")
    with open(sys.argv[2] + ".json", "w") as out:
        json.dump({"meta": profile.metadata, "samples": len(profile), "total": profile.total()}, out)
    """
)


def interrupt_run(backend: str, programs: Path, tmp_path: Path, *, whole_group: bool) -> tuple[dict, float]:
    """Start perfkit's library recording a 60 s target, Ctrl-C it after 2.5 s, return (result, seconds)."""
    out = tmp_path / "result"
    target = [sys.executable, str(programs / "cpu_split.py"), "60"]
    perfkit = subprocess.Popen(
        [sys.executable, "-c", DRIVER, backend, str(out), *target],
        start_new_session=True,  # its own process group, like a shell job
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(2.5)
        sent = time.monotonic()
        if whole_group:  # a terminal's Ctrl-C reaches the whole foreground group
            os.killpg(perfkit.pid, signal.SIGINT)
        else:  # `kill -INT <perfkit>` reaches perfkit only
            perfkit.send_signal(signal.SIGINT)
        perfkit.wait(timeout=15)
        took = time.monotonic() - sent
    finally:
        if perfkit.poll() is None:
            os.killpg(perfkit.pid, signal.SIGKILL)
            perfkit.wait()
    stderr = perfkit.stderr.read().decode() if perfkit.stderr else ""
    assert perfkit.returncode == 0, stderr
    leftovers = subprocess.run(["pgrep", "-s", str(perfkit.pid)], capture_output=True, text=True).stdout.split()
    assert not leftovers, f"processes left running: {leftovers}"
    result = json.loads((tmp_path / "result.json").read_text())
    assert (tmp_path / "result.folded").stat().st_size > 0
    return result, took
