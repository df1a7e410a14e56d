"""perfkit.views.top and perfkit.views.units: pprof -top semantics, golden text, rendering modes.

Golden files live in tests/golden/views/; regenerate with ``PERFKIT_UPDATE_GOLDEN=1`` and review
the diff.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from perfkit.errors import PerfkitError
from perfkit.formats import folded
from perfkit.graph import Granularity, node_info
from perfkit.model import CPU_NS, Frame, Profile, ValueType
from perfkit.views.top import format_top, print_top, top_rows, top_table
from perfkit.views.units import format_percent, format_value, scale_value

GOLDEN = Path(__file__).parent / "golden" / "views"
MS = 1_000_000


def check_golden(name: str, text: str) -> None:
    """Compare with the committed golden file (or rewrite it when PERFKIT_UPDATE_GOLDEN is set)."""
    path = GOLDEN / name
    if os.environ.get("PERFKIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def cpu_profile() -> Profile:
    """main -> hot 700ms (two lines), main -> cold 300ms, main -> rec^3 100ms, main -> tiny 1ms."""
    p = Profile([CPU_NS])
    main, rec = Frame("main", "app.py", 3), Frame("rec", "lib.py", 30)
    p.add([main, Frame("hot", "app.py", 10)], 500 * MS)
    p.add([main, Frame("hot", "app.py", 11)], 200 * MS)
    p.add([main, Frame("cold", "lib.py", 20)], 300 * MS)
    p.add([main, rec, rec, rec], 100 * MS)
    p.add([main, Frame("tiny", "app.py", 5)], 1 * MS)
    return p


def memory_profile() -> Profile:
    p = Profile([ValueType("alloc_space", "bytes"), ValueType("alloc_objects", "count")], default_type=0)
    main = Frame("main", "alloc.py", 1)
    p.add([main, Frame("allocate_big", "alloc.py", 5)], (80 * 1024 * 1024, 800))
    p.add([main, Frame("allocate_small", "alloc.py", 9)], (20 * 1024 * 1024, 1200))
    return p


# ---------------------------------------------------------------- units
@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1_500_000_000, "nanoseconds", "1.50s"),
        (700 * MS, "nanoseconds", "700ms"),
        (1_500, "nanoseconds", "1.50us"),
        (12, "nanoseconds", "12ns"),
        (-2 * MS, "nanoseconds", "-2ms"),
        (3, "seconds", "3s"),
        (250, "milliseconds", "250ms"),
        (80 * 1024 * 1024, "bytes", "80MB"),
        (1536, "bytes", "1.50kB"),
        (999, "bytes", "999B"),
        (0, "bytes", "0"),
        (1234, "count", "1234"),
        (7, "objects", "7"),
    ],
)
def test_format_value(value: int, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("value", "total", "text"),
    [(70, 100, "70.00%"), (1, 1, "100%"), (42, 10_000, "0.42%"), (42, 100_000, "0.042%"), (5, 0, "0.00%")],
)
def test_format_percent(value: int, total: int, text: str) -> None:
    assert format_percent(value, total) == text


def test_scale_value_picks_largest_unit() -> None:
    assert scale_value(2_000_000_000, "nanoseconds") == (2.0, "s")
    assert scale_value(5, "count") == (5.0, "")


# ---------------------------------------------------------------- semantics
def test_flat_cum_and_recursion_counted_once() -> None:
    rows = {r.name: r for r in top_rows(cpu_profile())}
    assert rows["hot"].flat == 700 * MS and rows["hot"].cum == 700 * MS
    assert rows["rec"].flat == 100 * MS
    assert rows["rec"].cum == 100 * MS, "a recursive frame must count once per sample"
    assert rows["main"].flat == 0 and rows["main"].cum == 1101 * MS
    assert rows["main"].cum_pct == pytest.approx(100)
    assert rows["hot"].flat_pct == pytest.approx(700 / 1101 * 100)


def test_sum_pct_accumulates_flat_pct() -> None:
    rows = top_rows(cpu_profile())
    assert [r.name for r in rows] == ["hot", "cold", "rec", "main"]
    running = 0.0
    for row in rows:
        running += row.flat_pct
        assert row.sum_pct == pytest.approx(running)


def test_sort_by_cum() -> None:
    rows = top_rows(cpu_profile(), sort="cum")
    assert [r.name for r in rows] == ["main", "hot", "cold", "rec"]


def test_by_line_and_file() -> None:
    lines = top_rows(cpu_profile(), by="line", node_fraction=0)
    keyed = {(r.name, r.line): r.flat for r in lines}
    assert keyed[("hot", 10)] == 500 * MS and keyed[("hot", 11)] == 200 * MS
    files = {r.name: r for r in top_rows(cpu_profile(), by="file")}
    assert files["app.py"].flat == 701 * MS and files["app.py"].cum == 1101 * MS
    assert files["lib.py"].flat == 400 * MS and files["lib.py"].cum == 400 * MS


def test_node_fraction_drops_small_entries_and_limit_cuts() -> None:
    table = top_table(cpu_profile())
    assert "tiny" not in [r.name for r in table.rows] and table.dropped == 1
    assert "Dropped 1 node (cum <= 5.50ms)" in table.header_lines()
    assert "tiny" in [r.name for r in top_rows(cpu_profile(), node_fraction=0)]
    assert [r.name for r in top_rows(cpu_profile(), limit=2)] == ["hot", "cold"]


def test_same_function_name_in_two_files_merges_unless_filefunctions() -> None:
    """pprof's functions granularity merges by name; filefunctions keeps files apart."""
    p = Profile()
    p.add([Frame("run", "a.py", 1)], 3)
    p.add([Frame("run", "b.py", 1)], 1)
    assert [(r.label, r.flat, r.file) for r in top_rows(p)] == [("run", 4, "")]
    rows = top_rows(p, granularity="filefunctions")
    assert [(r.label, r.flat, r.file) for r in rows] == [("run a.py", 3, "a.py"), ("run b.py", 1, "b.py")]


def test_by_is_the_old_name_of_granularity() -> None:
    assert top_rows(cpu_profile(), by="line") == top_rows(cpu_profile(), granularity="lines")


def test_sum_pct_runs_over_signed_flat_for_diffs() -> None:
    """pprof's sum% is the share of the running (signed) flat sum, so a diff's column can fall."""
    new, old = Profile([CPU_NS]), Profile([CPU_NS])
    new.add([Frame("main"), Frame("grew")], 300 * MS)
    old.add([Frame("main"), Frame("grew")], 100 * MS)
    old.add([Frame("main"), Frame("gone")], 100 * MS)
    rows = top_rows(new, base=old, node_fraction=0)
    assert [(r.name, r.flat, r.cum, round(r.sum_pct)) for r in rows] == [
        ("grew", 200 * MS, 200 * MS, 100),
        ("gone", -100 * MS, -100 * MS, 50),
        ("main", 0, 100 * MS, 50),
    ]
    text = format_top(new, base=old, node_fraction=0)
    assert "     200ms   100%   100%      200ms   100%  grew" in text
    assert "    -100ms 50.00% 50.00%     -100ms 50.00%  gone" in text


def test_sample_type_selects_column() -> None:
    rows = top_rows(memory_profile(), sample_type="alloc_objects")
    assert [r.name for r in rows][:2] == ["allocate_small", "allocate_big"]
    with pytest.raises(PerfkitError, match="--sample-type nope: no such sample type"):
        top_rows(memory_profile(), sample_type="nope")


@pytest.mark.parametrize("options", [{"by": "module"}, {"granularity": "x"}, {"sort": "name"}, {"limit": -1}])
def test_bad_options_are_user_errors(options: dict) -> None:
    with pytest.raises(PerfkitError):
        top_rows(cpu_profile(), **options)


# ---------------------------------------------------------------- golden text
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("top_flat.txt", {}),
        ("top_cum.txt", {"sort": "cum"}),
        ("top_line.txt", {"by": "line"}),
        ("top_file.txt", {"by": "file"}),
        ("top_limit.txt", {"limit": 2}),
    ],
)
def test_golden_cpu(name: str, options: dict) -> None:
    check_golden(name, format_top(cpu_profile(), **options))


def test_golden_memory() -> None:
    check_golden("top_memory.txt", format_top(memory_profile()))


def test_empty_profile_says_so() -> None:
    text = format_top(Profile())
    assert "Showing nodes accounting for 0, 0% of 0 total" in text
    check_golden("top_empty.txt", text)


# ---------------------------------------------------------------- rendering modes
def test_piped_output_is_plain_pprof_columns() -> None:
    out = io.StringIO()
    print_top(cpu_profile(), Console(file=out, width=80))
    text = out.getvalue()
    assert text == format_top(cpu_profile())
    assert "\x1b[" not in text and "─" not in text


def test_no_color_terminal_is_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    print_top(cpu_profile(), Console(file=out, force_terminal=True, width=80))
    assert out.getvalue() == format_top(cpu_profile())


def test_terminal_gets_a_rich_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    print_top(cpu_profile(), Console(file=out, force_terminal=True, color_system="standard", width=100))
    text = out.getvalue()
    assert "\x1b[" in text and "700ms" in text and "hot" in text
    # numbers are right-aligned: the flat cells "700ms" (hot) and "0" (main) end in the same column
    stripped = [_strip_ansi(line) for line in text.splitlines()]
    hot = next(line for line in stripped if line.rstrip().endswith("hot"))
    main = next(line for line in stripped if line.rstrip().endswith("main"))
    assert hot.index("700ms") + len("700ms") == main.index("0") + 1


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


# ---------------------------------------------------------------- properties
FRAMES = [Frame(name, f"{name[0]}.py", line) for name in ("a", "b", "c", "d") for line in (1, 2)]
stacks = st.lists(st.sampled_from(FRAMES), min_size=1, max_size=6)
samples = st.lists(st.tuples(stacks, st.integers(min_value=1, max_value=10**9)), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(samples, st.sampled_from(list(Granularity)), st.sampled_from(["flat", "cum"]))
def test_top_invariants(data: list, granularity: Granularity, sort: str) -> None:
    p = Profile([CPU_NS])
    for stack, value in data:
        p.add(stack, value)
    total = p.total()
    table = top_table(p, granularity=granularity, sort=sort, node_fraction=0)
    rows = table.rows
    assert sum(r.flat for r in rows) == total
    assert rows[-1].sum_pct == pytest.approx(100)
    for row, node in zip(rows, table.graph.nodes):
        assert 0 <= row.flat <= row.cum <= total
        # brute force: cum is the value of samples whose stack holds the entry at least once
        expect = sum(v for stack, v in data if node.info in {node_info(f, granularity) for f in stack})
        assert row.cum == expect
    ordered = [(r.flat, r.cum, r.label) if sort == "flat" else (r.cum, r.flat, r.label) for r in rows]
    assert ordered == sorted(ordered, key=lambda t: (-t[0], t[2], -t[1])), "ties by name, as pprof"


# ---------------------------------------------------------------- a real profiler
@pytest.mark.slow
def test_real_py_spy_profile_has_hot_above_cold(programs: Path, python: str, tmp_path: Path) -> None:
    """py-spy on the 70/30 program: hot's flat share must exceed cold's (CPU noise allowed for)."""
    out = tmp_path / "cpu.folded"
    subprocess.run(
        [
            str(Path(python).parent / "py-spy"),
            "record",
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            str(out),
            "--",
            python,
            str(programs / "cpu_split.py"),
            "1.5",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    # read py-spy's file as it is: samples without Python frames come as bare " N" lines
    lines = out.read_text().splitlines()
    rows = {r.name: r for r in top_rows(folded.parse(lines))}
    assert rows["hot"].flat > rows["cold"].flat > 0
    assert 0.5 < rows["hot"].flat / (rows["hot"].flat + rows["cold"].flat) < 0.9
