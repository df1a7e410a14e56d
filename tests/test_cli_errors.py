"""Every mistake a user can make ends as one ``perfkit: <input>: ...`` line and a non-zero exit.

All cases run the real command line in a subprocess: what is checked is exactly what a user sees.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_helpers import FOLDED, assert_one_line_error, perfkit, write_folded


@pytest.fixture
def folded(tmp_path: Path) -> Path:
    return write_folded(tmp_path)


# ---------------------------------------------------------------------------- input files
@pytest.mark.parametrize("command", ["top", "flame", "list", "convert"])
def test_missing_input_file(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nope.pb.gz"
    extra = {"list": ["hot"], "convert": [str(tmp_path / "out.folded")]}.get(command, [])
    line = assert_one_line_error(perfkit(command, missing, *extra), str(missing))
    assert "no such file" in line


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("corrupt.pb.gz", b"\x1f\x8b\x08\x00garbage that is not gzip at all"),
        ("corrupt.speedscope.json", b'{"$schema": "https://www.speedscope.app/file-format-schema.json", "profiles": ['),
        ("corrupt.folded", b"main;hot notanumber\n"),
        ("binary.dat", bytes(range(256)) * 4),
    ],
)
def test_corrupt_input_file(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert_one_line_error(perfkit("top", path), str(path))


def test_empty_input_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pb.gz"
    path.write_bytes(b"")
    assert "empty" in assert_one_line_error(perfkit("top", path), str(path))


def test_input_is_a_folder(tmp_path: Path) -> None:
    assert_one_line_error(perfkit("top", tmp_path), str(tmp_path))


def test_unknown_input_format_name(folded: Path) -> None:
    assert "--format nope" in assert_one_line_error(perfkit("top", folded, "--format", "nope"))


# ---------------------------------------------------------------------------- outputs
def test_unknown_output_extension(folded: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xyz"
    line = assert_one_line_error(perfkit("convert", folded, out), str(out))
    assert "extension" in line
    assert not out.exists()


def test_unknown_output_extension_fails_before_recording(tmp_path: Path, python: str) -> None:
    out = tmp_path / "out.xyz"
    started = time.monotonic()
    assert_one_line_error(perfkit("profile", "-o", out, "--", python, "-c", "import time; time.sleep(30)"), str(out))
    assert time.monotonic() - started < 20  # it did not run the 30 s target first


def test_output_folder_missing(folded: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "out.folded"
    assert "does not exist" in assert_one_line_error(perfkit("convert", folded, out), str(out))


# ---------------------------------------------------------------------------- the target command
def test_missing_target_script(tmp_path: Path, python: str) -> None:
    out = tmp_path / "out.folded"
    script = tmp_path / "no_such_script.py"
    line = assert_one_line_error(perfkit("profile", "-o", out, "--", python, script, "--flag"), str(script))
    assert "no such script" in line
    assert not out.exists()


def test_missing_target_script_after_interpreter_options(tmp_path: Path, python: str) -> None:
    script = tmp_path / "gone.py"
    assert_one_line_error(perfkit("profile", "-o", tmp_path / "o.folded", "--", python, "-u", "-X", "dev", script))


def test_command_not_found(tmp_path: Path) -> None:
    line = assert_one_line_error(
        perfkit("profile", "-o", tmp_path / "out.folded", "--", "perfkit-no-such-command-xyz", "arg"),
        "perfkit-no-such-command-xyz",
    )
    assert "command not found" in line


def test_program_path_missing(tmp_path: Path) -> None:
    program = tmp_path / "bin" / "server"
    assert_one_line_error(perfkit("profile", "-o", tmp_path / "out.folded", "--", program), str(program))


def test_no_command_at_all(tmp_path: Path) -> None:
    assert "no command" in assert_one_line_error(perfkit("profile", "-o", tmp_path / "out.folded"))


def test_unknown_profiler(tmp_path: Path, python: str) -> None:
    line = assert_one_line_error(
        perfkit("profile", "--profiler", "vtune", "-o", tmp_path / "o.folded", "--", python, "-c", "pass"), "vtune"
    )
    assert "py-spy" in line  # lists the choices


# ---------------------------------------------------------------------------- regexes and sample types
@pytest.mark.parametrize(
    "args",
    [
        ["top", "{in}", "--focus", "hot("],
        ["top", "{in}", "--ignore", "[unclosed"],
        ["flame", "{in}", "--focus", "*star", "-o", "{tmp}/f.svg"],
        ["list", "{in}", "(unbalanced"],
    ],
)
def test_bad_regex(folded: Path, tmp_path: Path, args: list[str]) -> None:
    argv = [a.format(**{"in": folded, "tmp": tmp_path}) for a in args]
    pattern = args[3] if args[0] != "list" else args[2]
    line = assert_one_line_error(perfkit(*argv), pattern)
    assert "regular expression" in line
    assert not (tmp_path / "f.svg").exists()


@pytest.mark.parametrize("command", ["top", "flame", "list"])
def test_unknown_sample_type(folded: Path, tmp_path: Path, command: str) -> None:
    extra = {"list": ["hot"], "flame": ["-o", str(tmp_path / "f.svg")]}.get(command, [])
    line = assert_one_line_error(perfkit(command, folded, *extra, "--sample-type", "alloc_space"), "alloc_space")
    assert "samples/count" in line  # names the types that exist


# ---------------------------------------------------------------------------- --pid
def test_pid_that_does_not_exist(tmp_path: Path, python: str) -> None:
    done = subprocess.run([python, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    dead = int(done.stdout)
    line = assert_one_line_error(perfkit("profile", "--pid", dead, "-o", tmp_path / "o.folded"), str(dead))
    assert "no such process" in line


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ptrace permissions are Linux's")
def test_pid_without_ptrace_permission(tmp_path: Path, python: str) -> None:
    """A non-dumpable target can only be traced with CAP_SYS_PTRACE (or as another, privileged user).

    As root, perfkit runs with CAP_SYS_PTRACE removed from its bounding set (setpriv); as a normal
    user, the target is simply made non-dumpable, which needs the capability the user lacks.
    """
    target = subprocess.Popen(
        [
            python,
            "-c",
            "import ctypes, time; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); print(1, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert target.stdout is not None and target.stdout.readline()
        argv = ["profile", "--pid", str(target.pid), "-o", str(tmp_path / "o.folded")]
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("SKIPPED LOUDLY: setpriv (util-linux) is needed to drop CAP_SYS_PTRACE as root")
            env = {**os.environ, "NO_COLOR": "1"}
            result = subprocess.run(
                [setpriv, "--bounding-set", "-sys_ptrace", sys.executable, "-m", "perfkit", *argv],
                capture_output=True,
                text=True,
                timeout=60,
                env=env,
            )
        else:
            result = perfkit(*argv)
        line = assert_one_line_error(result, str(target.pid))
        assert "ptrace" in line
        assert not (tmp_path / "o.folded").exists()
    finally:
        target.kill()
        target.wait()


def test_pid_and_command_together(tmp_path: Path, python: str) -> None:
    assert_one_line_error(perfkit("profile", "--pid", os.getpid(), "-o", tmp_path / "o.folded", "--", python), "--pid")


# ---------------------------------------------------------------------------- usage errors
@pytest.mark.parametrize(
    "args",
    [
        ["top", "--no-such-option"],
        ["top"],
        ["flame", "x.folded", "--width", "wide"],
        ["no-such-command"],
        ["top", "x.folded", "--by", "module"],
    ],
)
def test_usage_errors_have_no_traceback(args: list[str]) -> None:
    result = perfkit(*args)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


# ---------------------------------------------------------------------------- atomic outputs
def _limited_file_size(limit: int):
    """Run a child with RLIMIT_FSIZE, the way a full disk looks to a writer (EFBIG, not SIGXFSZ)."""
    import resource

    def setup() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return setup


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
@pytest.mark.parametrize("command", ["convert", "flame"])
def test_failed_write_leaves_nothing_behind(tmp_path: Path, command: str) -> None:
    src = write_folded(tmp_path, text=FOLDED * 1)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / ("cpu.speedscope.json" if command == "convert" else "cpu.svg")
    args = [src, out] if command == "convert" else [src, "-o", out]
    result = perfkit(command, *args, preexec_fn=_limited_file_size(64))
    line = assert_one_line_error(result, str(out))
    assert "could not write" in line
    assert list(folder.iterdir()) == []  # neither the output nor a temporary file


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_failed_write_keeps_the_existing_output(tmp_path: Path) -> None:
    src = write_folded(tmp_path)
    out = tmp_path / "out" / "cpu.svg"
    out.parent.mkdir()
    out.write_text("previous good output")
    result = perfkit("flame", src, "-o", out, preexec_fn=_limited_file_size(64))
    assert_one_line_error(result, str(out))
    assert out.read_text() == "previous good output"
    assert sorted(p.name for p in out.parent.iterdir()) == ["cpu.svg"]


def test_failed_read_keeps_the_existing_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.folded"
    bad.write_text("main;hot x\n")
    out = tmp_path / "cpu.pb.gz"
    out.write_bytes(b"previous")
    assert_one_line_error(perfkit("convert", bad, out), str(bad))
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.folded", "cpu.pb.gz"]
