"""The py-spy collector and the shared target runner (perfkit.collectors.process), with real py-spy.

Covers: target resolution errors before anything starts; the 70/30 program attributed within 7
points, also after pprof/speedscope/folded round trips; named threads as labels; attaching by pid;
the target's exit status; Ctrl-C to perfkit alone and to its whole process group; ptrace
permission failures (for real as an unprivileged user when the tests run as root, and on py-spy's
captured messages).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from collector_helpers import interrupt_run, split  # tests/ is on sys.path
from perfkit import files
from perfkit.collectors import RecordOptions, process, pyspy
from perfkit.errors import PerfkitError
from perfkit.model import Profile

pytestmark = pytest.mark.slow


# ------------------------------------------------------------------ target resolution
def test_resolve_forms(programs: Path, python: str) -> None:
    script = str(programs / "cpu_split.py")
    t = process.resolve([script, "1"])
    assert (t.kind, t.python, t.entry, t.args) == ("script", sys.executable, script, ("1",))
    t = process.resolve([python, "-u", "-X", "dev", script, "2"])
    assert t.python_options == ("-u", "-X", "dev") and t.entry == script and t.args == ("2",)
    assert t.python_argv() == ["-u", "-X", "dev", script, "2"]
    t = process.resolve([python, "-m", "json.tool", "--help"])
    assert (t.kind, t.entry, t.args) == ("module", "json.tool", ("--help",))
    t = process.resolve(["-c", "print(1)"])
    assert (t.kind, t.entry, t.python) == ("code", "print(1)", sys.executable)
    pytest_script = Path(python).parent / "pytest"
    t = process.resolve([str(pytest_script), "-q"])  # a console script: Python by its shebang
    assert t.kind == "script" and t.python is not None and t.entry == str(pytest_script)
    t = process.resolve(["true"])
    assert t.kind == "program" and t.python is None and os.path.isabs(t.argv[0])


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ([], "no command to profile"),
        (["missing_script.py"], "missing_script.py: no such script"),
        (["python3", "missing_script.py"], "missing_script.py: no such script"),
        (["no-such-command-xyz"], "no-such-command-xyz: command not found"),
        (["./no/such/program"], "./no/such/program: no such file"),
        ([sys.executable], "no script to profile"),
        ([sys.executable, "-m"], "missing the module"),
    ],
)
def test_resolve_errors(command: list[str], message: str) -> None:
    with pytest.raises(PerfkitError) as err:
        process.resolve(command)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_missing_script_fails_before_pyspy_starts(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(PerfkitError, match=r"nope\.py: no such script; check the path"):
        pyspy.record([str(tmp_path / "nope.py")], RecordOptions())
    assert time.monotonic() - started < 1.0


def test_run_keeps_exit_status_and_duration(python: str) -> None:
    outcome = process.run([python, "-c", "import sys; sys.exit(7)"])
    assert (outcome.exit_code, outcome.interrupted) == (7, False)
    started = time.monotonic()
    outcome = process.run([python, "-c", "import time; time.sleep(30)"], duration=0.5)
    assert time.monotonic() - started < 5
    assert outcome.stopped_by_duration and not outcome.interrupted and outcome.exit_code != 0


# ------------------------------------------------------------------ sampling
@pytest.fixture(scope="module")
def cpu_profile() -> Profile:
    programs = Path(__file__).parent / "programs"
    return pyspy.record([sys.executable, str(programs / "cpu_split.py"), "3"], RecordOptions(rate=200))


def test_70_30(cpu_profile: Profile) -> None:
    assert abs(split(cpu_profile) - 0.70) <= 0.07
    meta = cpu_profile.metadata
    assert meta["backend"] == "py-spy" and meta["exit_code"] == 0 and meta["interrupted"] is False
    assert meta["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["rate"] == 200 and meta["period_ns"] == 5_000_000 and cpu_profile.period == 5_000_000
    assert 2.5e9 < meta["duration_ns"] < 10e9 and meta["start_ns"] > 1.6e18
    assert [str(t) for t in cpu_profile.sample_types] == ["samples/count", "cpu/nanoseconds"]
    assert cpu_profile.total("cpu") == cpu_profile.total("samples") * 5_000_000
    assert cpu_profile.label_values("thread") == ["MainThread"]
    assert all(f.file.startswith("/") or f.file.startswith("<") for f in cpu_profile.frames)  # full paths


@pytest.mark.parametrize("suffix", [".pb.gz", ".speedscope.json", ".folded"])
def test_70_30_survives_formats(cpu_profile: Profile, suffix: str, tmp_path: Path) -> None:
    path = files.save(cpu_profile, tmp_path / f"cpu{suffix}")
    assert abs(split(files.load(path)) - 0.70) <= 0.07


def test_named_threads_are_labels(programs: Path, python: str) -> None:
    profile = pyspy.record([python, str(programs / "named_threads.py"), "1.5"], RecordOptions())
    names = profile.label_values("thread")
    assert {"crunch-a", "crunch-b"} <= set(names), names
    for name, function in (("crunch-a", "crunch_a"), ("crunch-b", "crunch_b")):
        own = profile.filter(labels={"thread": name})
        assert own.filter(focus=f"^{function}$").total() > 0.8 * own.total()
    assert not any(f.function.startswith(("thread (", "process ")) for f in profile.frames)


def test_attach_by_pid_for_a_duration(programs: Path, python: str) -> None:
    target = subprocess.Popen([python, str(programs / "cpu_split.py"), "20"])
    try:
        time.sleep(0.3)
        started = time.monotonic()
        profile = pyspy.record([], RecordOptions(pid=target.pid, duration=1.5))
        assert time.monotonic() - started < 6
        assert target.poll() is None  # attaching leaves the process running
    finally:
        target.kill()
        target.wait()
    meta = profile.metadata
    assert meta["attached"] is True and meta["pid"] == target.pid and meta["exit_code"] is None
    assert meta["stopped_by_duration"] is True
    assert profile.total("samples") > 50
    assert abs(split(profile) - 0.70) <= 0.15  # short run: looser bound


def test_attach_to_missing_pid() -> None:
    with pytest.raises(PerfkitError, match="no such process"):
        pyspy.record([], RecordOptions(pid=2**22 + 12345))


def test_target_exit_status_is_kept(python: str) -> None:
    code = "import sys, time\nend = time.time() + 1\nwhile time.time() < end: pass\nsys.exit(3)"
    profile = pyspy.record([python, "-c", code], RecordOptions())
    assert profile.metadata["exit_code"] == 3 and not profile.is_empty


def test_progress_is_reported(programs: Path, python: str) -> None:
    calls: list[tuple[float, int]] = []
    pyspy.record(
        [python, str(programs / "cpu_split.py"), "1.5"],
        RecordOptions(on_progress=lambda elapsed, n: calls.append((elapsed, n))),
    )
    assert len(calls) >= 2 and calls[-1][0] > 0.9


def test_flags_map_to_pyspy_arguments() -> None:
    opts = RecordOptions(rate=250, idle=True, gil=True, native=True, subprocesses=True)
    args = pyspy.pyspy_args("py-spy", 42, Path("out"), opts)
    assert args[:4] == ["py-spy", "record", "--pid", "42"]
    for flag in ("--idle", "--gil", "--native", "--subprocesses", "--threads", "--full-filenames"):
        assert flag in args
    assert args[args.index("--rate") + 1] == "250" and args[args.index("--format") + 1] == "raw"
    assert "--idle" not in pyspy.pyspy_args("py-spy", 42, Path("out"), RecordOptions())


def test_bad_rate() -> None:
    with pytest.raises(PerfkitError, match="--rate 0"):
        pyspy.record(["x.py"], RecordOptions(rate=0))


def test_raw_reader_labels(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        'process 10:"python a.py";thread (10);main (/a.py:3);work (/a.py:9) 4\n'
        'process 10:"python a.py";thread (11): pool-1;run (/a.py:20) 2\n'
        'process 10:"python a.py";thread (11);run (/a.py:21) 1\n'
        'process 10:"python a.py";process 12:"python b.py";thread (12);main (/b.py:1) 5\n'
    )
    profile = pyspy.read_raw(raw, pid=10, rate=100)
    threads: dict[tuple[str, str], tuple[int, int]] = {}
    for sample in profile.samples():
        key = (sample.labels["pid"], sample.labels["thread"])
        old = threads.get(key, (0, 0))
        threads[key] = (old[0] + sample.values[0], old[1] + sample.values[1])
    assert threads == {
        ("10", "MainThread"): (4, 40_000_000),
        ("10", "pool-1"): (3, 30_000_000),  # the unnamed sample of thread 11 gets its name too
        ("12", "MainThread"): (5, 50_000_000),
    }
    assert {f.function for f in profile.frames} == {"main", "work", "run"}
    idle = pyspy.read_raw(raw, pid=10, rate=100, idle=True)
    assert str(idle.sample_types[1]) == "wall/nanoseconds"


# ------------------------------------------------------------------ Ctrl-C
@pytest.mark.parametrize("whole_group", [False, True], ids=["kill-perfkit", "terminal-group"])
def test_ctrl_c_returns_partial_profile(whole_group: bool, programs: Path, tmp_path: Path) -> None:
    result, took = interrupt_run("py-spy", programs, tmp_path, whole_group=whole_group)
    assert took < 6, f"took {took:.1f} s to stop"
    assert result["meta"]["interrupted"] is True
    assert result["samples"] > 0 and result["total"] > 0
    assert result["meta"]["exit_code"] != 0  # the target was stopped, not finished
    assert 1.5e9 < result["meta"]["duration_ns"] < 10e9


# ------------------------------------------------------------------ permissions
#: py-spy 0.4's stderr from real failing runs on this project's CI machine (Linux):
#: as an unprivileged user attaching to root's process, and as root without CAP_SYS_PTRACE
#: attaching to another user's process.
PYSPY_DENIED = [
    "Permission Denied: Try running again with elevated permissions by going 'sudo env \"PATH=$PATH\" !!'\n",
    "Error: Failed to get process executable name. Check that the process is running.\n\nCaused by:\n"
    "    0: Permission denied (os error 13)\n    1: Permission denied (os error 13)\n",
    "Permission Denied\n\nIt looks like you are running in a docker container. Please make sure you started "
    "your container with the SYS_PTRACE capability.\n",
]
PYSPY_OTHER = [
    "Error: Failed to find python version from target process\n",
    "Error: No such file or directory (os error 2)\n",
]


def test_permission_messages_are_classified() -> None:
    for text in PYSPY_DENIED:
        assert pyspy.classify_failure(text) == "permission", text
    for text in PYSPY_OTHER:
        assert pyspy.classify_failure(text) == "other", text


def test_permission_error_message() -> None:
    err = pyspy._failure(PYSPY_DENIED[0], 1, 42, attached=True)
    text = str(err)
    assert "\n" not in text and "process 42" in text
    for fix in ("root", "CAP_SYS_PTRACE", "--cap-add SYS_PTRACE", "--profiler pyinstrument"):
        assert fix in text


def test_permission_denied_for_real(programs: Path, tmp_path: Path, as_nobody: list[str]) -> None:
    """perfkit running as `nobody` cannot read root's process: one line naming the fix."""
    victim = subprocess.Popen([sys.executable, str(programs / "cpu_split.py"), "20"])
    try:
        code = (
            "import sys\nfrom perfkit.collectors import RecordOptions, pyspy\nfrom perfkit.errors import PerfkitError\n"
            f"try:\n    pyspy.record([], RecordOptions(pid={victim.pid}, duration=5))\n"
            "except PerfkitError as exc:\n    print(exc)\n    sys.exit(2)\n"
        )
        done = subprocess.run(
            [*as_nobody, sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=tmp_path,
        )
    finally:
        victim.kill()
        victim.wait()
    assert done.returncode == 2, done.stderr
    line = done.stdout.strip()
    assert "\n" not in line and "ptrace permission denied" in line and "CAP_SYS_PTRACE" in line


def test_missing_pyspy_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PerfkitError, match=r"py-spy is not installed; install it with `pip install py-spy`"):
        pyspy.find_pyspy()


def test_ptracer_launcher_runs_the_target(python: str, tmp_path: Path) -> None:
    """The Yama launcher (used when ptrace_scope=1 and not root) must exec the target unchanged."""
    marker = tmp_path / "ran"
    done = subprocess.run(
        [python, "-c", pyspy._LAUNCHER, python, "-c", f"import sys; open({str(marker)!r}, 'w'); sys.exit(4)"],
        timeout=30,
        check=False,
    )
    assert done.returncode == 4 and marker.exists()


def test_read_raw_keeps_samples_without_python_frames(tmp_path: Path) -> None:
    """py-spy writes ` N` for samples with no Python frame: they count in the totals."""
    raw = tmp_path / "raw.txt"
    raw.write_text("thread (0x1): MainThread;main (app.py:3);hot (app.py:9) 6\n 4\n")
    profile = pyspy.read_raw(raw, pid=None, rate=100)
    assert profile.total("samples") == 10
    assert profile.stack_totals("samples")[()] == 4
