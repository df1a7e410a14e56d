"""One pipeline: the CLI calls the library (perfkit.profile, perfkit.save), a recording says how
its run ended (profile.outcome), library errors name parameters and the CLI words them as flags."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import perfkit
from cli_helpers import assert_one_line_error, write_folded
from cli_helpers import perfkit as run_perfkit
from perfkit.errors import ParamError
from perfkit.model import EXIT_INTERRUPTED, Outcome

# ---------------------------------------------------------------------------- outcome
#: long enough for py-spy to attach (it fails on a target that is already gone)
BUSY_THEN_EXIT_3 = "import sys, time\nt = time.time()\nwhile time.time() - t < 0.5: pass\nsys.exit(3)"


def test_a_command_exiting_3_gives_exit_status_3(python: str) -> None:
    """Recorded for real under py-spy; the outcome comes with the profile."""
    profile = perfkit.record([python, "-c", BUSY_THEN_EXIT_3], options=perfkit.RecordOptions(quiet=True))
    outcome = profile.outcome
    assert (outcome.exit_status, outcome.interrupted, outcome.failed, outcome.status) == (3, False, True, 3)
    assert profile.metadata["exit_code"] == 3  # what README's API section shows keeps working


@pytest.mark.parametrize(
    ("metadata", "status", "failed"),
    [
        ({"exit_code": 0}, 0, False),
        ({"exit_code": 3}, 3, True),
        ({"exit_code": 300}, 255, True),
        ({"exit_code": -9}, 137, True),  # killed by SIGKILL: the shell's 128 + 9
        ({"exit_code": -15, "stopped_by_duration": True}, 0, False),  # perfkit stopped it on duration
        ({"exit_code": 1, "interrupted": True}, EXIT_INTERRUPTED, False),
        ({"exit_code": None}, 0, False),  # attached to a pid: no status of ours
        ({}, 0, False),  # not recorded by perfkit (a loaded file)
    ],
)
def test_outcome_status(metadata: dict[str, object], status: int, failed: bool) -> None:
    outcome = Outcome.from_metadata(metadata)
    assert (outcome.status, outcome.failed) == (status, failed)


def test_outcome_messages_word_options_as_the_caller_does() -> None:
    outcome = Outcome.from_metadata({"ignored_options": ["gil"], "warnings": ["lost 3 samples"]}, empty=True)
    lines = outcome.messages("pyinstrument", lambda name: "--" + name)
    assert lines[:2] == ["--gil is not supported by pyinstrument; it was ignored", "lost 3 samples"]
    assert "raise --rate" in lines[2]
    assert outcome.messages("pyinstrument")[0].startswith("gil is not supported")


def test_the_model_re_exports_the_run_outcome() -> None:
    """perfkit.outcome split from perfkit.model: the old import path gives the same objects."""
    from perfkit import model, outcome

    assert (model.Outcome, model.EXIT_INTERRUPTED, model.command_text) == (
        outcome.Outcome,
        outcome.EXIT_INTERRUPTED,
        outcome.command_text,
    )
    assert {"Outcome", "EXIT_INTERRUPTED", "command_text"} <= set(model.__all__)


# ---------------------------------------------------------------------------- library errors
def test_library_errors_name_parameters(tmp_path: Path) -> None:
    with pytest.raises(ParamError, match=r"^profiler nope: unknown profiler") as caught:
        perfkit.profile(["python", "-c", "pass"], profiler="nope")
    assert caught.value.param == "profiler"
    with pytest.raises(ParamError, match=r"^rtae: not a recording option; use one of: rate, ") as caught:
        perfkit.profile(["python", "-c", "pass"], rtae=10)
    with pytest.raises(ParamError, match=r"pick another output$"):
        perfkit.profile(["python", "-c", "pass"], output=tmp_path / "missing" / "cpu.svg")
    with pytest.raises(ParamError, match=r"^title: not an option of the pprof format; it takes compress, aggregate$"):
        perfkit.profile(["python", "-c", "pass"], output=tmp_path / "cpu.pb.gz", title="T")
    assert not (tmp_path / "cpu.pb.gz").exists()


def test_save_to_a_stream_needs_a_format(tmp_path: Path) -> None:
    from perfkit.api import write_output

    profile = perfkit.load(write_folded(tmp_path))
    sink = io.BytesIO()
    write_output(profile, sink, "folded")
    assert sink.getvalue().endswith(b" 30\n")
    with pytest.raises(ParamError, match=r"^format: name the format"):
        write_output(profile, io.BytesIO())


# ---------------------------------------------------------------------------- CLI
def test_cli_unknown_writer_option_is_one_line_before_recording(tmp_path: Path, python: str) -> None:
    """``--title`` is the CLI's word for the library's ``title``; pprof has none: one line naming
    both, exit 2, and the target never ran."""
    marker = tmp_path / "ran"
    out = tmp_path / "cpu.pb.gz"
    result = run_perfkit("profile", "--title", "T", "-o", out, "--", python, "-c", f"open({str(marker)!r}, 'w')")
    line = assert_one_line_error(result, "--title", "pprof")
    assert result.returncode == 2, line
    assert not marker.exists() and not out.exists()


def test_cli_words_library_parameters_as_flags(tmp_path: Path) -> None:
    src = write_folded(tmp_path)
    line = assert_one_line_error(run_perfkit("convert", src, "-o", tmp_path / "x.out", "--to", "nope"), "--to nope")
    assert "unknown format for writing" in line
    assert "--from nope" in assert_one_line_error(
        run_perfkit("convert", src, "-o", tmp_path / "y.pb.gz", "--from", "nope")
    )
    line = assert_one_line_error(run_perfkit("convert", src, "-o", tmp_path / "no" / "y.pb.gz"))
    assert line.endswith("pick another -o path")


def test_convert_takes_o_like_the_other_commands(tmp_path: Path) -> None:
    src = write_folded(tmp_path)
    result = run_perfkit("convert", src, "-o", tmp_path / "cpu.pb.gz")
    assert result.returncode == 0, result.stderr
    assert perfkit.load(tmp_path / "cpu.pb.gz").total() == 100
    result = run_perfkit("convert", src, "-o", "-", "--to", "folded")  # stdout, as flame -o -
    assert result.returncode == 0 and result.stdout == src.read_text()
    assert_one_line_error(run_perfkit("convert", src, tmp_path / "a.folded", "-o", tmp_path / "b.folded"), "-o")
