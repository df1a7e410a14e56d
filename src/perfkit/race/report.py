"""Go-shaped race and deadlock reports: formatting, deduplication, suppressions, exit status.

Options come from ``PERFKIT_RACE`` like ``GORACE`` (``halt_on_error=1 exitcode=66
log_path=FILE switch_interval=SECONDS perturb=MICROSECONDS cpus=N``); suppressions from the file named
by ``PERFKIT_RACE_SUPPRESSIONS`` with lines
``race:PATTERN`` or ``deadlock:PATTERN`` (``*`` wildcard, ``^``/``$`` anchors, otherwise a
substring of a function name, file name or location in either stack).
"""

from __future__ import annotations

import _thread
import atexit
import contextlib
import os
import re
import sys
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

SEP = "=================="
OPTION_KEYS = ("halt_on_error", "exitcode", "log_path", "switch_interval", "perturb", "cpus")
#: Python's own default. A longer interval let one worker drain a whole queue before the others
#: ran, so racing accesses never happened from two threads and nothing could be reported.
SWITCH_INTERVAL = 0.005
#: microseconds a thread may run alone before, at a synchronisation point, it hands the GIL on
#: (0: never; see _core.c); measured in reports/race-switch-interval.md
PERTURB = 500
#: CPUs the raced process's threads run on (0: all it was given). Under the GIL only one thread
#: runs Python at a time anyway; spread over two cores, the detector's frequent hand-offs made
#: threads convoy between them (125,000 context switches where one core had 8,000, and 5.9x
#: instead of 4.3x on the pipeline benchmark: reports/race-overhead.md)
CPUS = 1


@dataclass
class Options:
    halt_on_error: bool = False
    exitcode: int = 66
    log_path: str = ""
    switch_interval: float = SWITCH_INTERVAL
    switch_interval_set: bool = False
    perturb: int = PERTURB
    cpus: int = CPUS
    #: exit with ``exitcode`` at interpreter exit when something was reported
    exit_override: bool = True
    suppress: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)


def parse_options(text: str) -> tuple[Options, list[str]]:
    """Parse ``key=value`` words; returns the options and the words that were not understood."""
    opts = Options()
    bad: list[str] = []
    for word in text.split():
        key, sep, value = word.partition("=")
        try:
            if not sep:
                raise ValueError
            if key == "halt_on_error":
                opts.halt_on_error = value not in ("0", "false", "")
            elif key == "exitcode":
                opts.exitcode = int(value)
            elif key == "log_path":
                opts.log_path = value
            elif key == "switch_interval":
                opts.switch_interval = float(value)
                opts.switch_interval_set = True
                if not 0 < opts.switch_interval <= 1:
                    raise ValueError
            elif key == "perturb":
                opts.perturb = int(value)
                if opts.perturb < 0:
                    raise ValueError
            elif key == "cpus":
                opts.cpus = int(value)
                if opts.cpus < 0:
                    raise ValueError
            else:
                raise ValueError
        except ValueError:
            bad.append(word)
    return opts, bad


def compile_pattern(pattern: str) -> re.Pattern[str]:
    start = pattern.startswith("^")
    end = pattern.endswith("$") and len(pattern) > 1
    core = pattern[1 if start else 0 : len(pattern) - 1 if end else len(pattern)]
    body = ".*".join(re.escape(part) for part in core.split("*"))
    return re.compile(("^" if start else "") + body + ("$" if end else ""))


def parse_suppressions(text: str) -> tuple[dict[str, list[re.Pattern[str]]], list[tuple[int, str]]]:
    """``race:PATTERN`` / ``deadlock:PATTERN`` lines; returns patterns and (line number, line) errors."""
    out: dict[str, list[re.Pattern[str]]] = {"race": [], "deadlock": []}
    bad: list[tuple[int, str]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, sep, pattern = line.partition(":")
        if not sep or kind not in out or not pattern.strip():
            bad.append((n, raw))
            continue
        out[kind].append(compile_pattern(pattern.strip()))
    return out, bad


class _Process(TypedDict):
    dir: str  # where children leave their reports
    root: bool  # this process prints its children's reports
    serial: int  # of this process's last report file
    ended: bool  # the closing summary is written


OPTS = Options()
ENV_DIR = "PERFKIT_RACE_DIR"
ENV_ROOT = "PERFKIT_RACE_ROOT"
#: where child processes leave their reports for the root process (the first one under the
#: detector) to print: a child keeps its own exit status and its output stays its own
PROCESS: _Process = {"dir": "", "root": True, "serial": 0, "ended": False}
#: in the root: child pid -> counts of the reports collected from a child that has not left its
#: summary yet
_CHILD_PENDING: dict[int, dict[str, int]] = {}
REPORT_SUFFIX, END_SUFFIX = ".race", ".end"
_lock = _thread.allocate_lock()
_seen: set = set()
_halting: list[bool] = []
#: every report printed, in order (the pytest plugin attributes new ones to the running test)
REPORTS: list[str] = []
COUNTS = {"race": 0, "deadlock": 0}


def configure_from_env() -> None:
    global OPTS
    OPTS, _ = parse_options(os.environ.get("PERFKIT_RACE", ""))
    path = os.environ.get("PERFKIT_RACE_SUPPRESSIONS", "")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                OPTS.suppress, _ = parse_suppressions(fh.read())
        except OSError:
            pass


def configure_process() -> None:
    """Root or child: the root creates the report directory its children inherit."""
    pid = str(os.getpid())
    root = os.environ.get(ENV_ROOT)
    if not root:
        os.environ[ENV_ROOT] = root = pid
    directory = os.environ.get(ENV_DIR, "")
    if not directory or not os.path.isdir(directory):
        import tempfile

        directory = tempfile.mkdtemp(prefix="perfkit-race-")
        os.environ[ENV_DIR] = directory
    PROCESS["dir"] = directory
    PROCESS["root"] = root == pid
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_forked)


def _forked() -> None:
    """A ``fork()``ed child (multiprocessing): its own reports, its own exit status."""
    PROCESS["root"] = False
    PROCESS["serial"] = 0
    PROCESS["ended"] = False
    COUNTS["race"] = COUNTS["deadlock"] = 0
    _CHILD_PENDING.clear()


def _multiprocessing_child() -> tuple[str, int] | None:
    """``(description, parent pid)`` when this process is a multiprocessing child: its command
    line (``python -c "from multiprocessing.spawn import ..."``, or the parent's own after a
    fork) says nothing about it, the Process object does."""
    mp = sys.modules.get("multiprocessing.process")
    if mp is None:
        return None
    proc = mp.current_process()
    if proc.name == "MainProcess" or getattr(proc, "_parent_pid", None) is None:
        return None
    target = getattr(proc, "_target", None)
    what = getattr(target, "__qualname__", None) or type(proc).__qualname__
    return f"multiprocessing {proc.name} running {what}", proc._parent_pid


def _child_header() -> str:
    parent = os.getppid()
    try:
        mp = _multiprocessing_child()
        if mp is not None:
            what, parent = mp
        else:
            args = getattr(sys, "orig_argv", sys.argv)
            what = " ".join(a for a in args if not a.endswith(os.path.join("_boot", "run.py")))
    except Exception:
        what = "?"
    return f"In child process {os.getpid()} ({what}), parent {parent}:"


def _leave_for_root(text: str, suffix: str = REPORT_SUFFIX) -> None:
    """Write a child's report (or its closing summary) where the root process collects it
    (write, then rename); names sort by pid, then in the child's own order."""
    with _lock:
        PROCESS["serial"] += 1
        n = PROCESS["serial"]
    path = os.path.join(PROCESS["dir"], f"{os.getpid()}-{n:09d}{suffix}")
    with open(path + ".tmp", "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(path + ".tmp", path)


def child_file_order(name: str) -> tuple[int, int]:
    """``PID-SERIAL.race`` / ``PID-SERIAL.end``: by child, then in the child's order."""
    pid, _, rest = name.partition("-")
    try:
        return int(pid), int(rest.split(".")[0])
    except ValueError:
        return 0, 0


def child_files(directory: str) -> list[str]:
    names = [n for n in os.listdir(directory) if n.endswith((REPORT_SUFFIX, END_SUFFIX))]
    return sorted(names, key=child_file_order)


def collect_children() -> list[str]:
    """Reports that child processes left so far (each printed once, by the root), each child's
    followed by its own summary line once it has ended."""
    directory = PROCESS["dir"]
    if not directory or not PROCESS["root"]:
        return []
    try:
        names = child_files(directory)
    except OSError:
        return []
    out = []
    for name in names:
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            os.unlink(path)
        except OSError:
            continue
        pid = child_file_order(name)[0]
        if name.endswith(END_SUFFIX):
            _CHILD_PENDING.pop(pid, None)
            _write(text)
            continue
        kind = "deadlock" if "WARNING: DATA RACE" not in text else "race"
        with _lock:
            COUNTS[kind] += 1
            REPORTS.append(text)
            counts = _CHILD_PENDING.setdefault(pid, {"race": 0, "deadlock": 0})
            counts[kind] += 1
        _write(text)
        out.append(text)
    return out


def child_end() -> None:
    """A child process ends: leave its summary after its reports (once; never raises). Called
    at exit, and at the end of a multiprocessing child's ``_bootstrap``, which leaves with
    ``os._exit`` and so runs no exit handler."""
    if PROCESS["root"] or not PROCESS["dir"] or PROCESS["ended"]:
        return
    PROCESS["ended"] = True
    if COUNTS["race"] or COUNTS["deadlock"]:
        with contextlib.suppress(Exception):
            # what Go prints at a racy child's exit, naming the child as the parent prints it
            _leave_for_root(summary(COUNTS, f" in child process {os.getpid()}") + "\n", END_SUFFIX)


def format_stack(stack: Sequence[tuple[str, int, str]]) -> list[str]:
    if not stack:
        return ["  <no Python frames>"]
    return [f'  File "{fn}", line {line}, in {name}' for fn, line, name in stack]


def suppressed(kind: str, strings: list[str]) -> bool:
    for pat in OPTS.suppress.get(kind, ()):
        for s in strings:
            if pat.search(s):
                return True
    return False


def _write(text: str) -> None:
    if OPTS.log_path:
        with open(f"{OPTS.log_path}.{os.getpid()}", "a", encoding="utf-8") as fh:
            fh.write(text)
        return
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    sys.stderr.write(text)
    sys.stderr.flush()


def emit(kind: str, key: Hashable, lines: list[str], match: list[str]) -> bool:
    """Print one report unless it is a duplicate or suppressed; returns whether it was printed."""
    with _lock:
        if key in _seen:
            return False
        _seen.add(key)
    if suppressed(kind, match):
        return False
    if OPTS.halt_on_error:
        # the first report ends the run: another thread's report must not slip in before exit
        with _lock:
            if _halting:
                return False
            _halting.append(True)
    if not PROCESS["root"] and PROCESS["dir"]:
        text = "\n".join([SEP, lines[0], _child_header(), *lines[1:], SEP]) + "\n"
        with _lock:
            COUNTS[kind] += 1
        try:
            _leave_for_root(text)
        except OSError:
            _write(text)
        if OPTS.halt_on_error:
            finish()
        return True
    text = "\n".join([SEP, *lines, SEP]) + "\n"
    with _lock:
        COUNTS[kind] += 1
        REPORTS.append(text)
    _write(text)
    if OPTS.halt_on_error:
        finish()
    return True


def summary(counts: dict[str, int] | None = None, where: str = "") -> str:
    """``Found N data race(s)``, Go's last line (``where`` names a child process)."""
    counts = COUNTS if counts is None else counts
    parts = []
    if counts["race"]:
        parts.append(f"Found {counts['race']} data race(s){where}")
    if counts["deadlock"]:
        parts.append(f"Found {counts['deadlock']} potential deadlock(s){where}")
    return "\n".join(parts)


def _unfinished_children() -> None:
    """Children that left reports but no summary (killed, or still running): the root closes
    their block itself, so every child's reports end with a count like Go's."""
    for pid, counts in sorted(_CHILD_PENDING.items()):
        _write(summary(counts, f" in child process {pid} (it did not reach its exit: killed, or still running)") + "\n")
    _CHILD_PENDING.clear()


def finish() -> None:
    """At exit: children's reports, the summary line and the Go exit status when anything was
    reported. A child process leaves its reports to the root and keeps its own exit status."""
    with contextlib.suppress(Exception):
        collect_children()
        _unfinished_children()
    if not PROCESS["root"] and PROCESS["dir"]:
        child_end()
        if OPTS.halt_on_error and OPTS.exit_override:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(OPTS.exitcode)
        return
    if not (COUNTS["race"] or COUNTS["deadlock"]) or not OPTS.exit_override:
        return
    _write(summary() + "\n")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(OPTS.exitcode)


def install_exit_hook() -> None:
    """Registered first so it runs after every handler the program registers."""
    atexit.register(finish)
