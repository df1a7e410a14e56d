"""pprof format: golden bytes, exact round trips, damaged input, and the real ``go tool pprof``
as the reference reader (of our files) and writer (of Go's own CPU and heap profiles)."""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goprofiles import GoProfiles
from perfkit import files
from perfkit.errors import PerfkitError
from perfkit.formats import pprof, pprof_samples
from perfkit.formats import pprof_schema as pb
from perfkit.model import CPU_NS, SAMPLES, Frame, Mapping, NumLabel, Profile, ValueType
from profilegen import canonical, damaged, profiles

GOLDEN = Path(__file__).parent / "golden" / "formats"


def split_profile() -> Profile:
    """70/30 CPU between hot() and cold() under main(), two threads, two sample types."""
    p = Profile(
        [SAMPLES, CPU_NS],
        default_type=1,
        period=10_000_000,
        period_type=CPU_NS,
        metadata={"command": "python cpu_split.py", "backend": "py-spy", "python": "3.11.9", "duration_ns": 10**9},
    )
    main, hot, cold = (
        Frame("main", "cpu_split.py", 30),
        Frame("hot", "cpu_split.py", 11),
        Frame("cold", "cpu_split.py", 18),
    )
    for _ in range(7):
        p.add([main, hot], [1, 10_000_000], {"thread": "MainThread"})
    for _ in range(3):
        p.add([main, cold], [1, 10_000_000], {"thread": "worker"})
    return p


# ---------------------------------------------------------------------------------------- golden
def test_golden_bytes() -> None:
    """The exact serialised message of a small profile (raw .pb, not gzipped, for stable bytes)."""
    data = pprof.write(split_profile(), compress=False)
    golden = GOLDEN / "split.pb"
    if os.environ.get("PERFKIT_REGOLD"):
        golden.write_bytes(data)
    assert data == golden.read_bytes()


def test_golden_text() -> None:
    """A readable dump of the same message, so reviewers see what changed."""
    from google.protobuf import text_format

    text = text_format.MessageToString(pprof.encode(split_profile()))
    golden = GOLDEN / "split.pb.txt"
    if os.environ.get("PERFKIT_REGOLD"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_gzip_is_deterministic() -> None:
    assert pprof.write(split_profile()) == pprof.write(split_profile())
    assert gzip.decompress(pprof.write(split_profile())) == pprof.write(split_profile(), compress=False)


# ---------------------------------------------------------------------------------------- round trips
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(profiles(min_value=-(10**12)))
def test_random_profiles_round_trip_exactly(profile: Profile) -> None:
    back = pprof.decode(pprof.write(profile))
    assert back.sample_types == profile.sample_types
    assert back.default_type == profile.default_type
    assert back.period == profile.period
    assert back.period_type == profile.period_type
    assert canonical(back) == canonical(profile)
    for key in ("command", "backend", "python", "duration_ns", "start_ns"):
        assert back.metadata.get(key) == profile.metadata.get(key)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(profiles())
def test_fast_and_plain_paths_agree(profile: Profile) -> None:
    data = pprof.write(profile, compress=False, aggregate=False)
    assert isinstance(pprof._message(data), pb.RawProfile)  # our own files take the fast path
    fast = pprof._to_profile(pprof._parse(pb.RawProfile(), data))
    plain = pprof._to_profile(pprof._parse(pb.Profile(), data))
    assert list(fast.samples()) == list(plain.samples())
    assert canonical(fast) == canonical(profile)


def test_unpacked_location_ids_fall_back_to_plain_schema() -> None:
    """Go writes stacks of one or two locations unpacked; the column reader and the fast view
    cannot, so they step aside for the plain schema."""
    data = pprof.write(split_profile(), compress=False)
    # Sample{location_id: 1 (varint), location_id: 2 (varint), value: 4, value: 40}, unpacked
    sample = bytes([0x08, 1, 0x08, 2, 0x10, 4, 0x10, 40])
    data += bytes([0x12, len(sample)]) + sample
    with pytest.raises(pprof_samples.Unusual):
        pprof_samples.read_columns(list(pb.RawProfile.FromString(data).sample), 2)
    back = pprof.decode(data)
    assert back.total("cpu") == 100_000_040
    main, hot = Frame("main", "cpu_split.py", 30), Frame("hot", "cpu_split.py", 11)  # locations 2 and 1
    assert canonical(back)[((main, hot), ())] == (4, 40)


def test_files_load_and_save(tmp_path: Path) -> None:
    for name in ("p.pb.gz", "p.pprof", "p.pb"):
        path = files.save(split_profile(), tmp_path / name)
        back = files.load(path)
        assert canonical(back) == canonical(split_profile())
        assert back.metadata["format"] == "pprof"


def test_raw_protobuf_is_sniffed(tmp_path: Path) -> None:
    """A raw (not gzipped) file under an unrelated name is still recognised by content."""
    path = tmp_path / "profile.bin"
    path.write_bytes(pprof.write(split_profile(), compress=False))
    assert pprof.sniff(path.read_bytes()[:4096])
    assert canonical(files.load(path)) == canonical(split_profile())


def test_sniff_rejects_text() -> None:
    assert not pprof.sniff(b"main;hot 7\n")
    assert not pprof.sniff(b'{"$schema": "x"}')
    assert not pprof.sniff(b"\n\n\nmain;hot 3\n")


def test_metadata_comments_and_fields() -> None:
    p = split_profile()
    p.metadata.update(start_ns=1_700_000_000_000_000_000, comments=["free text"], drop_frames="^runtime")
    msg = pb.Profile.FromString(pprof.write(p, compress=False))
    table = msg.string_table
    assert msg.duration_nanos == 10**9 and msg.time_nanos == 1_700_000_000_000_000_000
    assert [table[c] for c in msg.comment] == [
        "command=python cpu_split.py",
        "backend=py-spy",
        "python=3.11.9",
        "free text",
    ]
    assert msg.default_sample_type == 0  # cpu is the last type: pprof's default without saying
    p.default_type = 0
    msg = pb.Profile.FromString(pprof.write(p, compress=False))
    assert msg.string_table[msg.default_sample_type] == "samples"
    assert pprof.decode(pprof.write(p)).default_type == 0
    back = pprof.decode(pprof.write(p))
    assert back.metadata["comments"] == ["free text"]
    assert back.metadata["drop_frames"] == "^runtime"


# ---------------------------------------------------------------------------------------- reading details
def _string_table(*strings: str) -> list[str]:
    return ["", *strings]


def test_inlined_lines_expand_caller_first() -> None:
    """A Location with several Lines: the last Line is the caller, so it comes first (root)."""
    msg = pb.Profile(string_table=_string_table("samples", "count", "inner", "outer", "root", "a.py"))
    msg.sample_type.add(type=1, unit=2)
    msg.function.add(id=1, name=3, system_name=3, filename=6)
    msg.function.add(id=2, name=4, system_name=4, filename=6)
    msg.function.add(id=3, name=5, system_name=5, filename=6)
    msg.location.add(id=10, address=0x40).line.extend([pb.Line(function_id=1, line=3), pb.Line(function_id=2, line=9)])
    msg.location.add(id=11).line.add(function_id=3, line=1)
    msg.sample.add(location_id=[10, 11], value=[5])
    (sample,) = pprof._to_profile(msg).samples()
    assert [f.function for f in sample.stack] == ["root", "outer", "inner"]
    # inner was inlined into outer: both keep the location's address, inner says it was inlined
    assert sample.stack[-1] == Frame("inner", "a.py", 3, address=0x40, inlined=True)
    assert sample.stack[-2] == Frame("outer", "a.py", 9, address=0x40)
    assert sample.stack[0] == Frame("root", "a.py", 1)


def test_unsymbolised_location_is_named_by_address() -> None:
    msg = pb.Profile(string_table=_string_table("samples", "count", "/usr/lib/libc.so.6"))
    msg.sample_type.add(type=1, unit=2)
    msg.mapping.add(id=1, filename=3)
    msg.location.add(id=1, mapping_id=1, address=0x7F00AB)
    msg.sample.add(location_id=[1], value=[2])
    (sample,) = pprof._to_profile(msg).samples()
    libc = Mapping("/usr/lib/libc.so.6")
    assert sample.stack == (Frame("0x7f00ab", "/usr/lib/libc.so.6", 0, address=0x7F00AB, mapping=libc),)


def test_numeric_labels_and_default_type() -> None:
    msg = pb.Profile(string_table=_string_table("alloc", "count", "space", "bytes", "bytes", "thread", "main"))
    msg.sample_type.add(type=1, unit=2)
    msg.sample_type.add(type=3, unit=4)
    s = msg.sample.add(value=[1, 4096])
    s.label.add(key=5, num=4096, num_unit=4)
    s.label.add(key=6, str=7)
    p = pprof._to_profile(msg)
    assert p.default_type == 1  # pprof's rule: the last type when default_sample_type is unset
    assert next(p.samples()).labels == {"bytes": NumLabel(4096, "bytes"), "thread": "main"}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda m: m.sample_type.add(type=99, unit=2), "string"),
        (lambda m: m.sample.add(location_id=[42], value=[1]), "missing location 42"),
        (lambda m: m.sample.add(value=[1, 2, 3]), "3 values"),
        (lambda m: m.location.add(id=3).line.add(function_id=7), "missing function 7"),
        (lambda m: m.location.add(id=3, mapping_id=9), "missing mapping 9"),
        (lambda m: m.ClearField("sample_type"), "no sample_type"),
        (lambda m: m.sample.add(value=[1, 1]).label.add(key=1000), "string 1000"),
    ],
)
def test_bad_references_raise_value_error(mutate, message: str) -> None:
    msg = pprof.encode(split_profile())
    mutate(msg)
    with pytest.raises(ValueError, match=message):
        pprof.decode(msg.SerializeToString())


def test_string_table_must_start_empty() -> None:
    msg = pprof.encode(split_profile())
    msg.string_table[0] = "x"
    with pytest.raises(ValueError, match=r"string_table\[0\]"):
        pprof.decode(msg.SerializeToString())


# ---------------------------------------------------------------------------------------- damaged files
VALID = pprof.write(split_profile())
VALID_RAW = pprof.write(split_profile(), compress=False)


def _load_bytes(tmp_path: Path, data: bytes, name: str = "bad.pb.gz") -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        files.load(path)
    except PerfkitError as exc:
        assert "\n" not in str(exc)
    with contextlib.suppress(ValueError):
        pprof.decode(data)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    base=st.sampled_from([VALID, VALID_RAW]),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_corrupted_input_fails_cleanly(tmp_path: Path, base: bytes, edits, cut) -> None:
    _load_bytes(tmp_path, damaged(base, edits, cut))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300))
def test_random_bytes_fail_cleanly(tmp_path: Path, data: bytes) -> None:
    _load_bytes(tmp_path, b"\n" + data, "junk.pb")
    _load_bytes(tmp_path, data, "junk.pprof")


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(msg_bytes=st.data())
def test_random_wellformed_messages_fail_cleanly(tmp_path: Path, msg_bytes) -> None:
    """Structurally valid protobuf with random ids and indices: only ValueError may escape."""
    ints = st.integers(0, 12)
    msg = pb.Profile(string_table=msg_bytes.draw(st.lists(st.sampled_from(["", "a", "b"]), max_size=5)))
    for _ in range(msg_bytes.draw(st.integers(0, 3))):
        msg.sample_type.add(type=msg_bytes.draw(ints), unit=msg_bytes.draw(ints))
    for _ in range(msg_bytes.draw(st.integers(0, 3))):
        msg.function.add(id=msg_bytes.draw(ints), name=msg_bytes.draw(ints), filename=msg_bytes.draw(ints))
    for _ in range(msg_bytes.draw(st.integers(0, 3))):
        loc = msg.location.add(id=msg_bytes.draw(ints), mapping_id=msg_bytes.draw(ints))
        for _ in range(msg_bytes.draw(st.integers(0, 2))):
            loc.line.add(function_id=msg_bytes.draw(ints))
    for _ in range(msg_bytes.draw(st.integers(0, 3))):
        s = msg.sample.add(
            location_id=msg_bytes.draw(st.lists(ints, max_size=3)),
            value=msg_bytes.draw(st.lists(ints, max_size=3)),
        )
        for _ in range(msg_bytes.draw(st.integers(0, 2))):
            s.label.add(key=msg_bytes.draw(ints), str=msg_bytes.draw(ints), num=msg_bytes.draw(ints))
    msg.default_sample_type = msg_bytes.draw(ints)
    for comment in msg_bytes.draw(st.lists(ints, max_size=2)):
        msg.comment.append(comment)
    _load_bytes(tmp_path, gzip.compress(msg.SerializeToString()))


# ---------------------------------------------------------------------------------------- go tool pprof
_TOP_ROW = re.compile(r"^\s*(-?\d+)[a-zA-Z]*\s+\S+%\s+\S+%\s+(-?\d+)[a-zA-Z]*\s+\S+%\s+(.+?)\s*$")


def go_top(go: str, path: Path, *args: str) -> dict[str, tuple[int, int]]:
    """``go tool pprof -top`` as {function: (flat, cum)} in raw units."""
    out = subprocess.run(
        [go, "tool", "pprof", "-top", "-nodecount=100", "-unit=ns", *args, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "PPROF_TMPDIR": str(path.parent)},
    ).stdout
    rows = {}
    for line in out.splitlines():
        m = _TOP_ROW.match(line)
        if m:
            rows[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return rows


@pytest.mark.gotool
def test_go_tool_pprof_reads_our_totals(go_tool: str, tmp_path: Path) -> None:
    path = files.save(split_profile(), tmp_path / "split.pb.gz")
    rows = go_top(go_tool, path)
    assert rows["hot"] == (70_000_000, 70_000_000)
    assert rows["cold"] == (30_000_000, 30_000_000)
    assert rows["main"] == (0, 100_000_000)
    counts = go_top(go_tool, path, "-sample_index=samples")
    assert counts["hot"][0] == 7 and counts["cold"][0] == 3
    worker = go_top(go_tool, path, "-tagfocus=thread=worker")
    assert worker["main"][1] == 30_000_000 and "hot" not in worker


@pytest.mark.gotool
def test_go_tool_pprof_traces_show_our_stacks(go_tool: str, tmp_path: Path) -> None:
    """Stacks, file:line and labels, as go tool pprof prints them with -traces."""
    path = files.save(split_profile(), tmp_path / "split.pb.gz")
    out = subprocess.run(
        [go_tool, "tool", "pprof", "-traces", "-lines", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"thread:\s+MainThread\n\s+70ms\s+hot cpu_split.py:11\n\s+main cpu_split.py:30\n", out), out
    assert re.search(r"thread:\s+worker\n\s+30ms\s+cold cpu_split.py:18\n\s+main cpu_split.py:30\n", out), out
    assert "command=python cpu_split.py" in out


def _flat_share(profile: Profile, sample_type: str, *names: str) -> dict[str, float]:
    """Share of the total whose stacks pass through each named function (cumulative)."""
    t = profile.type_index(sample_type)
    total = profile.total(t)
    out = {}
    for name in names:
        ids = {i for i, f in enumerate(profile.frames) if f.function == name}
        out[name] = sum(v for s, v in profile.stack_totals(t).items() if ids.intersection(s)) / total
    return out


@pytest.mark.gotool
def test_reads_go_cpu_profile(go_profiles: GoProfiles, go_tool: str) -> None:
    cpu = go_profiles.cpu
    profile = files.load(cpu)
    assert [str(t) for t in profile.sample_types] == ["samples/count", "cpu/nanoseconds"]
    assert profile.period_type == ValueType("cpu", "nanoseconds") and profile.period > 0
    assert profile.metadata["duration_ns"] > 10**9
    shares = _flat_share(profile, "cpu", "main.hot", "main.cold")
    # 7:3 calls of the same loop; CPU measurement on a shared 2-core machine is noisy
    assert 0.55 < shares["main.hot"] < 0.85, shares
    assert 0.15 < shares["main.cold"] < 0.45, shares
    spin = next(f for f in profile.frames if f.function == "main.spin")
    assert spin.file.endswith("main.go") and spin.line > 0
    # and our totals agree with go tool pprof's, function by function
    go_rows = go_top(go_tool, cpu)
    ours = _flat_share(profile, "cpu", "main.hot")["main.hot"] * profile.total("cpu")
    assert go_rows["main.hot"][1] == round(ours)


@pytest.mark.gotool
def test_reads_go_heap_profile(go_profiles: GoProfiles, tmp_path: Path, go_tool: str) -> None:
    heap = go_profiles.heap
    profile = files.load(heap)
    assert [t.type for t in profile.sample_types] == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"]
    shares = _flat_share(profile, "alloc_space", "main.allocateBig", "main.allocateSmall")
    big, small = shares["main.allocateBig"], shares["main.allocateSmall"]
    assert abs(big / (big + small) - 0.8) < 0.02, shares
    assert any(k == "bytes" for ls in profile.labelsets for k, _ in ls)  # Go's numeric size labels
    # what we read, we write back so that go tool pprof reports the same
    again = files.save(profile, tmp_path / "heap-again.pb.gz")
    want = go_top(go_tool, heap, "-sample_index=alloc_space")
    got = go_top(go_tool, again, "-sample_index=alloc_space")
    assert got["main.allocateBig"] == want["main.allocateBig"]
    assert got["main.allocateSmall"] == want["main.allocateSmall"]
