"""Go's benchmark text: reading (incl. corrupted input), Go's number formatting, golden writer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.bench import gofmt, storage
from perfkit.bench.results import split_procs

from .helpers import check_golden, go_text

GO_1_19_OUTPUT = """goos: linux
goarch: amd64
pkg: example.com/enc
cpu: Intel(R) Xeon(R) CPU @ 2.20GHz
BenchmarkEncode/format=json-8         	  695127	      1718 ns/op	     512 B/op	       6 allocs/op
BenchmarkEncode/format=gob-8          	  389610	      3066 ns/op	    1024 B/op	      12 allocs/op
BenchmarkTiny-8                       	1000000000	         0.2540 ns/op	       0 B/op	       0 allocs/op
--- BENCH: BenchmarkLogs-8
    enc_test.go:12: some log line
PASS
ok  	example.com/enc	4.123s
"""


def test_reads_go_output() -> None:
    result = gofmt.parse(GO_1_19_OUTPUT, "old.txt")
    assert [r.name for r in result.results] == [
        "BenchmarkEncode/format=json-8",
        "BenchmarkEncode/format=gob-8",
        "BenchmarkTiny-8",
    ]
    first = result.results[0]
    assert first.iters == 695127
    assert first.values == {"ns/op": 1718.0, "B/op": 512.0, "allocs/op": 6.0}
    assert first.config == {"goos": "linux", "goarch": "amd64", "pkg": "example.com/enc", "cpu": first.config["cpu"]}
    assert first.short_name == "Encode/format=json-8"
    assert result.warnings == []


def test_config_lines_change_midway() -> None:
    text = "pkg: a\nBenchmarkX 10 5 ns/op\npkg: b\nBenchmarkX 10 6 ns/op\n"
    result = gofmt.parse(text, "f")
    assert [r.config["pkg"] for r in result.results] == ["a", "b"]


def test_malformed_result_lines_become_warnings() -> None:
    text = "BenchmarkA 10 5 ns/op\nBenchmarkB 10 5\nBenchmarkC x 5 ns/op\nBenchmarkD 10 nan ns/op\n"
    result = gofmt.parse(text, "f.txt")
    assert [r.name for r in result.results] == ["BenchmarkA"]
    assert len(result.warnings) == 3
    assert result.warnings[0].startswith("f.txt:2:")


def test_not_a_benchmark_name() -> None:
    with pytest.raises(ValueError, match="no benchmark result lines"):
        gofmt.parse("Benchmarking is fun 1 2 3\nPASS\n", "f")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "         0 ns/op"),
        (1718, "      1718 ns/op"),
        (999.96, "      1000 ns/op"),
        (123.45, "       123.5 ns/op"),
        (12.345, "        12.35 ns/op"),
        (1.5, "         1.500 ns/op"),
        (0.254, "         0.2540 ns/op"),
        (0.01234, "         0.01234 ns/op"),
        (0.001234, "         0.001234 ns/op"),
        (0.0001234, "         0.0001234 ns/op"),
    ],
)
def test_go_number_formatting(value: float, expected: str) -> None:
    assert gofmt.pretty(value, "ns/op") == expected


def test_split_procs() -> None:
    assert split_procs("BenchmarkX/size=10-8") == ("BenchmarkX/size=10", 8)
    assert split_procs("BenchmarkX") == ("BenchmarkX", 1)


def test_go_text_writer_golden() -> None:
    benchmarks = [
        storage.Benchmark("BenchmarkNoop", "tests/bench/test_x", "n1", 2, [storage.Run(50_000_000, 1_250_000_000)]),
        storage.Benchmark(
            "BenchmarkSized/size=10",
            "tests/bench/test_x",
            "n2",
            2,
            [storage.Run(31250, 1_002_345_678, 11018, 17), storage.Run(30000, 998_000_000, 11018, 17)],
        ),
        storage.Benchmark("BenchmarkOther", "tests/bench/test_y", "n3", 1, [storage.Run(7, 1_500_000_000)]),
    ]
    context = {"goos": "linux", "goarch": "amd64", "cpu": "Test CPU @ 3.00GHz"}
    text = storage.to_go_text(benchmarks, context)
    check_golden("go_text.txt", text)
    reread = gofmt.parse(text, "x")  # what we write, we (and Go's benchstat) read back
    assert [r.name for r in reread.results] == [
        "BenchmarkNoop-2",
        "BenchmarkSized/size=10-2",
        "BenchmarkSized/size=10-2",
        "BenchmarkOther",
    ]
    assert reread.results[1].values == {"ns/op": 32075.0, "B/op": 11018, "allocs/op": 17}


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_corrupted_or_truncated_text_raises_only_value_error(data: st.DataObject) -> None:
    text = go_text({"BenchmarkA": 1000.0, "BenchmarkB/n=1": 50.0}, count=3, noise=0.01, seed=1)
    cut = data.draw(st.integers(0, len(text)))
    noise = data.draw(st.text(max_size=20))
    where = data.draw(st.integers(0, cut))
    broken = text[:where] + noise + text[where:cut]
    try:
        result = gofmt.parse(broken, "broken.txt")
    except ValueError:
        return
    assert result.results
    for r in result.results:
        assert r.iters > 0 and all(isinstance(v, float) for v in r.values.values())
