"""CPU (Python / native / system) and memory per line with Scalene: ``scalene run -o out.json``.

Why the environment is prepared here: with memory profiling, ``scalene run`` re-executes itself
with ``LD_PRELOAD=libscalene.so`` unless that environment is already set, and then two processes
share the work.  The parent does not pass Ctrl-C on to the child and, when interrupted itself,
exits at once while the child may still be writing the profile (or runs on orphaned).  Setting
the same variables Scalene would set (its library folder, asked from the target's interpreter,
and an explicit ``--allocation-sampling-window``) keeps it one process, so the shared Ctrl-C
policy of :mod:`perfkit.collectors.process` applies to it directly.

``--cpu-sampling-rate`` is 1 / ``options.rate``.  Scalene samples wall time and splits it into
Python, native and system time itself, so ``--idle`` is implied and ``--gil`` does not apply.
Scalene's closing "profile saved to ..." lines are removed from the target's stderr; all other
output passes through untouched.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

from perfkit.collectors import RecordOptions
from perfkit.collectors.process import Target, catch_sigint, ignored_options, resolve, run_metadata, supervise
from perfkit.errors import PerfkitError
from perfkit.formats import scalene_json
from perfkit.model import Profile

NAME = "scalene"

#: bytes between Scalene's allocation samples (its own default), passed explicitly so the
#: environment prepared here matches what Scalene expects
ALLOCATION_WINDOW = 1048576
#: Scalene's own lines on stderr, dropped from the target's output
_CHATTER = re.compile(rb"^(Scalene: profile saved to |  To view in (browser|terminal): +scalene view)")
_PROBE = (
    "import importlib.metadata as m, scalene\n"
    "print(scalene.__path__[0])\n"
    "try:\n    print(m.version('scalene'))\nexcept Exception:\n    print('')\n"
)


def scalene_args(target: Target, output: Path, options: RecordOptions) -> list[str]:
    """The ``scalene run`` command line for ``target``."""
    args = [str(target.python), *target.python_options, "-m", "scalene", "run", "-o", str(output)]
    args += ["--cpu-sampling-rate", f"{1.0 / options.rate:.6g}"]
    args += ["--allocation-sampling-window", str(ALLOCATION_WINDOW)]
    args += target.entry_argv()
    if target.args:
        args += ["---", *target.args]
    return args


def scalene_environment(library: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` plus what Scalene's launcher would add on Linux, so it does not re-execute."""
    env = dict(os.environ if base is None else base)
    env["SCALENE_ALLOCATION_SAMPLING_WINDOW"] = str(ALLOCATION_WINDOW)
    if sys.platform.startswith("linux"):
        paths = env.get("LD_LIBRARY_PATH")
        if not paths:
            env["LD_LIBRARY_PATH"] = library
        elif library not in paths:
            env["LD_LIBRARY_PATH"] = f"{library}:{paths}"
        preload = env.get("LD_PRELOAD")
        if not preload:
            env["LD_PRELOAD"] = "libscalene.so"
        elif "libscalene.so" not in preload.split(":"):
            env["LD_PRELOAD"] = f"libscalene.so:{preload}"
        if "PYTHONMALLOC" in env:
            env["PYTHONMALLOC"] = "default"
    return env


def record(command: list[str], options: RecordOptions) -> Profile:
    """Run ``command`` under Scalene and return its per-line profile."""
    if options.pid is not None:
        raise PerfkitError(
            f"--pid {options.pid}: the scalene profiler cannot attach to a running process; "
            "run the program under perfkit instead, or use --profiler py-spy"
        )
    if options.rate <= 0:
        raise PerfkitError(f"--rate {options.rate}: the sampling rate must be a positive number of samples per second")
    target = resolve(command)
    if target.python is None:
        raise PerfkitError(f"{target.argv[0]}: scalene profiles Python programs; give a script, -m module or python")
    library, version = _probe(target.python)
    with tempfile.TemporaryDirectory(prefix="perfkit-scalene-") as tmp:
        output = Path(tmp) / "profile.json"
        with catch_sigint() as sigint:
            proc = subprocess.Popen(
                scalene_args(target, output, options), env=scalene_environment(library), stderr=subprocess.PIPE
            )
            assert proc.stderr is not None
            relay = threading.Thread(target=_relay_stderr, args=(proc.stderr,), daemon=True)
            relay.start()
            outcome = supervise(proc, duration=options.duration, on_progress=options.on_progress, interrupts=sigint)
            relay.join(timeout=5)
        if not output.is_file() or output.stat().st_size < 3:
            raise PerfkitError(
                f"{target.entry}: scalene wrote no profile (exit status {outcome.exit_code}); the program may have "
                "ended before Scalene took a sample, or failed to start (see the messages above)"
            )
        try:
            profile = scalene_json.read(output)
        except ValueError as exc:
            raise PerfkitError(f"{target.entry}: scalene's profile could not be read ({exc})") from None
    profile.metadata.update(
        run_metadata(
            NAME,
            version,
            target,
            outcome,
            rate=options.rate,
            ignored_options=ignored_options(options, "idle", "gil", "native", "subprocesses"),
        )
    )
    return profile


def _probe(python: str) -> tuple[str, str]:
    """Scalene's package folder and version under ``python``, or a one-line install hint."""
    try:
        done = subprocess.run([python, "-I", "-c", _PROBE], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        done = None
    lines = done.stdout.splitlines() if done is not None and done.returncode == 0 else []
    if not lines:
        where = "this interpreter" if python == sys.executable else python
        raise PerfkitError(f"scalene is not installed for {where}; install it with `{python} -m pip install scalene`")
    return lines[0], lines[1] if len(lines) > 1 else ""


def _relay_stderr(stream: IO[bytes]) -> None:
    """Copy the target's stderr to ours as it comes, minus Scalene's "profile saved" lines (and
    the blank line Scalene puts before them)."""
    out = sys.stderr.buffer if hasattr(sys.stderr, "buffer") else None
    held: bytes | None = None
    for line in iter(stream.readline, b""):
        if _CHATTER.match(line):
            held = None
            continue
        if held is not None:
            _write(out, held)
            held = None
        if line.strip() == b"":
            held = line
            continue
        _write(out, line)
    if held is not None:
        _write(out, held)
    stream.close()


def _write(out: IO[bytes] | None, data: bytes) -> None:
    if out is None:
        sys.stderr.write(data.decode("utf-8", "replace"))
        sys.stderr.flush()
    else:
        out.write(data)
        out.flush()
