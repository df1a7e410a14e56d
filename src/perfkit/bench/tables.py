"""The result of benchstat: tables of cells, each a summary of samples, compared with the
first column of its row, with a geomean row (Go's ``benchtab`` model).

These are plain data; :mod:`perfkit.bench.benchstat` builds them and :mod:`perfkit.bench.render`
and :mod:`perfkit.bench.render_html` print them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfkit.bench import stats
from perfkit.bench.projection import Key
from perfkit.bench.units import go_f, go_signed

__all__ = [
    "Cell",
    "ColumnSummary",
    "Comparison",
    "Row",
    "Table",
    "better_direction",
    "column_summaries",
    "summarize_columns",
]


@dataclass(slots=True)
class Comparison:
    """A cell against its row's first column."""

    p: float
    n1: int  #: samples in the baseline
    n2: int
    alpha: float
    old: float  #: baseline centre
    new: float
    method: str  #: stats.MannWhitney method, or "exact" for assume=exact units
    warnings: tuple[str, ...] = ()

    @property
    def significant(self) -> bool:
        return not self.p > self.alpha

    @property
    def delta(self) -> float:
        """new/old - 1 (0 when equal, NaN when the baseline is 0)."""
        if self.old == self.new:
            return 0.0
        return self.new / self.old - 1 if self.old else math.nan

    def delta_text(self) -> str:
        """Go's FormatDelta: ``~`` when not significant, else ``+10.31%``."""
        if self.p > self.alpha:
            return "~"
        if self.old == self.new:
            return "0.00%"
        if self.old == 0:
            return "?"
        return go_signed((self.new / self.old - 1.0) * 100.0, 2) + "%"

    def text(self) -> str:
        """``p=0.000 n=10`` (``n=10+9`` for unequal sizes; no p for exact units)."""
        key = (self.p, self.n1, self.n2)
        text = P_TEXTS.get(key)
        if text is None:  # a large table meets the same few p-values and sizes thousands of times
            p = f"p={go_f(self.p, 3)} " if self.p != 0 else ""
            text = p + (f"n={self.n1}" if self.n1 == self.n2 else f"n={self.n1}+{self.n2}")
            if len(P_TEXTS) >= 4096:
                P_TEXTS.clear()
            P_TEXTS[key] = text
        return text


#: Comparison.text() by (p, n1, n2): a big table meets a few p-values and sizes thousands of times
P_TEXTS: dict[tuple[float, int, int], str] = {}


@dataclass(slots=True)
class Cell:
    """One table cell: sorted samples, centre and interval, warnings, comparison."""

    values: Sequence[float]  #: sorted (NaN first); empty if the tables were made without samples
    center: float
    lo: float
    hi: float
    confidence: float
    warnings: tuple[str, ...] = ()
    comparison: Comparison | None = None
    n: int = 0  #: number of samples
    range_known: str | None = None  #: :meth:`range_text`, when the builder worked it out for many cells at once

    def range_text(self) -> str:
        """Go's PctRangeString: ``± 3%`` as ``3%``; ``∞`` without an interval; ``?`` across 0."""
        if self.range_known is not None:
            return self.range_known
        lo, hi, center = self.lo, self.hi, self.center
        if 0 < lo < math.inf and 0 < hi < math.inf and center > 0:  # the usual case, in short
            spread = 100 * max(hi / center - 1, 1 - lo / center)
            if spread < math.inf:
                return f"{spread:.0f}%"
        if lo in _INFINITIES or hi in _INFINITIES:
            return "∞"
        if center > 0:
            same_side = lo > 0 and hi > 0
        elif center < 0:
            same_side = lo < 0 and hi < 0
        else:  # 0 or NaN: Go's sign is 0, so both bounds must have sign 0 too
            same_side = not (lo > 0 or lo < 0 or hi > 0 or hi < 0)
        if not same_side:
            return "?"
        if center == 0:
            return "0%"
        return go_f(100 * max(hi / center - 1, 1 - lo / center), 0) + "%"


_INFINITIES = (math.inf, -math.inf)


@dataclass(slots=True)
class Row:
    label: str
    key: Key
    cells: list[Cell | None]  #: aligned with the table's columns


@dataclass(slots=True)
class ColumnSummary:
    """The geomean row's entry for one column."""

    center: float | None  #: geometric mean of the column's centres
    ratio: float | None  #: geometric mean of the ratios to the first column (not for the first)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Table:
    """One table: a unit under one value of the table projection."""

    header: list[tuple[str, str]]  #: table key fields other than the unit, e.g. ("pkg", "x/y")
    unit: str
    assumption: str  #: "nothing" or "exact"
    better: int  #: +1 higher is better, -1 lower is better, 0 unknown
    better_declared: bool  #: ``Unit <unit> better=...`` said so (such units gate --fail-on)
    column_fields: list[str]
    columns: list[tuple[str, ...]]  #: per column, the value of every column field
    rows: list[Row]
    summaries: list[ColumnSummary]
    summary_label: str = "geomean"
    alpha: float = 0.05

    @property
    def column_labels(self) -> list[str]:
        return [" ".join(v for v in values if v) for values in self.columns]


# ---------------------------------------------------------------------------------- the builder


def column_summaries(table: Table) -> list[ColumnSummary]:
    """Geomeans of centres and of ratios to the first column, as Go: the ratio of two equal
    centres is 1 (even 0/0); a zero baseline makes the ratio unknown."""
    n_base = sum(1 for row in table.rows if row.cells[0] is not None)
    columns = []
    for i in range(len(table.columns)):
        centers, ratios, bad = [], [], False
        for row in table.rows:
            cell = row.cells[i]
            if cell is None:
                continue
            centers.append(cell.center)
            if cell.comparison is not None:
                a, b = cell.center, cell.comparison.old
                if a == b:
                    ratios.append(1.0)
                elif b == 0:
                    bad = True
                    ratios.append(0.0)
                else:
                    ratios.append(a / b)
        columns.append((centers, ratios, bad))
    return summarize_columns(columns, n_base)


def summarize_columns(columns: Sequence[tuple[list[float], list[float], bool]], n_base: int) -> list[ColumnSummary]:
    """The geomean row from each column's centres, its ratios to the first column and whether
    one of those had a zero baseline; ``n_base``: the rows holding a first-column cell."""
    out = []
    for i, (centers, ratios, bad) in enumerate(columns):
        summary = ColumnSummary(None, None)
        if i > 0 and n_base != len(ratios):
            summary.warnings.append("benchmark set differs from baseline; geomeans may not be comparable")
        center = stats.geomean(centers)
        if math.isnan(center):
            summary.warnings.append("summaries must be >0 to compute geomean")
        else:
            summary.center = center
        if i > 0 and not bad:
            ratio = stats.geomean(ratios)
            if math.isnan(ratio):
                summary.warnings.append("ratios must be >0 to compute geomean")
            else:
                summary.ratio = ratio
        out.append(summary)
    return out


_DEFAULT_BETTER = {"ns/op": -1, "sec/op": -1, "MB/s": 1, "B/s": 1, "B/op": -1, "allocs/op": -1}


def better_direction(unit: str, declared: str | None = None) -> int:
    """+1 if higher values are better, -1 if lower, 0 unknown (``Unit x better=higher`` first)."""
    if declared is not None:
        return {"higher": 1, "lower": -1}.get(declared, 0)
    if unit in _DEFAULT_BETTER:
        return _DEFAULT_BETTER[unit]
    return 1 if unit.endswith("/s") else (-1 if unit.endswith("sec/op") else 0)
