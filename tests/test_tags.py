"""pprof's tag filters and tag report (perfkit.tags), with ``go tool pprof`` as the reference on
profiles written by the Go runtime (CPU with pprof labels, heap with numeric ``bytes`` labels)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goprofiles import GoProfiles
from perfkit import files, tags
from perfkit.errors import PerfkitError
from perfkit.model import SAMPLES, Frame, NumLabel, Profile, ValueType
from pprofraw import parse_raw, raw_text

SPACE = ValueType("alloc_space", "bytes")


def sized() -> Profile:
    """Allocations of 32 B, 1 kB, 64 kB and 2 MB, with handler labels and one sample with none."""
    p = Profile([SPACE])
    f = Frame("alloc")
    p.add([f], 32, {"bytes": 32, "handler": "hot"})
    p.add([f], 1024, {"bytes": NumLabel(1024), "handler": "cold"})
    p.add([f], 65536, {"bytes": NumLabel(65536), "handler": "hot-path"})
    p.add([f], 2 << 20, {"bytes": NumLabel(2 << 20), "handler": "hot"})
    p.add([f], 7)
    return p


@pytest.mark.parametrize(
    ("focus", "ignore", "total"),
    [
        ("bytes=1kb:", None, 1024 + 65536 + (2 << 20)),
        ("bytes=:1kb", None, 32 + 1024),
        ("bytes=1kb:64kb", None, 1024 + 65536),
        ("bytes=64kb", None, 65536),
        ("bytes=1mb:3mb", None, 2 << 20),
        ("bytes=:64", None, 32),  # a bare number is in the label's unit (pprof: no match)
        ("bytes=64:", None, 1024 + 65536 + (2 << 20)),
        ("2mb", None, 2 << 20),  # any numeric label
        ("handler=hot", None, 32 + 65536 + (2 << 20)),  # regexes search
        ("handler=^hot$", None, 32 + (2 << 20)),
        ("handler=cold,path", None, 1024 + 65536),  # one of several
        ("hot", None, 32 + 65536 + (2 << 20)),  # without a key: key:value
        ("handler:cold", None, 1024),
        (None, "handler=hot", 1024 + 7),
        ("bytes=1kb:", "handler=cold", 65536 + (2 << 20)),
        ("handler=nobody", None, 0),
        ("bytes=hot", None, 0),  # a regex never matches a numeric label
        ("handler=1kb:", None, 0),  # nor a range a string label
        ("bytes=1kb:2ms", None, 0),  # units of two kinds: a regex, as in pprof
    ],
)
def test_filters(focus: str | None, ignore: str | None, total: int) -> None:
    assert tags.filter_tags(sized(), focus, ignore).total() == total


def test_no_filter_is_the_same_profile() -> None:
    p = sized()
    assert tags.filter_tags(p) is p


def test_bad_regex_is_one_line_naming_the_option() -> None:
    with pytest.raises(PerfkitError, match=r"--tagignore 'handler=\(': not a valid regular expression"):
        tags.filter_tags(sized(), None, "handler=(", options=("--tagfocus", "--tagignore"))


def test_units_follow_pprof() -> None:
    """One unit per key, the first seen: pprof reads the 7 "seconds" as 7 ms too (and warns)."""
    p = Profile([SAMPLES])
    p.add([Frame("a")], 1, {"request": 10, "wait": NumLabel(5, "ms"), "n": 3})
    p.add([Frame("a")], 2, {"wait": NumLabel(7, "seconds")})
    assert tags.label_units(p) == {"request": "bytes", "wait": "ms", "n": "n"}
    assert tags.filter_tags(p, "wait=6s:").total() == 0
    assert tags.filter_tags(p, "wait=:10ms").total() == 3
    assert tags.filter_tags(p, "request=10b").total() == 1


@pytest.mark.parametrize(
    ("value", "unit", "to", "want"),
    [
        (1536, "bytes", "minimum", (1.5, "kB")),
        (3 * 2**30, "b", "auto", (3.0, "GB")),
        (0, "bytes", "minimum", (0.0, "B")),
        (1500, "ms", "s", (1.5, "s")),
        (90, "minutes", "s", (90.0, "s")),  # not a unit pprof knows
        (7, "count", "minimum", (7.0, "")),
        (-2048, "kilobytes", "mb", (-2.0, "MB")),
        (5, "nanoseconds", "kb", (5e-9, "s")),  # another family: its default unit
    ],
)
def test_scale(value: int, unit: str, to: str, want: tuple[float, str]) -> None:
    got = tags.scale(value, unit, to)
    assert got[1] == want[1] and got[0] == pytest.approx(want[0])


#: go tool pprof -tags of sized() written as pprof (see test_tag_report_is_go_tool_pprofs)
SIZED_TAGS = """\
 bytes: Total 2.1MB
         2.0MB (96.92%): 2MB
        64.0kB ( 3.03%): 64kB
         1.0kB (0.047%): 1kB
        32.0B (0.0015%): 32B

 handler: Total 2.1MB
           2.0MB (96.92%): hot
          64.0kB ( 3.03%): hot-path
           1.0kB (0.047%): cold

"""


def test_tag_report() -> None:
    assert tags.tag_report(sized()) == SIZED_TAGS
    assert tags.tag_report(Profile()) == ""


labelsets = st.lists(
    st.tuples(
        st.sampled_from(["bytes", "handler", "k"]),
        st.one_of(st.text(max_size=4), st.integers(-(2**40), 2**40).map(NumLabel)),
    ),
    max_size=4,
)
filter_texts = st.one_of(
    st.text(max_size=12),
    st.builds(
        lambda k, a, u, b, v: f"{k}{a}{u}:{b}{v}",
        st.sampled_from(["", "bytes=", "k="]),
        st.sampled_from(["", "1", "-5", "64"]),
        st.sampled_from(["", "kb", "ms", "x"]),
        st.sampled_from(["", "2", "9"]),
        st.sampled_from(["", "mb", "s"]),
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(labelsets, max_size=6), filter_texts, st.one_of(st.none(), filter_texts))
def test_any_filter_text_filters_or_fails_in_one_line(sets, focus: str, ignore: str | None) -> None:
    """Random filter text over random labels: a subset of the samples, or one PerfkitError line."""
    p = Profile([SAMPLES])
    for labels in sets:
        p.add([Frame("f")], 1, labels)
    try:
        out = tags.filter_tags(p, focus, ignore)
    except PerfkitError as exc:
        assert "\n" not in str(exc)
        return
    assert 0 <= out.total() <= p.total()
    tags.tag_report(out)


# ---------------------------------------------------------------------------------------- go tool pprof
def _go(go: str, *args: str) -> str:
    return subprocess.run(
        [go, "tool", "pprof", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "PPROF_BINARY_PATH": "/nonexistent"},
    ).stdout


def _go_total(go: str, path: Path, index: int, *args: str) -> int:
    raw = parse_raw(raw_text(go, path, *args))
    return sum(values[index] * n for (values, _, _), n in raw.samples.items())


@pytest.mark.gotool
@pytest.mark.parametrize("focus", ["bytes=1kb:", "bytes=1mb:2mb", "bytes=:1kb", "bytes=2304b", "bytes=4kb:64kb", "1mb"])
def test_tagfocus_agrees_with_go_tool_pprof(go_profiles: GoProfiles, go_tool: str, focus: str) -> None:
    heap = files.load(go_profiles.heap)
    space = heap.type_index("alloc_space")
    ours = tags.filter_tags(heap, focus).total(space)
    assert ours == _go_total(go_tool, go_profiles.heap, space, f"-tagfocus={focus}")
    ignored = tags.filter_tags(heap, None, focus).total(space)
    assert ignored == _go_total(go_tool, go_profiles.heap, space, f"-tagignore={focus}")
    assert 0 < ours < heap.total(space) or focus == "1mb"


@pytest.mark.gotool
def test_string_labels_agree_with_go_tool_pprof(go_profiles: GoProfiles, go_tool: str) -> None:
    cpu = files.load(go_profiles.cpu)
    index = cpu.type_index("cpu")
    for flag, focus, ignore in (
        ("-tagfocus", "handler=hot", None),
        ("-tagignore", None, "handler=hot"),
        ("-tagfocus", "cold", None),
    ):
        ours = tags.filter_tags(cpu, focus, ignore).total(index)
        assert ours == _go_total(go_tool, go_profiles.cpu, index, f"{flag}={focus or ignore}")
        assert 0 < ours < cpu.total(index)


@pytest.mark.gotool
def test_tag_report_is_go_tool_pprofs(go_profiles: GoProfiles, go_tool: str, tmp_path: Path) -> None:
    """Same text as ``go tool pprof -tags``, on Go's own files and on perfkit's rewrite of them."""
    for path in (go_profiles.heap, go_profiles.cpu):
        profile = files.load(path)
        assert tags.tag_report(profile) == _go(go_tool, "-tags", str(path))
        again = files.save(profile, tmp_path / path.name)
        assert _go(go_tool, "-tags", str(again)) == _go(go_tool, "-tags", str(path))
    assert _go(go_tool, "-tags", str(files.save(sized(), tmp_path / "sized.pb.gz"))) == SIZED_TAGS
    heap = files.load(go_profiles.heap)
    assert tags.tag_report(heap, "alloc_objects") == _go(
        go_tool, "-tags", "-sample_index=alloc_objects", str(go_profiles.heap)
    )
