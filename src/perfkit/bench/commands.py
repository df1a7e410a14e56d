"""The ``bench`` and ``benchstat`` commands: parse arguments, call perfkit.bench, print.

Heavy modules load inside the commands, so ``perfkit --help`` stays fast.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import typer

from perfkit.errors import PerfkitError

__all__ = ["parse_percent", "register"]


def parse_percent(text: str) -> float:
    """``5%`` or ``5`` -> 0.05 (both mean five percent)."""
    raw = text.strip().removesuffix("%").strip()
    try:
        value = float(raw)
    except ValueError:
        raise PerfkitError(f"--fail-on {text}: use a percentage such as 5% (or 5)") from None
    if not 0 <= value < 1e6 or math.isnan(value):
        raise PerfkitError(f"--fail-on {text}: use a non-negative percentage such as 5%")
    return value / 100


def bench(
    paths: list[str] = typer.Argument(None, help="Test files or folders (default: the current folder)."),
    keyword: str = typer.Option(None, "-k", help="Only tests matching this pytest -k expression."),
    count: int = typer.Option(1, "--count", help="Run every benchmark N times (interleaved)."),
    benchtime: str = typer.Option("1s", "--benchtime", help="Time per run (1s, 500ms) or calls per run (100x)."),
    benchmem: bool = typer.Option(False, "--benchmem", help="Also report B/op and allocs/op (memray pass)."),
    cpuprofile: Path = typer.Option(None, "--cpuprofile", help="Write a flame graph per benchmark into DIR."),
    output: Path = typer.Option(None, "-o", "--output", help="Save results: x.txt (Go format) or x.json (perfkit)."),
) -> None:
    """Run pytest benchmarks Go's way: `go test -bench -benchmem -count N`."""
    from perfkit.bench import runner

    runner.run_benchmarks(
        paths or [],
        keyword=keyword,
        count=count,
        benchtime=benchtime,
        benchmem=benchmem,
        cpuprofile=cpuprofile,
        out=output,
    )


_FORMATS = ("text", "csv", "markdown", "html")


def benchstat_command(
    files: list[str] = typer.Argument(
        None,
        help="Result files: Go text, perfkit JSON, pytest-benchmark JSON or .benchmarks/ (label=path names "
        "a column; - is stdin).",
    ),
    col: str = typer.Option(".file", "--col", "-col", help="Columns by distinct values of these keys."),
    row: str = typer.Option(".fullname", "--row", "-row", help="Rows by distinct values of these keys."),
    table: str = typer.Option(".config", "--table", "-table", help="Tables by distinct values of these keys."),
    filter_: str = typer.Option(
        "*", "--filter", "-filter", help="Only results matching this query (key:value, -x, OR)."
    ),
    ignore: str = typer.Option("", "--ignore", "-ignore", help="Ignore variations in these keys (e.g. note,cpu)."),
    alpha: float = typer.Option(0.05, "--alpha", "-alpha", help="A change is significant if p <= alpha."),
    confidence: float = typer.Option(0.95, "--confidence", "-confidence", help="Confidence level of the ranges."),
    fmt: str = typer.Option("text", "--format", "-format", help="text, csv, markdown or html."),
    output: Path = typer.Option(None, "-o", "--output", help="Write the report to FILE instead of stdout."),
    fail_on: str = typer.Option(
        None, "--fail-on", help="Exit 1 on a significant regression of at least PCT (5% or 5)."
    ),
) -> None:
    """Compare benchmark results like Go's benchstat: medians ± CI, deltas, p-values, geomean."""
    from perfkit.bench import benchstat, render, storage

    if fmt not in _FORMATS:
        raise PerfkitError(f"--format {fmt}: use one of {', '.join(_FORMATS)}")
    threshold = parse_percent(fail_on) if fail_on is not None else None
    if threshold is not None and "%" not in fail_on and 0 < threshold < 0.01:
        print(
            f"perfkit: note: --fail-on {fail_on} means {fail_on}%; write --fail-on 5% for five percent", file=sys.stderr
        )
    options = benchstat.Options(table, row, col, ignore, filter_, alpha, confidence)
    builder = benchstat.Builder(options)
    inputs = storage.input_labels(files or ["-"])
    empty = []
    for path, label in inputs:
        before = builder.results
        storage.feed(builder, path, label)
        if builder.results == before:
            empty.append(path)
    for issue in builder.issues:
        print(f"perfkit: warning: {issue}", file=sys.stderr)
    tables = builder.tables()
    if not tables:
        where = ", ".join(p for p, _ in inputs)
        if len(empty) < len(inputs):
            raise PerfkitError(f"--filter {filter_}: no result in {where} matches; check the query")
        raise PerfkitError(
            f"{where}: no benchmark results (expected `BenchmarkName N value unit ...` lines, perfkit JSON "
            "or pytest-benchmark JSON); write them with perfkit bench -o or go test -bench"
        )
    for path in empty:
        print(f"perfkit: warning: {path}: no benchmark results in this input", file=sys.stderr)
    if fmt == "csv":
        text, cell_warnings = render.render_csv(tables)
    else:
        text, cell_warnings = render.render(tables, fmt), []
    _write(text, output)
    for line in cell_warnings:
        print(line, file=sys.stderr)
    for hint in _hints(tables, len(inputs)):
        print(f"perfkit: note: {hint}", file=sys.stderr)
    if threshold is not None:
        _gate(benchstat.regressions(tables, threshold), threshold)


def _write(text: str, output: Path | None) -> None:
    data = text.encode("utf-8", "surrogateescape")
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from perfkit.atomic import atomic_open

    with atomic_open(output, "wb") as handle:
        handle.write(data)
    print(f"perfkit: wrote {output}", file=sys.stderr)


def _hints(tables: list, inputs: int) -> list[str]:
    """What Go leaves for the reader to notice: inputs split apart by a differing configuration
    key (so nothing was compared), or benchmarks too few to ever differ significantly."""
    out = []
    columns = {c for t in tables for c in t.columns}
    if len(columns) > 1 and any(len(t.columns) < 2 for t in tables):
        varying = []
        for i, (name, _) in enumerate(tables[0].header):
            if len({t.header[i][1] for t in tables if i < len(t.header)}) > 1:
                varying.append(name)
        if varying:
            keys = ",".join(varying)
            out.append(
                f"results were split into separate tables by differing {keys}; add --ignore {keys} to compare them"
            )
    few = {w for t in tables for r in t.rows for c in r.cells if c and c.comparison for w in c.comparison.warnings
           if w.startswith("need ")}  # fmt: skip
    if few:
        out.append(f"some comparisons can never be significant: {sorted(few)[0]} (run more, e.g. --count 10)")
    return out


def _gate(found: list, threshold: float) -> None:
    if not found:
        return
    print(
        f"perfkit: benchstat: {len(found)} significant regression(s) of at least {threshold * 100:g}%:", file=sys.stderr
    )
    for regression in found:
        print(f"  {regression.describe()}", file=sys.stderr)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``bench`` and ``benchstat`` to ``app``."""
    app.command("bench")(bench)
    app.command("benchstat")(benchstat_command)
