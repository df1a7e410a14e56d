"""perfkit benchstat against Go's real benchstat and the statistics library under it.

* every case of tests/bench/corpus/cases.json: perfkit's output has the same words and numbers
  as what Go's benchstat printed for the same input and flags (recorded in corpus/expected/ by
  make_benchstat_reference.py), the same CSV byte for byte, and every warning Go printed;
* thousands of U tests and quantile intervals: the p-values and order statistics go-moremath
  computed (tests/golden/bench/moremath_reference.json).
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfkit.bench import stats
from perfkit.cli import app

from . import corpus_gen, make_benchstat_reference

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = CORPUS / "expected"
CASES = json.loads((CORPUS / "cases.json").read_text())


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus inputs plus the 100,000-run files, made here rather than committed."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in CORPUS.glob("*.txt"):
        (folder / path.name).symlink_to(path)
    for name, make in corpus_gen.GENERATED.items():
        (folder / name).write_bytes(make().encode())
    return folder


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, ["benchstat", *args])
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout, result.stderr


def words(text: str) -> list[list[str]]:
    """Every line's words and numbers, without the padding and the box-drawing rules."""
    return [line.replace("│", " ").split() for line in text.splitlines()]


def test_inputs_are_what_the_generator_makes() -> None:
    for name, make in corpus_gen.FILES.items():
        assert (CORPUS / name).read_bytes() == make().encode("utf-8"), f"{name}: rerun make_benchstat_reference.py"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_same_numbers_as_go(case: dict, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = run(case["args"], corpus_dir, monkeypatch)
    expected = (EXPECTED / f"{case['name']}.out").read_text(encoding="utf-8")
    if "csv" in case["args"]:
        assert out == expected
    else:
        assert words(out) == words(expected)
        assert out == expected, "same numbers, different layout"
    for line in (EXPECTED / f"{case['name']}.err").read_text(encoding="utf-8").splitlines():
        assert line in err, f"Go warned {line!r}; perfkit did not"


def test_a_hundred_thousand_runs_a_side(corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = run(["huge-old.txt", "huge-new.txt"], corpus_dir, monkeypatch)
    assert "n=100000" in out and "±" in out


# ------------------------------------------------------------------------ go-moremath reference
@pytest.fixture(scope="module")
def reference() -> tuple[dict, dict]:
    recorded = json.loads((Path(__file__).parents[1] / "golden" / "bench" / "moremath_reference.json").read_text())
    cases = make_benchstat_reference.reference_cases()
    assert hashlib.sha256(json.dumps(cases).encode()).hexdigest() == recorded["cases_sha256"]
    return cases, recorded["go"]


def _go_float(bits: str) -> float:
    return struct.unpack("<d", struct.pack("<Q", int(bits, 16)))[0]


def test_u_test_p_values_are_gos(reference: tuple[dict, dict]) -> None:
    """Same printed p (3 decimals) and verdict at 0.05 everywhere; the very same bits wherever
    Go's arithmetic is exact (no ties, or ties among at most 20 values, or two distinct values)."""
    cases, go = reference
    checked = exact = 0
    for case, result in zip(cases["utests"], go["utests"]):
        mine = stats.mann_whitney(case["x"], case["y"])
        if result.get("error"):
            assert result["error"] == "all samples are equal" and mine.method == "equal"
            continue
        theirs = _go_float(result["p"])
        assert mine.u == result["u"]
        assert f"{mine.p:.3f}" == f"{theirs:.3f}" and (mine.p <= 0.05) == (theirs <= 0.05), (case, mine, theirs)
        values = len(case["x"]) + len(case["y"])
        distinct = len(set(case["x"]) | set(case["y"]))
        if mine.method == "exact" or (mine.method == "exact-ties" and (values <= 20 or distinct == 2)):
            assert mine.p == theirs, (case, mine, theirs)
            exact += 1
        checked += 1
    assert checked > 4800 and exact > 1800


def test_interval_orders_are_gos(reference: tuple[dict, dict]) -> None:
    cases, go = reference
    for case, result in zip(cases["cis"], go["cis"]):
        ci = stats.quantile_ci_orders(case["n"], case["q"], case["confidence"])
        assert (ci.lo_order, ci.hi_order) == (result["lo"], result["hi"]), case


# --------------------------------------------------------------------------- without the C scanner
_MULTI_FILE = [c for c in CASES if sum(a.endswith(".txt") for a in c["args"]) >= 2 and "huge-old.txt" not in c["args"]]


def test_the_pure_python_reader_gives_gos_output(corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where no C compiler built the scanner (PERFKIT_BENCHSTAT_PURE=1 stands in), Go text is read
    by the Python reader alone: on every corpus case of several files it prints what Go printed,
    warnings included: Unit lines, configuration changes, ties, filters, a file given twice."""
    from perfkit.bench import feeder

    monkeypatch.setenv("PERFKIT_BENCHSTAT_PURE", "1")
    assert feeder.scanner() is None
    assert len(_MULTI_FILE) >= 20
    for case in _MULTI_FILE:
        out, err = run(case["args"], corpus_dir, monkeypatch)
        assert out == (EXPECTED / f"{case['name']}.out").read_text(encoding="utf-8"), case["name"]
        for line in (EXPECTED / f"{case['name']}.err").read_text(encoding="utf-8").splitlines():
            assert line in err, (case["name"], line)
