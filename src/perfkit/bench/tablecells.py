"""The cells, comparisons and geomeans of one benchstat table, from the sorted segments.

A table is a grid of cell ids (rows by columns, -1 where a row has no value). For the usual
``assume=nothing`` units everything is worked out for the whole grid at once with numpy
(medians, intervals, U tests, warnings, the ``± 3%`` texts, the geomean inputs), and the
:class:`~perfkit.bench.tables.Cell` and :class:`~perfkit.bench.tables.Comparison` objects are
made in one pass at the end: a table of 10,000 benchmarks costs a few numpy calls and an object
per cell. ``assume=exact`` units (rare, small) go cell by cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from perfkit.bench import batch, stats
from perfkit.bench.cellstore import Segments
from perfkit.bench.tables import Cell, ColumnSummary, Comparison, summarize_columns
from perfkit.bench.units import go_v

__all__ = ["exact_cells", "median_cells"]

ALL_EQUAL = "all samples are equal"
#: ``± N%`` texts by code: N for 0..999, then an infinite bound, a zero centre's bounds on either
#: side of it, and "not worked out here"
_PERCENT: list[str | None] = [*(f"{k}%" for k in range(1000)), "∞", "?", None]
_INFINITE, _ACROSS, _UNKNOWN = 1000, 1001, 1002


def median_cells(
    seg: Segments,
    ids: Sequence[Sequence[int]],
    columns: int,
    confidence: float,
    alpha: float,
    keep: bool,
    leading: dict[int, str],
) -> tuple[list[list[Cell | None]], list[ColumnSummary]]:
    """Per row, its cells (median and interval, compared with the row's first column), and
    the geomean row. ``leading``: a warning to put first in the cells of those ids."""
    import numpy as np

    rows = len(ids)
    grid = np.array(ids, dtype=np.int64).reshape(rows, columns)
    flat = grid.ravel()
    present = np.flatnonzero(flat >= 0)
    cids = flat[present]
    centers, los, his, coverage = batch.median_summaries(seg, cids, confidence)
    counts = seg.counts[cids]
    center_at = np.full(rows * columns, np.nan)
    center_at[present] = centers
    count_at = np.zeros(rows * columns, dtype=np.int64)
    count_at[present] = counts

    # comparisons: every present cell past the first column against its row's first cell
    base, other = _pairs(grid)
    comparison_at = np.empty(rows * columns, dtype=object)
    if len(base):
        comparison_at[other] = _comparisons(seg, flat, base, other, center_at, count_at, alpha)

    no_interval = ((los == -math.inf) | (his == math.inf)).tolist()
    too_few = (_too_few_for_interval(confidence),)
    warnings: list[tuple[str, ...]] = [too_few if w else () for w in no_interval]
    if leading:
        for k, cid in enumerate(cids.tolist()):
            message = leading.get(cid)
            if message is not None:
                warnings[k] = (message, *warnings[k])
    values = [seg.of(i) for i in cids.tolist()] if keep else repeat(())
    cells = list(
        map(Cell, values, centers.tolist(), los.tolist(), his.tolist(), coverage.tolist(), warnings,
            comparison_at[present].tolist(), counts.tolist(), _range_texts(centers, los, his))
    )  # fmt: skip
    cell_at = np.empty(rows * columns, dtype=object)
    if len(cells):
        cell_at[present] = cells
    lines = cell_at.reshape(rows, columns).tolist()
    return lines, _summaries(grid, center_at.reshape(rows, columns))


def _pairs(grid: Any) -> tuple[Any, Any]:
    """Flat positions of (first cell, other cell) of every row holding both."""
    import numpy as np

    rows, columns = grid.shape
    both = (grid[:, :1] >= 0) & (grid[:, 1:] >= 0)
    at = np.arange(rows)[:, None] * columns
    return np.broadcast_to(at, both.shape)[both], (at + np.arange(1, columns))[both]


def _comparisons(seg: Segments, flat: Any, base: Any, other: Any, center_at: Any, count_at: Any,
                 alpha: float) -> list[Comparison]:  # fmt: skip
    import numpy as np

    ps, methods = batch.u_tests(seg, flat[base], flat[other], alpha)
    n1, n2 = count_at[base], count_at[other]
    need_op, need = stats.u_test_min_samples(alpha)
    few = (np.array(ps) > alpha) & (n1 < need) & (n2 < need)
    few_text = f"need {need_op} {need} samples to detect a difference at alpha level {go_v(alpha)}"
    notes = [(), (ALL_EQUAL,), (few_text,), (ALL_EQUAL,)]  # equal samples: Go's U test failed, its only note
    codes = [(m == "equal") + 2 * f for m, f in zip(methods, few.tolist())]
    return list(
        map(Comparison, ps, n1.tolist(), n2.tolist(), repeat(alpha), center_at[base].tolist(),
            center_at[other].tolist(), methods, map(notes.__getitem__, codes))
    )  # fmt: skip


def _range_texts(centers: Any, los: Any, his: Any) -> list[str | None]:
    """:meth:`Cell.range_text` where it is one of the common cases: interval and centre positive
    and finite, under 999.5% (``%.0f`` of the spread, which rounds half to even as ``rint``
    does); an infinite bound (``∞``); a zero centre (``0%`` or ``?``). None elsewhere: the
    cell works it out itself."""
    import numpy as np

    with np.errstate(all="ignore"):
        spread = 100 * np.maximum(his / centers - 1, 1 - los / centers)
        usual = (los > 0) & (los < math.inf) & (his > 0) & (his < math.inf) & (centers > 0)
        usual &= (spread >= 0) & (spread < 999.5)
        code = np.rint(np.where(usual, spread, 0)).astype(np.int64)
    unbounded = ~usual & (np.isinf(los) | np.isinf(his))
    zero = ~usual & ~unbounded & (centers == 0)
    across = zero & ((los > 0) | (los < 0) | (his > 0) | (his < 0))
    code[unbounded] = _INFINITE
    code[zero] = 0
    code[across] = _ACROSS
    code[~(usual | unbounded | zero)] = _UNKNOWN
    texts = _PERCENT
    return [texts[k] for k in code.tolist()]


def _summaries(grid: Any, centers: Any) -> list[ColumnSummary]:
    """The geomean row's inputs per column: centres, and ratios to the first column (1 for
    equal centres, unknown against a zero baseline)."""
    import numpy as np

    has_base = grid[:, 0] >= 0
    columns: list[tuple[list[float], list[float], bool]] = []
    for i in range(grid.shape[1]):
        here = grid[:, i] >= 0
        col = centers[:, i]
        if i == 0:
            columns.append((col[here].tolist(), [], False))
            continue
        both = has_base & here
        new, old = col[both], centers[both, 0]
        zero = (old == 0) & (new != old)
        with np.errstate(all="ignore"):
            ratios = np.where(new == old, 1.0, np.where(zero, 0.0, new / old))
        columns.append((col[here].tolist(), ratios.tolist(), bool(zero.any())))
    return summarize_columns(columns, int(np.count_nonzero(has_base)))


def exact_cells(
    seg: Segments, ids: Sequence[Sequence[int]], keep: bool, leading: dict[int, str]
) -> list[list[Cell | None]]:
    """``assume=exact`` cells: the mode and range, compared by any difference at all."""
    lines: list[list[Cell | None]] = []
    for line in ids:
        cells: list[Cell | None] = []
        for i in line:
            if i < 0:
                cells.append(None)
                continue
            cell = _summary_exact(seg.of(i).tolist())
            if not keep:
                cell.values = ()
            if i in leading:
                cell.warnings = (leading[i], *cell.warnings)
            cells.append(cell)
        base = cells[0] if cells else None
        for other in cells[1:]:
            if base is not None and other is not None:
                other.comparison = Comparison(0.0, base.n, other.n, 0.0, base.center, other.center, "exact")
        lines.append(cells)
    return lines


def _summary_exact(values: list[float]) -> Cell:
    """assume=exact: the mode (the smallest on a tie), the range, a warning if values differ."""
    mode, mode_count, current, count = values[0], 1, values[0], 1
    for v in values[1:]:
        if v == current:
            count += 1
            if count > mode_count:
                mode, mode_count = current, count
        else:
            current, count = v, 1
    cell = Cell(values, mode, values[0], values[-1], 1.0, n=len(values))
    if mode_count != len(values):
        cell.warnings = (f"exact distribution expected, but values range from {go_v(values[0])} to {go_v(values[-1])}",)
    return cell


_INTERVAL_NOTES: dict[float, str] = {}


def _too_few_for_interval(confidence: float) -> str:
    note = _INTERVAL_NOTES.get(confidence)
    if note is None:
        op, need = stats.median_min_samples(confidence)
        note = _INTERVAL_NOTES[confidence] = (
            f"need {op} {need} samples for confidence interval at level {go_v(confidence)}"
        )
    return note
