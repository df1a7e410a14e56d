"""Every corpus program is classified exactly by ``perfkit race -- python prog.py``.

The first line of each program says what to expect: ``# expect: clean``, ``# expect: race
LOCATION`` or ``# expect: deadlock TEXT``. Racy programs are written so that the race does not
depend on the threads interleaving (e.g. one finishes before the other starts, unordered), so
they are reported by happens-before, every run.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from perfkit.race.report import ENV_DIR
from perfkit.race.runner import command, environment

CORPUS = Path(__file__).parent / "corpus"
PROGRAMS = sorted(p for p in CORPUS.glob("*.py") if not p.name.startswith("_"))


def expectation(path: Path) -> tuple[str, str]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be `# expect: ...`"
    kind, _, detail = first.removeprefix("# expect: ").partition(" ")
    return kind, detail


def race(*args: str, cwd: Path = CORPUS) -> subprocess.CompletedProcess[str]:
    """``perfkit race -- ARGS`` without the CLI's own start-up (test_cli covers the CLI): the
    same argv, environment and exit status as the runner gives the program."""
    argv, _ = command(list(args))
    with tempfile.TemporaryDirectory() as reports:
        env = environment(argv, [str(cwd / "*")], [], None, False, False)
        env.pop("PERFKIT_RACE", None)
        env[ENV_DIR] = reports
        return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_corpus_covers_racy_and_clean() -> None:
    kinds = [expectation(p)[0] for p in PROGRAMS]
    assert kinds.count("clean") >= 25
    assert kinds.count("race") + kinds.count("deadlock") >= 20


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_is_classified(program: Path) -> None:
    kind, detail = expectation(program)
    result = race("python", program.name)
    if kind == "clean":
        assert result.returncode == 0, result.stderr
        assert "WARNING" not in result.stderr
        plain = subprocess.run([sys.executable, program.name], cwd=CORPUS, capture_output=True, text=True, timeout=60)
        assert result.stdout == plain.stdout
        assert result.stderr == plain.stderr
    else:
        assert result.returncode == 66, result.stdout + result.stderr
        header = "WARNING: DATA RACE" if kind == "race" else "WARNING: "
        assert header in result.stderr
        assert detail in result.stderr, result.stderr
        assert "Found 1 " in result.stderr or "Found " in result.stderr
