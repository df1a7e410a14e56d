"""benchstat tables as one self-contained HTML page (``perfkit benchstat --format html``).

Each table shows what the text table shows (centre ± interval, delta, p and n, footnotes,
geomean) and, per benchmark, a strip plot of the samples of every column on one axis: a dot per
sample (at most :data:`MAX_DOTS`, spread evenly over the sorted values, so the shape stays true
for 100,000 runs), the median as a tick and the confidence interval as a bar. Rows are coloured
by the significant changes they show: green better, red worse (by the unit's direction: time and
sizes down, throughput up, or ``Unit ... better=``), amber for a significant change in a unit
with no known direction.

The page is rendered by jinja2 with autoescaping on; the plots are drawn by the template from
numbers computed here, so no benchmark name or label can inject markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2

from perfkit.bench.benchstat import Cell, Table
from perfkit.bench.render import superscript
from perfkit.bench.units import common_scale, go_signed, is_binary, scale

__all__ = ["MAX_DOTS", "render_html"]

MAX_DOTS = 200  #: dots per strip; more samples are represented by evenly spaced order statistics
PAGE_DOTS = 400_000  #: dots per page: tables of thousands of rows get fewer dots per strip (10 at least)
WIDTH, STRIP, PAD = 360, 18, 6  #: plot width, height per column strip, margin (px)
PALETTE = ("#5b7bd5", "#e8833a", "#3aa37a", "#b45cc2", "#c9a227", "#d1495b", "#5c5c5c")


@dataclass
class Strip:
    """One column's samples on a row's plot."""

    label: str
    color: str
    y: float
    dots: list[tuple[float, float]]  #: (x, y) of each dot
    median: float | None
    lo: float | None
    hi: float | None
    shown: int
    total: int


@dataclass
class Plot:
    width: int
    height: int
    strips: list[Strip]
    axis: str  #: the axis scale described, e.g. "linear, 1.52µ – 1.81µ"


@dataclass
class RowView:
    label: str
    verdict: str  #: "better", "worse", "changed" or ""
    cells: list[dict]
    plot: Plot | None


@dataclass
class TableView:
    header: list[tuple[str, str]]
    unit: str
    columns: list[str]
    rows: list[RowView]
    geomean: list[dict] | None
    notes: list[tuple[str, str]] = field(default_factory=list)


def _verdict(table: Table, cells: Sequence[Cell | None]) -> list[str]:
    """Per column: "better", "worse", "changed" (significant, direction unknown) or ""."""
    out = []
    for cell in cells:
        c = cell.comparison if cell is not None else None
        if c is None or not c.significant or c.old == c.new or math.isnan(c.delta):
            out.append("")
        elif not table.better:
            out.append("changed")
        else:
            out.append("better" if c.delta * table.better > 0 else "worse")
    return out


def _spread(values: Sequence[float], limit: int) -> list[float]:
    """At most ``limit`` values, evenly spaced order statistics of the sorted sample."""
    n = len(values)
    if n <= limit:
        return [float(v) for v in values]
    return [float(values[round(i * (n - 1) / (limit - 1))]) for i in range(limit)]


def _plot(table: Table, cells: Sequence[Cell | None], limit: int) -> Plot | None:
    finite = [
        v for c in cells if c is not None and len(c.values) for v in (c.values[0], c.values[-1]) if math.isfinite(v)
    ]
    if not finite:
        return None
    lo, hi = min(finite), max(finite)
    log = lo > 0 and hi / lo > 20
    if log:
        lo, hi = math.log(lo), math.log(hi)
    if hi == lo:  # every sample the same: put them in the middle
        pad = abs(lo) * 0.01 or 1.0
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    inner = WIDTH - 2 * PAD - 40

    def x(value: float) -> float | None:
        if not math.isfinite(value) or (log and value <= 0):
            return None
        v = math.log(value) if log else value
        return round(40 + PAD + (v - lo) / span * inner, 2)

    strips = []
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        y = PAD + i * STRIP + STRIP / 2
        dots = []
        for j, value in enumerate(_spread(cell.values, limit)):
            px = x(value)
            if px is not None:
                jitter = ((j * 37) % 11 - 5) * (STRIP / 2 - 3) / 5  # spread, deterministic
                dots.append((px, round(y + jitter, 2)))
        color = PALETTE[i % len(PALETTE)]
        median, lo_x, hi_x = x(cell.center), x(cell.lo), x(cell.hi)
        strips.append(Strip(table.column_labels[i], color, y, dots, median, lo_x, hi_x, len(dots), cell.n))
    scaler = common_scale([math.exp(lo), math.exp(hi)] if log else [lo, hi], is_binary(table.unit))
    ends = [math.exp(lo), math.exp(hi)] if log else [lo, hi]
    axis = f"{'log' if log else 'linear'} scale, {scaler.format(ends[0])} – {scaler.format(ends[1])} {table.unit}"
    return Plot(WIDTH, 2 * PAD + STRIP * len(cells), strips, axis)


def _table_view(table: Table, limit: int) -> TableView:
    notes: dict[str, str] = {}

    def marks(messages: Sequence[str]) -> str:
        for m in messages:
            notes.setdefault(m, superscript(len(notes) + 1))
        return " ".join(notes[m] for m in messages)

    binary = is_binary(table.unit)
    rows = []
    for row in table.rows:
        scaler = common_scale([c.center for c in row.cells if c is not None], binary)
        verdicts = _verdict(table, row.cells)
        cells: list[dict[str, Any]] = []
        for i, cell in enumerate(row.cells):
            if cell is None:
                cells.append({"empty": True, "base": i == 0})
                continue
            c = cell.comparison
            cells.append({
                "empty": False,
                "base": i == 0,
                "value": scaler.format(cell.center),
                "range": cell.range_text(),
                "marks": marks(cell.warnings),
                "delta": c.delta_text() if c else "",
                "test": c.text() if c else "",
                "test_marks": marks(c.warnings) if c else "",
                "verdict": verdicts[i],
                "n": cell.n,
            })  # fmt: skip
        verdict = "worse" if "worse" in verdicts else "better" if "better" in verdicts else (
            "changed" if "changed" in verdicts else "")  # fmt: skip
        rows.append(RowView(row.label, verdict, cells, _plot(table, row.cells, limit)))
    geomean = None
    if len(table.rows) > 1:
        geomean = []
        for i, s in enumerate(table.summaries):
            ratio = "" if i == 0 else ("?" if s.ratio is None else go_signed((s.ratio - 1) * 100, 2) + "%")
            geomean.append({"base": i == 0, "value": "" if s.center is None else scale(s.center, binary),
                            "ratio": ratio, "marks": marks(s.warnings)})  # fmt: skip
    return TableView(table.header, table.unit, table.column_labels, rows, geomean,
                     [(mark, text) for text, mark in notes.items()])  # fmt: skip


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("perfkit.bench", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(tables: Sequence[Table], title: str | None = None) -> str:
    """The tables as a self-contained HTML page."""
    columns = list(dict.fromkeys(label for t in tables for label in t.column_labels))
    title = title or ("benchstat: " + " vs ".join(columns) if columns else "benchstat")
    strips = sum(1 for t in tables for r in t.rows for c in r.cells if c is not None)
    limit = max(10, min(MAX_DOTS, PAGE_DOTS // max(strips, 1)))  # keep huge tables' pages loadable
    views = [_table_view(t, limit) for t in tables]
    counts = {v: sum(1 for t in views for r in t.rows if r.verdict == v) for v in ("better", "worse", "changed")}
    page = (
        _environment()
        .get_template("benchstat.html.j2")
        .render(
            title=title,
            tables=views,
            counts=counts,
            max_dots=MAX_DOTS,
            alpha=tables[0].alpha if tables else 0.05,
        )
    )
    return page
