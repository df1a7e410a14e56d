"""Raw extracted fields -> the one request table every later step reads.

Columns: ``time`` (epoch seconds), ``method``, ``path``, ``route``, ``status``, ``duration``
(seconds), ``error``, ``level``, ``message``, ``request_id``, and ``by:NAME`` for each extra
``--by`` field.  Everything is nullable: a log without durations still counts requests and
errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import polars as pl

from perfkit.logs.fields import MESSAGE_REQUEST, UNITS, Duration, FieldMap
from perfkit.logs.timeparse import to_epoch_seconds
from perfkit.routes import MAX_ROUTE_LENGTH, route_of

__all__ = ["COLUMNS", "DERIVED", "ERROR_LEVELS", "requests", "template"]

#: --by names computed here rather than read from the record
DERIVED = ("route", "method", "status", "path", "level", "message", "status_class")
ERROR_LEVELS = ("error", "err", "critical", "crit", "fatal", "alert", "emerg", "emergency", "panic", "severe")
COLUMNS = {
    "time": pl.Float64,
    "method": pl.String,
    "path": pl.String,
    "route": pl.String,
    "status": pl.Int64,
    "duration": pl.Float64,
    "error": pl.Boolean,
    "level": pl.String,
    "message": pl.String,
    "request_id": pl.String,
}
_UNIT_VALUE = r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*(ns|us|µs|ms|s|m|h)\s*$"
_MASKS = (
    (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "<id>"),
    (r"\b[0-9a-fA-F]{8,}\b", "<id>"),
    (r"\d+(\.\d+)?", "<n>"),
)


def template(messages: pl.Expr) -> pl.Expr:
    """A message with ids and numbers masked: ``order 1234 failed`` -> ``order <n> failed``."""
    out = messages.str.slice(0, 300)
    for pattern, mask in _MASKS:
        out = out.str.replace_all(pattern, mask)
    return out


def _strings(column: pl.Series | None, height: int) -> pl.Series:
    if column is None:
        return pl.Series([None] * height, dtype=pl.String)
    if column.dtype == pl.String:
        return column
    if column.dtype.is_float():  # 200.0 -> "200" for a status or id stored as a float
        whole = column == column.round(0)
        return pl.select(
            pl.when(pl.lit(whole))
            .then(pl.lit(column).cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(pl.lit(column).cast(pl.String))
        ).to_series()
    return column.cast(pl.String, strict=False)


def _numbers(column: pl.Series | None, height: int) -> pl.Series:
    if column is None:
        return pl.Series([None] * height, dtype=pl.Float64)
    if column.dtype == pl.String:
        return column.str.strip_chars().cast(pl.Float64, strict=False)
    return column.cast(pl.Float64, strict=False)


def _seconds(column: pl.Series | None, duration: Duration, height: int) -> pl.Series:
    """Durations in seconds; negative, NaN and unreadable values become null."""
    if column is None:
        return pl.Series([None] * height, dtype=pl.Float64)
    if duration.unit is not None:
        seconds = in_seconds(_numbers(column, height), duration.unit)
    else:
        parts = _strings(column, height).str.extract_groups(_UNIT_VALUE).struct.unnest()
        numbers = parts["1"].cast(pl.Float64, strict=False)
        seconds = pl.Series([None] * height, dtype=pl.Float64)
        for unit in UNITS:
            seconds = pl.select(
                pl.when(pl.lit(parts["2"]) == unit).then(pl.lit(in_seconds(numbers, unit))).otherwise(pl.lit(seconds))
            ).to_series()
        seconds = seconds.fill_null(_numbers(column, height))  # bare numbers among unit strings: seconds
    return pl.select(pl.when(pl.lit(seconds) >= 0).then(pl.lit(seconds))).to_series()


def in_seconds(values: pl.Series, unit: str) -> pl.Series:
    """``values`` in ``unit`` as seconds; sub-second units divide by a whole number element by
    element (polars turns a division by a scalar into a multiplication by its inverse), so 18 ms
    is 0.018 as printed, not 0.018000000000000002."""
    scale = UNITS[unit]
    if scale >= 1:
        return values * scale
    return values / pl.repeat(float(round(1 / scale)), len(values), eager=True, dtype=pl.Float64)


#: perfkit.routes' id segment for ASCII paths in Rust's regex syntax, which has no lookahead: the
#: segment's closing "/" is matched, so a second pass takes the id segments that directly follow
#: one replaced in the first; a first segment without a "/" is an id segment too, as there
_ID_SEGMENT = "(^|/)(?:[0-9]+|[0-9a-fA-F]{8,}|[0-9a-fA-F-]{32,36})(/|$)"
_AFTER_ID = ":id/[0-9a-fA-F-]"
#: the same segment in a path framed by one "/" on each side (the start and the end then need no
#: alternatives): substituted without capture groups, a plain search, 2.5 times cheaper
_FRAMED_ID = "/(?:[0-9]+|[0-9a-fA-F]{8,}|[0-9a-fA-F-]{32,36})/"


def _replace_ids(paths: pl.Series) -> pl.Series:
    """Id segments -> ``:id``, as ``_ID_SEGMENT`` substituted with its groups kept would give
    (tests/logs check both against ``route_of``)."""
    framed = ("/" + paths + "/").str.replace_all(_FRAMED_ID, "/:id/")
    if framed.str.contains(_AFTER_ID).any():  # an id segment right after a replaced one
        framed = framed.str.replace_all(_FRAMED_ID, "/:id/")
    return framed.str.strip_prefix("/").str.strip_suffix("/")


def _routes(paths: pl.Series, cache: dict[str, str | None]) -> pl.Series:
    """``route_of`` for each path (full URLs reduced to their path first).

    ASCII paths, nearly all of them, are done by polars with the same substitution as
    ``perfkit.routes.route_of`` (tests/logs check both agree on any ASCII text): calling it once
    per distinct path cost a second per million lines, since ids make most paths distinct.
    Other paths (``\\d`` then means any Unicode digit) go through ``route_of`` itself, once
    per distinct path.  Each step runs only when some path needs it."""
    bare = paths
    if paths.str.contains("://", literal=True).any():
        url = paths.str.slice(0, 12).str.contains("://", literal=True).fill_null(False)
        after_host = paths.str.splitn("://", 2).struct.field("field_1").str.splitn("/", 2).struct.field("field_1")
        whole = pl.when(pl.lit(after_host).is_not_null()).then("/" + pl.lit(after_host)).otherwise(pl.lit("/"))
        bare = pl.select(pl.when(pl.lit(url)).then(whole).otherwise(pl.lit(paths))).to_series()
    if bare.str.contains("?", literal=True).any():
        bare = bare.str.splitn("?", 2).struct.field("field_0")
    route = _replace_ids(bare)
    if (route.str.len_bytes() == 0).any():
        route = pl.select(pl.when(pl.lit(route) == "").then(pl.lit("/")).otherwise(pl.lit(route))).to_series()
    if (route.str.len_bytes() > MAX_ROUTE_LENGTH).any():
        route = route.str.slice(0, MAX_ROUTE_LENGTH)
    if paths.str.len_bytes().sum() == paths.str.len_chars().sum():  # all ASCII
        return route.rename("route")
    other = paths.str.contains(r"[^\x00-\x7f]").fill_null(False)
    if other.any():
        distinct = paths.filter(other).unique().to_list()
        if len(cache) + len(distinct) > 50_000:  # a big cache only costs memory
            cache.clear()
        for path in distinct:
            if path not in cache:
                cache[path] = route_of(_path_of_url(path))
        table = pl.DataFrame(
            {"path": distinct, "route": [cache[p] for p in distinct]}, schema={"path": pl.String, "route": pl.String}
        )
        slow = paths.to_frame("path").join(table, on="path", how="left", maintain_order="left")["route"]
        route = pl.select(pl.when(pl.lit(other)).then(pl.lit(slow)).otherwise(pl.lit(route))).to_series()
    return route.rename("route")


def _path_of_url(path: str) -> str:
    """``https://host/x?y`` -> ``/x?y`` (a full URL in a path field); a path stays as it is."""
    if "://" in path[:12]:
        rest = path.split("://", 1)[1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return path


def requests(
    columns: Mapping[str, pl.Series],
    height: int,
    fields: FieldMap,
    extra: Sequence[str],
    route_cache: dict[str, str | None],
) -> pl.DataFrame:
    """The request table of one block (see the module notes for its columns)."""
    get = columns.get
    method = _strings(get(fields.method) if fields.method else None, height)
    path = _strings(get(fields.path) if fields.path else None, height)
    if fields.request_line and not fields.path:
        parts = _strings(get(fields.request_line), height).str.splitn(" ", 3).struct.unnest()
        ok = parts["field_0"].str.contains(r"^[A-Z]{1,20}$").fill_null(False)
        method = pl.select(pl.when(pl.lit(ok)).then(pl.lit(parts["field_0"]))).to_series()
        path = pl.select(pl.when(pl.lit(ok)).then(pl.lit(parts["field_1"]))).to_series()
    if fields.request_in_message:
        message = get(fields.message) if fields.message is not None else None
        found = _strings(message, height).str.extract_groups(MESSAGE_REQUEST.pattern).struct.unnest()
        method, path = found["1"], found["2"]
        columns = {**columns, "__status": found["3"]}
        get = columns.get
        fields = replace(fields, status="__status")
    method = method.str.to_uppercase()
    status = _numbers(get(fields.status) if fields.status else None, height).cast(pl.Int64, strict=False)
    level = _strings(get(fields.level) if fields.level else None, height).str.to_lowercase()
    numeric_level = level.cast(pl.Int64, strict=False)  # pino/bunyan: 50 error, 60 fatal
    level = pl.select(pl.when(pl.lit(numeric_level) >= 50).then(pl.lit("error")).otherwise(pl.lit(level))).to_series()
    duration = pl.Series([None] * height, dtype=pl.Float64)
    for choice in fields.durations:
        duration = duration.fill_null(_seconds(get(choice.key), choice, height))
    time = get(fields.time) if fields.time else None
    error = (status >= 500).fill_null(False) | level.is_in(ERROR_LEVELS).fill_null(False)
    out = pl.DataFrame(
        {
            "time": to_epoch_seconds(time) if time is not None else pl.Series([None] * height, dtype=pl.Float64),
            "method": method,
            "path": path,
            "route": _routes(path, route_cache),
            "status": status,
            "duration": duration,
            "error": error,
            "level": level,
            "message": _strings(get(fields.message) if fields.message else None, height),
            "request_id": _strings(get(fields.request_id) if fields.request_id else None, height),
        }
    )
    if extra:
        out = out.with_columns(_strings(get(name), height).alias(f"by:{name}") for name in extra)
    return out
