"""The harness's own floor: ns/op of a benchmark that does nothing, perfkit bench vs pytest-benchmark.

1. End to end: both tools run the same test (``benchmark(noop)``) in real pytest runs, alternated
   ROUNDS times so machine drift hits both alike; each tool's median over its samples.  perfkit
   (like Go) times one long run per sample, pytest-benchmark times many microsecond rounds and
   its median drops the rounds in which the process was descheduled, so on a loaded machine this
   comparison measures the load as much as the harness.
2. Harness cost alone: in one process, the two timed loops (perfkit's ``make_loop`` and
   pytest-benchmark's own ``BenchmarkFixture._make_runner``) around the same no-op, the same
   round length, interleaved; median of many rounds.  This is the floor each harness adds.

    python benchmarks/bench_harness_floor.py            # prints Markdown; reports/bench-floor.md holds a run
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROUNDS = 5
SUITE = "def noop():\n    pass\n\n\ndef test_noop(benchmark):\n    benchmark(noop)\n"


def _pytest(folder: Path, *args: str) -> None:
    cmd = [sys.executable, "-m", "pytest", "test_floor.py", "-q", "-p", "no:cacheprovider", *args]
    done = subprocess.run(cmd, cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")


def perfkit_floor(folder: Path) -> list[float]:
    """ns/op of every run (5 runs of 300 ms, Go-calibrated)."""
    _pytest(folder, "--perfkit-count", "5", "--perfkit-benchtime", "300ms", "--perfkit-out", "pk.json")
    doc = json.loads((folder / "pk.json").read_text())
    return [run["elapsed_ns"] / run["n"] for run in doc["benchmarks"][0]["runs"]]


def pytest_benchmark_floor(folder: Path) -> list[float]:
    """ns/op of every pytest-benchmark round (its defaults: calibrated rounds for up to 1 s)."""
    _pytest(folder, "--benchmark-json=pb.json")
    doc = json.loads((folder / "pb.json").read_text())
    return [s * 1e9 for s in doc["benchmarks"][0]["stats"]["data"]]


def same_process_floor(rounds: int = 400, calls: int = 10_000) -> tuple[float, float]:
    """Median ns/call of perfkit's loop and pytest-benchmark's runner, interleaved round by round."""
    import time

    from pytest_benchmark.fixture import BenchmarkFixture

    from perfkit.bench.calibrate import make_loop

    def noop() -> None:
        pass

    pb = BenchmarkFixture.__new__(BenchmarkFixture)  # only what _make_runner reads
    pb._timer, pb._disable_gc = time.perf_counter, False
    pb_runner = pb._make_runner(noop, (), {})
    pk_loop = make_loop(noop)
    pk, pbs = [], []
    for _ in range(rounds):
        pk.append(pk_loop(calls) / calls)
        pbs.append(pb_runner(range(calls)) * 1e9 / calls)
    return statistics.median(pk), statistics.median(pbs)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "test_floor.py").write_text(SUITE)
        perfkit: list[float] = []
        pytest_benchmark: list[float] = []
        for _ in range(ROUNDS):
            perfkit += perfkit_floor(folder)
            pytest_benchmark += pytest_benchmark_floor(folder)
    pk, pb = statistics.median(perfkit), statistics.median(pytest_benchmark)
    print("| harness | median ns/op of a no-op | min ns/op | samples |")
    print("|:--|--:|--:|--:|")
    print(f"| perfkit bench | {pk:.1f} | {min(perfkit):.1f} | {len(perfkit)} |")
    print(f"| pytest-benchmark | {pb:.1f} | {min(pytest_benchmark):.1f} | {len(pytest_benchmark)} |")
    print(f"\nperfkit / pytest-benchmark (medians): {pk / pb:.2f}; Python {platform.python_version()}")
    same_pk, same_pb = same_process_floor()
    print("\n| timed loop, same process, 10,000-call rounds | median ns/call |")
    print("|:--|--:|")
    print(f"| perfkit (`calibrate.make_loop`) | {same_pk:.1f} |")
    print(f"| pytest-benchmark (`BenchmarkFixture._make_runner`) | {same_pb:.1f} |")


if __name__ == "__main__":
    main()
