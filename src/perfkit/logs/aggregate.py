"""Request tables -> per-group statistics: count, rate, errors, exact percentiles, max, total time
and its share, per window with ``--every``; the slowest requests; error messages by template.

Percentiles are nearest-rank order statistics of the parsed durations: the p-th percentile of n
sorted values is the value at rank ``ceil(p * n)`` (computed with integers, so p99.9 of 1000
values is the 999th, never the 1000th through rounding).  No interpolation, no histogram: the
number shown is one of the durations in the log.

Only what the statistics need is kept from each block (group, duration, time, error flag: about
25 bytes a request), so memory follows the number of requests, not the size of the lines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from perfkit.logs.normalise import ERROR_LEVELS, template

__all__ = ["PERCENTILES", "Accumulator", "Analysis", "ErrorTemplate", "GroupStats", "SlowRequest", "nearest_rank"]

#: label -> (numerator, denominator) of the percentile, exact in integers
PERCENTILES = {"p50": (1, 2), "p90": (9, 10), "p99": (99, 100), "p999": (999, 1000)}
TOTAL = "TOTAL"


def nearest_rank(count: int, numerator: int, denominator: int) -> int:
    """0-based index of the ``numerator/denominator`` percentile among ``count`` sorted values."""
    return max(1, -(-count * numerator // denominator)) - 1


@dataclass(frozen=True)
class GroupStats:
    """One row: a group (or a group within a window)."""

    group: str
    count: int
    errors: int
    timed: int  #: requests with a duration
    p50: float | None
    p90: float | None
    p99: float | None
    p999: float | None
    max: float | None
    total: float | None
    rate: float | None = None  #: requests per second over the log's time span
    share: float | None = None  #: of all the time spent, this group's part
    window: float | None = None  #: start of the window (epoch seconds) with --every

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else 0.0


@dataclass(frozen=True)
class SlowRequest:
    duration: float
    group: str
    time: float | None
    request_id: str | None
    path: str | None
    status: int | None


@dataclass(frozen=True)
class ErrorTemplate:
    template: str
    count: int
    group: str  #: the group of its first occurrence


@dataclass
class Analysis:
    """Everything ``perfkit logs`` shows about one set of inputs."""

    groups: list[GroupStats]
    total: GroupStats
    windows: list[GroupStats]
    window_totals: list[GroupStats]
    slowest: list[SlowRequest]
    errors: list[ErrorTemplate]
    start: float | None
    end: float | None
    samples: pl.DataFrame  #: group, duration, time, error: one row per request
    every: float | None = None

    @property
    def span(self) -> float | None:
        if self.start is None or self.end is None or self.end <= self.start:
            return None
        return self.end - self.start


def _key_expr(by: Sequence[str], templates: bool = True) -> pl.Expr:
    """The group label: by default ``METHOD /route`` for requests and the message template for
    other records; with --by, the named fields joined by spaces.  ``templates=False`` when every
    record has a route: then no message is templated (three regex passes over every message)."""
    if not by:
        request = pl.when(pl.col("method").is_not_null()).then(pl.col("method") + " " + pl.col("route"))
        key = request.otherwise(pl.col("route"))
        if templates:
            key = key.fill_null(template(pl.col("message")))
        return key.fill_null(pl.lit("-")).alias("group")
    parts = []
    for name in by:
        if name == "message":
            expr = template(pl.col("message"))
        elif name == "status_class":
            expr = (pl.col("status") // 100).cast(pl.String) + "xx"
        elif name in ("route", "method", "path", "level", "status"):
            expr = pl.col(name).cast(pl.String)
        else:
            expr = pl.col(f"by:{name}")
        parts.append(expr.fill_null("-"))
    return pl.concat_str(parts, separator=" ").alias("group")


def _error_template() -> pl.Expr:
    """A failed request as ``503 GET /orders/:id``; an error record without a failed status as its
    message template (``payment failed for order <n>``)."""
    request = pl.concat_str(
        [pl.col("status").cast(pl.String), pl.col("method"), pl.col("route")], separator=" ", ignore_nulls=True
    )
    by_level = pl.col("level").is_in(ERROR_LEVELS) & pl.col("message").is_not_null()
    return (
        pl.when(pl.col("status") >= 500)
        .then(request)
        .when(by_level)
        .then(template(pl.col("message")))
        .otherwise(request)
        .fill_null("error")
    )


@dataclass
class Accumulator:
    """Folds request tables in, one block at a time; :meth:`result` computes the statistics."""

    by: Sequence[str] = ()
    keep_slowest: int = 10
    parts: list[pl.DataFrame] = field(default_factory=list)
    slow: pl.DataFrame | None = None
    error_counts: Counter[str] = field(default_factory=Counter)
    error_groups: dict[str, str] = field(default_factory=dict)
    start: float | None = None
    end: float | None = None

    def add(self, requests: pl.DataFrame) -> None:
        framed = requests.with_columns(_key_expr(self.by, templates=requests["route"].null_count() > 0))
        # a category per group name: 4 bytes a request instead of the name's bytes
        self.parts.append(framed.select(pl.col("group").cast(pl.Categorical), "duration", "time", "error"))
        lo, hi = framed["time"].min(), framed["time"].max()
        if lo is not None:
            self.start = lo if self.start is None else min(self.start, lo)
            self.end = hi if self.end is None else max(self.end, hi)
        if self.keep_slowest:
            timed = framed.filter(pl.col("duration").is_not_null())
            top = timed.top_k(self.keep_slowest, by="duration").select(
                "duration", "group", "time", "request_id", "path", "status"
            )
            both = top if self.slow is None else pl.concat([self.slow, top])
            self.slow = both.top_k(self.keep_slowest, by="duration")
        failed = framed.filter(pl.col("error"))
        if len(failed):
            counted = failed.group_by(_error_template().alias("t")).agg(pl.len(), pl.col("group").first())
            for text, n, group in counted.iter_rows():
                self.error_counts[text] += n
                self.error_groups.setdefault(text, group)

    def samples(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(
                schema={"group": pl.String, "duration": pl.Float64, "time": pl.Float64, "error": pl.Boolean}
            )
        if len(self.parts) > 1:
            self.parts = [pl.concat(self.parts, rechunk=True)]
        return self.parts[0]

    def result(self, every: float | None = None, top_errors: int = 10) -> Analysis:
        samples = self.samples()
        span = (self.end - self.start) if self.start is not None and self.end is not None else None
        groups = group_stats(samples, ["group"], span)
        total = group_stats(samples.with_columns(group=pl.lit(TOTAL)), ["group"], span)
        grand = sum(g.total or 0.0 for g in groups)
        groups = [_with_share(g, grand) for g in groups]
        total_row = _with_share(total[0], grand) if total else _empty(TOTAL)
        windows: list[GroupStats] = []
        window_totals: list[GroupStats] = []
        if every:
            timed = samples.filter(pl.col("time").is_not_null()).with_columns(window=(pl.col("time") // every) * every)
            windows = group_stats(timed, ["window", "group"], every)
            window_totals = group_stats(timed.with_columns(group=pl.lit(TOTAL)), ["window", "group"], every)
        slowest = []
        if self.slow is not None:
            for row in self.slow.sort("duration", descending=True).iter_rows(named=True):
                slowest.append(SlowRequest(**row))
        # most frequent first, ties by text: the order does not depend on how blocks were grouped
        common = sorted(self.error_counts.items(), key=lambda item: (-item[1], item[0]))[:top_errors]
        errors = [ErrorTemplate(t, n, self.error_groups[t]) for t, n in common]
        return Analysis(
            groups=groups,
            total=total_row,
            windows=windows,
            window_totals=window_totals,
            slowest=slowest,
            errors=errors,
            start=self.start,
            end=self.end,
            samples=samples,
            every=every,
        )


def _empty(name: str) -> GroupStats:
    return GroupStats(name, 0, 0, 0, None, None, None, None, None, None)


def _with_share(g: GroupStats, grand: float) -> GroupStats:
    share = (g.total or 0.0) / grand if grand > 0 and g.total is not None else None
    return GroupStats(**{**g.__dict__, "share": share})


def group_stats(samples: pl.DataFrame, keys: list[str], span: float | None) -> list[GroupStats]:
    """Statistics per distinct ``keys`` (``group``, or ``window`` and ``group``), sorted by total
    time, largest first (then by count)."""
    if not len(samples):
        return []
    n = pl.col("timed")
    picks = [
        pl.col("sorted").list.get((n * num + den - 1) // den - 1, null_on_oob=True).alias(label)
        for label, (num, den) in PERCENTILES.items()
    ]
    table = (
        samples.group_by(keys)
        .agg(
            count=pl.len(),
            errors=pl.col("error").sum(),
            timed=pl.col("duration").count(),
            total=pl.col("duration").sum(),
            max=pl.col("duration").max(),
            sorted=pl.col("duration").drop_nulls().sort(),
        )
        .with_columns(picks)
        .drop("sorted")
        .sort(["total", "count", "group"], descending=[True, True, False], nulls_last=True)
    )
    if "window" in keys:
        table = table.sort(["window", "total", "count", "group"], descending=[False, True, True, False])
    out = []
    for row in table.iter_rows(named=True):
        timed = row["timed"]
        rate = row["count"] / span if span else None
        out.append(
            GroupStats(
                group=row["group"],
                count=row["count"],
                errors=row["errors"],
                timed=timed,
                p50=row["p50"] if timed else None,
                p90=row["p90"] if timed else None,
                p99=row["p99"] if timed else None,
                p999=row["p999"] if timed else None,
                max=row["max"] if timed else None,
                total=row["total"] if timed else None,
                rate=rate,
                window=row.get("window"),
            )
        )
    return out
