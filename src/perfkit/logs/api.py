"""``perfkit.logs`` as a library: analyse log files into an :class:`Analysis`, compare two.

from perfkit.logs import analyse, compare
result = analyse(["access.log.gz"], by=["method", "route"], every=60)
for g in result.analysis.groups: print(g.group, g.count, g.p99)
changes = compare(analyse(["before.jsonl"]).analysis, result.analysis)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from perfkit.errors import PerfkitError
from perfkit.logs.aggregate import Accumulator, Analysis
from perfkit.logs.fields import parse_duration_option
from perfkit.logs.reader import FORMAT_NAMES, LogReader
from perfkit.logs.sources import expand
from perfkit.logs.timeparse import to_epoch_seconds

__all__ = ["LogResult", "analyse", "analyse_split", "parse_every", "parse_time"]

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$")
_EVERY_UNITS = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, None: 1}


@dataclass
class LogResult:
    """An analysis and how the input was read (formats, fields, unparsed lines, warnings)."""

    analysis: Analysis
    reader: LogReader

    def report_lines(self) -> list[str]:
        """What perfkit tells on stderr: per source, the format and fields it chose, what it
        could not read."""
        return describe(self.reader)


def describe(reader: LogReader) -> list[str]:
    lines = []
    for source in reader.sources:
        for warning in source.warnings:
            lines.append(f"{source.name}: {warning}")
        if not source.binary and source.lines == 0:
            lines.append(f"{source.name}: empty; nothing to analyse")
    names = ", ".join(s.name for s in reader.sources if not s.binary and s.lines) or "input"
    kinds = {k: n for k, n in reader.lines_by_format.items() if n}
    if len(kinds) > 1:
        parts = ", ".join(f"{n:,} {FORMAT_NAMES[k]}" for k, n in kinds.items())
        lines.append(f"{names}: mixed formats ({parts}); each was read with its own fields")
    for kind, fmt in reader.formats.items():
        if kinds.get(kind):
            lines.append(f"{names}: {FORMAT_NAMES[kind]}, {kinds[kind]:,} lines; {fmt.fields.describe()}")
    if reader.bad_count:
        lines.append(f"{names}: {reader.bad_count:,} line(s) not understood, skipped; the first:")
        for bad in reader.bad_examples:
            text = bad.text if len(bad.text) <= 100 else bad.text[:99] + "…"
            lines.append(f"  {bad.source}:{bad.line}: {text!r}")
    return lines


def parse_every(text: str) -> float:
    """``--every 1m`` -> 60.0 (ms, s, m/min, h, d; a bare number is seconds)."""
    match = _EVERY.match(text)
    if not match or float(match.group(1)) <= 0:
        raise PerfkitError(f"--every {text}: use a duration such as 10s, 1m, 5m or 1h")
    return float(match.group(1)) * _EVERY_UNITS[match.group(2)]


def parse_time(text: str, option: str = "--split-at") -> float:
    """An ISO 8601 time, CLF time or epoch number -> epoch seconds."""
    value = to_epoch_seconds(pl.Series([text.strip()]))[0]
    if value is None:
        raise PerfkitError(f"{option} {text}: not a time; use ISO 8601 (2024-03-12T09:30:00Z) or epoch seconds")
    return float(value)


def _reader(by: Sequence[str], duration: str | None) -> LogReader:
    return LogReader(by=list(by), duration=parse_duration_option(duration) if duration else None)


def _names(paths: Sequence[str]) -> list[str]:
    names = expand(list(paths))
    if not names:
        raise PerfkitError("no input: give log files, a quoted glob, or - for stdin")
    return names


def analyse(
    paths: Sequence[str],
    by: Sequence[str] = (),
    every: float | None = None,
    duration: str | None = None,
    slowest: int = 10,
    stdin: Any = None,
) -> LogResult:
    """Read ``paths`` (files, ``.gz``, globs, ``-`` for stdin) and compute the statistics."""
    reader = _reader(by, duration)
    acc = Accumulator(by=list(by), keep_slowest=slowest)
    try:
        for frame in reader.read(_names(paths), stdin=stdin):
            acc.add(frame)
    except KeyboardInterrupt:
        print("perfkit: interrupted; analysing what was read so far", file=__import__("sys").stderr)
    return LogResult(acc.result(every=every), reader)


def analyse_split(
    paths: Sequence[str], at: float, by: Sequence[str] = (), duration: str | None = None, stdin: Any = None
) -> tuple[LogResult, LogResult, int]:
    """One set of logs cut at a time: (before, after, records without a time)."""
    reader = _reader(by, duration)
    before, after = Accumulator(by=list(by)), Accumulator(by=list(by))
    untimed = 0
    for frame in reader.read(_names(paths), stdin=stdin):
        untimed += frame["time"].null_count()
        early = frame.filter(pl.col("time") < at)
        late = frame.filter(pl.col("time") >= at)
        if len(early):
            before.add(early)
        if len(late):
            after.add(late)
    return LogResult(before.result(), reader), LogResult(after.result(), reader), untimed
