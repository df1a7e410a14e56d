"""Run the real ``perfkit`` command line in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: small folded profile whose frames point at real lines of tests/programs/cpu_split.py
PROGRAMS = Path(__file__).parent / "programs"
CPU_SPLIT = PROGRAMS / "cpu_split.py"
FOLDED = (
    f"<module> ({CPU_SPLIT}:35);main ({CPU_SPLIT}:30);hot ({CPU_SPLIT}:14) 70\n"
    f"<module> ({CPU_SPLIT}:35);main ({CPU_SPLIT}:32);cold ({CPU_SPLIT}:21) 30\n"
)
#: the same program after "optimising" hot: the diff base for flame --base
FOLDED_BASE = (
    f"<module> ({CPU_SPLIT}:35);main ({CPU_SPLIT}:30);hot ({CPU_SPLIT}:14) 40\n"
    f"<module> ({CPU_SPLIT}:35);main ({CPU_SPLIT}:32);cold ({CPU_SPLIT}:21) 60\n"
)


def perfkit(
    *args: str | os.PathLike[str], cwd: Path | None = None, timeout: float = 120, **kwargs
) -> subprocess.CompletedProcess[str]:
    """``python -m perfkit ARGS`` with text output captured; never raises on a non-zero exit."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "perfkit", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *names: str) -> str:
    """A user mistake: non-zero exit, exactly one ``perfkit: ...`` line on stderr naming the input."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("perfkit: "), line
    for name in names:
        assert name in line, (name, line)
    return line


def write_folded(folder: Path, name: str = "cpu.folded", text: str = FOLDED) -> Path:
    path = folder / name
    path.write_text(text)
    return path
