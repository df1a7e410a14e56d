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


@settings(max_examples=200, deadline=None)
@given(
    members=st.lists(st.sampled_from("abcdef"), min_size=1, max_size=15),
    groups=st.integers(1, 3),
    before=st.lists(st.sampled_from("abcdef"), max_size=4),
)
def test_binding_many_shapes_at_once_is_binding_each(members: list[str], groups: int, before: list[str]) -> None:
    """bind_members (the reader's bulk routing) files every slot where one-by-one cell() and
    bind() would, and lists newly made members in the same order."""

    def routed(bulk: bool) -> tuple[list[tuple[object, object]], list[list[str]]]:
        store = CellStore()
        for m in before:  # cells some earlier record made
            store.cell(("t", 0), m)
        pairs = [(store.group(("t", j)), {}) for j in range(groups)]
        slots = [store.new_slots(groups) for _ in members]
        if bulk:
            store.bind_members(slots, pairs, members)
        else:
            for shape_slots, m in zip(slots, members):
                for j, (_, seen) in enumerate(pairs):
                    cell, made = store.cell(("t", j), m)
                    if made:
                        seen[m] = None
                    store.bind(shape_slots[j : j + 1], [cell])
        where = {cell: (group, m) for group, cells in store.index.items() for m, cell in cells.items()}
        assert all(store.slot_cell[store._own[cell]] == cell for cell in where)  # each cell's own slot
        filed = [where[store.slot_cell[slot]] for shape_slots in slots for slot in shape_slots]
        return filed, [list(seen) for _, seen in pairs]

    assert routed(True) == routed(False)


def test_every_value_dropped_leaves_no_cells() -> None:
    store = CellStore()
    dropped = store.new_slots(1)
    store.bind(dropped, [DROPPED])
    store.values.extend([2.0, 1.0])
    store.slots.extend([dropped[0]] * 2)
    seg = store.segments()
    assert len(seg.values) == 0 and len(seg.counts) == 0
