"""The pyinstrument collector with the real pyinstrument: commands run in their own interpreter,
and profile_callable in this one (sync and async).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from collector_helpers import interrupt_run, split  # tests/ is on sys.path (rootdir-less test modules)
from perfkit import files
from perfkit.collectors import RecordOptions
from perfkit.collectors import pyinstrument as pyi
from perfkit.errors import PerfkitError
from perfkit.model import Profile

pytestmark = pytest.mark.slow


def load_program(programs: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, programs / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cpu_profile() -> Profile:
    programs = Path(__file__).parent / "programs"
    return pyi.record([sys.executable, str(programs / "cpu_split.py"), "3"], RecordOptions())


def test_70_30(cpu_profile: Profile) -> None:
    assert abs(split(cpu_profile) - 0.70) <= 0.07
    meta = cpu_profile.metadata
    assert meta["backend"] == "pyinstrument" and meta["exit_code"] == 0 and meta["interrupted"] is False
    assert meta["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["backend_version"] and meta["interval_s"] == 0.001
    assert [str(t) for t in cpu_profile.sample_types] == ["wall/nanoseconds", "samples/count"]
    assert 2.5e9 < cpu_profile.total("wall") < 4e9  # wall time adds up to the run time
    assert cpu_profile.label_values("thread") == ["MainThread"]
    # stacks start at the program, not at the launcher, runpy or pyinstrument
    roots = {cpu_profile.frames[stack[0]].function for stack in cpu_profile.stack_totals() if stack}
    assert "<module>" in roots
    assert not any("runpy" in f.file or "pyinstrument" in f.file or f.file == "<string>" for f in cpu_profile.frames)


@pytest.mark.parametrize("suffix", [".pb.gz", ".speedscope.json", ".folded"])
def test_70_30_survives_formats(cpu_profile: Profile, suffix: str, tmp_path: Path) -> None:
    path = files.save(cpu_profile, tmp_path / f"cpu{suffix}")
    assert abs(split(files.load(path)) - 0.70) <= 0.07


def test_exit_status_and_argv(python: str, tmp_path: Path) -> None:
    script = tmp_path / "exits.py"
    script.write_text(
        "import sys\n"
        "assert sys.argv[1:] == ['a', 'b c'], sys.argv\n"
        "assert sys.path[0] == sys.argv[0].rpartition('/')[0], sys.path[0]\n"
        "assert __name__ == '__main__'\n"
        "sys.exit(5)\n"
    )
    profile = pyi.record([python, str(script), "a", "b c"], RecordOptions())
    assert profile.metadata["exit_code"] == 5


def test_module_and_code_targets(python: str, programs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(programs)
    profile = pyi.record([python, "-m", "cpu_split", "0.5"], RecordOptions(rate=500))
    assert profile.filter(focus="^hot$").total() > 0 and profile.metadata["exit_code"] == 0
    code = "import time\nend = time.time() + 0.3\nwhile time.time() < end: pass\nraise SystemExit(9)"
    profile = pyi.record(["-c", code], RecordOptions())
    assert profile.metadata["exit_code"] == 9 and profile.total() > 0


def test_interpreter_without_pyinstrument(python: str, programs: Path) -> None:
    """`python -S` has no site-packages, so no pyinstrument: one line saying how to install it."""
    with pytest.raises(PerfkitError) as err:
        pyi.record([python, "-S", str(programs / "cpu_split.py"), "0.1"], RecordOptions())
    text = str(err.value)
    assert "cannot import pyinstrument" in text and "-m pip install pyinstrument" in text and "\n" not in text


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["missing_script.py"], "missing_script.py: no such script"),
        (["no-such-command-xyz"], "no-such-command-xyz: command not found"),
        (["true"], "pyinstrument profiles Python programs only"),
    ],
)
def test_command_errors(command: list[str], message: str) -> None:
    with pytest.raises(PerfkitError, match=message):
        pyi.record(command, RecordOptions())


def test_cannot_attach() -> None:
    with pytest.raises(PerfkitError, match="cannot attach; use --profiler py-spy"):
        pyi.record([], RecordOptions(pid=1))


@pytest.mark.parametrize("whole_group", [False, True], ids=["kill-perfkit", "terminal-group"])
def test_ctrl_c_returns_partial_profile(whole_group: bool, programs: Path, tmp_path: Path) -> None:
    result, took = interrupt_run("pyinstrument", programs, tmp_path, whole_group=whole_group)
    assert took < 6, f"took {took:.1f} s to stop"
    assert result["meta"]["interrupted"] is True
    assert result["samples"] > 0 and result["total"] > 1e9  # about 2.5 s of wall time
    assert result["meta"]["exit_code"] == -2  # died of SIGINT, as plain Python does on Ctrl-C


def test_duration_stops_the_target(programs: Path, python: str) -> None:
    profile = pyi.record([python, str(programs / "cpu_split.py"), "60"], RecordOptions(duration=1.5))
    assert profile.metadata["stopped_by_duration"] is True and profile.metadata["interrupted"] is False
    assert 1e9 < profile.total("wall") < 4e9


# ------------------------------------------------------------------ in-process API
def test_profile_callable_sync(programs: Path) -> None:
    cpu = load_program(programs, "cpu_split")

    def work(rounds: int, *, tag: str) -> str:
        for _ in range(rounds):
            for _ in range(7):
                cpu.hot()
            for _ in range(3):
                cpu.cold()
        return tag

    result, profile = pyi.profile_callable(work, 60, tag="done")
    assert result == "done"
    assert abs(split(profile) - 0.70) <= 0.07
    roots = {profile.frames[stack[0]].function for stack in profile.stack_totals() if stack}
    assert roots == {"work"}  # nothing above the profiled function
    assert profile.metadata["backend"] == "pyinstrument"


def test_profile_callable_async_attributes_awaits(programs: Path) -> None:
    program = load_program(programs, "async_split")
    result, profile = pyi.profile_callable(program.main, 0.5)
    assert result is None
    assert abs(split(profile, "slow_io", "fast_io") - 0.75) <= 0.07
    awaiting = profile.filter(focus=r"^\[await\]$").total()
    assert awaiting > 0.8 * profile.total()  # the program mostly waits, and that shows


def test_profile_callable_propagates_errors() -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        pyi.profile_callable(broken)
