"""An examiner-style held-out set, written without looking at the corpus, classified exactly.

Racy programs (``r_*.py``) carry a ``# RACE: LOCATION`` comment: the run must exit 66 and the
report must name that location. Clean programs (``c_*.py``) must exit 0 with no warning and
print exactly what a plain run prints.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .test_corpus import race

HELDOUT = Path(__file__).parent / "heldout"
PROGRAMS = sorted(p for p in HELDOUT.glob("[rc]_*.py"))


def location(path: Path) -> str:
    m = re.search(r"# RACE: (.+)$", path.read_text(), re.M)
    assert m, f"{path.name}: racy programs need a `# RACE: LOCATION` comment"
    return m.group(1).strip()


def test_heldout_has_both_kinds() -> None:
    names = [p.name for p in PROGRAMS]
    assert sum(n.startswith("r_") for n in names) >= 12
    assert sum(n.startswith("c_") for n in names) >= 18


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_heldout_program(program: Path) -> None:
    if "taskgroup" in program.stem and sys.version_info < (3, 11):
        pytest.skip("asyncio.TaskGroup needs 3.11")
    result = race("python", program.name, cwd=HELDOUT)
    if program.name.startswith("r_"):
        assert result.returncode == 66, result.stdout + result.stderr
        assert "WARNING: " in result.stderr
        assert location(program) in result.stderr, result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert "WARNING:" not in result.stderr, result.stderr
        plain = subprocess.run([sys.executable, program.name], cwd=HELDOUT, capture_output=True, text=True, timeout=60)
        assert result.stdout == plain.stdout
