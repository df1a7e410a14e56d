"""The pyinstrument reader: golden inputs (hand-made 5.x/4.x sessions and a -r json tree, plus files
written by the real pyinstrument 5.1.3), real pyinstrument output read fresh, and corrupted input.

Expected parses live in tests/golden/pyinstrument/*.expected; after an intended change regenerate
them with ``PERFKIT_UPDATE_GOLDEN=1 pytest tests/test_pyinstrument_json.py`` and review the diff.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit import files
from perfkit.errors import PerfkitError
from perfkit.formats import pyinstrument_json as pj
from perfkit.model import Profile

GOLDEN = Path(__file__).parent / "golden" / "pyinstrument"
INPUTS = sorted(p for p in GOLDEN.iterdir() if p.suffix in (".pyisession", ".json"))


def dump(profile: Profile) -> str:
    """A stable text picture of a parsed profile: types, period, one line per (thread, stack)."""
    rows = []
    for sample in profile.aggregate().samples():
        stack = ";".join(frame.label() for frame in sample.stack)
        values = " ".join(map(str, sample.values))
        rows.append(f"{sample.labels.get('thread', '-')} | {stack} | {values}")
    head = f"types: {', '.join(map(str, profile.sample_types))}\nperiod: {profile.period} {profile.period_type}\n"
    return head + "\n".join(sorted(rows)) + "\n"


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: p.name)
def test_golden(source: Path) -> None:
    expected = source.with_name(source.name + ".expected")
    got = dump(pj.read(source))
    if os.environ.get("PERFKIT_UPDATE_GOLDEN"):
        expected.write_text(got)
    assert expected.exists(), f"missing golden file {expected}; run with PERFKIT_UPDATE_GOLDEN=1"
    assert got == expected.read_text()


def test_golden_inputs_cover_every_shape() -> None:
    names = {p.name for p in INPUTS}
    assert {"small.pyisession", "v4.pyisession", "report.json"} <= names
    assert any(n.startswith("pyinstrument-") and n.endswith(".pyisession") for n in names)
    assert any(n.startswith("pyinstrument-") and n.endswith(".json") for n in names)


def test_session_details() -> None:
    profile = pj.read(GOLDEN / "small.pyisession")
    assert [str(t) for t in profile.sample_types] == ["wall/nanoseconds", "samples/count"]
    assert profile.total("wall") == 25_000_000  # the records' times, in ns
    assert profile.total("samples") == 6
    assert profile.label_values("thread") == ["MainThread", "worker"]
    functions = {f.function for f in profile.frames}
    assert "Store.save" in functions  # class attribute joined like py-spy's qualified names
    assert "[await]" in functions  # async waiting is kept as a leaf
    assert not any(f.file == "<thread>" for f in profile.frames)  # the thread is a label, not a frame
    assert "run" not in functions  # frames that called profiler.start() are trimmed
    assert profile.metadata["start_ns"] == 1_700_000_000_250_000_000
    assert profile.metadata["target_description"] == "Program: main.py"


def test_tree_self_time_not_counted_twice() -> None:
    profile = pj.read(GOLDEN / "report.json")
    assert profile.total() == 20_000_000  # == root time: [self] children are not added on top


def test_sniff() -> None:
    for source in INPUTS:
        assert pj.sniff(source.read_bytes()[:4096]), source.name
    assert not pj.sniff(b'{"$schema": "https://www.speedscope.app/file-format-schema.json", "profiles": []}')
    assert not pj.sniff(b"main;hot 12\n")
    assert not pj.sniff(b"\x1f\x8b\x08\x00")


def test_files_load_picks_this_reader(tmp_path: Path) -> None:
    copy = tmp_path / "profile.json"  # by content, not extension
    copy.write_bytes((GOLDEN / "pyinstrument-5.1.3.json").read_bytes())
    assert files.load(copy).metadata["format"] == "pyinstrument"
    assert files.load(GOLDEN / "small.pyisession").metadata["pyinstrument_file"] == "session"


@pytest.mark.slow
@pytest.mark.parametrize("renderer", ["session", "json"])
def test_real_pyinstrument_output(renderer: str, tmp_path: Path, programs: Path, python: str) -> None:
    """What `pyinstrument -r session|json` writes today reads back with the 70/30 split."""
    out = tmp_path / f"out.{'pyisession' if renderer == 'session' else 'json'}"
    cmd = [python, "-m", "pyinstrument", "-i", "0.001", "-r", renderer, "-o", str(out)]
    subprocess.run([*cmd, str(programs / "cpu_split.py"), "2"], check=True, capture_output=True)
    profile = files.load(out)
    hot = profile.filter(focus="^hot$").total()
    cold = profile.filter(focus="^cold$").total()
    assert abs(hot / (hot + cold) - 0.70) < 0.07, (hot, cold)
    assert not any("pyinstrument" in f.file or "runpy" in f.file for f in profile.frames)


def test_in_memory_session_with_tuples() -> None:
    """Profiler.last_session.to_json() holds tuples, not lists; profile_callable relies on it."""
    doc = json.loads((GOLDEN / "small.pyisession").read_text())
    doc["frame_records"] = [(tuple(stack), t) for stack, t in doc["frame_records"]]
    assert dump(pj.from_dict(doc)) == dump(pj.read(GOLDEN / "small.pyisession"))


# ------------------------------------------------------------------ corrupted input
def _only_clean_errors(data: bytes) -> None:
    """Parsing either works or raises ValueError; any other exception fails the test."""
    with contextlib.suppress(ValueError):
        pj.parse(data)


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000), source=st.sampled_from(INPUTS))
def test_truncated(cut: int, source: Path) -> None:
    data = source.read_bytes()
    _only_clean_errors(data[: cut % (len(data) + 1)])


@settings(max_examples=300, deadline=None)
@given(
    source=st.sampled_from(INPUTS),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8),
)
def test_flipped_bytes(source: Path, edits: list[tuple[int, int]]) -> None:
    data = bytearray(source.read_bytes())
    for position, value in edits:
        data[position % len(data)] = value
    _only_clean_errors(bytes(data))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30,
)
frame_infos = st.lists(
    st.sampled_from(["a", "\x00", "\x01", "l", "c", "3", "<thread>", "[await]", "[self]", "x", "\u00b2"]), max_size=8
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    doc=st.fixed_dictionaries(
        {},
        optional={
            "frame_records": st.lists(
                st.one_of(json_values, st.tuples(st.lists(frame_infos, max_size=5), json_values).map(list)),
                max_size=5,
            ),
            "root_frame": json_values,
            "start_call_stack": st.one_of(json_values, st.lists(frame_infos, max_size=4)),
            "min_interval": json_values,
            "start_time": json_values,
            "duration": json_values,
            "sample_count": json_values,
            "cpu_time": json_values,
            "target_description": json_values,
        },
    )
)
def test_wrong_shapes(doc: dict) -> None:
    _only_clean_errors(json.dumps(doc).encode())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_files_load_gives_one_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "junk.pyisession"
    path.write_bytes(data)
    try:
        files.load(path, format="pyinstrument")
    except PerfkitError as exc:
        assert "\n" not in str(exc)


def test_deep_nesting_is_a_value_error() -> None:
    deep = '{"start_time": 0, "duration": 0, "sample_count": 0, "root_frame": ' + "[" * 200_000 + "]" * 200_000 + "}"
    with pytest.raises(ValueError):
        pj.parse(deep)


def test_module_is_registered() -> None:
    assert "perfkit.formats.pyinstrument_json" in files.READERS
    assert sys.modules["perfkit.formats.pyinstrument_json"].NAME == "pyinstrument"
