"""``perfkit bench`` end to end through the real command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.bench import storage

SUITE = """
import pytest

@pytest.mark.parametrize("size", [10, 100])
def test_sized(benchmark, size):
    benchmark(sorted, list(range(size, 0, -1)))

def test_plain():
    pass
"""


def perfkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "perfkit", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "test_sorting.py").write_text(SUITE)
    return tmp_path


def test_bench_writes_go_text_and_json(suite: Path) -> None:
    done = perfkit("bench", "bench", "--count", "2", "--benchtime", "5x", "--benchmem", "-o", "out.txt", cwd=suite)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BenchmarkSized/size=10" in done.stdout and "allocs/op" in done.stdout
    text = (suite / "out.txt").read_text()
    results = storage.parse_document(text, "out.txt").results
    assert len(results) == 4
    assert {r.name.split("-")[0] for r in results} == {"Sized/size=10", "Sized/size=100"}
    assert all([v.orig_unit or v.unit for v in r.values] == ["ns/op", "B/op", "allocs/op"] for r in results)
    assert results[0].config.get("pkg") == "bench/test_sorting"

    done = perfkit("bench", "bench", "-k", "size and 100", "--benchtime", "5x", "-o", "out.json", cwd=suite)
    assert done.returncode == 0, done.stdout + done.stderr
    benchmarks, context = storage.loads_benchmarks((suite / "out.json").read_text())
    assert [b.name for b in benchmarks] == ["BenchmarkSized/size=100"]
    assert context["benchtime"] == "5x"

    compare = perfkit("benchstat", "out.txt", "out.json", cwd=suite)
    assert compare.returncode == 0, compare.stderr
    assert "Sized/size=100" in compare.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere"], "nowhere: no such file or folder"),
        (["bench", "-k", "nomatch"], "no tests collected"),
        (["bench", "--benchtime", "soon"], "--benchtime soon"),
        (["bench", "--count", "0"], "--count 0"),
        (["bench", "-k", "plain"], "no test used the `benchmark` fixture"),
        (["bench", "-o", "missing/out.txt"], "does not exist"),
    ],
)
def test_bench_errors_are_one_line(suite: Path, args: list[str], message: str) -> None:
    done = perfkit("bench", *args, cwd=suite)  # every case stops before any benchmark runs
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
