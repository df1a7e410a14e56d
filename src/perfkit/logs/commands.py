"""``perfkit logs``: parse arguments, call :mod:`perfkit.logs`, print.

Heavy modules (polars, msgspec, jinja2, rich tables) are imported inside the command, so the
CLI's startup does not pay for them when another command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from perfkit.errors import PerfkitError

__all__ = ["register"]

LOGS_HELP = """Latency and errors per route from access and application logs.

Reads JSON lines (structlog, python-json-logger, uvicorn/gunicorn/nginx JSON), logfmt, and the
Common/Combined Log Format with a request time appended (nginx $request_time, Apache %D,
gunicorn %(L)s); plain, .gz, globs or - for stdin.  Fields and units are detected and named on
stderr.

Examples:

  perfkit logs access.jsonl.gz

  perfkit logs app.log --by status --every 1m

  perfkit logs --base before.jsonl after.jsonl --fail-on 10%

  perfkit logs access.log -o report.html

  kubectl logs deploy/api | perfkit logs -
"""

_OUTPUT_FORMATS = {".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _warn(lines: list[str]) -> None:
    for line in lines:
        print(line if line.startswith("  ") else f"perfkit: {line}", file=sys.stderr)


def _check_input(result, names: list[str]) -> None:
    """No record at all is a mistake the user must hear about (exit 2), after the warnings."""
    if result.analysis.total.count == 0:
        why = "no log lines could be read" if not result.reader.bad_count else "no line was in a format perfkit reads"
        raise PerfkitError(
            f"{', '.join(names) or 'input'}: {why}; give JSON lines, logfmt or Common/Combined Log Format lines"
        )


def _duration_note(result) -> list[str]:
    total = result.analysis.total
    if total.count and not total.timed:
        fields = [f.fields for f in result.reader.formats.values()]
        why = "; ".join(sorted({f.duration_note for f in fields if f.duration_note})) or "no duration field"
        return [f"latency columns are empty: {why}; name one with --duration FIELD[:UNIT]"]
    return []


def logs_command(
    files: list[str] = typer.Argument(None, help="Log files (.gz too), quoted globs, or - for stdin."),
    by: str = typer.Option(None, "--by", help="Group by these fields (comma-separated): route, method, status, ..."),
    every: str = typer.Option(None, "--every", help="Statistics per time window: 10s, 1m, 5m, 1h."),
    base: list[str] = typer.Option(None, "--base", help="Compare against this log (repeatable; globs)."),
    split_at: str = typer.Option(None, "--split-at", help="Compare before and after this time in one log."),
    duration: str = typer.Option(None, "--duration", help="The duration field, with an optional unit: latency:ms."),
    fmt: str = typer.Option("text", "--format", help="text, json, csv or markdown."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to a file: .html report, .json, .csv, .md."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep reading as the log grows; a live table."),
    fail_on: str = typer.Option(None, "--fail-on", help="With --base: exit 1 on a significant p50 slowdown >= PCT."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level of the Mann-Whitney U test."),
    top: int = typer.Option(20, "--top", min=1, help="Groups shown in text tables."),
    slowest: int = typer.Option(10, "--slowest", min=0, help="Slowest requests listed."),
) -> None:
    from perfkit.logs import api, render

    if fmt not in render.FORMATS:
        raise PerfkitError(f"--format {fmt}: use one of {', '.join(render.FORMATS)}")
    if output is not None:
        suffix = output.suffix.lower()
        if suffix not in (".html", ".htm", *_OUTPUT_FORMATS):
            raise PerfkitError(f"-o {output}: unknown extension; use .html, .json, .csv, .md or .txt")
        if suffix in _OUTPUT_FORMATS:
            fmt = _OUTPUT_FORMATS[suffix]
    if not 0 < alpha < 1:
        raise PerfkitError(f"--alpha {alpha}: use a level between 0 and 1, such as 0.05")
    names = list(files or [])
    if not names:
        if sys.stdin.isatty():
            raise PerfkitError(
                "give a log file, a quoted glob, or - to read stdin (e.g. kubectl logs ... | perfkit logs -)"
            )
        names = ["-"]
    group_by = _split(by)
    window = api.parse_every(every) if every else None
    threshold = None
    if fail_on is not None:
        from perfkit.bench.commands import parse_percent

        threshold = parse_percent(fail_on)
        if not base and not split_at:
            raise PerfkitError("--fail-on needs --base OLD or --split-at TIME: it gates a comparison")
    if base and split_at:
        raise PerfkitError("use either --base OLD or --split-at TIME, not both")
    rich = output is None and sys.stdout.isatty()
    if follow:
        if base or split_at or output is not None:
            raise PerfkitError("--follow shows a live table; it does not combine with --base, --split-at or -o")
        from perfkit.logs.follow import follow_logs

        follow_logs(names, group_by, duration, top=top, every=window)
        return
    if base or split_at:
        _compare(names, list(base or []), split_at, group_by, duration, fmt, output, alpha, top, rich, threshold)
        return
    result = api.analyse(names, by=group_by, every=window, duration=duration, slowest=slowest)
    _warn(result.report_lines())
    _check_input(result, names)
    notes = _duration_note(result)
    if output is not None and output.suffix.lower() in (".html", ".htm"):
        from perfkit.atomic import atomic_write
        from perfkit.logs.html import render_html

        atomic_write(output, render_html(result, names, top=top))
        _warn([*notes, f"wrote {output}"])
        return
    text = render.render_analysis(result.analysis, fmt, rich=rich, top=top, notes=notes if fmt == "text" else ())
    if fmt != "text":
        _warn(notes)
    _emit(text, output)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    from perfkit.atomic import atomic_write

    atomic_write(output, text)
    print(f"perfkit: wrote {output}", file=sys.stderr)


def _compare(names, base, split_at, group_by, duration, fmt, output, alpha, top, rich, threshold) -> None:
    from perfkit.logs import api, comparison, render

    if output is not None and output.suffix.lower() in (".html", ".htm"):
        raise PerfkitError(f"-o {output}: a comparison is written as .json, .csv, .md or .txt")
    if split_at:
        at = api.parse_time(split_at)
        old, new, untimed = api.analyse_split(names, at, by=group_by, duration=duration)
        _warn(old.report_lines())
        _check_input(new if new.analysis.total.count else old, names)
        if untimed:
            _warn([f"{untimed:,} record(s) without a time were left out of the comparison"])
        if not old.analysis.total.count or not new.analysis.total.count:
            side = "before" if not old.analysis.total.count else "after"
            raise PerfkitError(f"--split-at {split_at}: no record {side} that time; pick a time inside the log")
    else:
        old = api.analyse(base, by=group_by, duration=duration)
        _warn([f"base: {line}" for line in old.report_lines()])
        _check_input(old, base)
        new = api.analyse(names, by=group_by, duration=duration)
        _warn(new.report_lines())
        _check_input(new, names)
    changes = comparison.compare(old.analysis, new.analysis, alpha=alpha)
    _emit(render.render_changes(changes, fmt, rich=rich, top=top, alpha=alpha), output)
    if threshold is not None:
        found = comparison.regressions(changes, threshold)
        if found:
            worst = "; ".join(c.describe() for c in found[:5]) + (" ..." if len(found) > 5 else "")
            print(
                f"perfkit: logs: {len(found)} significant p50 slowdown(s) of at least {threshold * 100:g}%: {worst}",
                file=sys.stderr,
            )
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``perfkit logs`` to ``app``."""
    app.command("logs", help=LOGS_HELP)(logs_command)
