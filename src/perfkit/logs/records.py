"""JSON lines and logfmt records: flatten samples for field detection, then pull only the chosen
fields out of every line.

Why msgspec with a Struct of just the chosen keys: it skips the rest of each object in C and
decodes a whole block of lines in one call, about 2 µs a line, where ``json.loads`` plus dict
lookups costs three times that.  A block with one line it cannot take (not an object, invalid
UTF-8, a number out of range) is redone line by line, so one bad line costs its block some
speed, never its data.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

import msgspec
import polars as pl

__all__ = ["JsonFields", "flatten", "logfmt_record", "logfmt_values", "to_column"]

_UNNAMEABLE = re.compile(r'["\\\x00-\x1f]')
_LOGFMT = re.compile(r'([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)')


def flatten(record: Mapping[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """``{"http": {"status": 200}}`` -> ``{"http.status": 200}`` (two levels down at most)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < 2:
            out.update(flatten(value, name + ".", depth + 1))
        else:
            out[name] = value
    return out


def logfmt_record(line: str) -> dict[str, str] | None:
    """``level=info msg="GET /x" duration=12ms`` -> a dict; None when the line has no pairs."""
    pairs = _LOGFMT.findall(line)
    if not pairs:
        return None
    out = {}
    for key, value in pairs:
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = value[1:-1].replace('\\"', '"')
        out[key] = value
    return out


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None  # a list or an object where a scalar was expected


def to_column(name: str, values: Sequence[Any]) -> pl.Series:
    """A polars column of scalars (numbers stay numbers; strings stay strings; mixtures become
    strings; nested values become null)."""
    try:
        series = pl.Series(name, values, strict=False)
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
        series = None
    if series is None or not (series.dtype.is_numeric() or series.dtype in (pl.String, pl.Boolean, pl.Null)):
        cleaned = [_scalar(v) for v in values]
        cleaned = [str(v) if v is not None and not isinstance(v, str) else v for v in cleaned]
        try:
            series = pl.Series(name, cleaned, dtype=pl.String)
        except UnicodeEncodeError:  # a lone surrogate (json.loads takes "\ud800"): not UTF-8
            cleaned = [v if v is None else v.encode("utf-8", "replace").decode("utf-8") for v in cleaned]
            series = pl.Series(name, cleaned, dtype=pl.String)
    if series.dtype == pl.Null:
        series = series.cast(pl.String)
    elif series.dtype.is_float():
        series = series.fill_nan(None)
    return series


class JsonFields:
    """Decode JSON lines, keeping only ``keys`` (flat names; dots reach into nested objects)."""

    def __init__(self, keys: Sequence[str], nested: Iterable[str] = ()) -> None:
        self.nested = set(nested)
        self.keys = list(keys)
        self._paths = {k: tuple(k.split(".")) if k in self.nested else (k,) for k in self.keys}
        self._tops = list(dict.fromkeys(p[0] for p in self._paths.values()))
        spec = [(f"f{i}", Any, msgspec.field(name=top, default=None)) for i, top in enumerate(self._tops)]
        self._struct = msgspec.defstruct("LogRecord", spec)
        self._decoder = msgspec.json.Decoder(self._struct)
        self._index = {top: i for i, top in enumerate(self._tops)}

    def _columns(self, records: list[Any]) -> dict[str, Sequence[Any]]:
        """Columns by key: one C-level ``map`` per field (a third of the cost of making rows of
        tuples and turning them around)."""
        if not records or not self._tops:
            return {key: [None] * len(records) for key in self._paths}
        by_top = [list(map(attrgetter(f"f{i}"), records)) for i in range(len(self._tops))]
        out: dict[str, Sequence[Any]] = {}
        for key, path in self._paths.items():
            values: Sequence[Any] = by_top[self._index[path[0]]]
            for step in path[1:]:
                values = [v.get(step) if isinstance(v, dict) else None for v in values]
            out[key] = values
        return out

    def try_block(self, data: bytes) -> tuple[dict[str, Sequence[Any]], int] | None:
        """Columns of a block whose every line is a JSON object, in one call; None otherwise."""
        try:
            records = self._decoder.decode_lines(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        return self._columns(records), len(records)

    def decode(
        self, data: bytes, numbers: Sequence[int] | None = None, lines: Sequence[str] | None = None, first_line: int = 1
    ):
        """(columns by key, number of records, bad lines as (line number, text)).

        ``data`` is the block (lines separated by newlines).  When the whole block decodes, no
        per-line work happens; otherwise ``lines`` and ``numbers`` drive the slow path."""
        try:
            records = self._decoder.decode_lines(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            records = None
        if records is not None:
            return self._columns(records), len(records), []
        if lines is None or numbers is None:
            lines = data.decode("utf-8", errors="replace").split("\n")
            numbers = range(first_line, first_line + len(lines))
        good: list[Any] = []
        bad: list[tuple[int, str]] = []
        for no, line in zip(numbers, lines):
            if not line.strip():
                continue
            record = self._one(line)
            if record is None:
                bad.append((no, line))
            else:
                good.append(record)
        return self._columns(good), len(good), bad

    def _one(self, line: str) -> Any:
        try:
            return self._decoder.decode(line.encode("utf-8", errors="replace"))
        except (msgspec.DecodeError, msgspec.ValidationError):
            pass
        try:  # the standard library takes what msgspec refuses: 1e400, NaN, Infinity
            value = json.loads(line)
        except (ValueError, RecursionError):
            return None
        if not isinstance(value, dict):
            return None
        fields = [value.get(top) for top in self._tops]
        fields = [None if isinstance(v, float) and not math.isfinite(v) else v for v in fields]
        return self._struct(*fields)


def logfmt_values(lines: Sequence[str], numbers: Sequence[int], keys: Sequence[str]):
    """(columns by key, number of records, bad lines) of logfmt lines."""
    out: dict[str, list[Any]] = {k: [] for k in keys}
    count = 0
    bad: list[tuple[int, str]] = []
    for no, line in zip(numbers, lines):
        record = logfmt_record(line)
        if record is None:
            bad.append((no, line))
            continue
        count += 1
        for key in keys:
            out[key].append(record.get(key))
    return out, count, bad


def sample_json(lines: Sequence[str]) -> tuple[list[dict[str, Any]], set[str]]:
    """Flattened records of sample JSON lines, and which flat names are nested paths."""
    records = []
    nested: set[str] = set()
    for line in lines:
        try:
            value = msgspec.json.decode(line.encode("utf-8", errors="replace"))
        except (msgspec.DecodeError, msgspec.ValidationError):
            try:
                value = json.loads(line)
            except (ValueError, RecursionError):
                continue
        if isinstance(value, dict):
            # keys msgspec cannot name (quotes, backslashes, control characters) are never chosen
            flat = {k: v for k, v in flatten(value).items() if not _UNNAMEABLE.search(k)}
            nested.update(k for k in flat if k not in value)
            records.append(flat)
    return records, nested
