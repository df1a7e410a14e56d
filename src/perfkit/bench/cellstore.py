"""Where benchstat keeps values while results come in: two flat arrays, not an object per cell.

Every value is appended to ``values`` (8 bytes) with its *slot* in ``slots`` (4 bytes). A slot
stands for one value position of one kind of result line (a name, configuration and units) and
is bound to a cell (a table, row and column) when that kind is routed, or to -1 when the filter
drops it. A cell also has a slot of its own for values filed one result at a time. Binding later
than appending is what lets the reader gather values before routing, and keeps 100,000 lines
at about 12 bytes a value.

:meth:`CellStore.segments` then sorts everything at once (by cell, then value, NaNs first as in
Go), so each cell is a contiguous, sorted run of one array.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Sequence
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
        #: (table, column) -> row -> cell id: two levels, so no key object is made per cell
        self.index: dict[Hashable, dict[Hashable, int]] = {}
        self._own = array("i")  #: cell id -> the cell's own slot

    def cell(self, group: Hashable, member: Hashable) -> tuple[int, bool]:
        """The id of the cell ``member`` of ``group``, and whether it was just made."""
        members = self.index.get(group)
        if members is None:
            members = self.index[group] = {}
        found = members.get(member)
        if found is not None:
            return found, False
        cell = members[member] = len(self._own)
        self._own.append(len(self.slot_cell))
        self.slot_cell.append(cell)
        return cell, True

    def group(self, group: Hashable) -> dict[Any, int]:
        """The cells of ``group`` by member (made empty if new), for :meth:`bind_members`."""
        members = self.index.get(group)
        if members is None:
            members = self.index[group] = {}
        return members

    def bind_members(
        self, slots: Sequence[Any], groups: list[tuple[dict[Any, int], dict[Any, None]]], members: Sequence[Hashable]
    ) -> None:
        """Bind slot j of every result shape k (``slots[k][j]``) to the cell ``members[k]`` of
        group j (from :meth:`group`), making the cells that do not exist yet, together per group
        and in the order their members first come; a member that made a cell is recorded in the
        group's ``seen`` dict (first made, first listed). :meth:`cell` and :meth:`bind` in a few
        bulk steps, for the thousands of result shapes of a large file."""
        import numpy as np

        own, slot_cell = self._own, self.slot_cell
        width = min(len(groups), len(slots[0])) if slots else 0
        if not width:
            return
        count = len(members)
        packed = b"".join(slots)  # the slot arrays are array("i") of equal length: one matrix
        grid = (
            np.frombuffer(packed, dtype=np.int32).reshape(count, -1)
            if len(packed) == 4 * count * len(slots[0])
            else None
        )
        fresh = dict.fromkeys(members)  # copied into a dict, it keeps its keys' hashes
        unique = list(fresh)
        for j, (cells, seen) in enumerate(groups[:width]):
            new = [m for m in unique if m not in cells] if cells else unique
            if new:
                first_cell, first_slot, made = len(own), len(slot_cell), len(new)
                cells.update(zip(new, range(first_cell, first_cell + made)))
                own.frombytes(np.arange(first_slot, first_slot + made, dtype=np.int32).tobytes())
                slot_cell.frombytes(np.arange(first_cell, first_cell + made, dtype=np.int32).tobytes())
                seen.update(fresh if new is unique else dict.fromkeys(new))
            if grid is None:
                for slot, cell in zip([s[j] for s in slots], map(cells.__getitem__, members)):
                    slot_cell[slot] = cell
                continue
            view = np.frombuffer(slot_cell, dtype=np.int32)
            view[grid[:, j]] = np.fromiter(map(cells.__getitem__, members), dtype=np.int32, count=count)
            del view  # the array grows again for the next group

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
        """Sort every value into its cell (the arrays are released: call once).

        A stable sort of the cell ids (values arrive in file order, so the ids come in long
        ascending runs, which timsort merges in near-linear time) puts each cell's values
        together; then the cells of each size are sorted as the rows of one matrix. NaNs (Go
        sorts them first; numpy would sort them last) go in as -Inf and come out as NaN."""
        import numpy as np

        cells_count, n = len(self._own), len(self.values)
        has_nan = np.zeros(cells_count, dtype=bool)
        if not n:
            counts = np.zeros(cells_count, dtype=np.int64)
            return Segments(np.zeros(0), counts.copy(), counts, has_nan)
        owners = np.frombuffer(self.slot_cell, dtype=np.int32)[np.frombuffer(self.slots, dtype=np.int32)]
        self.slots = array("i")
        kept = owners >= 0
        dropped = n - int(np.count_nonzero(kept))  # filtered out: cell -1, sorted first
        counts = np.bincount(owners[kept] if dropped else owners, minlength=cells_count)
        del kept
        order = np.argsort(owners, kind="stable")
        del owners
        values = np.frombuffer(self.values, dtype=np.float64)[order[dropped:]]
        self.values = array("d")
        del order
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        nan = np.flatnonzero(np.isnan(values))
        nan_counts = None
        if len(nan):
            nan_counts = np.bincount(np.searchsorted(starts, nan, side="right") - 1, minlength=cells_count)
            has_nan = nan_counts > 0
            values[nan] = -np.inf
        del nan
        _sort_runs(values, starts, counts)
        if nan_counts is not None:
            for cell in np.flatnonzero(has_nan).tolist():
                values[starts[cell] : starts[cell] + nan_counts[cell]] = np.nan
        return Segments(values, starts, counts, has_nan)


def _sort_runs(values: Any, starts: Any, counts: Any) -> None:
    """Sort ``values[starts[c] : starts[c] + counts[c]]`` in place for every cell c: the cells
    of each size at once, as the rows of a matrix (one reshape when every cell has that size)."""
    import numpy as np

    if not len(counts):
        return  # no cells (a filter dropped every value)
    if (counts == counts[0]).all():
        if counts[0] > 1:
            values.reshape(-1, int(counts[0])).sort(axis=1)
        return
    by_size = np.argsort(counts, kind="stable")
    sizes = counts[by_size]
    cuts = np.flatnonzero(sizes[1:] != sizes[:-1]) + 1
    for first, end in zip([0, *cuts.tolist()], [*cuts.tolist(), len(sizes)]):
        size = int(sizes[first])
        if size < 2:
            continue
        at = starts[by_size[first:end]][:, None] + np.arange(size)
        block = values[at]
        block.sort(axis=1)
        values[at] = block
