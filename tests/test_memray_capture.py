"""The memray capture reader, on real captures made by ``memray run`` here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit import files
from perfkit.errors import PerfkitError
from perfkit.formats import memray_capture
from perfkit.model import Profile

MB = 1024 * 1024


def _capture(tmp: Path, program: Path, name: str, *extra: str) -> Path:
    out = tmp / name
    subprocess.run(
        [
            sys.executable,
            "-m",
            "memray",
            "run",
            "-q",
            "-f",
            "--trace-python-allocators",
            *extra,
            "-o",
            str(out),
            str(program),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real capture of alloc_split.py per memray file flavour."""
    tmp = tmp_path_factory.mktemp("memray")
    program = Path(__file__).parent / "programs" / "alloc_split.py"
    return {
        "compressed": _capture(tmp, program, "compressed.bin"),
        "raw": _capture(tmp, program, "raw.memray", "--no-compress"),
        "aggregated": _capture(tmp, program, "aggregated.bin", "--aggregate"),
    }


def _function_share(profile: Profile, name: str, sample_type: str) -> int:
    """Inclusive value of stacks that pass through function ``name``."""
    total = 0
    for stack, value in profile.iter_stacks(sample_type):
        if any(profile.frames[f].function == name for f in stack):
            total += value
    return total


def test_sniff_accepts_both_capture_flavours_and_nothing_else(captures: dict[str, Path]) -> None:
    for path in captures.values():
        assert memray_capture.sniff(path.read_bytes()[:4096]), path
    assert not memray_capture.sniff(b'{"files": {}}')
    assert not memray_capture.sniff(b"main;f 1\n")
    assert not memray_capture.sniff(b"\x04\x22\x4d\x18" + b"\0" * 60)  # an LZ4 frame of something else


@pytest.mark.parametrize("flavour", ["compressed", "raw"])
def test_full_capture_splits_80_20_and_totals_100_mb(captures: dict[str, Path], flavour: str) -> None:
    profile = memray_capture.read(captures[flavour])
    assert [str(t) for t in profile.sample_types] == [
        "alloc_space/bytes",
        "alloc_objects/count",
        "inuse_space/bytes",
        "inuse_objects/count",
    ]
    assert profile.default_type == 0
    # alloc_split.py makes 100 one-MB buffers; memray sees each once (no copies)
    assert 100 * MB <= profile.total("alloc_space") < 104 * MB
    big = _function_share(profile, "allocate_big", "alloc_space")
    small = _function_share(profile, "allocate_small", "alloc_space")
    assert abs(big / (big + small) - 0.80) < 0.01
    # at the high-water mark only allocate_big's 80 buffers are alive
    assert 80 * MB <= profile.total("inuse_space") < 82 * MB
    assert _function_share(profile, "allocate_big", "inuse_space") >= 80 * MB
    assert profile.total("alloc_objects") > 100
    assert profile.label_values("thread") == ["MainThread"]
    meta = profile.metadata
    assert meta["backend"] == "memray" and meta["trace_python_allocators"] is True
    assert meta["peak_memory_bytes"] >= 80 * MB
    assert 0 < meta["duration_ns"] < 60 * 10**9 and meta["start_ns"] > 1.6e18
    assert "alloc_split.py" in meta["command"]


def test_launcher_frames_are_dropped(captures: dict[str, Path]) -> None:
    profile = memray_capture.read(captures["raw"])
    for stack, _ in profile.iter_stacks():
        frames = [profile.frames[f] for f in stack]
        if any(f.function == "allocate_big" for f in frames):
            assert frames[0].function == "<module>" and frames[0].file.endswith("alloc_split.py")
            assert [f.function for f in frames[:3]] == ["<module>", "main", "allocate_big"]


def test_aggregated_capture_has_only_inuse(captures: dict[str, Path]) -> None:
    profile = memray_capture.read(captures["aggregated"])
    assert [str(t) for t in profile.sample_types] == ["inuse_space/bytes", "inuse_objects/count"]
    assert 80 * MB <= profile.total() < 82 * MB
    assert profile.metadata["memray_file_format"] == "AGGREGATED_ALLOCATIONS"


def test_load_detects_the_format_by_content(captures: dict[str, Path], tmp_path: Path) -> None:
    renamed = tmp_path / "capture.data"
    renamed.write_bytes(captures["compressed"].read_bytes())
    profile = files.load(renamed)
    assert profile.metadata["format"] == "memray"


def test_not_a_capture_is_a_value_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"hello world, not memray")
    with pytest.raises(ValueError, match="no memray header"):
        memray_capture.read(bad)
    with pytest.raises(PerfkitError) as err:
        files.load(bad, format="memray")
    assert "x.bin" in str(err.value) and "\n" not in str(err.value)


def test_truncated_capture_is_rejected_unless_partial_is_allowed(captures: dict[str, Path], tmp_path: Path) -> None:
    """A cut that happens to fall between two records reads cleanly (memray keeps no record
    count to check against), so several cuts are tried: most must be rejected, all must read
    as partial captures with less data."""
    data = captures["raw"].read_bytes()
    full = memray_capture.read(captures["raw"]).total("alloc_space")
    rejected = 0
    for fraction in (0.4, 0.5, 0.6, 0.67, 0.75, 0.8, 0.9):
        cut = tmp_path / "cut.bin"
        cut.write_bytes(data[: int(len(data) * fraction)])
        try:
            memray_capture.read(cut)
        except ValueError as exc:
            assert re.search(r"truncated or corrupted|cannot read", str(exc))
            rejected += 1
        partial = memray_capture.read(cut, allow_partial=True)
        assert 0 < partial.total("alloc_space") <= full
    assert rejected >= 4


def test_a_crashing_reader_becomes_a_value_error() -> None:
    """memray's C++ reader aborts on some corrupted files (seen fuzzing): a signal exit is one line."""
    with pytest.raises(ValueError, match="crashed \\(signal 6\\)"):
        memray_capture._build(-6, b"", "munmap_chunk(): invalid pointer\n", False)
    with pytest.raises(ValueError, match="cannot read it: RuntimeError: boom"):
        memray_capture._build(3, b'{"error": "RuntimeError: boom"}', "", False)
    with pytest.raises(ValueError, match="cannot read it \\(Traceback"):
        memray_capture._build(1, b"", "Traceback (most recent call last):\n", False)


def test_reader_missing_memray_is_one_line(tmp_path: Path, captures: dict[str, Path]) -> None:
    """A worker interpreter without memray (here: -I -S, no site-packages) says how to fix it."""
    wrapper = tmp_path / "bare-python"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    wrapper.chmod(0o755)
    with pytest.raises(ValueError, match="pip install memray"):
        memray_capture.read(captures["raw"], python=str(wrapper))


@st.composite
def _corruptions(draw: st.DrawFn) -> tuple[str, str, list[tuple[float, int]], float]:
    flavour = draw(st.sampled_from(["raw", "compressed"]))
    mode = draw(st.sampled_from(["overwrite", "truncate", "both"]))
    edits = draw(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=30))
    cut = draw(st.floats(0, 1, exclude_max=True))
    return flavour, mode, edits, cut


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_corruptions())
def test_corrupted_captures_read_cleanly_or_raise_value_error(
    captures: dict[str, Path], tmp_path: Path, case: tuple[str, str, list[tuple[float, int]], float]
) -> None:
    flavour, mode, edits, cut = case
    data = bytearray(captures[flavour].read_bytes())
    if mode in ("overwrite", "both"):
        for where, byte in edits:
            data[int(where * len(data))] = byte
    if mode in ("truncate", "both"):
        data = data[: int(cut * len(data))]
    path = tmp_path / "fuzzed.bin"
    path.write_bytes(bytes(data))
    try:
        profile = memray_capture.read(path)
    except ValueError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(profile, Profile)
    assert all(v >= 0 for column in profile.values for v in column)
