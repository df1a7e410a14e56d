"""Attaching to a running program from outside: ``perfkit profile --pid`` reports a 70/30 CPU
split within 10 points, ``perfkit dump --pid`` shows its functions, mistakes are one line."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit import files
from perfkit.debug import attach
from perfkit.errors import PerfkitError


def perfkit(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfkit", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cpu_split(programs: Path, python: str):
    proc = subprocess.Popen([python, str(programs / "cpu_split.py"), "60"])
    time.sleep(1.0)  # past interpreter start-up, into the loop
    yield proc.pid
    proc.kill()
    proc.wait()


def test_profile_pid_reports_the_70_30_split(cpu_split: int, tmp_path: Path) -> None:
    out = tmp_path / "attach.pb.gz"
    done = perfkit("profile", "--pid", str(cpu_split), "--duration", "3", "-o", str(out))
    assert done.returncode == 0, done.stderr
    profile = files.load(out)
    hot = profile.filter(focus="^hot$").total()
    cold = profile.filter(focus="^cold$").total()
    assert hot + cold > 0
    share = 100 * hot / (hot + cold)
    assert abs(share - 70) <= 10, f"hot share {share:.1f}%"


def test_dump_pid_shows_its_functions(cpu_split: int) -> None:
    done = perfkit("dump", "--pid", str(cpu_split))
    assert done.returncode == 0, done.stderr
    assert f"process {cpu_split}" in done.stdout
    assert "thread 'MainThread'" in done.stdout
    assert "in main" in done.stdout and ("in hot" in done.stdout or "in cold" in done.stdout)
    lines = done.stdout.splitlines()
    main_at = next(i for i, line in enumerate(lines) if line.endswith("in main"))
    assert lines[main_at + 1].endswith(("in hot", "in cold"))  # outermost first, as a traceback


def test_dump_pid_json(cpu_split: int) -> None:
    done = perfkit("dump", "--pid", str(cpu_split), "--json")
    assert done.returncode == 0, done.stderr
    threads = json.loads(done.stdout)
    assert threads[0]["name"] == "MainThread"
    assert threads[0]["stack"][0]["function"] == "<module>"


def test_missing_pid_is_one_line() -> None:
    done = perfkit("dump", "--pid", "999999")
    assert done.returncode == 2
    assert done.stderr.strip() == "perfkit: --pid 999999: no such process; check the id with `ps aux | grep python`"


def test_dump_needs_exactly_one_source() -> None:
    done = perfkit("dump")
    assert done.returncode == 2 and "exactly one of --pid" in done.stderr


def test_no_ptrace_permission_is_one_line_with_the_fix(cpu_split: int, as_nobody: list[str]) -> None:
    done = subprocess.run(
        [
            *as_nobody,
            sys.executable,
            "-m",
            "perfkit",
            "dump",
            "--pid",
            str(cpu_split),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": "/tmp"},
    )
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line
    assert line.startswith(f"perfkit: --pid {cpu_split}:") and "sudo" in line


THREAD = {
    "pid": 1,
    "thread_id": 140,
    "thread_name": "MainThread",
    "os_thread_id": 1,
    "active": True,
    "owns_gil": True,
    "frames": [
        {"name": "hot", "filename": "/x/cpu_split.py", "line": 12},
        {"name": "<module>", "filename": "/x/cpu_split.py", "line": 35},
    ],
}


def test_parse_dump_orders_outermost_first() -> None:
    (thread,) = attach.parse_dump(json.dumps([THREAD]))
    assert thread.stack == (("<module>", "/x/cpu_split.py", 35), ("hot", "/x/cpu_split.py", 12))
    assert thread.owns_gil and thread.native_id == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_parse_dump_survives_any_json(doc: object) -> None:
    with contextlib.suppress(ValueError):
        attach.parse_dump(json.dumps(doc))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_parse_dump_survives_damaged_fields(data: st.DataObject) -> None:
    thread = json.loads(json.dumps(THREAD))
    target = data.draw(st.sampled_from(["thread_id", "thread_name", "frames", "os_thread_id", "frame"]))
    junk = data.draw(json_values)
    if target == "frame":
        key = data.draw(st.sampled_from(["name", "filename", "line"]))
        thread["frames"][0][key] = junk
    else:
        thread[target] = junk
    try:
        threads = attach.parse_dump(json.dumps([thread]))
    except ValueError:
        return
    assert len(threads) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parse_dump_survives_any_text(text: str) -> None:
    with contextlib.suppress(ValueError):  # json.JSONDecodeError is a ValueError
        attach.parse_dump(text)


def test_dump_pid_of_a_non_python_process_is_one_line() -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        with pytest.raises(PerfkitError, match=f"--pid {sleeper.pid}: ") as info:
            attach.dump_pid(sleeper.pid)
        assert "\n" not in str(info.value)
    finally:
        sleeper.kill()
        sleeper.wait()
