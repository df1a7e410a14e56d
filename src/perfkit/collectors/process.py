"""Run the program being profiled as a child process: resolve it first, stop it cleanly on
Ctrl-C, keep its exit status.

Every collector that runs a command (py-spy, pyinstrument, memray, scalene) needs the same
three things, and they are easy to get subtly wrong:

* a missing script or an unknown command is a one-line :class:`PerfkitError` *before* any
  profiler starts (:func:`resolve`);
* Ctrl-C stops the target within seconds while perfkit itself survives to save the profile
  gathered so far (:func:`supervise` turns SIGINT into a flag instead of ``KeyboardInterrupt``);
* the target's exit status ends up in the profile's metadata (:class:`Outcome`).

The whole API::

    target = resolve(["python", "app.py", "--port", "8000"])   # Target, or PerfkitError
    outcome = run(target.argv, on_progress=cb)                  # spawn + supervise
    with catch_sigint() as sigint:                              # when a collector spawns more
        proc, profiler = Popen(...), Popen(...)
        outcome = supervise(proc, helpers=[profiler], interrupts=sigint)
    python_version(target.python)                               # "3.11.7" or None

Ctrl-C policy (why it is not "forward SIGINT at once"): from a terminal, Ctrl-C already reaches
every process in the foreground group, target included; forwarding another SIGINT would
interrupt the target's own clean-up (or a profiler writing its file inside the target). So
helpers (out-of-process profilers like py-spy) get SIGINT at once, and the target gets SIGINT
only if it is still running ``grace`` seconds later, then SIGTERM, then SIGKILL. Each further
Ctrl-C skips one wait. When ``duration`` runs out, or a helper ends while the target still runs
(the profiler failed, e.g. no permission), the target gets SIGINT immediately.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfkit.errors import PerfkitError

__all__ = [
    "Outcome",
    "Target",
    "catch_sigint",
    "ignored_options",
    "python_version",
    "resolve",
    "run",
    "run_metadata",
    "supervise",
]

#: interpreter names recognised as Python: python, python3, python3.12, pypy3 ...
_PYTHON_NAME = re.compile(r"^(python|pypy)(\d+(\.\d+)?)?(t|d|m)?(\.exe)?$")
#: interpreter options that take a separate argument (``-W error``, ``-X dev``)
_OPTIONS_WITH_ARG = frozenset({"-W", "-X", "-Q"})
#: seconds between SIGINT -> SIGTERM -> SIGKILL once the target has been asked to stop
_TERM_AFTER = 3.0
_KILL_AFTER = 2.0
_POLL = 0.05


@dataclass(frozen=True)
class Target:
    """A command ready to run, and what perfkit could learn about it without running it.

    ``kind`` says how the Python code is given: ``"script"`` (a file), ``"module"`` (``-m``),
    ``"code"`` (``-c``) or ``"program"`` (not Python as far as perfkit can tell).
    """

    argv: tuple[str, ...]  #: as it will be executed; argv[0] is a full path
    kind: str
    python: str | None = None  #: interpreter that runs the code (None: not Python / unknown)
    entry: str | None = None  #: script path, module name or code string
    args: tuple[str, ...] = ()  #: the target's own arguments (its sys.argv[1:])
    python_options: tuple[str, ...] = ()  #: interpreter options before the entry (``-u``, ``-X dev``)

    def entry_argv(self) -> list[str]:
        """How the interpreter is told what to run: ``[app.py]``, ``[-m, mod]`` or ``[-c, code]``."""
        if self.kind == "module":
            return ["-m", str(self.entry)]
        if self.kind == "code":
            return ["-c", str(self.entry)]
        return [str(self.entry)]

    def python_argv(self) -> list[str]:
        """What follows the interpreter to run this target: ``[-u, app.py, args...]``."""
        return [*self.python_options, *self.entry_argv(), *self.args]


@dataclass
class Outcome:
    """How a supervised run ended."""

    exit_code: int | None  #: Popen convention: negative means killed by that signal
    interrupted: bool  #: the user pressed Ctrl-C (perfkit got SIGINT)
    start_ns: int  #: wall clock (time.time_ns) when the target was started
    duration_ns: int  #: monotonic run time of the target
    stopped_by_duration: bool = False  #: ``duration`` ran out and perfkit stopped the target
    stopped_by_helper: bool = False  #: a helper ended first (failed) and perfkit stopped the target
    helper_codes: list[int | None] = field(default_factory=list)  #: exit codes of helpers


def run_metadata(backend: str, version: str | None, target: Target, outcome: Outcome, **extra: Any) -> dict[str, Any]:
    """The facts every collector records about a run of ``target`` (then ``extra``, in order)."""
    return {
        "backend": backend,
        "backend_version": version,
        "command": list(target.argv),
        "python": python_version(target.python),
        "start_ns": outcome.start_ns,
        "duration_ns": outcome.duration_ns,
        "exit_code": outcome.exit_code,
        "interrupted": outcome.interrupted,
        "stopped_by_duration": outcome.stopped_by_duration,
        **extra,
    }


def ignored_options(options: Any, *names: str) -> list[str]:
    """Those of ``names`` the user set on ``options`` (a RecordOptions) away from their default:
    the options a backend cannot honour, recorded as ``metadata["ignored_options"]``."""
    return [name for name in names if getattr(options, name) != getattr(type(options), name)]


def resolve(command: Sequence[str]) -> Target:
    """Check ``command`` and find its interpreter and script; one-line PerfkitError if it cannot run.

    Accepts ``app.py args``, ``python [opts] app.py|-m mod|-c code args``, ``-m mod args`` (run
    with this interpreter) and any executable on PATH (a Python console script is recognised by
    its shebang, so ``pytest`` or ``gunicorn`` profile as Python).
    """
    command = [str(c) for c in command]
    if not command or not command[0]:
        raise PerfkitError("no command to profile; pass one after --, e.g. `perfkit profile -- python app.py`")
    first = command[0]
    if first in ("-m", "-c"):
        return _python_target(sys.executable, command)
    if first.endswith(".py") or (os.path.isfile(first) and not os.access(first, os.X_OK)):
        if not os.path.isfile(first):
            raise PerfkitError(f"{first}: no such script; check the path")
        return _python_target(sys.executable, command)
    program = _find_program(first)
    if _PYTHON_NAME.match(os.path.basename(program)):
        return _python_target(program, command[1:])
    shebang_python = _shebang_python(program)
    if shebang_python:
        return Target(
            argv=(program, *command[1:]),
            kind="script",
            python=shebang_python,
            entry=program,
            args=tuple(command[1:]),
        )
    return Target(argv=(program, *command[1:]), kind="program", args=tuple(command[1:]))


def _find_program(name: str) -> str:
    if os.sep in name:
        if not os.path.exists(name):
            raise PerfkitError(f"{name}: no such file; check the path")
        if os.path.isdir(name) or not os.access(name, os.X_OK):
            raise PerfkitError(f"{name}: not an executable program; run it with an interpreter, e.g. python {name}")
        return os.path.abspath(name)
    found = shutil.which(name)
    if found is None:
        raise PerfkitError(f"{name}: command not found; check the spelling or your PATH")
    return os.path.abspath(found)


def _python_target(python: str, rest: list[str]) -> Target:
    """Split ``[opts] (script | -m mod | -c code) args`` after a Python interpreter."""
    options: list[str] = []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg in ("-m", "-c"):
            if i + 1 >= len(rest):
                raise PerfkitError(f"{python} {arg}: missing the {'module' if arg == '-m' else 'code'} after {arg}")
            kind = "module" if arg == "-m" else "code"
            entry, args = rest[i + 1], rest[i + 2 :]
            return Target(
                argv=(python, *options, arg, entry, *args),
                kind=kind,
                python=python,
                entry=entry,
                args=tuple(args),
                python_options=tuple(options),
            )
        if arg == "-" or not arg.startswith("-"):
            break
        options.append(arg)
        if arg in _OPTIONS_WITH_ARG and i + 1 < len(rest):
            options.append(rest[i + 1])
            i += 1
        i += 1
    if i >= len(rest) or rest[i] == "-":
        raise PerfkitError(f"{python}: no script to profile; give a script, -m module or -c code after the interpreter")
    script, args = rest[i], rest[i + 1 :]
    if not os.path.isfile(script):
        raise PerfkitError(f"{script}: no such script; check the path")
    return Target(
        argv=(python, *options, script, *args),
        kind="script",
        python=python,
        entry=script,
        args=tuple(args),
        python_options=tuple(options),
    )


def _shebang_python(program: str) -> str | None:
    """The Python interpreter named in ``program``'s ``#!`` line, if it names one that exists."""
    try:
        with open(program, "rb") as handle:
            first = handle.readline(512)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", "replace").split()
    if words and os.path.basename(words[0]) == "env":
        words = [w for w in words[1:] if not w.startswith("-")]
        found = shutil.which(words[0]) if words else None
        words = [found] if found else []
    if words and _PYTHON_NAME.match(os.path.basename(words[0])) and os.path.isfile(words[0]):
        return words[0]
    return None


def python_version(python: str | None) -> str | None:
    """Version of the interpreter ``python`` (``"3.12.1"``), or None if it cannot be asked."""
    if python is None:
        return None
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        return platform.python_version()
    try:
        done = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.strip()
    return text if done.returncode == 0 and text else None


def run(
    argv: Sequence[str],
    *,
    duration: float | None = None,
    on_progress: Callable[[float, int], None] | None = None,
    grace: float = 1.0,
    **popen: Any,
) -> Outcome:
    """Start ``argv`` (stdio inherited unless ``popen`` says otherwise) and :func:`supervise` it."""
    start_ns = time.time_ns()
    with catch_sigint() as interrupts:
        try:
            proc = subprocess.Popen(list(argv), **popen)
        except FileNotFoundError:
            raise PerfkitError(f"{argv[0]}: command not found; check the spelling or your PATH") from None
        except PermissionError:
            raise PerfkitError(f"{argv[0]}: permission denied; make it executable (chmod +x)") from None
        return _supervise(proc, (), interrupts, start_ns, duration, on_progress, grace, 10.0)


def supervise(
    main: subprocess.Popen,
    *,
    helpers: Sequence[subprocess.Popen] = (),
    duration: float | None = None,
    on_progress: Callable[[float, int], None] | None = None,
    grace: float = 1.0,
    helper_timeout: float = 10.0,
    start_ns: int | None = None,
    interrupts: _Interrupts | None = None,
) -> Outcome:
    """Wait for ``main`` (the target) and ``helpers`` (e.g. py-spy watching it), applying the
    Ctrl-C policy described in the module docstring.

    ``on_progress(elapsed_s, -1)`` is called about twice a second. After ``main`` ends, helpers
    get ``helper_timeout`` seconds to finish (write their output) before being stopped. Must be
    called from the main thread to catch Ctrl-C; elsewhere interrupts are not intercepted.
    Pass ``interrupts`` from :func:`catch_sigint` when the processes were started inside it, so a
    Ctrl-C between starting them and supervising them is not lost.
    """
    if interrupts is not None:
        return _supervise(
            main, helpers, interrupts, start_ns or time.time_ns(), duration, on_progress, grace, helper_timeout
        )
    with catch_sigint() as caught:
        return _supervise(
            main, helpers, caught, start_ns or time.time_ns(), duration, on_progress, grace, helper_timeout
        )


class _Interrupts:
    """Counts SIGINTs received while a target runs."""

    def __init__(self) -> None:
        self.count = 0
        self.first: float | None = None

    def __call__(self, _signum: int, _frame: object) -> None:
        self.count += 1
        if self.first is None:
            self.first = time.monotonic()


@contextlib.contextmanager
def catch_sigint() -> Iterator[_Interrupts]:
    """Turn SIGINT into a counter (``.count``) for the duration of the block (main thread only)."""
    interrupts = _Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield interrupts
        return
    previous = signal.signal(signal.SIGINT, interrupts)
    try:
        yield interrupts
    finally:
        signal.signal(signal.SIGINT, previous)


def _signal(proc: subprocess.Popen, signum: int) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            proc.send_signal(signum)


def _supervise(
    main: subprocess.Popen,
    helpers: Sequence[subprocess.Popen],
    interrupts: _Interrupts,
    start_ns: int,
    duration: float | None,
    on_progress: Callable[[float, int], None] | None,
    grace: float,
    helper_timeout: float,
) -> Outcome:
    started = time.monotonic()
    next_progress = started + 0.5
    # escalation ladder for the target once a stop was requested: (delay, signal)
    ladder = [(grace, signal.SIGINT), (_TERM_AFTER, signal.SIGTERM), (_KILL_AFTER, signal.SIGKILL)]
    step = 0
    step_due: float | None = None
    seen_interrupts = 0
    by_duration = False
    by_helper = False
    while main.poll() is None:
        now = time.monotonic()
        if interrupts.count > seen_interrupts:
            if seen_interrupts == 0:
                for helper in helpers:
                    _signal(helper, signal.SIGINT)
                step_due = now + ladder[0][0]
            else:
                step_due = now  # another Ctrl-C: do not wait for the next step
            seen_interrupts = interrupts.count
        if duration is not None and not by_duration and step_due is None and now - started >= duration:
            by_duration = True
            for helper in helpers:
                _signal(helper, signal.SIGINT)
            step_due = now  # nobody else has told the target to stop
        if not by_helper and step_due is None and any(h.poll() is not None for h in helpers):
            by_helper = True
            step_due = now  # the profiler is gone: running on is pointless
        if step_due is not None and now >= step_due and step < len(ladder):
            _signal(main, ladder[step][1])
            step += 1
            step_due = now + ladder[step][0] if step < len(ladder) else None
        if on_progress is not None and now >= next_progress:
            next_progress = now + 0.5
            on_progress(now - started, -1)
        time.sleep(_POLL)
    ended = time.monotonic()
    codes = [_finish_helper(helper, helper_timeout) for helper in helpers]
    return Outcome(
        exit_code=main.returncode,
        interrupted=interrupts.count > 0,
        start_ns=start_ns,
        duration_ns=int((ended - started) * 1e9),
        stopped_by_duration=by_duration and interrupts.count == 0,
        stopped_by_helper=by_helper,
        helper_codes=codes,
    )


def _finish_helper(helper: subprocess.Popen, timeout: float) -> int | None:
    """Give a helper ``timeout`` seconds to end by itself, then SIGINT, SIGTERM, SIGKILL."""
    for signum, wait in ((None, timeout), (signal.SIGINT, 2.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        if signum is not None:
            _signal(helper, signum)
        try:
            return helper.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return helper.poll()
