"""``perfkit logs`` results as text (a rich table on a terminal, plain columns when piped), JSON,
CSV and Markdown.

JSON is the machine interface: one object per group with ``group``, ``count``, ``errors``,
``p50``, ``p90``, ``p99``, ``p999``, ``max``, ``total`` (latencies in seconds, null when the log
has no durations), plus ``base_count``, ``base_p50``, ``base_p99``, ``p_value`` and
``significant`` with ``--base``, and ``window`` with ``--every``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from perfkit.logs.aggregate import Analysis, GroupStats
from perfkit.logs.comparison import GroupChange

__all__ = ["FORMATS", "fmt_duration", "render_analysis", "render_changes"]

FORMATS = ("text", "json", "csv", "markdown")
_COLUMNS = ("group", "count", "rate/s", "errors", "err%", "p50", "p90", "p99", "p99.9", "max", "total", "share")


def fmt_duration(seconds: float | None) -> str:
    """About three significant figures with a unit: ``850µs``, ``12.3ms``, ``1.50s``, ``12m05s``."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    if seconds == 0:
        return "0"
    for scale, unit in ((1e-6, "µs"), (1e-3, "ms"), (1.0, "s")):
        value = seconds / scale
        if value < 999.5 or unit == "s":
            if unit == "s" and value >= 600:
                return f"{int(value // 60)}m{int(value % 60):02d}s"
            digits = 0 if value >= 99.95 else 1 if value >= 9.995 else 2
            return f"{value:.{digits}f}{unit}"
    return f"{seconds:.3g}s"


def fmt_time(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _count(n: int) -> str:
    return f"{n:,}"


def _row(g: GroupStats) -> list[str]:
    return [
        g.group,
        _count(g.count),
        "-" if g.rate is None else f"{g.rate:.3g}",
        _count(g.errors),
        f"{100 * g.error_rate:.1f}%",
        fmt_duration(g.p50),
        fmt_duration(g.p90),
        fmt_duration(g.p99),
        fmt_duration(g.p999),
        fmt_duration(g.max),
        fmt_duration(g.total),
        "-" if g.share is None else f"{100 * g.share:.1f}%",
    ]


def _plain(header: Sequence[str], rows: Sequence[Sequence[str]], left: frozenset[int]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        cells = [f"{c:<{w}}" if i in left else f"{c:>{w}}" for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _rich(
    header: Sequence[str], rows: Sequence[Sequence[str]], title: str | None, total_last: bool, left: frozenset[int]
) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_edge=False, header_style="bold", pad_edge=False)
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i in left else "right", no_wrap=i not in left, overflow="fold")
    for i, r in enumerate(rows):
        table.add_row(
            *r,
            end_section=total_last and i == len(rows) - 2,
            style="bold" if total_last and i == len(rows) - 1 else None,
        )
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=max(120, Console().width))
    console.print(table)
    return buf.getvalue()


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    rich: bool,
    title: str | None = None,
    total_last: bool = False,
    left: frozenset[int] = frozenset({0}),
) -> str:
    if rich:
        return _rich(header, rows, title, total_last, left)
    return (f"{title}\n" if title else "") + _plain(header, rows, left)


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    esc = [[str(c).replace("|", "\\|") for c in r] for r in rows]
    out = ["| " + " | ".join(header) + " |", "|:--" + "|--:" * (len(header) - 1) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in esc]
    return "\n".join(out) + "\n"


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _record(g: GroupStats) -> dict[str, Any]:
    out: dict[str, Any] = {
        "group": g.group,
        "count": g.count,
        "errors": g.errors,
        "p50": g.p50,
        "p90": g.p90,
        "p99": g.p99,
        "p999": g.p999,
        "max": g.max,
        "total": g.total,
        "rate": g.rate,
        "error_rate": g.error_rate,
        "share": g.share,
        "timed": g.timed,
    }
    if g.window is not None:
        out["window"] = fmt_time(g.window)
    return out


def _number(x: float | None) -> str:
    return "" if x is None else f"{x:.9g}"


def render_analysis(analysis: Analysis, fmt: str, rich: bool = False, top: int = 20, notes: Sequence[str] = ()) -> str:
    """The per-group table (or per window with --every), then the slowest requests and the top
    error messages (text and Markdown)."""
    groups = analysis.windows if analysis.every else analysis.groups
    if fmt == "json":
        return json.dumps([_record(g) for g in groups], indent=2) + "\n"
    if fmt == "csv":
        csv_header = (["window"] if analysis.every else []) + ["group", "count", "errors", "p50", "p90", "p99", "p999"]
        csv_header += ["max", "total", "rate", "share"]
        csv_rows = [
            ([fmt_time(g.window)] if analysis.every else [])
            + [
                g.group,
                g.count,
                g.errors,
                *map(_number, (g.p50, g.p90, g.p99, g.p999, g.max, g.total, g.rate, g.share)),
            ]
            for g in groups
        ]
        return _csv(csv_header, csv_rows)
    out: list[str] = []
    if analysis.every:
        for start in dict.fromkeys(g.window for g in groups):
            rows = [_row(g) for g in groups if g.window == start]
            totals = [_row(g) for g in analysis.window_totals if g.window == start]
            shown = rows[:top] + totals
            title = f"{fmt_time(start)} (+{fmt_duration(analysis.every)})"
            out.append(_markdown(_COLUMNS, shown) if fmt == "markdown" else _table(_COLUMNS, shown, rich, title, True))
    else:
        rows = [_row(g) for g in groups[:top]]
        if len(groups) > top:
            rest = len(groups) - top
            rows.append([f"({rest:,} more groups: --top {len(groups)})", *[""] * (len(_COLUMNS) - 1)])
        rows.append(_row(analysis.total))
        out.append(_markdown(_COLUMNS, rows) if fmt == "markdown" else _table(_COLUMNS, rows, rich, None, True))
    out += [f"{n}\n" for n in notes]
    if analysis.slowest:
        header: tuple[str, ...] = ("duration", "time", "group", "status", "request id", "path")
        rows = [
            [
                fmt_duration(s.duration),
                fmt_time(s.time),
                s.group,
                "-" if s.status is None else str(s.status),
                s.request_id or "-",
                (s.path or "-")[:80],
            ]
            for s in analysis.slowest
        ]
        left = frozenset({2, 4, 5})
        out.append(
            _markdown(header, rows) if fmt == "markdown" else _table(header, rows, rich, "slowest requests", left=left)
        )
    if analysis.errors:
        header = ("count", "error", "group")
        rows = [[_count(e.count), e.template[:100], e.group] for e in analysis.errors]
        left = frozenset({1, 2})
        out.append(
            _markdown(header, rows) if fmt == "markdown" else _table(header, rows, rich, "top errors", left=left)
        )
    return "\n".join(out)


def _pct(change: float | None, significant: bool) -> str:
    if change is None:
        return "-"
    return f"{change * 100:+.1f}%" if significant else "~"


def render_changes(
    changes: Sequence[GroupChange], fmt: str, rich: bool = False, top: int = 20, alpha: float = 0.05
) -> str:
    """The comparison: per group, base and new median and p99, their change (``~`` when the
    Mann-Whitney p-value is above alpha), and p."""
    if fmt == "json":
        records = []
        for c in changes:
            record = _record(c.new) if c.new else {"group": c.group, "count": 0, "errors": 0}
            record.update(
                base_count=c.base.count if c.base else 0,
                base_p50=c.base.p50 if c.base else None,
                base_p99=c.base.p99 if c.base else None,
                p_value=c.p_value,
                significant=c.significant,
            )
            records.append(record)
        return json.dumps(records, indent=2) + "\n"
    header = ("group", "count", "p50 base", "p50 new", "Δ p50", "p99 base", "p99 new", "Δ p99", "p")
    rows = []
    for c in changes:
        rows.append(
            [
                c.group,
                f"{c.base.count if c.base else 0:,}→{c.new.count if c.new else 0:,}",
                fmt_duration(c.base.p50 if c.base else None),
                fmt_duration(c.new.p50 if c.new else None),
                _pct(c.p50_change, c.significant),
                fmt_duration(c.base.p99 if c.base else None),
                fmt_duration(c.new.p99 if c.new else None),
                _pct(c.p99_change, c.significant),
                "-" if c.p_value is None else f"{c.p_value:.3f}",
            ]
        )
    if fmt == "csv":
        return _csv(header, rows)
    if fmt == "markdown":
        return _markdown(header, rows)
    note = f"Δ: change of the new log against the base; ~ means not significant (Mann-Whitney U, p > {alpha:g})\n"
    shown = rows[:top] + (
        [[f"({len(rows) - top:,} more groups: --top {len(rows)})", *[""] * 8]] if len(rows) > top else []
    )
    return _table(header, shown, rich) + note
