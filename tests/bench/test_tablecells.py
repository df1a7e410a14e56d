"""A table's cells worked out for the whole grid at once (perfkit.bench.tablecells and
perfkit.bench.batch) against the one-cell-at-a-time statistics of perfkit.bench.stats: medians,
intervals, ``± N%`` texts, U tests (ties, all-equal cells, NaN, the normal approximation above
the exact limits), warnings and the geomean row, on random tie-heavy grids with missing cells."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.bench import render, stats, tablecells
from perfkit.bench.cellstore import CellStore
from perfkit.bench.tables import Cell, Row, Table, column_summaries
from perfkit.bench.units import go_v, go_v_many

_VALUES = st.one_of(
    st.sampled_from([1.0, 2.0, 3.0, 0.0, -2.0, 1e-9, 5e5]),  # ties, zero and negative centres
    st.floats(0.5, 2.0),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_grid_at_once_equals_each_cell_alone(data: st.DataObject) -> None:
    rows, columns = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 3))
    size = data.draw(st.sampled_from([(1, 12), (8, 12), (26, 30), (45, 52)]))  # exact, ties limit, normal
    store = CellStore()
    ids: list[list[int]] = []
    samples: dict[int, list[float]] = {}
    for r in range(rows):
        line = []
        for c in range(columns):
            if data.draw(st.integers(0, 5)) == 0:  # a missing cell
                line.append(-1)
                continue
            cell = store.cell(c, r)[0]
            values = data.draw(st.lists(_VALUES, min_size=size[0], max_size=size[1]))
            if not values:
                values = [1.0]
            for v in values:
                store.add(cell, v)
            samples[cell] = values
            line.append(cell)
        ids.append(line)
    seg = store.segments()
    lines, summaries = tablecells.median_cells(seg, ids, columns, 0.95, 0.05, False, {})
    for line, got_line in zip(ids, lines):
        base = line[0]
        for c, (cell_id, got) in enumerate(zip(line, got_line)):
            if cell_id < 0:
                assert got is None
                continue
            assert got is not None
            values = seg.of(cell_id)
            lo, hi = stats.quantile_ci_orders(len(values), 0.5, 0.95).bounds(values)  # values in Go's order
            assert _same(got.center, stats._quantile_sorted(values, 0.5)) and _same(got.lo, lo) and _same(got.hi, hi)
            assert got.n == len(samples[cell_id])
            alone = Cell((), got.center, got.lo, got.hi, got.confidence)
            assert got.range_text() == alone.range_text()
            too_few = (tablecells._too_few_for_interval(0.95),)
            assert got.warnings == (too_few if math.isinf(lo) or math.isinf(hi) else ())
            if c == 0 or base < 0:
                assert got.comparison is None
                continue
            test = stats.mann_whitney(seg.of(base).tolist(), values.tolist())
            comparison = got.comparison
            assert comparison is not None
            assert (comparison.p, comparison.method) == (test.p, test.method)
            assert comparison.n1 == len(samples[base]) and comparison.n2 == len(samples[cell_id])
            assert ("all samples are equal" in comparison.warnings) == (test.method == "equal")
    table = Table([], "ns/op", "nothing", -1, False, ["x"], [(str(c),) for c in range(columns)],
                  [Row(str(r), (str(r),), line) for r, line in enumerate(lines)], [])  # fmt: skip
    for got, want in zip(summaries, column_summaries(table)):
        assert _same(got.center or math.nan, want.center or math.nan)
        assert _same(got.ratio or math.nan, want.ratio or math.nan) and got.warnings == want.warnings


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 1e-4, 1e6, 65536.0, 999999.5])), max_size=40))
def test_go_v_of_many_values_is_go_v_of_each(values: list[float]) -> None:
    assert go_v_many(values) == [go_v(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from('ab ,"\r\n\\.\x1c\t\u3000'), max_size=5), min_size=1, max_size=8))
def test_labels_quoted_at_once_are_quoted_each(labels: list[str]) -> None:
    assert render._csv_labels(labels) == [render._csv_field(label) for label in labels]
