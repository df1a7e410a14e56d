"""Where and on what a benchmark ran: Go's header keys (goos, goarch, cpu) plus the facts perfkit
keeps beside the numbers (python, hostname, git commit), so a stored result says what it measured.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["commit_info", "cpu_name", "go_config", "machine_info", "procs"]

#: Python's platform.machine() -> Go's GOARCH
_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386", "i686": "386"}


def procs() -> int:
    """CPUs this process may run on (Go's GOMAXPROCS default), for the ``-N`` name suffix."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_name() -> str:
    """The CPU model as Go prints it in ``cpu:`` (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def go_config(pkg: str) -> dict[str, str]:
    """The four header lines of ``go test -bench`` for one package."""
    machine = platform.machine().lower()
    return {
        "goos": sys.platform if sys.platform != "win32" else "windows",
        "goarch": _GOARCH.get(machine, machine),
        "pkg": pkg,
        "cpu": cpu_name(),
    }


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def commit_info(cwd: Path | None = None) -> dict[str, object]:
    """Commit, branch and dirtiness of the checkout the benchmarks ran in (empty outside git)."""
    where = cwd or Path.cwd()
    commit = _git(["rev-parse", "HEAD"], where)
    if commit is None:
        return {}
    status = _git(["status", "--porcelain", "--untracked-files=no"], where)
    return {
        "commit": commit,
        "branch": _git(["rev-parse", "--abbrev-ref", "HEAD"], where) or "",
        "dirty": bool(status),
    }


def machine_info() -> dict[str, object]:
    """Everything about this machine and interpreter worth keeping with a result."""
    return {
        **{k: v for k, v in go_config("").items() if k != "pkg"},
        "procs": procs(),
        "hostname": platform.node(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
