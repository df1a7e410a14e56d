"""``perfkit race -- CMD``: run a command with the detector in it and every Python child.

The detector travels through the environment: ``PYTHONPATH`` gains ``_boot`` (whose
``sitecustomize`` starts the detector in any Python process) and ``PERFKIT_RACE_*`` carries the
settings. ``python script.py`` / ``python -m mod`` / ``pytest`` are routed through
``_boot/run.py`` so the main script is rewritten too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from importlib import import_module
from pathlib import Path

from perfkit.errors import PerfkitError

from .children import BOOT_RUN, reroute

# submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
bootstrap = import_module(".bootstrap", __package__)
report = import_module(".report", __package__)

BOOT_DIR = os.path.dirname(BOOT_RUN)
_PYTHON = re.compile(r"python[0-9.]*(\.exe)?")


def command(cmd: list[str]) -> tuple[list[str], bool]:
    """The argv to run and whether it is a pytest session."""
    if not cmd:
        raise PerfkitError("perfkit race: no command given; put it after `--`, e.g. `perfkit race -- python app.py`")
    exe = os.path.basename(cmd[0])
    if exe in ("pytest", "py.test"):
        return [sys.executable, BOOT_RUN, "-m", "pytest", *cmd[1:]], True
    if _PYTHON.fullmatch(exe) and os.sep not in cmd[0]:
        cmd = [sys.executable, *cmd[1:]]
    argv = reroute(list(cmd))
    pytest = len(argv) > 3 and argv[1] == BOOT_RUN and argv[2:4] == ["-m", "pytest"]
    return argv, pytest


def _check_options() -> None:
    _, bad = report.parse_options(os.environ.get("PERFKIT_RACE", ""))
    if bad:
        raise PerfkitError(
            f"PERFKIT_RACE: cannot read {' '.join(bad)!r}; use words like "
            "`halt_on_error=1 exitcode=66 log_path=FILE switch_interval=0.005 perturb=500 cpus=1`"
        )


def _check_suppressions(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PerfkitError(f"--suppressions {path}: cannot read it ({exc.strerror}); give an existing file") from None
    _, bad = report.parse_suppressions(text)
    if bad:
        n, line = bad[0]
        raise PerfkitError(
            f"--suppressions {path}: line {n} {line.strip()!r} is not `race:PATTERN` or `deadlock:PATTERN`;"
            " fix or remove it"
        )
    return str(path.resolve())


def environment(
    argv: list[str], include: list[str], exclude: list[str], suppressions: Path | None, stress: bool, pytest: bool
) -> dict[str, str]:
    env = dict(os.environ)
    cwd = os.getcwd()
    globs = [g if os.path.isabs(g) else os.path.join(cwd, g) for g in include]
    if not globs:
        globs = [os.path.join(cwd, "*")]
        if len(argv) > 2 and argv[1] == BOOT_RUN and argv[2] != "-m":
            globs.append(os.path.join(os.path.dirname(os.path.abspath(argv[2])), "*"))
    env[bootstrap.ENV_ENABLE] = "1"
    env[bootstrap.ENV_INCLUDE] = os.pathsep.join(globs)
    env[bootstrap.ENV_EXCLUDE] = os.pathsep.join(g if os.path.isabs(g) else os.path.join(cwd, g) for g in exclude)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (BOOT_DIR, env.get("PYTHONPATH", "")) if p)
    if suppressions is not None:
        env[bootstrap.ENV_SUPPRESSIONS] = _check_suppressions(suppressions)
    if stress:
        env[bootstrap.ENV_STRESS] = "1"
    if pytest:
        env[bootstrap.ENV_PYTEST] = "1"
    return env


def run(
    cmd: list[str],
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    stress: int = 1,
    suppressions: Path | None = None,
) -> int:
    """Run ``cmd`` under the detector (``stress`` times); the exit status to return."""
    if stress < 1:
        raise PerfkitError(f"--stress {stress}: must be at least 1")
    _check_options()
    argv, pytest = command(cmd)
    env = environment(argv, include or [], exclude or [], suppressions, stress > 1, pytest)
    race_code = report.parse_options(env.get("PERFKIT_RACE", ""))[0].exitcode
    code = 0
    with tempfile.TemporaryDirectory(prefix="perfkit-race-") as reports:
        env[report.ENV_DIR] = reports
        env.pop(report.ENV_ROOT, None)
        for _ in range(stress):
            try:
                code = subprocess.call(argv, env=env)
            except FileNotFoundError:
                raise PerfkitError(f"perfkit race: command not found: {cmd[0]!r}; check the name and PATH") from None
            if _leftovers(reports) and code != race_code:
                code = race_code
            if code == race_code:
                break
    return code


def _leftovers(directory: str) -> int:
    """Print reports of children that no Python root collected (it exited first, or the command
    is not Python); how many."""
    names = report.child_files(directory)
    for name in names:
        path = os.path.join(directory, name)
        with open(path, encoding="utf-8") as fh:
            sys.stderr.write(fh.read())
        os.unlink(path)
    found = sum(n.endswith(report.REPORT_SUFFIX) for n in names)
    if found:
        sys.stderr.write(f"Found {found} report(s) in child processes\n")
    return found
