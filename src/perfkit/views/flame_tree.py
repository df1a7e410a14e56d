"""Lay out flame graph frames from per-stack totals in one sorted sweep.

Why a sweep and not a tree of node objects: 100,000 stacks 25 frames deep make millions of
call-tree paths, most of them too narrow to draw.  Sorting the stacks (children alphabetically,
as flamegraph.pl does) and walking them once gives every frame its start and width at the moment
it closes; a frame narrower than the threshold is dropped there, and so are its descendants,
because a frame is never wider than its parent.  Memory stays at one list of sort keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from perfkit.model import Frame

__all__ = ["ROOT", "Layout", "layout"]

#: frame id of the synthetic root ("all")
ROOT = -1


@dataclass(frozen=True, slots=True)
class Layout:
    """Frames to draw, in pre-order (parent first, children left to right).

    Each node is ``(start, depth, frame_id, value, base)``: start and value in sample units from
    the left edge, depth 0 for the root, ``base`` the base profile's value (0 without a base).
    """

    nodes: list[tuple[int, int, int, int, int]]
    total: int
    base_total: int
    max_depth: int


def _common_prefix(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Length of the common prefix of two sorted neighbours: a plain scan for short stacks, a
    binary search over C-level tuple compares for deep ones (deep stacks share long prefixes)."""
    n = min(len(a), len(b))
    if n <= 24:
        i = 0
        for x, y in zip(a, b):
            if x != y:
                return i
            i += 1
        return i
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n  # a[:lo] == b[:lo], a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def sort_ranks(frames: Sequence[Frame]) -> list[int]:
    """Rank of every frame id in alphabetical order (function, then file, then line)."""
    order = sorted(range(len(frames)), key=lambda i: (frames[i].function, frames[i].file, frames[i].line))
    ranks = [0] * len(frames)
    for rank, fid in enumerate(order):
        ranks[fid] = rank
    return ranks


def layout(
    values: Mapping[tuple[int, ...], int],
    frames: Sequence[Frame],
    threshold: float,
    base: Mapping[tuple[int, ...], int] | None = None,
) -> Layout:
    """Frames at least ``threshold`` sample units wide (and never zero), root first.

    ``values`` and ``base`` map root-first frame-id tuples to values; ids index ``frames``.
    Non-positive values are left out: a flame graph has no negative widths.
    """
    ranks = sort_ranks(frames)
    order = sorted(range(len(frames)), key=ranks.__getitem__)
    rank_of = ranks.__getitem__
    base_total = 0
    keys: list[tuple[int, ...]] = []
    vals: list[int] = []
    bases: list[int] = []
    if base is None:
        for stack, value in values.items():
            if value > 0:
                keys.append(tuple(map(rank_of, stack)))
                vals.append(value)
        bases = [0] * len(keys)
    else:
        rows: dict[tuple[int, ...], list[int]] = {}
        for stack, value in values.items():
            if value > 0:
                rows[tuple(map(rank_of, stack))] = [value, 0]
        for stack, value in base.items():
            if value > 0:
                base_total += value
                key = tuple(map(rank_of, stack))
                row = rows.get(key)
                if row is None:
                    rows[key] = [0, value]
                else:
                    row[1] += value
        keys = list(rows)
        vals = [row[0] for row in rows.values()]
        bases = [row[1] for row in rows.values()]
    # sort positions by key: comparing the key tuples directly is twice as fast as sorting rows
    sequence = sorted(range(len(keys)), key=keys.__getitem__)
    # a last, empty stack of value 0 closes every frame still open
    sequence.append(len(keys))
    keys.append(())
    vals.append(0)
    bases.append(0)
    threshold = max(threshold, 1)

    nodes: list[tuple[int, int, int, int, int]] = []
    emit = nodes.append
    starts: list[int] = []  # start (sample units) of the open frame at each depth - 1
    base_starts: list[int] = []
    prev: tuple[int, ...] = ()
    x = bx = 0
    max_depth = 0
    for i in sequence:
        key, value, base_value = keys[i], vals[i], bases[i]
        common = _common_prefix(prev, key)
        # close the previous stack's frames below the common prefix; widths shrink with depth
        for d in range(common, len(prev)):
            width = x - starts[d]
            if width < threshold:
                break
            emit((starts[d], d + 1, order[prev[d]], width, bx - base_starts[d]))
            if d + 1 > max_depth:
                max_depth = d + 1
        opened = len(key) - common
        if opened or len(prev) > common:
            del starts[common:], base_starts[common:]
            starts.extend([x] * opened)
            base_starts.extend([bx] * opened)
        x += value
        bx += base_value
        prev = key
    if x > 0:
        emit((0, 0, ROOT, x, bx))
    nodes.sort()
    return Layout(nodes, x, base_total, max_depth)
