"""Allocation profiles with memray: run the target under ``memray run``, read the capture.

Why ``python -m memray run`` on the target's own interpreter (not the Tracker API in a runner):
memray then sets itself up exactly as its users know it (``-m``/``-c``/script handling, thread
names, ``--follow-fork``), and the capture it writes is read by the same memray version.  The
flags: ``--trace-python-allocators`` so objects from Python's small-object allocator count (else
most Python allocations are hidden inside pymalloc arenas), ``--native`` for ``--native``, and
``--follow-fork`` for ``--subprocesses`` (forked children only: memray cannot follow ``exec``);
each child writes ``<capture>.<pid>``, merged here with a ``pid`` label.

Ctrl-C: memray runs inside the target, so the target's own KeyboardInterrupt ends tracking and
memray finishes its file; what was recorded up to then is returned, marked interrupted.  A
target killed hard leaves a truncated capture, which is read as far as it goes
(``metadata["partial"]``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from perfkit.collectors import RecordOptions
from perfkit.collectors.process import Target, ignored_options, resolve, run, run_metadata
from perfkit.errors import PerfkitError
from perfkit.formats import memray_capture
from perfkit.model import Profile

NAME = "memray"


def memray_args(target: Target, capture: Path, options: RecordOptions) -> list[str]:
    """The command that runs ``target`` under ``memray run`` writing ``capture``."""
    args = [str(target.python), *target.python_options, "-m", "memray", "run", "-q", "-f"]
    args += ["--trace-python-allocators", "-o", str(capture)]
    if options.native:
        args.append("--native")
    if options.subprocesses:
        args.append("--follow-fork")
    return [*args, *target.entry_argv(), *target.args]


def record(command: list[str], options: RecordOptions) -> Profile:
    """Run ``command`` under memray and return its allocation profile."""
    if options.pid is not None:
        raise PerfkitError(
            f"--pid {options.pid}: the memray profiler cannot attach to a running process; "
            "run the program under perfkit instead, or use --profiler py-spy"
        )
    target = resolve(command)
    if target.python is None:
        raise PerfkitError(f"{target.argv[0]}: memray profiles Python programs; give a script, -m module or python")
    version = _memray_version(target.python)
    with tempfile.TemporaryDirectory(prefix="perfkit-memray-") as tmp:
        capture = Path(tmp) / "capture.bin"
        outcome = run(memray_args(target, capture, options), duration=options.duration, on_progress=options.on_progress)
        if not capture.is_file() or capture.stat().st_size == 0:
            raise PerfkitError(
                f"{target.entry}: memray wrote no capture (exit status {outcome.exit_code}); "
                "see the messages above and check that the program starts"
            )
        partial_ok = outcome.interrupted or outcome.stopped_by_duration or (outcome.exit_code or 0) < 0
        try:
            profile = memray_capture.read(capture, python=target.python, allow_partial=partial_ok)
            children = sorted(Path(tmp).glob("capture.bin.*"))
            if children:
                parts = [_with_pid(profile, profile.metadata.get("pid"))]
                for child in children:
                    pid = child.name.rpartition(".")[2]
                    parts.append(_with_pid(memray_capture.read(child, python=target.python, allow_partial=True), pid))
                merged = parts[0].merge(*parts[1:]) if all(_same_types(parts[0], p) for p in parts) else parts[0]
                merged.metadata = dict(profile.metadata, processes=len(parts))
                profile = merged
        except ValueError as exc:
            raise PerfkitError(f"{target.entry}: memray's capture could not be read ({exc})") from None
    profile.metadata.update(
        run_metadata(
            NAME,
            version,
            target,
            outcome,
            native=options.native,
            subprocesses=options.subprocesses,
            trace_python_allocators=True,
            ignored_options=ignored_options(options, "rate", "idle", "gil"),
        )
    )
    return profile


def _memray_version(python: str) -> str:
    """memray's version under ``python``, or a one-line error saying how to install it."""
    try:
        done = subprocess.run(
            [python, "-I", "-c", "import memray._version as v; print(v.__version__)"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is None or done.returncode != 0:
        where = "this interpreter" if python == sys.executable else python
        raise PerfkitError(f"memray is not installed for {where}; install it with `{python} -m pip install memray`")
    return done.stdout.strip()


def _with_pid(profile: Profile, pid: object) -> Profile:
    """The same samples with a ``pid`` label added, so merged processes stay apart."""
    out = Profile(profile.sample_types, default_type=profile.default_type, metadata=profile.metadata)
    for sample in profile.samples():
        out.add(sample.stack, sample.values, {**sample.labels, "pid": str(pid)})
    return out


def _same_types(a: Profile, b: Profile) -> bool:
    return [str(t) for t in a.sample_types] == [str(t) for t in b.sample_types]
