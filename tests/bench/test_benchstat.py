"""benchstat end to end: golden tables in every format, the CI gate, and bad input through the
real command line (one line on stderr, no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.bench import benchstat, render, storage
from perfkit.bench.commands import parse_percent
from perfkit.errors import PerfkitError

from .helpers import GOLDEN, check_golden

INPUTS = GOLDEN / "inputs"


def perfkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "perfkit", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


def tables(*names: str, **kw: float) -> list[benchstat.Table]:
    sets = [storage.load_results(INPUTS / n, n) for n in names]
    return benchstat.build_tables(sets, **kw)


@pytest.mark.parametrize("fmt", ["text", "csv", "markdown"])
def test_render_golden(fmt: str) -> None:
    check_golden(f"benchstat_old_new_same.{fmt}", render.render(tables("old.txt", "new.txt", "same.txt"), fmt))


def test_ten_percent_slowdown_and_identical_runs() -> None:
    (sec,) = [t for t in tables("old.txt", "new.txt", "same.txt") if t.unit == "sec/op"]
    for row in sec.rows:
        slow, same = row.comparisons[1], row.comparisons[2]
        assert slow is not None and same is not None
        assert slow.significant and slow.delta == pytest.approx(0.10, abs=0.02)
        assert abs(slow.p - 2 / 184756) < 0.01  # complete separation: the exact p of 10 vs 10
        assert not same.significant  # a fixed draw: at alpha 0.05, 1 in 20 such pairs is flagged by design
    text = render.render([sec], "text")
    assert "~ (p=" in text and "(p=0.000 n=10)" in text and "geomean" in text


def test_text_output_of_the_command() -> None:
    done = perfkit("benchstat", str(INPUTS / "old.txt"), str(INPUTS / "new.txt"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("goos: linux\ngoarch: amd64\npkg: example/orders\ncpu: Test CPU")
    assert "Encode/items=1-2" in done.stdout and "sec/op" in done.stdout and "% (p=0.000 n=10)" in done.stdout


def test_fail_on_gate() -> None:
    slow = perfkit("benchstat", "--fail-on", "5%", str(INPUTS / "old.txt"), str(INPUTS / "new.txt"))
    assert slow.returncode == 1
    assert "significant slowdown" in slow.stderr and "Traceback" not in slow.stderr
    same = perfkit("benchstat", "--fail-on", "5%", str(INPUTS / "old.txt"), str(INPUTS / "same.txt"))
    assert same.returncode == 0, same.stderr
    # a 10% slowdown does not trip a 15% gate, and a speed-up never trips one
    assert perfkit("benchstat", "--fail-on", "15", str(INPUTS / "old.txt"), str(INPUTS / "new.txt")).returncode == 0
    assert perfkit("benchstat", "--fail-on", "5%", str(INPUTS / "new.txt"), str(INPUTS / "old.txt")).returncode == 0


def test_too_few_samples_warns_and_never_gates() -> None:
    # 3 against 10 can be significant (smallest p 0.007): no warning, and the gate works
    done = perfkit("benchstat", "--fail-on", "1%", str(INPUTS / "few.txt"), str(INPUTS / "new.txt"))
    assert done.returncode == 1
    assert "too few samples" not in done.stderr and "need >= 4 samples" not in done.stdout
    # 1 against 3 can never be: a warning, "~" everywhere, and no gate failure
    one = perfkit("benchstat", "--fail-on", "1%", str(INPUTS / "one.txt"), str(INPUTS / "few.txt"))
    assert one.returncode == 0
    assert "too few samples" in one.stderr and "need >= 4 samples to detect a difference" in one.stdout
    assert "~ (p=" in one.stdout and "%  (p=" not in one.stdout


def test_alpha_and_confidence_options() -> None:
    strict = perfkit("benchstat", "--alpha", "0.000001", str(INPUTS / "old.txt"), str(INPUTS / "new.txt"))
    assert strict.returncode == 0 and "~ (p=0.000" in strict.stdout
    loose = perfkit("benchstat", "--confidence", "0.5", "--format", "csv", str(INPUTS / "old.txt"))
    assert loose.returncode == 0 and loose.stdout.startswith("pkg,unit,name,old.txt,old.txt lo")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a.txt": ""}, "the file is empty"),
        ({"a.txt": "PASS\nok  x 1.0s\n"}, "no benchmark result lines"),
        ({"a.json": '{"benchmarks": [1, '}, "unreadable JSON"),
        ({"a.txt": "BenchmarkA 10 5 ns/op\n", "b.txt": "BenchmarkA 10 5 MB/s\n"}, "no benchmark with the same name"),
        ({"a.txt": "BenchmarkA 10 5 ns/op\n", "b.txt": "BenchmarkB 10 5 ns/op\n"}, "no benchmark with the same name"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    done = perfkit("benchstat", *files, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_missing_file_and_bad_options(tmp_path: Path) -> None:
    assert "no such file" in perfkit("benchstat", str(tmp_path / "nope.txt")).stderr
    for args, message in [
        (["--format", "html"], "--format html"),
        (["--fail-on", "lots"], "--fail-on lots"),
        (["--alpha", "2"], "--alpha 2"),
    ]:
        done = perfkit("benchstat", *args, str(INPUTS / "old.txt"), str(INPUTS / "new.txt"))
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_parse_percent() -> None:
    assert parse_percent("5%") == pytest.approx(0.05)
    assert parse_percent("12.5") == pytest.approx(0.125)
    with pytest.raises(PerfkitError):
        parse_percent("-3%")


def test_units_are_tidied_across_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("".join(f"BenchmarkA 10 {1000 + i} ns/op\n" for i in range(6)))
    (tmp_path / "b.json").write_text(
        '{"benchmarks": [{"fullname": "x.py::test_a", "stats": {"data": [1e-6, 1.001e-6, 1.002e-6, 0.999e-6,'
        ' 1.003e-6, 1.0e-6], "iterations": 1}}]}'
    )
    sets = [storage.load_results(tmp_path / "a.txt"), storage.load_results(tmp_path / "b.json")]
    for result in sets[1].results:
        result.config = {}  # same package as the Go text (none)
    (table,) = benchstat.build_tables(sets)
    assert table.unit == "sec/op"
    assert [row.name for row in table.rows] == ["A"]
    assert table.rows[0].cells[1] is not None
