"""Folded stacks: frame-name dialects, line-numbered errors, golden output, damaged input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit import files
from perfkit.errors import PerfkitError
from perfkit.formats import folded
from perfkit.formats.framenames import format_frame, parse_frame
from perfkit.model import Frame, Profile, ValueType
from profilegen import damaged, frames_st, profiles, totals

GOLDEN = Path(__file__).parent / "golden" / "formats"


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ("hot (cpu_split.py:11)", Frame("hot", "cpu_split.py", 11)),  # py-spy
        ("<module> (/srv/app/main.py:3)", Frame("<module>", "/srv/app/main.py", 3)),
        ("run (threading.py)", Frame("run", "threading.py", 0)),  # py-spy without line
        ("cpu_split.py:hot:11", Frame("hot", "cpu_split.py", 11)),  # Austin
        ("pkg3/mod7.py:func_9:120", Frame("func_9", "pkg3/mod7.py", 120)),  # perfkit's bench input
        ("main", Frame("main")),  # plain
        ("std::vector<int>::push_back", Frame("std::vector<int>::push_back")),  # C++ stays whole
        ("[unknown]", Frame("[unknown]")),
        ("wrapper (x) tail", Frame("wrapper (x) tail")),  # parentheses not at the end
    ],
)
def test_frame_dialects(text: str, frame: Frame) -> None:
    assert parse_frame(text) == frame


@settings(deadline=None, suppress_health_check=list(HealthCheck))
@given(frames_st)
def test_format_frame_reads_back(frame: Frame) -> None:
    assert parse_frame(format_frame(frame)) == frame


def test_parse_counts_comments_and_blank_lines() -> None:
    p = folded.parse("# comment\n\nmain;hot (a.py:1) 7\nmain;cold 3\nmain;hot (a.py:1) 2\n")
    assert totals(p) == {(Frame("main"), Frame("hot", "a.py", 1)): 9, (Frame("main"), Frame("cold")): 3}
    assert len(p) == 3 and p.metadata["format"] == "folded"


def test_spaces_inside_frames_and_float_counts() -> None:
    p = folded.parse("main;handle request (app.py:5) 2.6\n")
    assert totals(p) == {(Frame("main"), Frame("handle request", "app.py", 5)): 3}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("main;hot 1\nmain;hot\n", "line 2: no sample count"),
        ("main;hot 1\n\nmain;hot x\n", "line 3: sample count 'x' is not a number"),
        ("main;hot -4\n", "line 1: negative sample count -4"),
        ("main inf\n", "line 1: sample count 'inf' is not a number"),
        ("main nan\n", "line 1: sample count 'nan' is not a number"),
        ("main 99999999999999999999\n", "line 1: sample count 99999999999999999999 does not fit in 64 bits"),
    ],
)
def test_bad_lines_name_their_line_number(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        folded.parse(text)


def test_bad_file_via_load_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.folded"
    path.write_text("main;hot 1\nmain;hot oops\n")
    with pytest.raises(PerfkitError, match=r"bad.folded: not a valid folded file \(line 2: sample count 'oops'"):
        files.load(path)


def test_golden_output() -> None:
    p = Profile()
    p.add([Frame("main", "app.py", 1), Frame("hot", "app.py", 10)], 7)
    p.add([Frame("main", "app.py", 1), Frame("a;b")], 2)  # ';' cannot appear inside a frame
    p.add([Frame("main", "app.py", 1), Frame("cold", "lib.py")], 3)
    p.add([Frame("main", "app.py", 1), Frame("hot", "app.py", 10)], 1)
    p.add([], 4)  # an empty stack is a bare count line
    p.add([Frame("idle")], 0)  # nor has a zero total
    text = folded.write(p)
    golden = GOLDEN / "small.folded"
    if os.environ.get("PERFKIT_REGOLD"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_write_picks_sample_type() -> None:
    p = Profile([ValueType("samples", "count"), ValueType("cpu", "nanoseconds")], default_type=1)
    p.add([Frame("main"), Frame("hot")], [7, 70])
    assert folded.write(p) == "main;hot 70\n"
    assert folded.write(p, sample_type="samples") == "main;hot 7\n"


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(profiles(max_types=1))
def test_write_then_parse_keeps_totals(profile: Profile) -> None:
    assert totals(folded.parse(folded.write(profile))) == totals(profile)


def test_sniff() -> None:
    assert folded.sniff(b"main;hot 7\nmain;cold 3\n")
    assert folded.sniff(b"\n\nmain 1\nmain;x 2")
    assert not folded.sniff(b'{"a": 1}')
    assert not folded.sniff(b"\x1f\x8b\x08\x00")
    assert not folded.sniff(b"main;hot seven\n")


VALID = b"main (app.py:1);hot (app.py:10) 7\nmain (app.py:1);cold (lib.py:3) 3\napp.py:f:2;g 11\n"


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    edits=st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.one_of(st.none(), st.integers(0, 1000)),
)
def test_corrupted_input_fails_cleanly(tmp_path: Path, edits, cut) -> None:
    path = tmp_path / "bad.folded"
    path.write_bytes(damaged(VALID, edits, cut))
    try:
        files.load(path, format="folded")
    except PerfkitError as exc:
        assert "\n" not in str(exc)


@settings(deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=200))
def test_random_text_parses_or_raises_value_error(text: str) -> None:
    try:
        profile = folded.parse(text)
    except ValueError:
        return
    assert all(v >= 0 for v in profile.values[0])


def test_bare_count_line_is_an_empty_stack() -> None:
    """py-spy writes ` N` for samples without Python frames: keep them, totals stay exact."""
    p = folded.parse("a;b 2\n   7\n")
    assert p.total() == 9
    assert p.stack_totals()[()] == 7
    assert folded.parse(folded.write(p)).stack_totals() == p.stack_totals()


# ---------------------------------------------------------------------------------------- difffolded
DIFF = "main;hot 10 5\nmain;cold 0 3\n# a comment\nmain;hot 2 1\nmain;gone 4 0\n"


def test_difffolded_reads_as_base_and_new() -> None:
    p = folded.parse(DIFF)
    assert [str(t) for t in p.sample_types] == ["base/count", "samples/count"] and p.default_type == 1
    main, hot, cold, gone = Frame("main"), Frame("hot"), Frame("cold"), Frame("gone")
    assert totals(p, "base") == {(main, hot): 12, (main, gone): 4}
    assert totals(p, "samples") == {(main, hot): 6, (main, cold): 3}
    new, base = folded.diff_pair(p)
    assert new.sample_types == base.sample_types == [ValueType("samples", "count")]
    assert totals(new) == totals(p, "samples") and totals(base) == totals(p, "base")
    assert totals(new.diff(base)) == {(main, hot): -6, (main, cold): 3, (main, gone): -4}
    assert folded.diff_pair(folded.parse("main;hot 10\n")) is None


def test_difffolded_writes_back_as_difffolded() -> None:
    p = folded.parse(DIFF)
    assert folded.write(p) == "main;cold 0 3\nmain;gone 4 0\nmain;hot 12 6\n"
    assert folded.write(p, sample_type="base") == "main;gone 4\nmain;hot 12\n"
    assert totals(folded.parse(folded.write(p)), "base") == totals(p, "base")


def test_one_count_after_two_is_an_error_naming_the_line() -> None:
    with pytest.raises(ValueError, match="line 2: one sample count, but this file is difffolded"):
        folded.parse("a;b 1 2\na;c 3\n")
    with pytest.raises(ValueError, match="line 1: negative sample count -1"):
        folded.parse("a;b -1 2\n")


def test_a_frame_named_like_a_number_is_still_one_count() -> None:
    """Only a stack before the two counts makes a line difffolded: ``7 3`` is frame 7, count 3."""
    p = folded.parse("7 3\n")
    assert p.sample_types == [ValueType("samples", "count")] and totals(p) == {(Frame("7"),): 3}


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    edits=st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.one_of(st.none(), st.integers(0, 1000)),
)
def test_corrupted_difffolded_fails_cleanly(tmp_path: Path, edits, cut) -> None:
    path = tmp_path / "bad.folded"
    path.write_bytes(damaged(DIFF.encode(), edits, cut))
    try:
        p = files.load(path, format="folded")
    except PerfkitError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(v >= 0 for col in p.values for v in col)
