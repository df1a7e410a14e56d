"""Flame graph SVG: golden files, geometry, escaping, pruning, diff colours, origins.

Golden files live in tests/golden/flame/; after an intended change of the output regenerate
them with ``PERFKIT_UPDATE_GOLDEN=1 pytest tests/test_flamegraph.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit import files
from perfkit.errors import ParamError, PerfkitError
from perfkit.formats import folded
from perfkit.model import Frame, Profile, ValueType
from perfkit.views import flame_colors, flamegraph
from perfkit.views.flame_tree import layout
from profilegen import profiles

GOLDEN = Path(__file__).parent / "golden" / "flame"
SVG_NS = "{http://www.w3.org/2000/svg}"
PLOT = 1200 - 2 * flamegraph.XPAD
CPU = ValueType("cpu", "nanoseconds")

MAIN = Frame("<module>", "/srv/app/main.py", 1)
HANDLE = Frame("handle", "/srv/app/main.py", 10)
LOADS = Frame("loads", "/usr/lib/python3.11/json/__init__.py", 346)
DECODE = Frame("decode", "/usr/lib/python3.11/json/decoder.py", 337)
GET = Frame("get", "/venv/lib/python3.11/site-packages/requests/api.py", 73)
LAMBDA = Frame("<lambda>", "/srv/app/util.py", 5)
AMP = Frame('a&b "quoted" <tag>', "/srv/app/util.py", 9)
MALLOC = Frame("PyObject_Malloc")
LISTCOMP = Frame("<listcomp>", "/srv/app/main.py", 20)


def small_profile() -> Profile:
    """Known shares: json 400ms, requests 250ms, lambda 120ms, handle self 50ms ..."""
    p = Profile([CPU])
    p.add([MAIN, HANDLE, LOADS, DECODE], 400_000_000)
    p.add([MAIN, HANDLE, GET], 250_000_000)
    p.add([MAIN, HANDLE, LAMBDA, AMP], 120_000_000)
    p.add([MAIN, HANDLE], 50_000_000)
    p.add([MAIN, LAMBDA, MALLOC], 30_000_000)
    p.add([MAIN, LISTCOMP], 3_000_000)
    return p


def base_profile() -> Profile:
    """The same program before a change: json was cheaper, requests dearer, no lambda."""
    p = Profile([CPU])
    p.add([MAIN, HANDLE, LOADS, DECODE], 200_000_000)
    p.add([MAIN, HANDLE, GET], 500_000_000)
    p.add([MAIN, HANDLE], 50_000_000)
    p.add([MAIN, LAMBDA, MALLOC], 30_000_000)
    return p


# ---------------------------------------------------------------------------- parsing helpers
@dataclass
class Drawn:
    """One drawn frame: geometry from the SVG, facts from the embedded data."""

    x: float
    y: float
    width: float
    fill: str
    label: str
    name: str
    file: str
    depth: int
    start: int
    value: int
    base: int


def parse(svg: str) -> tuple[ET.Element, list[Drawn], dict]:
    """The document, its frames in document order and the script's data block."""
    root = ET.fromstring(svg.encode("utf-8"))
    frames_g = [g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "frames"]
    m = re.search(r"\}\)\((\{.*\})\);\n\]\]>", svg, re.S)
    if not frames_g:
        assert m is None
        return root, [], {}
    data = json.loads(m.group(1))
    stride, raw, names = data["stride"], data["nodes"], data["names"]
    drawn: list[Drawn] = []
    cursor = [0] * (len(raw) + 2)
    for i, g in enumerate(frames_g[0].findall(f"{SVG_NS}g")):
        n, depth, gap, value = raw[i * stride : i * stride + 4]
        base = raw[i * stride + 4] if stride == 5 else 0
        start = cursor[depth] + gap
        cursor[depth] = start + value
        cursor[depth + 1] = start
        rect = g.find(f"{SVG_NS}rect")
        text = g.find(f"{SVG_NS}text")
        name, file, line, _kind = names[n]
        drawn.append(
            Drawn(
                float(rect.get("x")),
                float(rect.get("y")),
                float(rect.get("width")),
                rect.get("fill"),
                text.text if text is not None else "",
                name,
                f"{file}:{line}" if file else "",
                depth,
                start,
                value,
                base,
            )
        )
    assert len(drawn) * stride == len(raw)
    return root, drawn, data


def parent_of(drawn: list[Drawn]) -> list[int]:
    """Index of each frame's parent (pre-order: the last frame one level up)."""
    last: dict[int, int] = {}
    parents = []
    for i, d in enumerate(drawn):
        parents.append(last.get(d.depth - 1, -1))
        last[d.depth] = i
    return parents


def check_geometry(drawn: list[Drawn], total: int, plot: float = PLOT) -> None:
    """Widths proportional to values, children inside parents, parents no narrower than children."""
    scale = plot / total
    parents = parent_of(drawn)
    child_width = [0.0] * len(drawn)
    for i, d in enumerate(drawn):
        assert d.width == pytest.approx(d.value * scale, abs=0.11), d
        assert d.x == pytest.approx(flamegraph.XPAD + d.start * scale, abs=0.06), d
        p = parents[i]
        if p >= 0:
            parent = drawn[p]
            assert parent.start <= d.start and d.start + d.value <= parent.start + parent.value
            assert parent.x - 1e-9 <= d.x and d.x + d.width <= parent.x + parent.width + 1e-9
            child_width[p] += d.width
    for i, d in enumerate(drawn):
        assert child_width[i] <= d.width + 1e-6


# ---------------------------------------------------------------------------- golden files
def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PERFKIT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with PERFKIT_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


def test_golden_flame() -> None:
    golden("small.svg", flamegraph.write(small_profile(), title="Small & <simple>"))


def test_golden_icicle() -> None:
    golden("inverted.svg", flamegraph.write(small_profile(), inverted=True, width=800))


def test_golden_diff() -> None:
    golden("diff.svg", flamegraph.write(small_profile(), base=base_profile(), title="Diff"))


def test_golden_empty() -> None:
    golden("empty.svg", flamegraph.write(Profile([CPU]), title="Nothing"))


def test_output_is_deterministic() -> None:
    assert flamegraph.write(small_profile()) == flamegraph.write(small_profile())


# ---------------------------------------------------------------------------- structure
def test_frames_match_profile_values() -> None:
    root, drawn, data = parse(flamegraph.write(small_profile()))
    assert root.tag == f"{SVG_NS}svg"
    check_geometry(drawn, 853_000_000)
    by_name = {d.name: d for d in drawn}
    assert by_name["all"].width == pytest.approx(PLOT)
    assert by_name["handle"].value == 820_000_000
    assert by_name["<lambda>"].value == 120_000_000  # the lambda under handle is drawn first
    assert [d.name for d in drawn if d.name == "<lambda>"] == ["<lambda>", "<lambda>"]
    assert data["total"] == 853_000_000 and data["unit"] == "time"


def test_children_sorted_alphabetically_and_root_at_bottom() -> None:
    _, drawn, _ = parse(flamegraph.write(small_profile()))
    parents = parent_of(drawn)
    handle = next(i for i, d in enumerate(drawn) if d.name == "handle")
    children = [d for i, d in enumerate(drawn) if parents[i] == handle]
    assert [c.name for c in children] == ["<lambda>", "get", "loads"]
    assert [c.x for c in children] == sorted(c.x for c in children)
    ys = {d.depth: d.y for d in drawn}
    assert ys[0] > ys[1] > ys[2] > ys[3]  # flame: root at the bottom


def test_inverted_puts_root_on_top() -> None:
    _, drawn, _ = parse(flamegraph.write(small_profile(), inverted=True))
    ys = {d.depth: d.y for d in drawn}
    assert ys[0] < ys[1] < ys[2] < ys[3]


def test_escaping_of_special_names() -> None:
    svg = flamegraph.write(small_profile(), title='T & "q" <x>')
    assert "&lt;module&gt;" in svg and "&lt;lambda&gt;" in svg
    assert "a&amp;b &quot;quoted&quot; &lt;tag&gt;" in svg
    root, drawn, data = parse(svg)
    assert root.find(f"{SVG_NS}title").text == 'T & "q" <x>'
    labels = {d.label for d in drawn}
    assert {"<module>", "<lambda>", 'a&b "quoted" <tag>'} <= labels
    assert 'a&b "quoted" <tag>' in [n[0] for n in data["names"]]
    script = svg[svg.index("<![CDATA[") : svg.index("]]></script>")]
    assert "]]>" not in script[9:]
    assert "<tag>" not in script  # JSON escapes < and >, so the SVG can also sit inside HTML


def test_labels_are_truncated_to_fit() -> None:
    long = Frame("a_really_long_function_name_that_cannot_fit_anywhere", "/srv/app/x.py", 1)
    p = Profile([CPU])
    p.add([MAIN, long], 100)
    p.add([MAIN, HANDLE], 900)
    _, drawn, _ = parse(flamegraph.write(p, width=1000))
    frame = next(d for d in drawn if d.name == long.function)
    assert frame.label.endswith("..") and long.function.startswith(frame.label[:-2])
    assert len(frame.label) * flamegraph.FONT_SIZE * flamegraph.FONT_WIDTH <= frame.width
    assert flamegraph.fit_label("abcdef", 20) == ""  # fewer than 3 glyphs: no label
    assert flamegraph.fit_label("abcdef", 200) == "abcdef"


def test_empty_profile_gives_valid_svg_with_message() -> None:
    for profile in (Profile([CPU]), _zero_profile()):
        svg = flamegraph.write(profile)
        root, drawn, _ = parse(svg)
        assert drawn == []
        assert "No samples" in "".join(root.itertext())


def _zero_profile() -> Profile:
    p = Profile([CPU])
    p.add([MAIN], 0)
    return p


def random_profile(n_stacks: int, seed: int = 1) -> Profile:
    rnd = random.Random(seed)
    funcs = [Frame(f"f{i}", f"/srv/app/m{i % 7}.py", i) for i in range(60)]
    p = Profile([ValueType("samples", "count")])
    for _ in range(n_stacks):
        stack = [funcs[0]] + [rnd.choice(funcs) for _ in range(rnd.randint(1, 12))]
        p.add(stack, int(rnd.paretovariate(1.2) * 3))
    return p


def test_minwidth_prunes_narrow_frames_and_keeps_total() -> None:
    p = random_profile(3000)
    total = p.total()
    _, everything, _ = parse(flamegraph.write(p, minwidth=0))
    _, pruned, data = parse(flamegraph.write(p, minwidth=5))
    assert len(pruned) < len(everything) / 3
    assert data["total"] == total and pruned[0].name == "all" and pruned[0].value == total
    assert pruned[0].width == pytest.approx(PLOT)
    assert min(d.width for d in pruned) >= 5 - 0.1
    check_geometry(pruned, total)
    check_geometry(everything, total)
    # with minwidth 0 every distinct call path is drawn
    prefixes = {s[:k] for s, v in p.stack_totals().items() if v for k in range(1, len(s) + 1)}
    assert len(everything) == len(prefixes) + 1


def test_layout_matches_a_naive_call_tree() -> None:
    p = random_profile(500, seed=5)
    tree = layout(p.stack_totals(), p.frames, 0)
    naive: dict[tuple[int, ...], int] = {}
    for stack, value in p.stack_totals().items():
        for k in range(1, len(stack) + 1):
            naive[stack[:k]] = naive.get(stack[:k], 0) + value
    assert sorted(v for _, d, _, v, _ in tree.nodes if d) == sorted(naive.values())
    assert tree.total == p.total()


def naive_layout(profile: Profile, threshold: float) -> set[tuple[int, int, int, int]]:
    """Reference layout from an explicit call tree: self time first, then children by name."""
    tree: dict = {}
    for stack, value in profile.stack_totals().items():
        if value <= 0:
            continue
        node = tree
        for fid in stack:
            node = node.setdefault(fid, {})
        node[None] = node.get(None, 0) + value

    def total(node: dict) -> int:
        return sum(v if k is None else total(v) for k, v in node.items())

    def key(fid: int) -> tuple[str, str, int]:
        f = profile.frames[fid]
        return (f.function, f.file, f.line)

    out: set[tuple[int, int, int, int]] = set()

    def walk(node: dict, start: int, depth: int) -> None:
        x = start + node.get(None, 0)
        for fid in sorted((k for k in node if k is not None), key=key):
            width = total(node[fid])
            if width >= max(threshold, 1):
                out.add((x, depth + 1, fid, width))
                walk(node[fid], x, depth + 1)
            x += width

    walk(tree, 0, 0)
    return out


@settings(max_examples=80, deadline=None)
@given(profiles(max_types=1, max_samples=30), st.sampled_from([0, 1, 7, 50, 10**6]))
def test_layout_equals_reference_call_tree(profile: Profile, threshold: int) -> None:
    tree = layout(profile.stack_totals(), profile.frames, threshold)
    got = {(start, depth, fid, value) for start, depth, fid, value, _ in tree.nodes if depth}
    assert got == naive_layout(profile, threshold)
    assert [n[:2] for n in tree.nodes] == sorted(n[:2] for n in tree.nodes)  # parent first, left to right


def test_sample_type_choice_and_units() -> None:
    p = Profile([ValueType("alloc_space", "bytes"), ValueType("alloc_objects", "count")])
    p.add([MAIN, Frame("allocate_big", "/srv/a.py", 3)], [80 * 1024 * 1024, 80])
    p.add([MAIN, Frame("allocate_small", "/srv/a.py", 9)], [20 * 1024 * 1024, 20])
    root, _, data = parse(flamegraph.write(p))
    assert "alloc_space/bytes: 100MB" in "".join(root.itertext())
    assert data["unit"] == "bytes"
    root, drawn, data = parse(flamegraph.write(p, sample_type="alloc_objects"))
    assert data["unit"] == "count" and drawn[0].value == 100
    assert flamegraph.value_text(1234, ValueType("samples", "count")) == "1234 samples"
    assert flamegraph.value_text(1_500_000_000, CPU) == "1.50s"
    assert flamegraph.value_text(700, ValueType("wall", "milliseconds")) == "700ms"
    with pytest.raises(PerfkitError, match="sample type"):
        flamegraph.write(p, sample_type="cpu")


def test_bad_options_are_one_line_errors() -> None:
    with pytest.raises(ParamError, match=r"^width 20: too narrow") as caught:  # the library's name
        flamegraph.write(small_profile(), width=20)
    assert caught.value.render("--width").startswith("--width 20: ")  # the CLI's
    with pytest.raises(ParamError, match=r"^minwidth -1: "):
        flamegraph.write(small_profile(), minwidth=-1)
    other = Profile([ValueType("alloc_space", "bytes")])
    with pytest.raises(PerfkitError, match="--base"):
        flamegraph.write(small_profile(), base=other)


def test_registry_picks_svg_writer(tmp_path: Path) -> None:
    out = files.save(small_profile(), tmp_path / "out.svg", title="Saved")
    assert out.read_text(encoding="utf-8") == flamegraph.write(small_profile(), title="Saved")
    assert flamegraph.render_svg is flamegraph.write


# ---------------------------------------------------------------------------- colours
def test_origins() -> None:
    origin = flame_colors.origin
    assert origin(HANDLE) == "user"
    assert origin(LOADS) == "stdlib"
    assert origin(GET) == "library"
    assert origin(MALLOC) == "native"
    assert origin(Frame("PyEval_EvalFrameDefault", "Python/ceval.c", 4000)) == "native"
    assert origin(Frame("sin", "libm.so.6")) == "native"
    assert origin(Frame("_find_and_load", "<frozen importlib._bootstrap>", 1)) == "stdlib"
    assert origin(Frame("run", "threading.py", 975)) == "stdlib"  # py-spy's short paths
    assert origin(Frame("decode", "json/decoder.py", 337)) == "stdlib"
    assert origin(Frame("main", "typer/main.py", 3)) == "library"  # an installed package
    assert origin(Frame("<module>", "<string>", 1)) == "user"
    assert origin(Frame("view", "C:\\proj\\Lib\\site-packages\\django\\x.py", 1)) == "library"


def test_colours_by_origin_are_fixed_and_distinct() -> None:
    _, drawn, _ = parse(flamegraph.write(small_profile()))
    fills = {d.name: d.fill for d in drawn}

    def rgb(name: str) -> tuple[int, int, int]:
        h = fills[name]
        return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)

    r, g, b = rgb("handle")
    assert r > g > b  # warm: your code
    r, g, b = rgb("loads")
    assert g > r and g > b  # green: standard library
    r, g, b = rgb("get")
    assert b > g > r  # blue: site-packages
    r, g, b = rgb("PyObject_Malloc")
    assert max(r, g, b) - min(r, g, b) <= 10  # grey: native
    # the same function keeps its colour in another graph
    p = Profile([CPU])
    p.add([HANDLE], 1)
    assert parse(flamegraph.write(p))[1][1].fill == fills["handle"]


def test_diff_colours_follow_relative_change() -> None:
    _, drawn, data = parse(flamegraph.write(small_profile(), base=base_profile()))
    assert data["diff"] is True and data["baseTotal"] == 780_000_000
    by = {(d.name, d.depth): d for d in drawn}
    decode = by[("decode", 4)]
    assert (decode.value, decode.base) == (400_000_000, 200_000_000)
    assert decode.fill.startswith("#ff") and decode.fill[5:] != "ff"  # grew: red
    get = by[("get", 3)]
    assert get.fill.endswith("ff") and not get.fill.startswith("#ff")  # shrank: blue
    new = by[('a&b "quoted" <tag>', 4)]
    assert new.base == 0 and new.fill == flame_colors.diff_colour(1, 0)  # new: full red
    same = by[("PyObject_Malloc", 3)]
    assert same.fill == flame_colors.diff_colour(1, 1)
    # widths still come from the new profile
    check_geometry(drawn, 853_000_000)
    # half the growth reads paler than double
    assert int(flame_colors.diff_colour(150, 100)[3:5], 16) > int(flame_colors.diff_colour(200, 100)[3:5], 16)


def test_diff_normalize_scales_base_to_same_total() -> None:
    doubled = small_profile().scaled(2)
    _, drawn, data = parse(flamegraph.write(small_profile(), base=doubled, normalize=True))
    assert data["baseTotal"] == 853_000_000
    assert {d.fill for d in drawn} == {flame_colors.diff_colour(1, 1)}
    _, drawn, _ = parse(flamegraph.write(small_profile(), base=doubled))
    assert all(d.fill.endswith("ff") for d in drawn)  # without normalize everything shrank


# ---------------------------------------------------------------------------- properties
_weird = st.text(st.characters(codec="utf-8", exclude_characters=";"), min_size=1, max_size=8)


@st.composite
def weird_profiles(draw: st.DrawFn) -> Profile:
    names = draw(st.lists(_weird, min_size=1, max_size=6, unique=True))
    frames = [Frame(n, draw(st.sampled_from(["", "/srv/a.py", "x.so", "<frozen os>"])), 1) for n in names]
    p = Profile([ValueType("samples", "count")])
    for _ in range(draw(st.integers(0, 12))):
        stack = draw(st.lists(st.sampled_from(frames), min_size=0, max_size=6))
        p.add(stack, draw(st.integers(-5, 10**9)))
    return p


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weird_profiles(), st.booleans(), st.sampled_from([0.0, 0.1, 3.0]))
def test_any_profile_gives_valid_svg(profile: Profile, inverted: bool, minwidth: float) -> None:
    svg = flamegraph.write(profile, inverted=inverted, minwidth=minwidth)
    svg.encode("utf-8")
    _, drawn, data = parse(svg)
    total = sum(v for v in profile.stack_totals().values() if v > 0)
    if total == 0:
        assert drawn == []
        return
    assert data["total"] == total
    check_geometry(drawn, total)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles(min_value=0, max_samples=20), profiles(min_value=0, max_samples=20), st.booleans())
def test_any_diff_gives_valid_svg(new: Profile, old: Profile, normalize: bool) -> None:
    vt = new.sample_types[new.default_type]
    if not any(str(t) == str(vt) or t.type == vt.type for t in old.sample_types):
        with pytest.raises(PerfkitError):
            flamegraph.write(new, base=old, normalize=normalize)
        return
    svg = flamegraph.write(new, base=old, normalize=normalize)
    _, drawn, _ = parse(svg)
    if drawn:
        check_geometry(drawn, drawn[0].value)


# ---------------------------------------------------------------------------- real profiler
@pytest.mark.slow
def test_real_py_spy_profile_shows_the_70_30_split(programs: Path, python: str, tmp_path: Path) -> None:
    raw = tmp_path / "cpu.folded"
    py_spy = Path(python).with_name("py-spy")
    subprocess.run(
        [
            str(py_spy),
            "record",
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            str(raw),
            "--",
            python,
            str(programs / "cpu_split.py"),
            "2",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    # read py-spy's file as it is: samples without Python frames come as bare " N" lines
    _, drawn, _ = parse(flamegraph.write(folded.read(raw)))
    hot = sum(d.value for d in drawn if d.name == "hot")
    cold = sum(d.value for d in drawn if d.name == "cold")
    assert hot + cold > 100
    assert 0.6 < hot / (hot + cold) < 0.8
    assert {d.file.split(":")[0] for d in drawn if d.name in ("hot", "cold")} == {"cpu_split.py"}


def test_assets_ship_inside_the_package() -> None:
    assets = Path(flamegraph.__file__).parent / "assets"
    assert (assets / "flame.js").is_file() and (assets / "flame.css").is_file()
    assert sys.modules["perfkit.views.flamegraph"] is flamegraph


def test_granularity_function_merges_lines_line_keeps_them() -> None:
    p = Profile()
    p.add([Frame("main", "app.py", 1), Frame("hot", "app.py", 10)], 3)
    p.add([Frame("main", "app.py", 1), Frame("hot", "app.py", 11)], 4)
    by_function = flamegraph.write(p, minwidth=0)
    by_line = flamegraph.write(p, minwidth=0, granularity="line")
    assert by_function.count("<rect") < by_line.count("<rect")
    assert '["hot","app.py",11,' in by_line
    assert '["hot","app.py",0,' in by_function and '"app.py",11' not in by_function
    with pytest.raises(PerfkitError, match="granularity"):
        flamegraph.write(p, granularity="module")
