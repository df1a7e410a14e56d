"""Timestamps of log records to epoch seconds (float), vectorised.

The usual spellings: ISO 8601 / RFC 3339 (``2024-03-12T09:00:00.123456Z``, ``+02:00``, a space
instead of ``T``, Python logging's ``2024-03-12 09:00:00,123``), the Common Log Format's
``12/Mar/2024:09:00:00 +0000`` (with or without brackets), and epoch numbers in seconds,
milliseconds, microseconds or nanoseconds (judged by magnitude).  Timestamps without an offset
are taken as written (as if UTC): only differences and windows matter here.

Why split each value: a datetime parser or a regex costs about a microsecond a value, a second
per million lines.  But a log has at most 86,400 distinct whole seconds a day, so the part up
to the seconds is parsed once per distinct value and joined back, the fraction is read as a
number and the offset (few distinct values) is parsed once each.  Values of other shapes fall
back to polars' own parser, only on the rows the fast path left empty.
"""

from __future__ import annotations

import re

import polars as pl

__all__ = ["to_epoch_seconds"]


def _seconds_of(heads: pl.Series, fmt: str) -> pl.Series:
    """Epoch seconds of whole-second timestamps, parsed once per distinct value."""
    distinct = heads.unique().drop_nulls()
    parsed = distinct.str.to_datetime(fmt, strict=False, time_unit="us", time_zone=None).dt.epoch("s")
    table = pl.DataFrame({"h": distinct, "s": parsed})
    return heads.to_frame("h").join(table, on="h", how="left", maintain_order="left")["s"]


def _offset_seconds(tails: pl.Series) -> pl.Series:
    """Seconds east of UTC from a ``+hh:mm`` / ``-hhmm`` ending (0 for ``Z`` or none)."""
    ends = tails.str.strip_chars_end("] ").str.replace(":", "", literal=True).str.slice(-5)
    distinct = ends.unique().drop_nulls()
    table = pl.DataFrame({"e": distinct}).with_columns(
        sign=pl.col("e").str.slice(0, 1),
        size=pl.col("e").str.slice(1, 2).cast(pl.Int64, strict=False) * 3600
        + pl.col("e").str.slice(3, 2).cast(pl.Int64, strict=False) * 60,
    )
    table = table.select(
        "e", o=pl.when(pl.col("sign") == "+").then("size").when(pl.col("sign") == "-").then(-pl.col("size"))
    )
    return ends.to_frame("e").join(table, on="e", how="left", maintain_order="left")["o"].fill_null(0)


def _iso(text: pl.Series) -> pl.Series:
    heads = text.str.slice(0, 19).str.replace(" ", "T", literal=True)
    whole = _seconds_of(heads, "%Y-%m-%dT%H:%M:%S")
    tails = text.str.slice(19)
    has_fraction = tails.str.starts_with(".") | tails.str.starts_with(",")
    digits = tails.str.slice(1).str.strip_chars_end("Z").str.split_exact("+", 1).struct.field("field_0")
    digits = digits.str.split_exact("-", 1).struct.field("field_0")
    fraction = ("0." + digits).cast(pl.Float64, strict=False).fill_null(0.0)
    fraction = pl.select(pl.when(has_fraction).then(fraction).otherwise(0.0)).to_series()
    return whole.cast(pl.Float64) + fraction - _offset_seconds(tails).cast(pl.Float64)


#: RFC 3339 with a fraction of up to 6 digits and ``Z`` or ``+hh:mm``: the shape most JSON
#: loggers write, read by :func:`_rfc3339_fixed` without chrono's per-value format parsing
_RFC3339_FIXED = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}(?:Z|[+-]\d\d:\d\d)$"


def _rfc3339_fixed(text: pl.Series) -> pl.Series:
    """Epoch seconds of values of exactly the :data:`_RFC3339_FIXED` shape (null otherwise), in
    one vectorised pass: the first 19 characters by polars' fixed-width datetime parser (about
    a fifth of the cost of parsing the whole value with ``%.f%#z``), the fraction and the offset
    read as integers at known places.  The same numbers as :func:`_rfc3339_parsed` (tests check
    both agree), including how the fraction is added."""
    t = pl.col("t")
    zone = pl.when(t.str.ends_with("Z")).then(1).otherwise(6)
    digits = (t.str.len_bytes().cast(pl.Int64) - 20 - zone).clip(0, 6)
    micros = t.str.slice(20, digits).cast(pl.Int64, strict=False) * pl.lit(10, dtype=pl.Int64).pow(6 - digits)
    whole = t.str.slice(0, 19).str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us").dt.epoch("s")
    hours, minutes = t.str.slice(-5, 2).cast(pl.Int64, strict=False), t.str.slice(-2, 2).cast(pl.Int64, strict=False)
    east = pl.when(t.str.slice(-6, 1) == "-").then(-1).otherwise(1) * (hours * 3600 + minutes * 60)
    offset = pl.when(zone == 1).then(0).otherwise(east)
    fraction = micros.cast(pl.Float64) / pl.repeat(1e6, pl.len(), dtype=pl.Float64)  # element by element
    seconds = (whole - offset).cast(pl.Float64) + fraction
    return text.to_frame("t").select(pl.when(t.str.contains(_RFC3339_FIXED)).then(seconds).alias("time")).to_series()


def _rfc3339(text: pl.Series) -> pl.Series:
    """``2024-03-12T09:00:00.123456Z`` / ``+02:00``: the fixed shape first, then polars' own
    parser on the values it left (more digits, a leap second, an offset without a colon)."""
    out = _rfc3339_fixed(text)
    missing = out.is_null() & text.is_not_null()
    if missing.any():
        out = out.scatter(missing.arg_true(), _rfc3339_parsed(text.filter(missing)))
    return out


def _rfc3339_parsed(text: pl.Series) -> pl.Series:
    """RFC 3339 by polars' parser: fastest of the general parsers on this shape (30% under the
    split path); anything else comes out null and takes the split path."""
    parsed = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_unit="us", time_zone="UTC")
    micros = parsed.dt.epoch("us")
    # whole seconds plus the fraction divided element by element: 09:00:15.8487 stays .8487 (a
    # division by the scalar 1e6 is done as a multiplication and gives .8486998)
    fraction = (micros % 1_000_000).cast(pl.Float64) / pl.repeat(1e6, len(micros), eager=True)
    return (micros // 1_000_000).cast(pl.Float64) + fraction


def _clf(text: pl.Series) -> pl.Series:
    body = text.str.strip_chars_start("[")
    whole = _seconds_of(body.str.slice(0, 20), "%d/%b/%Y:%H:%M:%S")
    return whole.cast(pl.Float64) - _offset_seconds(body).cast(pl.Float64)


def _epoch(numbers: pl.Expr) -> pl.Expr:
    """Epoch numbers by magnitude: ns > 1e17, µs > 1e14, ms > 1e11, else seconds."""
    return (
        pl.when(numbers > 1e17)
        .then(numbers / 1e9)
        .when(numbers > 1e14)
        .then(numbers / 1e6)
        .when(numbers > 1e11)
        .then(numbers / 1e3)
        .otherwise(numbers)
    )


def _numbers(text: pl.Series) -> pl.Series:
    return pl.select(_epoch(pl.lit(text.cast(pl.Float64, strict=False)))).to_series()


def _inferred(text: pl.Series) -> pl.Series:
    try:
        parsed = text.str.to_datetime(strict=False, time_unit="us", time_zone="UTC")
    except pl.exceptions.PolarsError:  # no format fits even the first values
        return pl.Series([None] * len(text), dtype=pl.Float64)
    return parsed.dt.epoch("us").cast(pl.Float64) / 1e6


_SHAPES = (
    (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$"), _rfc3339),
    (re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d"), _iso),
    (re.compile(r"^\[?\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d"), _clf),
    (re.compile(r"^[0-9]+(\.[0-9]*)?$"), _numbers),
)


def to_epoch_seconds(values: pl.Series) -> pl.Series:
    """Epoch seconds (Float64, null where a value is not a timestamp) for any mix of spellings.

    The shape of the first value picks the fast path for all; only the rows it leaves empty
    are tried with the other shapes and finally with polars' inference."""
    if values.dtype.is_numeric():
        return _numbers(values).rename("time")
    if values.dtype != pl.String:
        values = values.cast(pl.String, strict=False)
    text = values.str.strip_chars()
    first = next((v for v in text.head(1000) if v), None)
    if first is None:
        return pl.Series("time", [None] * len(values), dtype=pl.Float64)
    order = sorted(_SHAPES, key=lambda shape: not shape[0].match(first))
    out = order[0][1](text).rename("time")
    missing = out.is_null() & text.is_not_null()
    if not missing.any():
        return out
    rest = text.filter(missing)
    filled = pl.select(pl.coalesce(*(parse(rest) for _, parse in order[1:]), _inferred(rest))).to_series()
    return out.scatter(missing.arg_true(), filled)
