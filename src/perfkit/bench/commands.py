"""The ``bench`` and ``benchstat`` commands: parse arguments, call perfkit.bench, print.

Heavy modules load inside the commands, so ``perfkit --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

from perfkit.bench.benchstat_cli import parse_percent

__all__ = ["parse_percent", "register"]


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


def benchstat_command(ctx: typer.Context) -> None:
    """Compare benchmark results like Go's benchstat: medians ± CI, deltas, p-values, geomean."""
    from perfkit.bench import benchstat_cli

    benchstat_cli.main(ctx.args)


def register(app: typer.Typer) -> None:
    """Add ``bench`` and ``benchstat`` to ``app``."""
    app.command("bench")(bench)
    # benchstat parses its own flags (Go's -flag syntax; and typer's coercion would load pydantic,
    # 8 MB and a tenth of a second, for a command that must start as fast as Go's)
    app.command(
        "benchstat",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
        add_help_option=False,
    )(benchstat_command)
