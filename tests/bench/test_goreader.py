"""Go's benchmark text read as Go's benchstat reads it: the format's facts, its oddities, corrupt
input (property-based), and the fast path agreeing with the exact one."""

from __future__ import annotations

import io
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.bench import benchstat, feeder, render
from perfkit.bench.goreader import parse_go_float, read_go_text
from perfkit.bench.results import Result, SyntaxIssue, UnitMeta

from . import corpus_gen


def records(text: str | bytes, units: dict | None = None) -> list:
    data = text.encode() if isinstance(text, str) else text
    return list(read_go_text(data.splitlines(keepends=True), "f.txt", "f", {} if units is None else units))


def results(text: str) -> list[Result]:
    return [r for r in records(text) if isinstance(r, Result)]


def issues(text: str) -> list[str]:
    return [str(r) for r in records(text) if isinstance(r, SyntaxIssue)]


def test_result_lines_and_tidied_units() -> None:
    (r,) = results("BenchmarkEncode/format=json-8   \t 695127\t 1718 ns/op\t 512 B/op\t 6 allocs/op\t 3.5 MB/s\n")
    assert r.name == "Encode/format=json-8" and r.iters == 695127
    assert [(v.value, v.unit, v.orig_unit) for v in r.values] == [
        (1718 * 1e-9, "sec/op", "ns/op"),
        (512.0, "B/op", ""),
        (6.0, "allocs/op", ""),
        (3.5e6, "B/s", "MB/s"),
    ]
    assert r.config.get(".file") == "f" and r.line == 1


def test_configuration_lines() -> None:
    text = "goos: linux\npkg: a\ncpu: X\nBenchmarkA 1 1 ns/op\ngoos:\nnote: n\nBenchmarkB 1 1 ns/op\nkey:nospace\n"
    a, b = results(text)
    assert a.config.file_keys() == {"goos": "linux", "pkg": "a", "cpu": "X"}
    # "goos:" removes goos by moving the last key into its place, as Go does: the order changes
    assert list(b.config.file_keys().items()) == [("cpu", "X"), ("pkg", "a"), ("note", "n")]
    assert results("Pkg: x\nüber: y\nBenchmarkC 1 1 ns/op\n")[0].config.file_keys() == {"über": "y"}


def test_lines_go_skips_or_rejects() -> None:
    text = (
        "BenchmarkAnnounce\n"  # go test -v announcing a benchmark: skipped silently
        "Benchmark\n"
        "BenchmarkNoCount\t\n"
        "Benchmarking is fun\n"
        "BenchmarkA 1.5 1 ns/op\n"
        "BenchmarkB 1_0 1 ns/op\n"
        "BenchmarkC 99999999999999999999 1 ns/op\n"
        "BenchmarkD 1\n"
        "BenchmarkE 1 x ns/op\n"
        "BenchmarkF 1 1e400 ns/op\n"
        "BenchmarkG 1 5\n"
        "BenchmarkH -3 1_000 ns/op\n"
    )
    assert issues(text) == [
        "f.txt:3: missing iteration count",
        "f.txt:4: parsing iteration count: invalid syntax",
        "f.txt:5: parsing iteration count: invalid syntax",
        "f.txt:6: parsing iteration count: invalid syntax",
        "f.txt:7: parsing iteration count: value out of range",
        "f.txt:8: missing measurements",
        "f.txt:9: parsing measurement: invalid syntax",
        "f.txt:10: parsing measurement: value out of range",
        "f.txt:11: missing units",
    ]
    (h,) = results(text)
    assert h.iters == -3 and h.values[0].value == 1000 * 1e-9


@pytest.mark.parametrize(
    ("text", "value"),
    [("0x1p-2", 0.25), ("1_000", 1000.0), ("+.5e1", 5.0), ("Inf", math.inf), ("-infinity", -math.inf), ("5.", 5.0)],
)
def test_go_floats(text: str, value: float) -> None:
    assert parse_go_float(text) == value


@pytest.mark.parametrize("text", ["0x10", "+nan", "1__0", "_1", "1e", "١٢", "0x1p", ""])
def test_not_go_floats(text: str) -> None:
    with pytest.raises(ValueError):
        parse_go_float(text)


def test_zero_and_infinite_ns_keep_their_unit() -> None:
    """Go tidies a value only if tidying changes it: 0 ns/op and Inf ns/op stay in ns/op."""
    zero, inf, nan = results("BenchmarkA 1 0 ns/op\nBenchmarkB 1 +Inf ns/op\nBenchmarkC 1 NaN ns/op\n")
    assert (zero.values[0].unit, inf.values[0].unit, nan.values[0].unit) == ("ns/op", "ns/op", "sec/op")


def test_unicode_spaces_and_crlf() -> None:
    (r,) = results("cpu: Weird\u00a0CPU\r\nBenchmarkX\u00a01\u20039 ns/op\r\n")
    assert r.name == "X" and r.values[0].value == 9 * 1e-9 and r.config.get("cpu") == "Weird\u00a0CPU"


def test_unit_metadata_holds_across_files_and_conflicts_are_errors() -> None:
    units: dict = {}
    first = records("Unit ns/op assume=exact better=lower\nUnit x\nUnit y junk\n", units)
    assert [(m.unit, m.key, m.value) for m in first if isinstance(m, UnitMeta)] == [
        ("sec/op", "assume", "exact"),
        ("sec/op", "better", "lower"),
    ]
    assert [str(i) for i in first if isinstance(i, SyntaxIssue)] == ["f.txt:3: expected key=value"]
    second = records("Unit sec/op assume=exact\nUnit ns/op assume=nothing\n", units)
    assert [str(i) for i in second] == ["f.txt:2: metadata assume of unit ns/op already set to exact"]


# -------------------------------------------------------------------------------- corrupt input
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_corrupted_or_truncated_text_never_breaks_the_reader(data: st.DataObject) -> None:
    text = corpus_gen.basic(1, 1.0) + corpus_gen.WEIRD
    cut = data.draw(st.integers(0, len(text)))
    noise = data.draw(st.text(max_size=20))
    where = data.draw(st.integers(0, cut))
    broken = (text[:where] + noise + text[where:cut]).encode("utf-8", "surrogatepass")
    for record in records(broken):
        if isinstance(record, Result):
            assert record.values and all(isinstance(v.value, float) for v in record.values)
        else:
            assert isinstance(record, SyntaxIssue | UnitMeta)


def _tables_text(data: bytes, mode: str) -> str:
    builder = benchstat.Builder(benchstat.Options())
    lines = data.splitlines(keepends=True)
    if mode == "checked":  # a stream: numbers checked line by line
        builder.add_go_text(lines, "f.txt", "f")
    elif mode == "batched":  # a file: numbers converted in batches (of 4 here), re-read on a surprise
        batch, feeder._BATCH = feeder._BATCH, 4
        try:
            builder.add_go_text(io.BufferedReader(io.BytesIO(data)), "f.txt", "f")
        finally:
            feeder._BATCH = batch
    else:
        builder.add_all(read_go_text(lines, "f.txt", "f", builder.units))
    return render.render_csv(builder.tables())[0] if builder.results else ""


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_fast_path_equals_the_exact_one(data: st.DataObject) -> None:
    """The reader's fast paths (routing lines by shape; numbers checked per line or converted in
    batches) give the tables the record path gives."""
    lines = (corpus_gen.basic(3, 1.1) + corpus_gen.WEIRD + corpus_gen.units(True)).splitlines(keepends=True)
    picked = data.draw(st.lists(st.sampled_from(lines), max_size=60))
    extra = data.draw(st.lists(st.sampled_from(["BenchmarkZ 1 0 ns/op\n", "note: x\n", "BenchmarkZ 1 3 ns/op\n",
                                                "note:\n", "BenchmarkZ 1 NaN ns/op\n", "Unit ns/op assume=exact\n",
                                                "BenchmarkZ 1 1_000 ns/op\n", "BenchmarkZ 1 x ns/op\n"]),
                               max_size=10))  # fmt: skip
    text = "".join(picked + extra).encode()
    exact = _tables_text(text, "exact")
    assert _tables_text(text, "checked") == exact
    assert _tables_text(text, "batched") == exact
