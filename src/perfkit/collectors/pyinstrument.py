"""The pyinstrument collector: in-process, wall-clock, async-aware sampling.

For a command, the target's own interpreter runs a small launcher (passed with ``-c``) that
starts ``pyinstrument.Profiler``, runs the script/module/code the way ``python`` would (runpy,
``sys.argv``, ``sys.path[0]``), and saves the session with ``Session.save`` into a temporary
folder; :mod:`perfkit.formats.pyinstrument_json` reads it back. Why a launcher rather than
``python -m pyinstrument``: it keeps the target's exit status (pyinstrument's CLI swallows
``SystemExit``), and it ignores a second Ctrl-C while saving, so an interrupted run still
leaves its profile.

For code in this process, :func:`profile_callable` wraps ``pyinstrument.Profiler`` directly.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from perfkit.collectors import RecordOptions
from perfkit.collectors.process import Target, ignored_options, resolve, run
from perfkit.errors import PerfkitError
from perfkit.formats import pyinstrument_json
from perfkit.model import Frame, Profile

NAME = "pyinstrument"

T = TypeVar("T")

#: exit status of the launcher when the interpreter cannot import pyinstrument
_NO_PYINSTRUMENT = 97

# Runs in the *target's* interpreter, which need not have perfkit installed: plain stdlib plus
# pyinstrument. argv: session-file status-file interval async-mode kind entry [args...]
_LAUNCHER = r"""
import json, os, platform, runpy, signal, sys, traceback
session_path, status_path, interval, async_mode, kind, entry = sys.argv[1:7]
args = sys.argv[7:]
try:
    import pyinstrument
    from pyinstrument import Profiler
except ImportError:
    sys.exit(97)
def _status(**fields):
    fields.update(python=platform.python_version(), pyinstrument=pyinstrument.__version__)
    with open(status_path, "w") as handle:
        json.dump(fields, handle)
def _main():
    code, interrupted = 0, None
    profiler = Profiler(interval=float(interval), async_mode=async_mode)
    if kind == "module":
        sys.argv = [entry, *args]
        sys.path[0] = os.getcwd()
    elif kind == "code":
        sys.argv = ["-c", *args]
        sys.path[0] = ""
    else:
        sys.argv = [entry, *args]
        sys.path[0] = os.path.dirname(os.path.abspath(entry))
    profiler.start()
    try:
        if kind == "module":
            runpy.run_module(entry, run_name="__main__", alter_sys=True)
        elif kind == "code":
            exec(compile(entry, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
        else:
            runpy.run_path(entry, run_name="__main__")
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt as exc:
        interrupted = exc
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        profiler.stop()
    profiler.last_session.save(session_path)
    _status(exit_code=code, interrupted=bool(interrupted))
    if interrupted:
        raise interrupted  # Python then exits the way it does on Ctrl-C (killed by SIGINT)
    sys.exit(code)
_main()
"""


#: pyinstrument's default interval: coarser ones bias its event-driven sampling
MAX_INTERVAL = 0.001


def record(command: list[str], options: RecordOptions) -> Profile:
    """Run ``command`` under pyinstrument (in its own interpreter) and return the profile."""
    if options.pid is not None:
        raise PerfkitError(
            f"--pid {options.pid}: pyinstrument runs inside the program and cannot attach; use --profiler py-spy"
        )
    if options.rate <= 0:
        raise PerfkitError(f"--rate {options.rate}: the sampling rate must be a positive number of samples per second")
    target = resolve(command)
    if target.python is None:
        raise PerfkitError(
            f"{command[0]}: pyinstrument profiles Python programs only; run a script, "
            "`python app.py` or `python -m module`, or use --profiler py-spy"
        )
    # pyinstrument samples on call/return events once the interval has passed; intervals near a
    # function's duration bias attribution (a 70/30 split read 67-72 % at 10 ms, 70.0 % at 1 ms),
    # so it never samples coarser than its own 1 ms default
    interval = min(1.0 / options.rate, MAX_INTERVAL)
    with tempfile.TemporaryDirectory(prefix="perfkit-pyinstrument-") as tmp:
        session = Path(tmp) / "profile.pyisession"
        status = Path(tmp) / "status.json"
        argv = [
            target.python,
            *target.python_options,
            "-c",
            _LAUNCHER,
            str(session),
            str(status),
            repr(interval),
            "enabled",
            target.kind,
            str(target.entry),
            *target.args,
        ]
        outcome = run(argv, duration=options.duration, on_progress=options.on_progress)
        if outcome.exit_code == _NO_PYINSTRUMENT and not status.exists():
            raise PerfkitError(
                f"{target.python} cannot import pyinstrument; install it with "
                f"`{target.python} -m pip install pyinstrument`, or use --profiler py-spy"
            )
        if not session.is_file():
            raise PerfkitError(
                f"{_shown(target)}: pyinstrument wrote no profile (exit status {outcome.exit_code}); "
                "see the program's output above"
            )
        try:
            profile = pyinstrument_json.read(session)
        except ValueError as exc:
            raise PerfkitError(f"{_shown(target)}: pyinstrument's session could not be read ({exc})") from None
        facts = json.loads(status.read_text()) if status.is_file() else {}
    profile.metadata.update(
        {
            "backend": NAME,
            "backend_version": facts.get("pyinstrument"),
            "command": list(target.argv),
            "python": facts.get("python"),
            "start_ns": outcome.start_ns,
            "duration_ns": outcome.duration_ns,
            "rate": int(options.rate),
            "interval_s": interval,
            "period": f"pyinstrument samples at most every {interval:g} s; values are the wall time "
            "between samples, so they add up to the run time",
            "exit_code": outcome.exit_code,
            "interrupted": outcome.interrupted,
            "stopped_by_duration": outcome.stopped_by_duration,
            "async_mode": "enabled",
            "ignored_options": ignored_options(options, "idle", "gil", "native", "subprocesses"),
        }
    )
    return profile


def profile_callable(
    fn: Callable[..., T],
    *args: Any,
    interval: float = 0.001,
    async_mode: Literal["enabled", "disabled", "strict"] = "enabled",
    **kwargs: Any,
) -> tuple[T, Profile]:
    """Call ``fn(*args, **kwargs)`` under pyinstrument; return its result and the profile.

    A coroutine function is run to completion with ``asyncio.run`` (its awaits show as
    ``[await]`` frames). If ``fn`` raises, the exception propagates and the profile is lost.
    """
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise PerfkitError("pyinstrument is not installed; install it with `pip install pyinstrument`") from None
    profiler = Profiler(interval=interval, async_mode=async_mode)
    start_ns = time.time_ns()
    if inspect.iscoroutinefunction(fn):

        async def inside_loop() -> T:
            # started inside the coroutine, so pyinstrument attributes awaits to [await] under fn
            profiler.start()
            try:
                return await fn(*args, **kwargs)
            finally:
                profiler.stop()

        result = asyncio.run(inside_loop())
    else:
        profiler.start()
        try:
            result = fn(*args, **kwargs)
        finally:
            profiler.stop()
    session = profiler.last_session
    if session is None:  # pyinstrument keeps one once stopped; None would be its bug, not the caller's
        raise RuntimeError("pyinstrument recorded no session after Profiler.stop()")
    profile = pyinstrument_json.from_dict(session.to_json())
    profile = _strip_callers(profile, fn)
    profile.metadata.update(
        {
            "backend": NAME,
            "command": [getattr(fn, "__qualname__", repr(fn))],
            "start_ns": start_ns,
            "duration_ns": round(session.duration * 1e9),
            "interval_s": interval,
            "async_mode": async_mode,
            "interrupted": False,
        }
    )
    return result, profile


def _strip_callers(profile: Profile, fn: Callable[..., Any]) -> Profile:
    """Drop the frames above ``fn`` (asyncio.run's machinery, this module) so stacks start at it."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return profile
    name = code.co_name
    file = code.co_filename

    def is_fn(frame: Frame) -> bool:
        return frame.function.rpartition(".")[2] == name and frame.file == file

    def cut(stack: tuple[Frame, ...]) -> tuple[Frame, ...]:
        for depth, frame in enumerate(stack):
            if is_fn(frame):
                return stack[depth:]
        return stack

    return profile.map_stacks(cut)


def _shown(target: Target) -> str:
    return str(target.entry) if target.kind == "script" else " ".join(target.argv[:3])
