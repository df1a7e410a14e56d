"""perfkit benchstat beyond Go's: golden tables in every format, the CI gate, hints, inputs of
every kind, and user mistakes through the real command line (one line on stderr, no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfkit.bench import benchstat, render, storage
from perfkit.bench.commands import parse_percent
from perfkit.cli import app
from perfkit.errors import PerfkitError

from .helpers import GOLDEN, check_golden

INPUTS = GOLDEN / "inputs"


def perfkit(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, in a child process (for exit codes and one-line errors)."""
    cmd = [sys.executable, "-m", "perfkit", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300, input=stdin)


def invoke(*args: str, cwd: Path = INPUTS, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """The command in this process (fast)."""
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, ["benchstat", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def tables(*names: str, **options: str | float) -> list[benchstat.Table]:
    sets = [storage.load_results(INPUTS / n, n) for n in names]
    return benchstat.build_tables(sets, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["text", "csv", "markdown", "html"])
def test_render_golden(fmt: str) -> None:
    check_golden(f"benchstat_old_new_same.{fmt}", render.render(tables("old.txt", "new.txt", "same.txt"), fmt))


def test_ten_percent_slowdown_and_identical_runs() -> None:
    sec = next(t for t in tables("old.txt", "new.txt", "same.txt") if t.unit == "sec/op")
    for row in sec.rows:
        slow, same = row.cells[1].comparison, row.cells[2].comparison
        assert slow is not None and same is not None
        assert slow.significant and slow.delta == pytest.approx(0.10, abs=0.02)
        assert slow.p == pytest.approx(2 / 184756)  # complete separation: the exact p of 10 vs 10
        assert not same.significant
    assert sec.summaries[1].ratio == pytest.approx(1.10, abs=0.02)


def test_projections_through_the_api() -> None:
    (sec, *_) = tables("old.txt", "new.txt", col="/items", row=".name", filter=".unit:ns/op .name:Encode")
    assert sec.column_labels == ["1", "100"] and [r.label for r in sec.rows] == ["Encode"]
    assert sec.rows[0].cells[0] is not None and len(sec.rows[0].cells[0].values) == 20  # both files pooled
    (pooled, *_) = tables("old.txt", row=".name", filter=".unit:ns/op .name:Encode")
    assert pooled.rows[0].cells[0].warnings == ("benchmarks vary in .fullname",)  # items=1 with items=100


# ----------------------------------------------------------------------------------------- gate
@pytest.mark.parametrize("threshold", ["5%", "5", " 5 % "])
def test_fail_on_names_every_failing_row(threshold: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = invoke("--fail-on", threshold, "old.txt", "new.txt", monkeypatch=monkeypatch)
    assert code == 1
    assert "3 significant regression(s) of at least 5%:" in err
    assert "Encode/items=1-2 sec/op +" in err and "Encode/items=100-2 sec/op +" in err and "Decode-2 sec/op +" in err
    assert "new.txt vs old.txt" in err


def test_fail_on_passes_what_is_not_a_regression(monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("--fail-on", "5%", "old.txt", "same.txt", monkeypatch=monkeypatch)[0] == 0  # not significant
    assert invoke("--fail-on", "15", "old.txt", "new.txt", monkeypatch=monkeypatch)[0] == 0  # 10% < 15%
    assert invoke("--fail-on", "5%", "new.txt", "old.txt", monkeypatch=monkeypatch)[0] == 0  # faster
    assert invoke("--fail-on", "1%", "one.txt", "few.txt", monkeypatch=monkeypatch)[0] == 0  # too few samples
    code, _, err = invoke("--fail-on", "0.05", "old.txt", "new.txt", monkeypatch=monkeypatch)
    assert code == 1 and "--fail-on 0.05 means 0.05%" in err


def test_gate_units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Throughput down gates; B/op up does not; a unit declared better=higher does."""
    old = "".join(f"BenchmarkX 1 {100 + i} MB/s {1000 + i} B/op {50 + i} score\n" for i in range(8))
    new = "".join(f"BenchmarkX 1 {80 + i} MB/s {2000 + i} B/op {40 + i} score\n" for i in range(8))
    (tmp_path / "old.txt").write_text(old)
    (tmp_path / "new.txt").write_text(new)
    code, _, err = invoke("--fail-on", "5%", "old.txt", "new.txt", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1 and "X B/s -19.32%" in err and "B/op" not in err and "score" not in err
    (tmp_path / "old.txt").write_text("Unit score better=higher\n" + old)
    code, _, err = invoke("--fail-on", "5%", "old.txt", "new.txt", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1 and "X score -" in err


def test_parse_percent() -> None:
    assert parse_percent("5%") == pytest.approx(0.05) == parse_percent("5")
    assert parse_percent("12.5") == pytest.approx(0.125)
    for bad in ("-3%", "lots", "nan"):
        with pytest.raises(PerfkitError):
            parse_percent(bad)


# --------------------------------------------------------------------------------------- inputs
def test_labels_stdin_and_output_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = invoke("base=old.txt", "pr=new.txt", monkeypatch=monkeypatch)
    assert code == 0 and "│    base     │" in out and " pr " in out
    code, out, _ = invoke("old.txt", "old.txt", monkeypatch=monkeypatch)
    assert code == 0 and "old.txt#0" in out and "old.txt#1" in out
    done = perfkit("benchstat", "-", stdin=(INPUTS / "old.txt").read_text())
    assert done.returncode == 0 and "│      -      │" in done.stdout
    target = tmp_path / "report.html"
    code, out, _ = invoke("--format", "html", "-o", str(target), "old.txt", "new.txt", monkeypatch=monkeypatch)
    assert code == 0 and out == "" and target.read_text().startswith("<!doctype html>")


def test_mixed_inputs_pytest_benchmark_and_go_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text("pkg: x\n" + "".join(f"BenchmarkA {1000 + i} ns/op\n".replace(" ", " 1 ", 1)
                                                         for i in range(6)))  # fmt: skip
    (tmp_path / "b.json").write_text(
        '{"benchmarks": [{"fullname": "x.py::test_a", "stats": {"data": [1e-6, 1.001e-6, 1.002e-6, 0.999e-6,'
        ' 1.003e-6, 1.0e-6], "iterations": 1}}]}'
    )
    code, out, _ = invoke("a.txt", "b.json", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and "sec/op" in out and out.count("A ") >= 1


def test_hints_for_split_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = Path(__file__).parent / "corpus"
    code, out, err = invoke("cpu-a.txt", "cpu-b.txt", cwd=corpus, monkeypatch=monkeypatch)
    assert code == 0 and out.count("cpu: ") == 2  # Go splits tables by cpu: and compares nothing
    assert "split into separate tables by differing cpu; add --ignore cpu" in err
    code, out, err = invoke("--ignore", "cpu", "cpu-a.txt", "cpu-b.txt", cwd=corpus, monkeypatch=monkeypatch)
    assert code == 0 and "vs base" in out and "split" not in err


def test_go_style_single_dash_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = invoke(
        "-col", "/items", "-row", ".name", "-filter", ".unit:ns/op", "old.txt", monkeypatch=monkeypatch
    )
    assert code == 0 and "│      1      │" in out
    _, same, _ = invoke("-col=/items", "--row=.name", "-filter=.unit:ns/op", "old.txt", monkeypatch=monkeypatch)
    assert same == out  # Go's flag package takes -flag=value and --flag=value too


# ------------------------------------------------------------------------------- user mistakes
@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({"a.txt": ""}, [], "no benchmark results"),
        ({"a.txt": "PASS\nok  x 1.0s\n"}, [], "no benchmark results"),
        ({"a.json": '{"benchmarks": [1, '}, [], "unreadable JSON"),
        ({"a.txt": "BenchmarkA 1 5 ns/op\n"}, ["--filter", ".name:B"], "no result in a.txt matches"),
        ({"a.txt": "BenchmarkA 1 5 ns/op\n"}, ["--filter", ".name:(B"], "--filter: syntax error"),
        ({"a.txt": "BenchmarkA 1 5 ns/op\n"}, ["--col", "x@y"], 'unknown order "y"'),
        ({"a.txt": "BenchmarkA 1 5 ns/op\n"}, ["--alpha", "2"], "--alpha 2: must be in range [0, 1]"),
        ({"a.txt": "BenchmarkA 1 5 ns/op\n"}, ["--format", "pdf"], "--format pdf"),
        ({"a.txt": "BenchmarkA 1 5 ns/op\n"}, ["--fail-on", "lots"], "--fail-on lots"),
        ({}, ["nope.txt"], "nope.txt: no such file"),
        ({"a.txt": "BenchmarkA 1 5 ns/op\n"}, ["--colum", ".name"], "unrecognized arguments: --colum"),
        ({"a.txt": "BenchmarkA 1 5 ns/op\n"}, ["-alpha", "x"], "invalid float value: 'x'"),
    ],
)
def test_mistakes_are_one_line(tmp_path: Path, files: dict[str, str], args: list[str], message: str) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    done = perfkit("benchstat", *args, *files, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_one_empty_input_among_others_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "a.txt").write_text("BenchmarkA 1 5 ns/op\nBenchmarkA 1 6 ns/op\n")
    code, out, err = invoke("empty.txt", "a.txt", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and "a.txt" in out and "empty.txt: no benchmark results in this input" in err


def test_starts_without_the_other_tools_or_pydantic() -> None:
    """Start-up counts against Go's benchstat (time and memory): running benchstat loads no other
    tool's commands, and typer never gets to load pydantic (8 MB)."""
    probe = (
        "import sys; sys.argv = ['perfkit', 'benchstat', sys.argv[1]]\n"
        "from perfkit.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pydantic', 'perfkit.debug.server', 'perfkit.race.commands', 'perfkit.commands')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(INPUTS / "old.txt")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
    assert "sec/op" in done.stdout
