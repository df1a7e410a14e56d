"""The pytest plugin with real pytest runs (subprocess): Go names and output, interleaved counts,
the 2.0x ratio, memray allocation figures, per-benchmark flame graphs, and staying inert when its
options are not used.  Checks are generous: the machine running them may be loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.bench import storage

SUITE = """
import time

import pytest

def spin(n):
    total = 0
    for i in range(n):
        total += i
    return total

def test_single(benchmark):
    benchmark(time.sleep, 0.003)

def test_double(benchmark):
    benchmark(time.sleep, 0.006)

@pytest.mark.parametrize("size", [10, 1000])
def test_sized(benchmark, size):
    assert benchmark(spin, size) == sum(range(size))

class TestCodec:
    def test_round_trip(self, benchmark):
        benchmark(lambda: None)

def test_not_a_benchmark():
    assert True
"""

MEMORY_SUITE = """
def ten():
    return [bytes(1000) for _ in range(10)]

def twenty():
    return [bytes(1000) for _ in range(20)]

def nothing(x):
    return x + 0

def test_ten(benchmark):
    benchmark(ten)

def test_twenty(benchmark):
    benchmark(twenty)

def test_nothing(benchmark):
    benchmark(nothing, 5)
"""


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--no-header", "-q", *args]
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=600)


def results(path: Path) -> dict[str, storage.Benchmark]:
    benchmarks, _ = storage.loads_benchmarks(path.read_text())
    return {b.name: b for b in benchmarks}


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "test_suite.py").write_text(SUITE)
    return tmp_path


def test_go_output_names_and_interleaving(suite: Path) -> None:
    done = run_pytest(suite, "--perfkit-bench", "--perfkit-count", "3", "--perfkit-benchtime", "5x",
                      "--perfkit-out", "out.json", "-k", "sized or codec")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("Benchmark")]
    names = [line.split()[0].rsplit("-", 1)[0] if "-" in line.split()[0] else line.split()[0] for line in lines]
    expected = ["BenchmarkSized/size=10", "BenchmarkSized/size=1000", "BenchmarkCodec/RoundTrip"]
    assert names == expected * 3  # round-robin: every benchmark once, then again
    assert "goos: " in done.stdout and "pkg: test_suite" in done.stdout and "cpu: " in done.stdout
    assert all(line.split()[1] == "5" and line.split()[3] == "ns/op" for line in lines)
    stored = results(suite / "out.json")
    assert set(stored) == set(expected)
    assert [r.n for r in stored["BenchmarkSized/size=10"].runs] == [5, 5, 5]
    doc = json.loads((suite / "out.json").read_text())
    assert doc["context"]["count"] == 3 and doc["context"]["benchtime"] == "5x"
    assert {"goos", "goarch", "cpu", "python", "hostname"} <= set(doc["context"])


def test_one_benchmark_repeated(suite: Path) -> None:
    done = run_pytest(suite, "--perfkit-count", "4", "--perfkit-benchtime", "2x", "--perfkit-out", "out.json",
                      "-k", "codec")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(results(suite / "out.json")["BenchmarkCodec/RoundTrip"].runs) == 4


def test_go_text_output(suite: Path) -> None:
    done = run_pytest(suite, "--perfkit-benchtime", "3x", "--perfkit-out", "out.txt", "-k", "sized")
    assert done.returncode == 0, done.stdout + done.stderr
    text = (suite / "out.txt").read_text()
    assert text.startswith("goos: ")
    assert "\nPASS\nok  \ttest_suite\t" in text
    assert sum(1 for line in text.splitlines() if line.startswith("BenchmarkSized/size=")) == 2


def test_calibration_fills_the_benchtime(suite: Path) -> None:
    done = run_pytest(suite, "--perfkit-benchtime", "200ms", "--perfkit-out", "out.json", "-k", "single")
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = results(suite / "out.json")["BenchmarkSingle"].runs
    assert run.n > 1
    assert 0.2e9 <= run.elapsed_ns < 2.0e9  # Go stops at the first run that lasts the benchtime


def test_twice_the_work_reads_two_times(suite: Path) -> None:
    done = run_pytest(suite, "--perfkit-count", "5", "--perfkit-benchtime", "100ms", "--perfkit-out", "out.json",
                      "-k", "single or double")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    stored = results(suite / "out.json")
    # Sleeps, not CPU spins: on a loaded two-core CI machine a spin's time drifted to 1.56x and
    # 2.53x, while a sleep overshoots by a scheduler wake-up (~0.1 ms) whatever the load.  The
    # fastest run of each: interference only ever adds time.
    single = min(r.ns_per_op for r in stored["BenchmarkSingle"].runs)
    double = min(r.ns_per_op for r in stored["BenchmarkDouble"].runs)
    assert single >= 3e6 and double >= 6e6  # ns/op is per call: a miscount of n breaks these
    assert double / single == pytest.approx(2.0, rel=0.1)


def test_benchmem_counts_allocations(tmp_path: Path) -> None:
    (tmp_path / "test_mem.py").write_text(MEMORY_SUITE)
    done = run_pytest(tmp_path, "--perfkit-benchmem", "--perfkit-benchtime", "20x", "--perfkit-out", "out.json")
    assert done.returncode == 0, done.stdout + done.stderr
    stored = {name: b.runs[0] for name, b in results(tmp_path / "out.json").items()}
    ten, twenty, nothing = stored["BenchmarkTen"], stored["BenchmarkTwenty"], stored["BenchmarkNothing"]
    assert 10_000 <= ten.bytes_per_op <= 14_000
    assert ten.allocs_per_op >= 10
    assert twenty.bytes_per_op / ten.bytes_per_op == pytest.approx(2.0, rel=0.1)
    assert nothing.bytes_per_op < 1000
    assert "B/op" in done.stdout and "allocs/op" in done.stdout


def test_cpuprofile_writes_a_flame_graph_per_benchmark(suite: Path) -> None:
    done = run_pytest(suite, "--perfkit-benchtime", "3x", "--perfkit-cpuprofile", "prof", "-k", "sized")
    assert done.returncode == 0, done.stdout + done.stderr
    written = sorted(p.name for p in (suite / "prof").iterdir())
    assert [Path(n).stem for n in written] == ["BenchmarkSized_size=10", "BenchmarkSized_size=1000"]
    big = next((suite / "prof").glob("BenchmarkSized_size=1000.*")).read_text()
    assert "spin" in big


def test_inert_without_options(suite: Path) -> None:
    done = run_pytest(suite, "-k", "single", "--benchmark-min-rounds=1", "--benchmark-max-time=0.01")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BenchmarkSingle" not in done.stdout
    assert "test_single" in done.stdout  # pytest-benchmark's own table: it kept the fixture


def test_pedantic_and_failures(tmp_path: Path) -> None:
    (tmp_path / "test_p.py").write_text(
        "def test_pedantic(benchmark):\n"
        "    assert benchmark.pedantic(sorted, setup=lambda: (([3, 1, 2],), {}), rounds=3) == [1, 2, 3]\n"
        "def test_fails(benchmark):\n"
        "    benchmark(lambda: 1 / 0)\n"
    )
    done = run_pytest(tmp_path, "--perfkit-benchtime", "10x", "--perfkit-out", "out.json")
    assert done.returncode == 1
    assert "BenchmarkPedantic" in done.stdout and "ZeroDivisionError" in done.stdout
    assert set(results(tmp_path / "out.json")) == {"BenchmarkPedantic"}


def test_bad_benchtime_is_a_usage_error(suite: Path) -> None:
    done = run_pytest(suite, "--perfkit-benchtime", "fast")
    assert done.returncode == 4
    assert "--benchtime fast" in done.stderr
