"""What pprof users rely on beyond stacks and values: mappings, addresses, build ids, start lines,
system names and inlined lines survive a round trip; numeric labels keep their numbers and units;
drop_frames/keep_frames cut frames as pprof does; raw (uncompressed) files are recognised by
content; legacy formats get a conversion hint.  ``go tool pprof`` is the reference throughout:
``-raw`` shows what it read, before and after perfkit rewrote a file."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goprofiles import GoProfiles
from perfkit import files
from perfkit.errors import PerfkitError
from perfkit.formats import pprof
from perfkit.formats import pprof_schema as pb
from perfkit.formats.pprof_legacy import legacy_kind
from perfkit.formats.pprof_prune import simplify
from perfkit.model import CPU_NS, SAMPLES, Frame, Mapping, NumLabel, Profile, ValueType
from pprofraw import parse_raw, raw_text
from profilegen import canonical, native_profiles

GOLDEN = Path(__file__).parent / "golden" / "formats"
APP = Mapping("/srv/app", "9f86d081884c7d65", 0x400000, 0x4B9000, 0, True, True, True, True)
LIBC = Mapping("/lib/x86_64-linux-gnu/libc.so.6", "", 0x7F0000000000, 0x7F0000200000, 0x28000)


def native_profile() -> Profile:
    """A Go-like CPU profile: two mappings, an inlined call, a C++ name, an unsymbolised libc
    address, numeric labels with and without units, and a string label."""
    p = Profile([SAMPLES, CPU_NS], period=10_000_000, period_type=CPU_NS, metadata={"duration_ns": 10**9})
    main = Frame("main.main", "/src/main.go", 20, 18, address=0x401000, mapping=APP)
    handle = Frame("main.handle", "/src/main.go", 31, 29, address=0x402000, mapping=APP)
    # main.parse was inlined into main.handle: one location, two lines
    outer = Frame("main.handle", "/src/main.go", 33, 29, address=0x402040, mapping=APP)
    inner = Frame("main.parse", "/src/parse.go", 7, 5, address=0x402040, mapping=APP, inlined=True)
    cxx = Frame("Codec::encode", "/src/codec.cc", 12, 10, "_ZN5Codec6encodeEv", 0x403000, APP)
    libc = Frame("0x7f0000001234", LIBC.filename, 0, address=0x7F0000001234, mapping=LIBC)
    p.add([main, handle], [3, 30_000_000], {"handler": "api", "bytes": NumLabel(4096, "bytes")})
    p.add([main, outer, inner], [5, 50_000_000], {"handler": "api", "request": 512})
    p.add([main, handle, cxx, libc], [2, 20_000_000], {"wait": NumLabel(15, "ms")})
    return p


# ---------------------------------------------------------------------------------------- golden, round trips
def test_golden_bytes() -> None:
    data = pprof.write(native_profile(), compress=False)
    golden = GOLDEN / "native.pb"
    if os.environ.get("PERFKIT_REGOLD"):
        golden.write_bytes(data)
    assert data == golden.read_bytes()


def test_golden_text() -> None:
    from google.protobuf import text_format

    text = text_format.MessageToString(pprof.encode(native_profile()))
    golden = GOLDEN / "native.pb.txt"
    if os.environ.get("PERFKIT_REGOLD"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_inlined_lines_are_one_location_again() -> None:
    msg = pprof.encode(native_profile())
    table = msg.string_table
    inlined = [loc for loc in msg.location if len(loc.line) > 1]
    assert len(inlined) == 1 and inlined[0].address == 0x402040
    names = [table[msg.function[line.function_id - 1].name] for line in inlined[0].line]
    assert names == ["main.parse", "main.handle"]  # innermost first, as pprof writes them
    unsymbolised = [loc for loc in msg.location if not loc.line]
    assert [loc.address for loc in unsymbolised] == [0x7F0000001234]
    mappings = {table[m.filename]: m for m in msg.mapping}
    assert table[mappings["/srv/app"].build_id] == "9f86d081884c7d65"
    assert mappings["/lib/x86_64-linux-gnu/libc.so.6"].file_offset == 0x28000
    cxx = next(f for f in msg.function if table[f.name] == "Codec::encode")
    assert table[cxx.system_name] == "_ZN5Codec6encodeEv" and cxx.start_line == 10


def test_round_trip_keeps_every_field() -> None:
    p = native_profile()
    back = pprof.decode(pprof.write(p))
    assert canonical(back) == canonical(p)
    assert set(back.frames) == set(p.frames)
    labels = [s.labels for s in back.samples()]
    assert {"handler": "api", "bytes": NumLabel(4096, "bytes")} in labels
    assert {"handler": "api", "request": NumLabel(512)} in labels


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(native_profiles(max_samples=15))
def test_random_native_profiles_round_trip_exactly(profile: Profile) -> None:
    data = pprof.write(profile, compress=False, aggregate=False)
    back = pprof.decode(data)
    assert canonical(back) == canonical(profile)
    plain = pprof._to_profile(pprof._parse(pb.Profile(), data))
    assert list(plain.samples()) == list(back.samples())


def test_empty_label_values_are_dropped_as_pprof_does() -> None:
    msg = pprof.encode(native_profile())
    msg.sample[0].label.add(key=1)  # neither str nor num: pprof ignores it
    back = pprof.decode(msg.SerializeToString())
    assert all("samples" not in s.labels for s in back.samples())


def test_frame_repr_shows_what_is_set() -> None:
    assert repr(Frame("f", "a.py", 3)) == "Frame('f', 'a.py', 3)"
    assert repr(Frame("f", address=0x10, inlined=True)) == "Frame('f', address=0x10, inlined=True)"


# ---------------------------------------------------------------------------------------- go tool pprof -raw
def _same_for_pprof(go: str, before: Path, after: Path) -> None:
    a, b = parse_raw(raw_text(go, before)), parse_raw(raw_text(go, after))
    assert a.sample_types == b.sample_types
    assert a.header == b.header
    assert a.mappings == b.mappings
    assert a.totals() == b.totals(), (a.totals() - b.totals(), b.totals() - a.totals())


@pytest.mark.gotool
@pytest.mark.parametrize("kind", ["cpu", "heap", "goroutine"])
def test_go_profiles_survive_convert(go_profiles: GoProfiles, go_tool: str, tmp_path: Path, kind: str) -> None:
    """What go tool pprof reads from Go's file and from perfkit's rewrite is the same: samples,
    addresses, mappings, inlined lines, labels (numeric ``bytes`` on the heap), header."""
    source = getattr(go_profiles, kind)
    after = files.save(files.load(source), tmp_path / f"{kind}.pb.gz")
    _same_for_pprof(go_tool, source, after)
    assert raw_text(go_tool, after) == raw_text(go_tool, source)  # even the text is the same
    raw = raw_text(go_tool, after)
    assert re.search(r"0x[0-9a-f]{5,} M=1 main\.", raw)  # real addresses in the real mapping
    if kind == "heap":
        assert re.search(r"bytes:\[\d+\]", raw)  # numbers, so -tagfocus=bytes=... works


@pytest.mark.gotool
def test_native_profile_as_go_tool_pprof_reads_it(go_tool: str, tmp_path: Path) -> None:
    path = files.save(native_profile(), tmp_path / "native.pb.gz")
    raw = raw_text(go_tool, path)
    assert "Codec::encode /src/codec.cc:12 s=10(_ZN5Codec6encodeEv)" in raw
    # one location, two lines
    assert re.search(r"0x402040 M=\d main\.parse /src/parse\.go:7 s=5\n\s+main\.handle /src/main\.go:33 s=29\n", raw)
    assert "0x400000/0x4b9000/0x0 /srv/app 9f86d081884c7d65 [FN][FL][LN][IN]" in raw
    assert "bytes:[4096 bytes]" in raw and "request:[512]" in raw and "wait:[15 ms]" in raw
    again = files.save(files.load(path), tmp_path / "again.pb.gz")
    _same_for_pprof(go_tool, path, again)


# ---------------------------------------------------------------------------------------- drop_frames
def test_simplify_like_pprof() -> None:
    assert simplify("foo(int, char)") == "foo"
    assert simplify(".bar") == "bar"
    assert simplify("(anonymous namespace)::f(int)") == "(anonymous namespace)::f"
    assert simplify("Foo::operator()(int)") == "Foo::operator()"


def _message(locations: list[list[str]], samples: list[list[int]], drop: str, keep: str = "") -> bytes:
    """A profile whose location i+1 has lines (innermost first) calling the named functions."""
    names = sorted({n for loc in locations for n in loc})
    table = ["", "samples", "count", "f.c", *names, drop, keep]
    msg = pb.Profile(string_table=table)
    msg.sample_type.add(type=1, unit=2)
    for i in range(len(names)):
        msg.function.add(id=i + 1, name=4 + i, filename=3)
    for i, loc in enumerate(locations):
        msg.location.add(id=i + 1, address=0x1000 + i).line.extend(
            pb.Line(function_id=names.index(n) + 1, line=j + 1) for j, n in enumerate(loc)
        )
    for value, locs in enumerate(samples, 1):
        msg.sample.add(location_id=locs, value=[value])
    msg.drop_frames = len(table) - 2
    if keep:
        msg.keep_frames = len(table) - 1
    return msg.SerializeToString()


def _leaf_first_names(profile: Profile) -> Counter[tuple[str, ...]]:
    """Value per leaf-first stack of function names."""
    out: Counter[tuple[str, ...]] = Counter()
    for s in profile.samples():
        out[tuple(f.function for f in reversed(s.stack))] += s.values[0]
    return out


def test_malloc_is_dropped_and_its_caller_charged() -> None:
    # leaf-first: mallocgc <- newobject <- main.work <- main.main
    data = _message(
        [["runtime.mallocgc"], ["runtime.newobject"], ["main.work"], ["main.main"]],
        [[1, 2, 3, 4], [3, 4]],
        r"runtime\.(mallocgc|newobject)",
    )
    assert _leaf_first_names(pprof.decode(data)) == Counter({("main.work", "main.main"): 3})
    everything = _leaf_first_names(pprof.decode(data, all_frames=True))
    assert everything[("runtime.mallocgc", "runtime.newobject", "main.work", "main.main")] == 1
    assert pprof.decode(data).metadata["drop_frames"] == r"runtime\.(mallocgc|newobject)"


def test_drop_rules() -> None:
    # location 1 holds b inlined into a: matching a (the outer line) drops the whole location
    data = _message([["b", "a"], ["main"]], [[1, 2]], "a")
    assert _leaf_first_names(pprof.decode(data)) == Counter({("main",): 1})
    # matching b (the inner line) keeps a: the location is cut after its kept lines
    data = _message([["b", "a"], ["main"]], [[1, 2]], "b")
    assert _leaf_first_names(pprof.decode(data)) == Counter({("a", "main"): 1})
    # nothing is cut before the first frame that does not match: a stack of matches stays
    data = _message([["x"], ["y"]], [[1, 2]], "x|y")
    assert _leaf_first_names(pprof.decode(data)) == Counter({("x", "y"): 1})
    # everything leafward of a dropped frame goes too
    data = _message([["work"], ["malloc"], ["main"]], [[1, 2, 3]], "malloc")
    assert _leaf_first_names(pprof.decode(data)) == Counter({("main",): 1})
    # full matches only, and keep_frames saves a frame drop_frames matches
    data = _message([["mallocx"], ["main"]], [[1, 2]], "malloc.*", "mallocx")
    assert _leaf_first_names(pprof.decode(data)) == Counter({("mallocx", "main"): 1})
    data = _message([["mallocx"], ["main"]], [[1, 2]], "malloc.*")
    assert _leaf_first_names(pprof.decode(data)) == Counter({("main",): 1})
    data = _message([["xmalloc"], ["main"]], [[1, 2]], "malloc")
    assert _leaf_first_names(pprof.decode(data)) == Counter({("xmalloc", "main"): 1})


def test_unreadable_drop_regex_keeps_frames_with_a_warning() -> None:
    data = _message([["a"], ["main"]], [[1, 2]], r"\pL")  # RE2 syntax Python's re does not know
    p = pprof.decode(data)
    assert _leaf_first_names(p) == Counter({("a", "main"): 1})
    assert "drop_frames" in p.metadata["warnings"][0]


_FUNCS = ["main", "a", "b(int)", ".c", "runtime.mallocgc", "Foo::operator()", "(anonymous namespace)::d", "e"]
_DROPS = [r"a|runtime\..*", "b", "c|e", "main", ".*", r"\(anonymous namespace\)::d", "Foo::operator\\(\\)"]


@pytest.mark.gotool
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    locations=st.lists(st.lists(st.sampled_from(_FUNCS), min_size=1, max_size=3), min_size=1, max_size=6),
    picks=st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=6), min_size=1, max_size=6),
    drop=st.sampled_from(_DROPS),
    keep=st.sampled_from(["", "b", r"runtime\.malloc.*", "e|main"]),
)
def test_drop_frames_agree_with_go_tool_pprof(go_tool: str, tmp_path_factory, locations, picks, drop, keep) -> None:
    samples = [[i % len(locations) + 1 for i in pick] for pick in picks]
    data = _message(locations, samples, drop, keep)
    path = tmp_path_factory.mktemp("drop") / "p.pb"
    path.write_bytes(data)
    theirs: Counter[tuple[str, ...]] = Counter()
    for (values, stack, _), n in parse_raw(raw_text(go_tool, path)).samples.items():
        names = tuple(re.sub(r" f\.c:\d+ s=\d+(\(\))?$", "", line) for loc in stack for line in loc[2:])
        theirs[names] += values[0] * n
    assert _leaf_first_names(pprof.decode(data)) == theirs


@pytest.mark.gotool
def test_drop_frames_on_a_go_cpu_profile(go_profiles: GoProfiles, go_tool: str, tmp_path: Path) -> None:
    """Go's own CPU profile told to drop main.spin (the hot leaf): its time goes to main.hot and
    main.cold, as go tool pprof reports, and perfkit's rewrite reads the same in go tool pprof."""
    msg = pb.Profile.FromString(gzip.decompress(go_profiles.cpu.read_bytes()))
    msg.string_table.append(r"main\.spin|runtime\..*")
    msg.string_table.append(r"runtime\.main")
    msg.drop_frames, msg.keep_frames = len(msg.string_table) - 2, len(msg.string_table) - 1
    path = tmp_path / "dropped.pb.gz"
    path.write_bytes(gzip.compress(msg.SerializeToString()))
    profile = files.load(path)
    names = {f.function for f in profile.frames if any(f in [profile.frames[i] for i in s] for s in profile.stacks)}
    assert "main.spin" not in {profile.frames[s[-1]].function for s in profile.stacks if s}
    assert "runtime.main" in names
    out = subprocess.run(
        [go_tool, "tool", "pprof", "-top", "-unit=ns", str(path)], capture_output=True, text=True, check=True
    ).stdout
    flat = {m.group(2): int(m.group(1)) for m in re.finditer(r"^\s*(\d+)ns\s.*?%\s+(main\.\w+)\s*$", out, re.M)}
    cpu = profile.type_index("cpu")
    for name in ("main.hot", "main.cold"):
        ours = sum(v for s, v in profile.stack_totals(cpu).items() if s and profile.frames[s[-1]].function == name)
        assert ours == flat[name] > 0
    _same_for_pprof(go_tool, path, files.save(profile, tmp_path / "again.pb.gz"))


# ---------------------------------------------------------------------------------------- raw files, legacy formats
@pytest.mark.gotool
def test_uncompressed_go_profiles_are_recognised_by_content(go_profiles: GoProfiles, tmp_path: Path) -> None:
    for source in (go_profiles.cpu, go_profiles.heap, go_profiles.goroutine):
        path = tmp_path / source.name.replace(".pb.gz", "")  # what `zcat x.pb.gz > x` leaves
        path.write_bytes(gzip.decompress(source.read_bytes()))
        assert pprof.sniff(path.read_bytes()[:4096])
        assert canonical(files.load(path)) == canonical(files.load(source))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=200))
def test_sniff_never_fails(data: bytes) -> None:
    assert pprof.sniff(data) in (True, False)
    assert legacy_kind(data) is None or isinstance(legacy_kind(data), str)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=300))
def test_text_is_not_raw_protobuf(text: str) -> None:
    """Text files must not be taken for raw profiles, or their own reader would never run."""
    data = text.encode()
    if legacy_kind(data) is None and pprof.sniff(data):
        with pytest.raises(ValueError):
            pprof.decode(data)


@pytest.mark.gotool
def test_legacy_text_heap_gets_a_conversion_hint(go_profiles: GoProfiles, go_tool: str, tmp_path: Path) -> None:
    with pytest.raises(PerfkitError) as info:
        files.load(go_profiles.heap_text)
    message = str(info.value)
    assert "\n" not in message and "legacy text heap profile" in message
    command = message.split("convert it (add the program's binary before the file for function names): ")[1]
    assert command == f"go tool pprof -proto {go_profiles.heap_text} > heap.pb.gz"
    converted = tmp_path / "heap.pb.gz"
    converted.write_bytes(subprocess.run([go_tool, *command.split()[1:-2]], capture_output=True, check=True).stdout)
    assert files.load(converted).total("inuse_space") > 0  # the hint's command works


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1 0x2\n", "heap"),
        (b"heap profile: 1: 2 [3: 4] @ growthz\n", "heap"),
        (b"goroutine profile: total 6\n3 @ 0x1 0x2\n", "goroutine profile"),
        (b"# comment\n\nthreadcreate profile: total 7\n", "threadcreate profile"),
        (b"--- mutex:\ncycles/second=2000000000\n", "contention"),
        (b"--- contention:\ncycles/second=1\n", "contention"),
        (b"--- contentionz 1 ---\nformat = java\n", "contention"),
        (b"--- heapz 1 ---\nformat = java\n", "Java heap"),
        (b"--- threadz 4 ---\n", "thread"),
        (b"\0" * 8 + b"\x03" + b"\0" * 15 + b"\x10\x27" + b"\0" * 14, "binary CPU"),
        (b"goroutine 1 [running]:\nmain.main()\n", "goroutine dump"),
    ],
)
def test_legacy_kinds(tmp_path: Path, head: bytes, kind: str) -> None:
    assert kind in (legacy_kind(head) or "")
    path = tmp_path / "old.prof"
    path.write_bytes(head)
    with pytest.raises(PerfkitError, match=kind):
        files.load(path)


def test_not_legacy() -> None:
    for text in (b"main;hot 7\n", b"", b'{"a": 1}', b"heap of stuff\n", pprof.write(native_profile(), compress=False)):
        assert legacy_kind(text) is None


def test_value_type_parse_is_unchanged() -> None:
    assert ValueType.parse("cpu/nanoseconds") == CPU_NS


@pytest.mark.gotool
def test_go_tool_pprof_shows_python_names_whole(go_tool: str, tmp_path: Path) -> None:
    """With system_name equal to name pprof "simplifies" names it takes for C++: ``<module>``
    became an empty name shown as ``[python]``.  Such frames are written without one."""
    p = Profile()
    p.add([Frame("<module>", "app.py", 1), Frame("<listcomp>", "app.py", 3), Frame("Foo::bar(int)", "x.cc", 3)], 5)
    path = files.save(p, tmp_path / "names.pb.gz")
    out = subprocess.run([go_tool, "tool", "pprof", "-top", str(path)], capture_output=True, text=True, check=True)
    rows = [line.split()[-1] for line in out.stdout.splitlines() if re.match(r"\s*\d", line)]
    assert sorted(rows) == ["<listcomp>", "<module>", "Foo::bar(int)"]
