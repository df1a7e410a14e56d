"""Result readers: perfkit JSON round trip, real pytest-benchmark JSON and .benchmarks storage,
and corrupted JSON that must fail with one clean error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.bench import storage
from perfkit.bench.results import Result
from perfkit.errors import PerfkitError

BENCHMARKS = [
    storage.Benchmark("BenchmarkSized/size=10", "tests/bench/test_x", "tests/bench/test_x.py::test_sized[10]", 2,
                      [storage.Run(1000, 2_000_000, 120, 2), storage.Run(1100, 2_100_000, 120, 2)]),
    storage.Benchmark("BenchmarkNoop", "tests/bench/test_x", "tests/bench/test_x.py::test_noop", 1,
                      [storage.Run(10_000_000, 250_000_000)]),
]  # fmt: skip
CONTEXT = {"goos": "linux", "goarch": "amd64", "cpu": "Test CPU", "commit": "abc123", "python": "3.11.7"}


def test_perfkit_json_round_trip(tmp_path: Path) -> None:
    text = storage.dumps(BENCHMARKS, CONTEXT)
    benchmarks, context = storage.loads_benchmarks(text)
    assert benchmarks == BENCHMARKS
    assert context["commit"] == "abc123"
    path = tmp_path / "r.json"
    path.write_text(text)
    results = storage.load_results(path).results
    assert [r.name for r in results] == ["Sized/size=10-2"] * 2 + ["Noop"]
    assert [(v.value, v.unit, v.orig_unit) for v in results[0].values] == [
        (2000 * 1e-9, "sec/op", "ns/op"),
        (120.0, "B/op", ""),
        (2.0, "allocs/op", ""),
    ]
    assert results[0].config.get("pkg") == "tests/bench/test_x"
    assert list(results[0].config.file_keys()) == ["goos", "goarch", "pkg", "cpu"]  # go test's order
    assert results[2].value("sec/op") == 25 * 1e-9


PYTEST_BENCHMARK_SUITE = """
import pytest

@pytest.mark.parametrize("size", [10, 20])
def test_sized(benchmark, size):
    benchmark(sum, range(size))

def test_noop(benchmark):
    benchmark(lambda: None)
"""


@pytest.fixture(scope="module")
def pytest_benchmark_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real pytest-benchmark run: --benchmark-json and --benchmark-save into .benchmarks/."""
    root = tmp_path_factory.mktemp("pb")
    (root / "test_pb.py").write_text(PYTEST_BENCHMARK_SUITE)
    cmd = [sys.executable, "-m", "pytest", "test_pb.py", "-q", "-p", "no:cacheprovider",
           "--benchmark-json=out.json", "--benchmark-save=base", "--benchmark-storage=file://.benchmarks",
           "--benchmark-min-rounds=5", "--benchmark-max-time=0.02", "--benchmark-disable-gc"]  # fmt: skip
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def test_reads_real_pytest_benchmark_json(pytest_benchmark_run: Path) -> None:
    result = storage.load_results(pytest_benchmark_run / "out.json")
    names = {r.name for r in result.results}
    suffix = "" if os.cpu_count() == 1 else f"-{os.cpu_count()}"
    assert names == {f"Sized/size=10{suffix}", f"Sized/size=20{suffix}", f"Noop{suffix}"}
    sized = [r for r in result.results if r.name == f"Sized/size=10{suffix}"]
    assert len(sized) >= 5  # every round is a sample
    assert all(0 < r.value("sec/op") < 0.01 for r in sized)
    assert sized[0].config.get("pkg") == "test_pb"
    assert sized[0].config.get("goos") == "linux"


def test_reads_pytest_benchmark_storage_folder(pytest_benchmark_run: Path) -> None:
    result = storage.load_results(pytest_benchmark_run / ".benchmarks")
    assert result.results[0].path.split("/")[-1].startswith("0001_")  # the latest saved run
    assert {r.name.split("-")[0] for r in result.results} == {"Sized/size=10", "Sized/size=20", "Noop"}


def test_empty_storage_folder(tmp_path: Path) -> None:
    with pytest.raises(PerfkitError, match="no saved benchmark runs"):
        storage.load_results(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "unreadable JSON"),
        ('{"hello": 1}', "neither perfkit bench results nor pytest-benchmark"),
        ('{"benchmarks": [{"fullname": "t.py::test_a"}]}', "stats is missing"),
        ('{"format": "perfkit-bench", "benchmarks": [{"name": "B", "pkg": "p", "runs": [{"n": 0}]}]}', "n must be"),
    ],
)
def test_bad_json_gives_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(PerfkitError, match=message) as info:
        storage.load_results(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("content", [b"", b"   \n", b"PASS\nok x 1s\n", b"[1, 2]", b"\xff\xfe\x00garbage"])
def test_text_without_results_reads_as_nothing(tmp_path: Path, content: bytes) -> None:
    """As in Go: any text is benchmark format; lines that are not results are ignored (the
    command says so when no input has a result)."""
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    assert storage.load_results(path).results == []


def test_missing_file_and_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(PerfkitError, match="no such file"):
        storage.load_results(tmp_path / "nope.txt")


def _mutations() -> st.SearchStrategy:
    leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(), st.text(max_size=5))
    return st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=8,
    )


def _mutate(doc: object, path: list[int], value: object) -> object:
    """Replace one node (chosen by ``path`` indices) of a JSON tree with ``value``."""
    if not path or not isinstance(doc, (dict, list)) or not doc:
        return value
    keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
    key = keys[path[0] % len(keys)]
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[key] = _mutate(doc[key], path[1:], value)  # type: ignore[index]
    return copy


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=6), _mutations(), st.integers(0, 4000), st.booleans())
def test_corrupted_json_raises_only_value_error(path: list[int], value: object, cut: int, pytest_kind: bool) -> None:
    if pytest_kind:
        doc: dict = {
            "machine_info": {"system": "Linux", "machine": "x86_64"},
            "benchmarks": [
                {"fullname": "t.py::test_a[1]", "params": {"n": 1}, "stats": {"data": [1e-6, 2e-6], "iterations": 1}}
            ],
        }
    else:
        doc = json.loads(storage.dumps(BENCHMARKS, CONTEXT))
    text = json.dumps(_mutate(doc, path, value))
    for candidate in (text, text[: cut % (len(text) + 1)]):
        try:
            result = storage.parse_document(candidate, "x")
        except ValueError:
            continue
        for record in result.records:
            if isinstance(record, Result):
                assert record.values and all(v.value >= 0 for v in record.values)


def test_thousands_of_rounds_from_a_real_pytest_benchmark_run(tmp_path: Path) -> None:
    """pytest-benchmark JSON with thousands of rounds per benchmark (the 1,024-run crash and the
    stall of the old interval code): every round is a sample, the comparison uses the normal
    approximation, and it takes a moment."""
    (tmp_path / "test_many.py").write_text(
        "def test_tiny(benchmark):\n    benchmark(sum, range(20))\n\n"
        "def test_small(benchmark):\n    benchmark(sorted, list(range(50, 0, -1)))\n"
    )
    for name in ("old.json", "new.json"):
        cmd = [sys.executable, "-m", "pytest", "test_many.py", "-q", "-p", "no:cacheprovider",
               f"--benchmark-json={name}", "--benchmark-min-rounds=1500", "--benchmark-max-time=0.02"]  # fmt: skip
        done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    rounds = [len(b["stats"]["data"]) for b in json.loads((tmp_path / "old.json").read_text())["benchmarks"]]
    assert min(rounds) >= 1500  # above 1,024, where the old interval code overflowed
    done = subprocess.run([sys.executable, "-m", "perfkit", "benchstat", "old.json", "new.json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Tiny" in done.stdout and "Small" in done.stdout and "geomean" in done.stdout
    assert f"n={rounds[0]}" in done.stdout or f"n={rounds[0]}+" in done.stdout
