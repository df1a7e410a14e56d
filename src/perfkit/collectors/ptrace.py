"""May we read another process's memory? (ptrace rules: ownership, Yama, CAP_SYS_PTRACE.)

Attaching (``perfkit profile --pid``, ``perfkit dump --pid``) fails late and cryptically inside
py-spy when the kernel says no; checking first turns that into one line with the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

from perfkit.errors import PerfkitError

FIX = "run perfkit with sudo (in a container: --cap-add SYS_PTRACE)"


def ptrace_scope() -> int:
    """Yama's kernel.yama.ptrace_scope (0 when Yama is absent)."""
    try:
        return int(Path("/proc/sys/kernel/yama/ptrace_scope").read_text().strip())
    except (OSError, ValueError):
        return 0


def is_descendant(pid: int) -> bool:
    """Whether ``pid`` descends from this process (Yama scope 1 allows tracing only those)."""
    me = os.getpid()
    seen = set()
    while pid > 1 and pid not in seen:
        if pid == me:
            return True
        seen.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            pid = int(stat.rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            return False
    return False


def check_pid(pid: int) -> None:
    """The process must exist and be ours to trace, else one line saying how to fix it."""
    if pid <= 0:
        raise PerfkitError(f"--pid {pid}: not a process id; use a positive number from `ps`")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        raise PerfkitError(f"--pid {pid}: no such process; check the id with `ps aux | grep python`") from None
    except PermissionError:
        raise PerfkitError(f"--pid {pid}: belongs to another user; run perfkit as that user or with sudo") from None
    try:  # the kernel checks ptrace access for /proc/PID/maps as for reading memory
        with open(f"/proc/{pid}/maps", "rb") as maps:
            maps.read(1)
    except FileNotFoundError:
        pass  # no /proc (not Linux): let the profiler decide
    except PermissionError:
        raise PerfkitError(f"--pid {pid}: no permission to read its memory (ptrace); {FIX}") from None
    scope = ptrace_scope()
    if os.geteuid() != 0 and scope >= 1 and not is_descendant(pid):
        raise PerfkitError(
            f"--pid {pid}: attaching needs ptrace permission (kernel.yama.ptrace_scope={scope}); {FIX},"
            " or `sudo sysctl kernel.yama.ptrace_scope=0`"
        )
