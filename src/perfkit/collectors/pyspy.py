"""The default collector: real ``py-spy record``, out of process, read back into a Profile.

Why it runs the target itself and attaches py-spy with ``--pid`` (instead of letting py-spy
spawn it): perfkit then owns the target, so it knows its exit status, the target keeps the
terminal's stdout/stderr untouched (py-spy prints its own chatter on stdout, which would mix
with the target's), and Ctrl-C follows the shared policy of :mod:`perfkit.collectors.process`
(py-spy would SIGKILL the target when it stops). Attaching to a running process
(``options.pid``) is then the same code path minus the spawn.

py-spy writes raw folded stacks with ``--threads --full-filenames``: exact sample counts, full
file paths and line numbers, and a thread frame naming the thread *per sample* (its speedscope
output names a thread once, from its first sample, and keeps it unnamed if that lookup missed).
The thread frame becomes the ``thread`` label. Values: ``samples/count`` and
``cpu/nanoseconds`` = samples x (1 / rate) s (``wall/nanoseconds`` with ``--idle``, where
waiting threads are sampled too).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from perfkit.collectors import RecordOptions
from perfkit.collectors.process import Target, catch_sigint, python_version, resolve, supervise
from perfkit.collectors.ptrace import ptrace_scope
from perfkit.errors import PerfkitError
from perfkit.formats.framenames import parse_frame
from perfkit.model import CPU_NS, SAMPLES, WALL_NS, Profile

NAME = "py-spy"

#: the frames py-spy adds at the root of raw stacks with --threads / --subprocesses
_THREAD_FRAME = re.compile(r"^thread \((?P<tid>[^)]+)\)(?:: (?P<name>.*))?$")
_PROCESS_FRAME = re.compile(r'^process (?P<pid>\d+):".*"$')
#: what py-spy (and the kernel, through it) says when it may not read the target's memory
_DENIED = re.compile(r"permission denied|operation not permitted|os error (1|13)\b|SYS_PTRACE", re.I)
#: sets PR_SET_PTRACER so py-spy (perfkit's child) may read the target under Yama ptrace_scope=1
_LAUNCHER = (
    "import ctypes, os, sys\n"
    "try:\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(0x59616D61, os.getppid(), 0, 0, 0)\n"
    "except Exception:\n"
    "    pass\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)


def find_pyspy() -> str:
    """The py-spy binary: next to this interpreter (its venv), else on PATH."""
    here = Path(sys.executable).parent / ("py-spy.exe" if os.name == "nt" else "py-spy")
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("py-spy")
    if found:
        return found
    raise PerfkitError("py-spy is not installed; install it with `pip install py-spy`, or use --profiler pyinstrument")


def pyspy_args(pyspy: str, pid: int, output: Path, options: RecordOptions) -> list[str]:
    """The ``py-spy record`` command line for ``options`` (duration is enforced by the supervisor)."""
    args = [pyspy, "record", "--pid", str(pid), "--format", "raw", "--output", str(output)]
    args += ["--threads", "--full-filenames"]
    args += ["--rate", str(int(options.rate))]
    for flag, wanted in (
        ("--idle", options.idle),
        ("--gil", options.gil),
        ("--native", options.native),
        ("--subprocesses", options.subprocesses),
    ):
        if wanted:
            args.append(flag)
    return args


def record(command: list[str], options: RecordOptions) -> Profile:
    """Run ``command`` (or attach to ``options.pid``) under py-spy and return its profile."""
    if options.rate <= 0:
        raise PerfkitError(f"--rate {options.rate}: the sampling rate must be a positive number of samples per second")
    pyspy = find_pyspy()
    target: Target | None = None
    if options.pid is None:
        target = resolve(command)  # one-line error for a missing script before anything starts
    with tempfile.TemporaryDirectory(prefix="perfkit-pyspy-") as tmp:
        folder = Path(tmp)
        output = folder / "profile.folded"
        with open(folder / "stdout", "w+b") as out, open(folder / "stderr", "w+b") as err, catch_sigint() as sigint:
            if target is None:  # attaching: a command is resolved only when there is no --pid
                if options.pid is None:
                    raise PerfkitError("py-spy: give a command to run or --pid to attach to")
                pid = int(options.pid)
                if not _alive(pid):
                    raise PerfkitError(f"--pid {pid}: no such process; check the process id")
                spy = subprocess.Popen(pyspy_args(pyspy, pid, output, options), stdout=out, stderr=err)
                outcome = supervise(
                    spy, duration=options.duration, on_progress=options.on_progress, grace=0.0, interrupts=sigint
                )
                spy_code, exit_code = outcome.exit_code, None
            else:
                argv = list(target.argv)
                if _needs_ptracer_launcher():
                    argv = [sys.executable, "-c", _LAUNCHER, *argv]
                proc = subprocess.Popen(argv)
                pid = proc.pid
                try:
                    spy = subprocess.Popen(pyspy_args(pyspy, pid, output, options), stdout=out, stderr=err)
                except BaseException:
                    proc.kill()
                    proc.wait()
                    raise
                outcome = supervise(
                    proc,
                    helpers=[spy],
                    duration=options.duration,
                    on_progress=options.on_progress,
                    interrupts=sigint,
                )
                spy_code, exit_code = outcome.helper_codes[0], outcome.exit_code
            out.seek(0)
            err.seek(0)
            spy_stdout = out.read().decode("utf-8", "replace")
            spy_stderr = err.read().decode("utf-8", "replace")
        if spy_code != 0 or not output.is_file():
            raise _failure(spy_stderr, spy_code, pid, attached=target is None)
        profile = read_raw(output, pid=pid, rate=int(options.rate), idle=options.idle)
    python = target.python if target is not None else _exe_of(pid)
    profile.metadata.update(
        {
            "backend": NAME,
            "backend_version": _version(pyspy),
            "command": list(target.argv) if target is not None else [],
            "python": python_version(python),
            "pid": pid,
            "attached": target is None,
            "start_ns": outcome.start_ns,
            "duration_ns": outcome.duration_ns,
            "rate": int(options.rate),
            "period_ns": profile.period,
            "period": f"each sample stands for 1/{int(options.rate)} s of one thread's "
            + ("wall time (--idle: waiting threads are sampled too)" if options.idle else "CPU time"),
            "exit_code": exit_code,
            "interrupted": outcome.interrupted,
            "stopped_by_duration": outcome.stopped_by_duration,
            "idle": options.idle,
            "gil": options.gil,
            "native": options.native,
            "subprocesses": options.subprocesses,
            "sampling_errors": _errors(spy_stdout),
        }
    )
    return profile


def read_raw(path: Path, *, pid: int | None, rate: int, idle: bool = False) -> Profile:
    """Read the folded file ``py-spy record --format raw --threads --full-filenames`` wrote.

    Its stacks begin with ``process N:"cmd"`` frames (``--subprocesses``) and a
    ``thread (TID)`` or ``thread (TID): NAME`` frame; those become ``pid`` and ``thread`` labels.
    py-spy looks thread names up per sample and sometimes misses, so a thread named in any
    sample gets that name on all of its samples.
    """
    period = round(1e9 / rate)
    time_type = WALL_NS if idle else CPU_NS
    profile = Profile([SAMPLES, time_type], default_type=1, period=period, period_type=time_type)
    rows: list[tuple[str | None, str | None, list[str], int]] = []
    names: dict[tuple[str | None, str], str] = {}
    with open(path, encoding="utf-8", errors="replace") as lines:
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            stack, _, count_text = line.rstrip("\n").rpartition(" ")
            if not count_text.isdigit():
                raise ValueError(f"{path}: line {lineno}: no sample count at the end")
            # a bare " N" line is N samples without Python frames: kept, so totals stay exact
            parts = stack.split(";") if stack else []
            owner: str | None = None
            while parts and (m := _PROCESS_FRAME.match(parts[0])):
                owner = m["pid"]
                parts.pop(0)
            tid: str | None = None
            if parts and (m := _THREAD_FRAME.match(parts[0])):
                tid = m["tid"]
                parts.pop(0)
                if m["name"]:
                    names[(owner, tid)] = m["name"]
            rows.append((owner, tid, parts, int(count_text)))
    frames: dict[str, int] = {}
    for owner, tid, parts, count in rows:
        labels: dict[str, str] = {}
        if owner is not None:
            labels["pid"] = owner
        if tid is not None:
            labels["thread"] = _thread_name(names.get((owner, tid)), tid, owner or (str(pid) if pid else None))
        ids = []
        for part in parts:
            fid = frames.get(part)
            if fid is None:
                fid = frames[part] = profile.frame_id(parse_frame(part))
            ids.append(fid)
        profile.add_ids(profile.stack_id(tuple(ids)), (count, count * period), profile.labelset_id(labels))
    return profile.aggregate()


def _thread_name(name: str | None, tid: str, process: str | None) -> str:
    """The thread's name; unnamed (``threading`` never imported) the main thread's id is the pid."""
    if name:
        return name
    return "MainThread" if tid == process else f"thread {tid}"


def classify_failure(stderr: str) -> str:
    """``"permission"`` when py-spy could not read the target's memory, else ``"other"``."""
    return "permission" if _DENIED.search(stderr) else "other"


def _failure(stderr: str, code: int | None, pid: int, *, attached: bool) -> PerfkitError:
    if classify_failure(stderr) == "permission":
        return PerfkitError(
            f"py-spy may not read process {pid} (ptrace permission denied); run perfkit as root or with "
            "CAP_SYS_PTRACE (in Docker: `docker run --cap-add SYS_PTRACE`), or use --profiler pyinstrument"
        )
    detail = _first_error_line(stderr) or f"exit status {code} and no output"
    hint = (
        "check that it is a Python process"
        if attached
        else "the program may have ended before py-spy could attach, or not be Python"
    )
    return PerfkitError(f"py-spy failed on process {pid}: {detail}; {hint}")


def _first_error_line(stderr: str) -> str:
    for line in stderr.splitlines():
        line = line.strip()
        if line and not line.startswith(("Stack backtrace", "Caused by")):
            return line.removeprefix("Error: ")[:200]
    return ""


def _errors(stdout: str) -> int:
    match = re.search(r"Errors: (\d+)", stdout)
    return int(match.group(1)) if match else 0


def _needs_ptracer_launcher() -> bool:
    """Yama ptrace_scope 1 lets a process read only its descendants; py-spy is the target's
    sibling, so the target must name perfkit as its tracer. Root (CAP_SYS_PTRACE) needs nothing."""
    return ptrace_scope() == 1 and os.geteuid() != 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exe_of(pid: int) -> str | None:
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    return exe if "python" in os.path.basename(exe) else None


def _version(pyspy: str) -> str | None:
    try:
        done = subprocess.run([pyspy, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip().removeprefix("py-spy ") or None
