"""The cell store's sort: every cell a contiguous run, sorted, NaNs first (Go's order), values
dropped by a filter gone; checked against a plain sort on random cells and values."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.bench.cellstore import DROPPED, CellStore

_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, -math.inf, math.inf, math.nan]),  # ties, and the awkward ones
)


@settings(max_examples=300, deadline=None)
@given(cells=st.integers(1, 6), data=st.data())
def test_segments_are_sorted_runs_in_go_order(cells: int, data: st.DataObject) -> None:
    store = CellStore()
    ids = [store.cell("t", row)[0] for row in range(cells)]
    dropped = store.new_slots(1)
    store.bind(dropped, [DROPPED])
    expected: dict[int, list[float]] = {i: [] for i in ids}
    for cell, value in data.draw(st.lists(st.tuples(st.sampled_from([*ids, None]), _VALUES), max_size=80)):
        if cell is None:  # a value a filter dropped
            store.values.append(value)
            store.slots.append(dropped[0])
        else:
            store.add(cell, value)
            expected[cell].append(value)
    seg = store.segments()
    for cell in ids:
        got = seg.of(cell).tolist()
        nans = sum(math.isnan(v) for v in expected[cell])
        assert int(seg.counts[cell]) == len(expected[cell])
        assert bool(seg.has_nan[cell]) == (nans > 0)
        assert all(math.isnan(v) for v in got[:nans])  # Go sorts NaN first
        assert got[nans:] == sorted(v for v in expected[cell] if not math.isnan(v))
