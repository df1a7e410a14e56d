"""The ``bench`` and ``benchstat`` commands: parse arguments, call perfkit.bench, print."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from perfkit.bench import benchstat, render, runner, stats, storage
from perfkit.errors import PerfkitError

__all__ = ["parse_percent", "register"]


def parse_percent(text: str) -> float:
    """``5%`` or ``5`` -> 0.05."""
    raw = text.strip().removesuffix("%")
    try:
        value = float(raw)
    except ValueError:
        raise PerfkitError(f"--fail-on {text}: use a percentage such as 5%") from None
    if not 0 <= value < 1e6:
        raise PerfkitError(f"--fail-on {text}: use a non-negative percentage such as 5%")
    return value / 100


def _labels(paths: list[Path]) -> list[str]:
    names = [p.name for p in paths]
    return names if len(set(names)) == len(names) else [str(p) for p in paths]


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
    runner.run_benchmarks(
        paths or [],
        keyword=keyword,
        count=count,
        benchtime=benchtime,
        benchmem=benchmem,
        cpuprofile=cpuprofile,
        out=output,
    )


def benchstat_command(
    files: list[Path] = typer.Argument(..., help="Result files: Go text, perfkit JSON, pytest-benchmark JSON."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level for the Mann-Whitney U test."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the median intervals."),
    fmt: str = typer.Option("text", "--format", help="text, csv or markdown."),
    fail_on: str = typer.Option(None, "--fail-on", help="Exit 1 on a significant slowdown of at least PCT (5%)."),
) -> None:
    """Compare benchmark results: medians ± CI, delta vs the first file, p-values, geomean."""
    if fmt not in render.FORMATS:
        raise PerfkitError(f"--format {fmt}: use one of {', '.join(render.FORMATS)}")
    threshold = parse_percent(fail_on) if fail_on is not None else None
    sets = [storage.load_results(p, label) for p, label in zip(files, _labels(files))]
    for result_set in sets:
        for warning in result_set.warnings:
            print(f"perfkit: warning: {warning}", file=sys.stderr)
    tables = benchstat.build_tables(sets, alpha=alpha, confidence=confidence)
    typer.echo(render.render(tables, fmt), nl=False)
    need = stats.min_samples_for(alpha)
    if len(sets) > 1 and any(
        stats.smallest_p(c.n_base, c.n) > alpha for t in tables for r in t.rows for c in r.comparisons if c
    ):
        print(
            f"perfkit: warning: some benchmarks have too few samples to ever be significant at alpha {alpha:g} "
            f"(need >= {need} a side); rerun with --count 10",
            file=sys.stderr,
        )
    if threshold is not None:
        found = benchstat.regressions(tables, threshold)
        if found:
            worst = "; ".join(r.describe() for r in found[:5]) + (" ..." if len(found) > 5 else "")
            print(
                f"perfkit: benchstat: {len(found)} significant slowdown(s) of at least {threshold * 100:g}%: {worst}",
                file=sys.stderr,
            )
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``bench`` and ``benchstat`` to ``app``."""
    app.command("bench")(bench)
    app.command("benchstat")(benchstat_command)
