"""Where benchstat keeps values while results come in: two flat arrays, not an object per cell.

Every value is appended to ``values`` (8 bytes) with its *slot* in ``slots`` (4 bytes). A slot
stands for one value position of one kind of result line (a name, configuration and units) and
is bound to a cell (a table, row and column) when that kind is routed, or to -1 when the filter
drops it. A cell also has a slot of its own for values filed one result at a time. Binding later
than appending is what lets the reader gather values before routing, and keeps 100,000 lines
at about 12 bytes a value.

:meth:`CellStore.segments` then sorts everything at once (numpy ``lexsort`` by cell, then value,
NaNs first as in Go), so each cell is a contiguous, sorted run of one array.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

__all__ = ["CellStore", "Segments"]

UNROUTED = -2
DROPPED = -1


@dataclass
class Segments:
    """Every cell's sorted values: cell ``c`` is ``values[starts[c] : starts[c] + counts[c]]``."""

    values: Any  #: numpy float64 array
    starts: Any  #: numpy int64 array, by cell id
    counts: Any  #: numpy int64 array, by cell id
    has_nan: Any  #: numpy bool array, by cell id

    def of(self, cell: int) -> Any:
        start = int(self.starts[cell])
        return self.values[start : start + int(self.counts[cell])]


class CellStore:
    """Values by slot, slots bound to cells, cells by key."""

    def __init__(self) -> None:
        self.values = array("d")
        self.slots = array("i")
        self.slot_cell = array("i")  #: slot -> cell id, DROPPED, or UNROUTED
        self.index: dict[Hashable, int] = {}  #: cell key -> cell id
        self._own = array("i")  #: cell id -> the cell's own slot

    def cell(self, key: Hashable) -> tuple[int, bool]:
        """The id of the cell with this key, and whether it was just made."""
        found = self.index.get(key)
        if found is not None:
            return found, False
        cell = self.index[key] = len(self._own)
        self._own.append(len(self.slot_cell))
        self.slot_cell.append(cell)
        return cell, True

    def new_slots(self, count: int) -> array:
        """Slots for the values of a kind of result line not routed yet."""
        first = len(self.slot_cell)
        self.slot_cell.extend([UNROUTED] * count)
        return array("i", range(first, first + count))

    def bind(self, slots: array, cells: list[int]) -> None:
        for slot, cell in zip(slots, cells):
            self.slot_cell[slot] = cell

    def add(self, cell: int, value: float) -> None:
        self.values.append(value)
        self.slots.append(self._own[cell])

    def segments(self) -> Segments:
        """Sort every value into its cell (the arrays are released: call once)."""
        import numpy as np

        cells_count = len(self._own)
        values = np.frombuffer(self.values, dtype=np.float64) if len(self.values) else np.zeros(0)
        slots = np.frombuffer(self.slots, dtype=np.int32) if len(self.slots) else np.zeros(0, dtype=np.int32)
        owners = np.frombuffer(self.slot_cell, dtype=np.int32)[slots] if len(slots) else slots
        del slots
        self.slots = array("i")
        kept = owners >= 0
        if not kept.all():  # a filter dropped some values
            values, owners = values[kept], owners[kept]
        del kept
        nan = np.isnan(values)
        order = np.lexsort((values, ~nan, owners))  # by cell, then NaN first (Go's order), then value
        ordered = values[order]
        del order, values
        self.values = array("d")  # the sorted copy is all that is needed
        counts = np.bincount(owners, minlength=cells_count)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])) if cells_count else counts
        has_nan = np.bincount(owners[nan], minlength=cells_count) > 0
        return Segments(ordered, starts, counts, has_nan)
