"""``perfkit benchstat``: Go's flags parsed here (argparse), inputs read, tables printed.

Kept apart from the typer commands so that running it loads no typer (see ``perfkit.cli.main``):
a comparison of two small files should start about as fast as Go's benchstat does.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn

from perfkit.errors import PerfkitError

if TYPE_CHECKING:  # imported when a command runs, to keep the CLI's start fast
    from perfkit.bench.benchstat import Builder

__all__ = ["main", "parse_percent"]


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


_FORMATS = ("text", "csv", "markdown", "html")

_BENCHSTAT_HELP = """\
Compare benchmark results like Go's benchstat: medians with confidence intervals, deltas with
Mann-Whitney U p-values, geomeans. Flags are Go's (-col or --col, -col=x or -col x).

inputs: Go benchmark text (go test -bench, perfkit bench -o x.txt), perfkit JSON, pytest-benchmark
JSON or a .benchmarks/ folder; label=path names a column; - is stdin.

projections (-col, -row, -table, -ignore): comma-separated keys: .name (name without
sub-benchmarks), .fullname, /key (a sub-benchmark key, e.g. /size), .file (the input), .config
(every configuration key), .unit, or a configuration key (goos, cpu, pkg, note, ...).
key@(a b c) fixes the order of values, key@num sorts numerically, key@alpha alphabetically.

filter queries (-filter): key:value matches exactly, key:/regexp/ by regexp; AND is a space,
OR is OR, -x negates, (...) groups; .name:Encode, /size:(1024 OR 4096), -.unit:B/op, * is all.
"""


class _Arguments(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        raise PerfkitError(f"benchstat: {message}; see perfkit benchstat --help")


def _benchstat_parser() -> argparse.ArgumentParser:
    parser = _Arguments(
        prog="perfkit benchstat",
        usage="perfkit benchstat [flags] inputs...",
        description=_BENCHSTAT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
        allow_abbrev=False,
    )
    add = parser.add_argument
    add("files", nargs="*", metavar="inputs", help=argparse.SUPPRESS)
    add("--col", "-col", default=".file", metavar="PROJECTION", help="columns by these keys (default .file)")
    add("--row", "-row", default=".fullname", metavar="PROJECTION", help="rows by these keys (default .fullname)")
    add("--table", "-table", default=".config", metavar="PROJECTION", help="tables by these keys (default .config)")
    add("--filter", "-filter", default="*", metavar="QUERY", help="only results matching QUERY (default *)")
    add("--ignore", "-ignore", default="", metavar="KEYS", help="ignore variations in these keys (e.g. note,cpu)")
    add("--alpha", "-alpha", type=float, default=0.05, metavar="A", help="significant if p < A (default 0.05)")
    add("--confidence", "-confidence", type=float, default=0.95, metavar="LEVEL", help="confidence level of ranges")
    add("--format", "-format", default="text", metavar="FORMAT", help=", ".join(_FORMATS))
    add("--output", "-o", type=Path, default=None, metavar="FILE", help="write the report to FILE, not stdout")
    add("--fail-on", "-fail-on", default=None, metavar="PCT",
        help="exit 1 on a significant regression of at least PCT (5%% or 5)")  # fmt: skip
    add("-h", "--help", "-help", action="store_true", help="show this help")
    return parser


def _values_joined(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``-filter -/algo:heap`` as ``-filter=-/algo:heap``: Go's flag package gives a flag that
    takes a value the next argument whatever it starts with (a negated query starts with -),
    where argparse would read it as another option."""
    takes_value = {o for action in parser._actions if action.nargs != 0 for o in action.option_strings}
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return out + argv[i:]
        if arg in takes_value and i + 1 < len(argv):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def main(argv: list[str]) -> None:
    """``perfkit benchstat ARGS``: parse Go's flags and run (``perfkit.cli`` calls this without
    loading the command-line framework, whose import costs more than a small comparison)."""
    parser = _benchstat_parser()
    args = parser.parse_intermixed_args(_values_joined(parser, argv))
    if args.help:
        print(parser.format_help(), end="")
        return
    from perfkit.gcpause import gc_paused

    with gc_paused():  # millions of objects, none in a cycle: the collector's passes only cost time
        _benchstat(args.files, args.col, args.row, args.table, args.filter, args.ignore, args.alpha,
                   args.confidence, args.format, args.output, args.fail_on)  # fmt: skip


def _benchstat(
    files: list[str] | None,
    col: str,
    row: str,
    table: str,
    filter_: str,
    ignore: str,
    alpha: float,
    confidence: float,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
) -> None:
    from perfkit.bench import benchstat, render, storage

    if fmt not in _FORMATS:
        raise PerfkitError(f"--format {fmt}: use one of {', '.join(_FORMATS)}")
    threshold = None
    if fail_on is not None:
        threshold = parse_percent(fail_on)
        if "%" not in fail_on and 0 < threshold < 0.01:
            print(
                f"perfkit: note: --fail-on {fail_on} means {fail_on}%; write --fail-on 5% for five percent",
                file=sys.stderr,
            )
    options = benchstat.Options(table, row, col, ignore, filter_, alpha, confidence)
    builder = benchstat.Builder(options)
    inputs = storage.input_labels(files or ["-"])
    counts = _read(builder, inputs)
    empty = [path for path, _ in inputs if not counts.get(path)]
    for issue in builder.issues:
        print(f"perfkit: warning: {issue}", file=sys.stderr)
    tables = builder.iter_tables(keep_samples=fmt == "html")
    first = next(tables, None)
    if first is None:
        where = ", ".join(p for p, _ in inputs)
        if len(empty) < len(inputs):
            raise PerfkitError(f"--filter {filter_}: no result in {where} matches; check the query")
        raise PerfkitError(
            f"{where}: no benchmark results (expected `BenchmarkName N value unit ...` lines, perfkit JSON "
            "or pytest-benchmark JSON); write them with perfkit bench -o or go test -bench"
        )
    for path in empty:
        print(f"perfkit: warning: {path}: no benchmark results in this input", file=sys.stderr)
    seen = _Seen(threshold)
    stream = seen.watch(_then(first, tables))
    del first  # printed tables are let go
    warnings: list[str] = []
    if fmt == "csv":
        chunks = render.iter_csv(stream, warnings.append)
    elif fmt == "text":
        chunks = render.iter_text(stream)
    else:
        chunks = iter([render.render(list(stream), fmt)])
    _write(chunks, output, warnings)
    for hint in seen.hints():
        print(f"perfkit: note: {hint}", file=sys.stderr)
    if threshold is not None:
        _gate(seen.regressions, threshold)


def _read(builder: Builder, inputs: list[tuple[str, str]]) -> dict[str, int]:
    """Read every input into the builder, in order; results per input."""
    from perfkit.bench import storage

    counts: dict[str, int] = {}
    for path, label in inputs:
        before = builder.results
        storage.feed(builder, path, label)
        counts[path] = counts.get(path, 0) + builder.results - before
    return counts


def _write(chunks: Iterator[str], output: Path | None, warnings: list[str]) -> None:
    """Write as it is rendered (a big CSV never sits whole in memory); a file atomically.
    ``warnings`` filled while rendering go to stderr as they come, a batch at a time."""

    def pour(handle: IO[bytes]) -> None:
        pending: list[str] = []
        size = 0
        for chunk in chunks:
            pending.append(chunk)
            size += len(chunk)
            if size > 1 << 16:
                handle.write("".join(pending).encode("utf-8", "surrogateescape"))
                pending, size = [], 0
                if warnings:
                    sys.stderr.write("".join(w + "\n" for w in warnings))
                    warnings.clear()
        handle.write("".join(pending).encode("utf-8", "surrogateescape"))
        if warnings:
            sys.stderr.write("".join(w + "\n" for w in warnings))
            warnings.clear()

    if output is None:
        sys.stdout.flush()
        pour(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    from perfkit.atomic import atomic_open

    with atomic_open(output, "wb") as handle:
        pour(handle)
    print(f"perfkit: wrote {output}", file=sys.stderr)


def _then(first: object, rest: Iterator) -> Iterator:
    """``first``, then ``rest``, holding nothing once yielded."""
    holder = [first]
    del first
    yield holder.pop()
    yield from rest


class _Seen:
    """What the notes and the gate need from tables printed one at a time (so they can go)."""

    def __init__(self, threshold: float | None) -> None:
        self.threshold = threshold
        self.headers: list[list[tuple[str, str]]] = []
        self.widths: list[int] = []
        self.columns: set[tuple[str, ...]] = set()
        self.few: set[str] = set()
        self.regressions: list[str] = []

    def watch(self, tables: Iterator) -> Iterator:
        from perfkit.bench import benchstat

        for table in tables:
            self.headers.append(table.header)
            self.widths.append(len(table.columns))
            self.columns.update(table.columns)
            for row in table.rows:
                for cell in row.cells:
                    if cell is not None and cell.comparison is not None:
                        self.few.update(w for w in cell.comparison.warnings if w.startswith("need "))
            if self.threshold is not None:  # described now: the table itself is let go once printed
                self.regressions += [r.describe() for r in benchstat.regressions([table], self.threshold)]
            yield table
            del table  # printed: let it go before the next is made

    def hints(self) -> list[str]:
        """What Go leaves for the reader to notice: inputs split apart by a differing
        configuration key (so nothing was compared), or comparisons that can never be
        significant."""
        out = []
        if len(self.columns) > 1 and any(w < 2 for w in self.widths):
            varying = []
            for i, (name, _) in enumerate(self.headers[0]):
                if len({h[i][1] for h in self.headers if i < len(h)}) > 1:
                    varying.append(name)
            if varying:
                keys = ",".join(varying)
                out.append(
                    f"results were split into separate tables by differing {keys}; add --ignore {keys} to compare them"
                )
        if self.few:
            out.append(f"some comparisons can never be significant: {sorted(self.few)[0]} (run more, e.g. --count 10)")
        return out


def _gate(found: list[str], threshold: float) -> None:
    if not found:
        return
    print(
        f"perfkit: benchstat: {len(found)} significant regression(s) of at least {threshold * 100:g}%:", file=sys.stderr
    )
    for regression in found:
        print(f"  {regression}", file=sys.stderr)
    raise SystemExit(1)
