"""PERFKIT_RACE's switch_interval option: parsed, bounded, and applied in the process under test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.race.report import SWITCH_INTERVAL, parse_options


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
