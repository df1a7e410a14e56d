"""Every profile command end to end, through the real command line and real profilers."""

from __future__ import annotations

import gzip
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import perfkit as pk
from cli_helpers import CPU_SPLIT, FOLDED, FOLDED_BASE, PROGRAMS, perfkit, write_folded

COMMANDS = ["profile", "flame", "top", "list", "convert"]
#: a traceback line inside perfkit's own code
PERFKIT_FRAME = re.compile(r'File "[^"]*/perfkit/[^"]*"')


def function_totals(path: Path, sample_type: str | None = None) -> dict[str, int]:
    """Flat value per leaf function name in a saved profile."""
    profile = pk.load(path)
    totals: dict[str, int] = {}
    for stack, value in profile.iter_stacks(sample_type):
        if stack:
            name = profile.frames[stack[-1]].function
            totals[name] = totals.get(name, 0) + value
    return totals


def inclusive(path: Path, function: str, sample_type: str | None = None) -> int:
    """Value of samples with ``function`` anywhere on the stack."""
    profile = pk.load(path)
    ids = {i for i, f in enumerate(profile.frames) if f.function == function}
    return sum(v for stack, v in profile.iter_stacks(sample_type) if ids.intersection(stack))


# ---------------------------------------------------------------------------- help
@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples(command: str) -> None:
    result = perfkit(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Examples" in result.stdout
    assert f"perfkit {command}" in result.stdout


def test_root_help_lists_commands_and_completion() -> None:
    result = perfkit("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
    assert "--install-completion" in result.stdout


def test_version() -> None:
    result = perfkit("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"perfkit {pk.__version__}"


# ---------------------------------------------------------------------------- profile
@pytest.mark.slow
def test_profile_cpu_split_to_folded(tmp_path: Path, python: str) -> None:
    out = tmp_path / "cpu.folded"
    result = perfkit("profile", "-o", out, "--rate", "200", "--", python, CPU_SPLIT, "3")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"perfkit: wrote {out}: ") and "samples" in summary and "py-spy" in summary
    totals = function_totals(out)
    hot, cold = totals.get("hot", 0), totals.get("cold", 0)
    assert hot + cold > 100, totals
    assert 0.55 < hot / (hot + cold) < 0.85, totals  # 70/30 by construction


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cpu.svg", "cpu.pb.gz", "cpu.speedscope.json", "cpu.html"])
def test_profile_output_format_follows_extension(tmp_path: Path, python: str, name: str) -> None:
    out = tmp_path / name
    result = perfkit("profile", "-q", "-o", out, "--", python, CPU_SPLIT, "1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # --quiet
    data = out.read_bytes()
    if name.endswith(".svg"):
        assert ET.fromstring(data).tag.endswith("svg")
        assert b"hot" in data
    elif name.endswith(".pb.gz"):
        assert gzip.decompress(data)
        assert function_totals(out).get("hot", 0) > 0
    elif name.endswith(".json"):
        assert function_totals(out).get("hot", 0) > 0
    else:
        assert data.lstrip().lower().startswith(b"<!doctype html")
        assert b"hot" in data


@pytest.mark.slow
def test_profile_returns_the_targets_exit_status(tmp_path: Path, python: str) -> None:
    out = tmp_path / "exit.folded"
    code = "import sys, time\nt = time.time()\nwhile time.time() - t < 1: pass\nsys.exit(3)"
    result = perfkit("profile", "-o", out, "--", python, "-c", code)
    assert result.returncode == 3, result.stderr
    assert out.stat().st_size > 0
    assert "exited with status 3" in result.stderr


@pytest.mark.slow
def test_profile_duration_stops_a_long_target(tmp_path: Path, python: str) -> None:
    out = tmp_path / "short.folded"
    started = time.monotonic()
    result = perfkit("profile", "--duration", "1.5", "-o", out, "--", python, CPU_SPLIT, "60")
    assert time.monotonic() - started < 30
    assert result.returncode == 0, result.stderr
    assert not PERFKIT_FRAME.search(result.stderr)
    assert function_totals(out).get("hot", 0) > 0


@pytest.mark.slow
def test_profile_pyinstrument_backend(tmp_path: Path, python: str) -> None:
    out = tmp_path / "pyi.folded"
    result = perfkit("profile", "--profiler", "pyinstrument", "--gil", "-o", out, "--", python, CPU_SPLIT, "2")
    assert result.returncode == 0, result.stderr
    assert "warning: --gil is not supported by pyinstrument" in result.stderr
    assert inclusive(out, "hot") > inclusive(out, "cold") > 0


@pytest.mark.slow
def test_profile_memray_backend(tmp_path: Path, python: str) -> None:
    out = tmp_path / "mem.pb.gz"
    result = perfkit("profile", "--profiler", "memray", "-o", out, "--", python, PROGRAMS / "alloc_split.py")
    assert result.returncode == 0, result.stderr
    profile = pk.load(out)
    bytes_type = next(str(t) for t in profile.sample_types if t.unit == "bytes")
    big, small = inclusive(out, "allocate_big", bytes_type), inclusive(out, "allocate_small", bytes_type)
    assert small > 0 and 3 < big / small < 5, (big, small)  # 80 MB vs 20 MB


@pytest.mark.slow
def test_profile_attach_by_pid(tmp_path: Path, python: str) -> None:
    target = subprocess.Popen([python, CPU_SPLIT, "30"])
    try:
        time.sleep(0.5)
        out = tmp_path / "attached.folded"
        result = perfkit("profile", "--pid", target.pid, "--duration", "1.5", "-o", out)
        assert result.returncode == 0, result.stderr
        assert function_totals(out).get("hot", 0) > 0
        assert target.poll() is None  # attaching does not stop the target
    finally:
        target.kill()
        target.wait()


# ---------------------------------------------------------------------------- Ctrl-C
def _start_profile(tmp_path: Path, python: str) -> tuple[subprocess.Popen[str], Path]:
    out = tmp_path / "interrupted.folded"
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfkit", "profile", "-o", str(out), "--", python, str(CPU_SPLIT), "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    time.sleep(3)  # interpreter start, py-spy attach, a second of samples
    assert proc.poll() is None, proc.communicate()
    return proc, out


@pytest.mark.slow
@pytest.mark.parametrize("whom", ["group", "perfkit"])
def test_ctrl_c_saves_what_was_gathered(tmp_path: Path, python: str, whom: str) -> None:
    """A terminal's Ctrl-C signals the whole foreground group; a `kill -INT` only perfkit."""
    proc, out = _start_profile(tmp_path, python)
    sent = time.monotonic()
    if whom == "group":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    assert time.monotonic() - sent < 10
    assert proc.returncode == 130, stderr
    assert not PERFKIT_FRAME.search(stderr), stderr  # the target may print its KeyboardInterrupt; perfkit not
    assert "interrupted" in stderr and str(out) in stderr
    assert out.stat().st_size > 0
    assert function_totals(out).get("hot", 0) > 0


# ---------------------------------------------------------------------------- live indicator
def _run_in_pty(argv: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run ``argv`` with a pseudo-terminal as stdin/stdout/stderr; return (exit status, all output)."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
        env.pop("NO_COLOR", None)
        os.execve(argv[0], argv, env)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_live_indicator_on_a_terminal(tmp_path: Path, python: str) -> None:
    out = tmp_path / "tty.folded"
    code, text = _run_in_pty(
        [sys.executable, "-m", "perfkit", "profile", "-o", str(out), "--", python, str(CPU_SPLIT), "2.5"]
    )
    assert code == 0, text
    assert "recording with py-spy" in text
    assert "\x1b[" in text  # drawn and redrawn in place
    assert f"wrote {out}" in text


@pytest.mark.slow
def test_live_indicator_quiet_on_a_terminal(tmp_path: Path, python: str) -> None:
    out = tmp_path / "tty-quiet.folded"
    code, text = _run_in_pty(
        [sys.executable, "-m", "perfkit", "profile", "-q", "-o", str(out), "--", python, str(CPU_SPLIT), "1.5"]
    )
    assert code == 0, text
    assert "recording" not in text
    assert "wrote" not in text


@pytest.mark.slow
def test_live_indicator_silent_in_a_pipe(tmp_path: Path, python: str) -> None:
    out = tmp_path / "pipe.folded"
    result = perfkit("profile", "-o", out, "--", python, CPU_SPLIT, "2.5")
    assert result.returncode == 0, result.stderr
    assert "recording" not in result.stderr
    assert "\x1b[" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"perfkit: wrote {out}")


# ---------------------------------------------------------------------------- flame
def test_flame_writes_svg_with_default_name(tmp_path: Path) -> None:
    write_folded(tmp_path)
    result = perfkit("flame", "cpu.folded", "--title", "CPU of cpu_split", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    svg = (tmp_path / "cpu.svg").read_text()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "CPU of cpu_split" in svg
    assert "hot" in svg and "cold" in svg


def test_flame_diff_against_base(tmp_path: Path) -> None:
    new = write_folded(tmp_path, "new.folded", FOLDED)
    old = write_folded(tmp_path, "old.folded", FOLDED_BASE)
    plain = tmp_path / "plain.svg"
    diff = tmp_path / "diff.svg"
    assert perfkit("flame", new, "-o", plain).returncode == 0
    result = perfkit("flame", new, "--base", old, "--normalize", "-o", diff)
    assert result.returncode == 0, result.stderr
    ET.fromstring(diff.read_text())
    assert diff.read_text() != plain.read_text()  # the colours say grew/shrank


def test_flame_focus_ignore_and_stdout(tmp_path: Path) -> None:
    src = write_folded(tmp_path)
    result = perfkit("flame", src, "--ignore", "^cold$", "--inverted", "-o", "-")
    assert result.returncode == 0, result.stderr
    ET.fromstring(result.stdout)
    assert "hot" in result.stdout and "cold" not in result.stdout
    focused = perfkit("flame", src, "--focus", "cold", "-o", "-")
    assert "cold" in focused.stdout and ">hot" not in focused.stdout


def test_flame_normalize_needs_base(tmp_path: Path) -> None:
    result = perfkit("flame", write_folded(tmp_path), "--normalize", "-o", tmp_path / "x.svg")
    assert result.returncode != 0 and "--base" in result.stderr


# ---------------------------------------------------------------------------- top
def _rows(stdout: str) -> list[str]:
    """Table rows: lines whose first column is a value (header lines are not)."""
    return [line for line in stdout.splitlines() if line.strip()[:1].isdigit()]


def test_top_orders_by_flat(tmp_path: Path) -> None:
    result = perfkit("top", write_folded(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    assert rows[0].split()[-1] == "hot" and rows[1].split()[-1] == "cold", result.stdout
    assert "70.00%" in rows[0] and "30.00%" in rows[1]


def test_top_cum_limit_and_focus(tmp_path: Path) -> None:
    src = write_folded(tmp_path)
    cum = _rows(perfkit("top", src, "--cum", "-n", "2").stdout)
    assert len(cum) == 2
    assert {cum[0].split()[-1], cum[1].split()[-1]} == {"<module>", "main"}
    focused = perfkit("top", src, "--focus", "cold").stdout
    assert "cold" in focused and " hot" not in focused


def test_top_by_line_and_file(tmp_path: Path) -> None:
    src = write_folded(tmp_path)
    by_line = perfkit("top", src, "--by", "line").stdout
    assert "cpu_split.py:14" in by_line
    by_file = _rows(perfkit("top", src, "--by", "file").stdout)
    assert len(by_file) == 1 and "cpu_split.py" in by_file[0]


# ---------------------------------------------------------------------------- list
def test_list_annotates_source(tmp_path: Path) -> None:
    result = perfkit("list", write_folded(tmp_path), "^hot$")
    assert result.returncode == 0, result.stderr
    assert "def hot()" in result.stdout
    assert "total += i * i % 7" in result.stdout
    assert "def cold()" not in result.stdout


# ---------------------------------------------------------------------------- convert
def _stack_counts(path: Path) -> dict[tuple[str, ...], int]:
    profile = pk.load(path)
    return {tuple(profile.frames[f].label() for f in stack): value for stack, value in profile.iter_stacks("samples")}


@pytest.mark.parametrize("middle", ["cpu.pb.gz", "cpu.speedscope.json"])
def test_convert_round_trip(tmp_path: Path, middle: str) -> None:
    src = write_folded(tmp_path)
    mid = tmp_path / middle
    back = tmp_path / "back.folded"
    assert perfkit("convert", src, mid).returncode == 0
    result = perfkit("convert", mid, back)
    assert result.returncode == 0, result.stderr
    assert _stack_counts(back) == _stack_counts(src)


def test_convert_with_explicit_formats(tmp_path: Path) -> None:
    src = write_folded(tmp_path, "stacks.txt")
    out = tmp_path / "profile.bin"
    result = perfkit("convert", src, out, "--from", "folded", "--to", "pprof")
    assert result.returncode == 0, result.stderr
    assert gzip.decompress(out.read_bytes())
    assert _stack_counts(out) == {k: v for k, v in _stack_counts(write_folded(tmp_path)).items()}


def test_convert_to_html_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = perfkit("convert", write_folded(tmp_path), out)
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert "<html" in html.lower() and "hot" in html


# ---------------------------------------------------------------------------- Python API
def _busy(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _api_target() -> None:
    for _ in range(30):
        _busy(60_000)
    _busy(200_000)


def test_api_profile_callable_in_process(tmp_path: Path) -> None:
    out = tmp_path / "api.folded"
    profile = pk.profile(_api_target, output=out)
    assert out.stat().st_size > 0
    ids = {i for i, f in enumerate(profile.frames) if f.function == "_busy"}
    assert sum(v for stack, v in profile.iter_stacks() if ids.intersection(stack)) > 0
    with pytest.raises(pk.PerfkitError):
        pk.profile(_api_target, profiler="py-spy")


@pytest.mark.slow
def test_api_profile_command(tmp_path: Path, python: str) -> None:
    out = tmp_path / "api.pb.gz"
    profile = pk.profile([python, str(CPU_SPLIT), "1"], output=out, rate=200)
    assert profile.metadata["exit_code"] == 0
    assert function_totals(out).get("hot", 0) > function_totals(out).get("cold", 0) > 0


# ---------------------------------------------------------------------------- progress module
def test_live_indicator_draws_only_on_a_terminal() -> None:
    import io

    from perfkit.progress import LiveIndicator

    piped = io.StringIO()
    with LiveIndicator("py-spy", stream=piped) as live:
        assert not live.enabled
        live.update(0.5, 10)
    assert piped.getvalue() == ""

    master, slave = pty.openpty()
    try:
        with open(slave, "w", closefd=True) as terminal:
            with LiveIndicator("py-spy", stream=terminal) as live:
                assert live.enabled
                live.update(0.3, 1234)
                assert "1,234 samples" in live.render().plain
                time.sleep(0.6)  # a few refreshes
            quiet = LiveIndicator("py-spy", quiet=True, stream=terminal)
            assert not quiet.enabled
            drawn = b""
            while select.select([master], [], [], 0.2)[0]:  # read while the terminal is still open
                drawn += os.read(master, 65536)
    finally:
        os.close(master)
    assert b"recording with py-spy" in drawn and b"1,234 samples" in drawn


def test_live_indicator_elapsed_without_samples() -> None:
    from perfkit.progress import LiveIndicator

    live = LiveIndicator("memray", quiet=True)
    live.update(1.0, -1)
    text = live.render().plain
    assert "recording with memray" in text and "samples" not in text and re.search(r"\d+\.\ds", text)


def test_focus_matching_nothing_warns(tmp_path: Path) -> None:
    result = perfkit("top", write_folded(tmp_path), "--focus", "no_such_function")
    assert result.returncode == 0
    assert "warning: --focus 'no_such_function' matched no frame" in result.stderr
