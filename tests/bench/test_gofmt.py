"""Go's benchmark text as perfkit writes it: Go's number formatting and the golden writer."""

from __future__ import annotations

import pytest

from perfkit.bench import gofmt, storage
from perfkit.bench.results import Result, split_procs

from .helpers import check_golden


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
    reread = storage.parse_document(text, "x")  # what we write, we (and Go's benchstat) read back
    assert [r.name for r in reread.results] == ["Noop-2", "Sized/size=10-2", "Sized/size=10-2", "Other"]
    assert [(v.value, v.unit) for v in reread.results[1].values] == [
        (32075.0 * 1e-9, "sec/op"),
        (11018.0, "B/op"),
        (17.0, "allocs/op"),
    ]
    assert not [r for r in reread.records if not isinstance(r, Result)]
