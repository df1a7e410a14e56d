"""``perfkit logs -o report.html``: one self-contained page (jinja2, inline SVG, no network):
the per-group table, latency percentiles over time, a latency histogram per top group, errors
over time, the slowest requests and the top error messages."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import jinja2
import polars as pl
from markupsafe import Markup

from perfkit import __version__
from perfkit.logs import svgplot
from perfkit.logs.aggregate import group_stats
from perfkit.logs.api import LogResult
from perfkit.logs.render import fmt_duration, fmt_time

__all__ = ["render_html"]

_WINDOWS = 120  #: about this many points on the time charts


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("perfkit.logs", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _nice_window(span: float) -> float:
    raw = span / _WINDOWS
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400):
        if step >= raw:
            return float(step)
    return 86400.0 * math.ceil(raw / 86400)


def _over_time(result: LogResult) -> tuple[str, str, str]:
    """(window label, percentiles chart, errors chart) of all requests."""
    analysis = result.analysis
    if analysis.span is None:
        note = Markup('<p class="note">no timestamps: no charts over time</p>')
        return "", note, note
    every = _nice_window(analysis.span)
    timed = analysis.samples.filter(pl.col("time").is_not_null()).with_columns(
        window=(pl.col("time") // every) * every, group=pl.lit("all")
    )
    rows = group_stats(timed, ["window", "group"], every)
    # grouped by a window computed from non-null times just above, so no row's window is None
    xs = cast(list[float], [r.window for r in rows])
    latency = svgplot.lines(
        xs,
        [("p50", [r.p50 for r in rows]), ("p90", [r.p90 for r in rows]), ("p99", [r.p99 for r in rows])],
        fmt_duration,
        "latency percentiles over time",
    )
    errors = svgplot.lines(
        xs,
        [("errors/s", [r.errors / every for r in rows]), ("requests/s", [r.count / every for r in rows])],
        lambda v: f"{v:.3g}",
        "errors and requests per second",
    )
    return fmt_duration(every), Markup(latency), Markup(errors)


def render_html(result: LogResult, names: Sequence[str], top: int = 20, histograms: int = 6) -> str:
    """The report page as a string."""
    analysis = result.analysis
    window, latency_chart, error_chart = _over_time(result)
    timed = analysis.samples.filter(pl.col("duration").is_not_null())
    charts = []
    for g in [g for g in analysis.groups if g.timed][:histograms]:
        durations = timed.filter(pl.col("group") == g.group)["duration"].to_list()
        charts.append((g.group, Markup(svgplot.histogram(durations, fmt_duration, f"latency of {g.group}"))))
    rows = [
        [
            g.group,
            f"{g.count:,}",
            "-" if g.rate is None else f"{g.rate:.3g}",
            f"{g.errors:,}",
            f"{100 * g.error_rate:.1f}%",
            *map(fmt_duration, (g.p50, g.p90, g.p99, g.p999, g.max, g.total)),
            "-" if g.share is None else f"{100 * g.share:.1f}%",
        ]
        for g in [*analysis.groups[:top], analysis.total]
    ]
    return (
        _environment()
        .get_template("logs.html.j2")
        .render(
            title=", ".join(names),
            version=__version__,
            facts=[
                ("inputs", ", ".join(names)),
                ("from", fmt_time(analysis.start)),
                ("to", fmt_time(analysis.end)),
                ("requests", f"{analysis.total.count:,}"),
                ("errors", f"{analysis.total.errors:,}"),
            ],
            notes=result.report_lines(),
            rows=rows,
            hidden=max(0, len(analysis.groups) - top),
            window=window,
            latency_chart=latency_chart,
            error_chart=error_chart,
            histograms=charts,
            slowest=[
                (
                    fmt_duration(s.duration),
                    fmt_time(s.time),
                    s.group,
                    s.status or "-",
                    s.request_id or "-",
                    s.path or "-",
                )
                for s in analysis.slowest
            ],
            errors=[(f"{e.count:,}", e.template, e.group) for e in analysis.errors],
        )
    )
