"""benchstat's statistics for many cells at once, straight from :class:`~perfkit.bench.cellstore.
Segments` (every cell a sorted run of one array): a table of 10,000 benchmarks is 10,000 medians
and intervals and as many U tests, mostly of equal sample sizes, so each size is one numpy
gather and a few vector operations instead of a Python call per cell. Results come back as
arrays (or parallel lists), not an object per cell.

The arithmetic is the same IEEE operations in the same order as :mod:`perfkit.bench.stats`, so
the results are bit-for-bit those of the one-at-a-time functions (and Go's). Ties in a U test
are ranked here too (doubled midranks are integers, so any summing order is exact) and their
p-values, which depend only on the sizes, the tie groups and U, are computed once per distinct
case. Whatever the batch path does not cover (cells holding NaN, samples above the exact
limits) goes through :mod:`perfkit.bench.stats` one by one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from perfkit.bench import stats, udist
from perfkit.bench.cellstore import Segments

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["median_summaries", "u_tests"]

CHUNK = 8192  #: pairs per gather in the U tests: bounds the temporary matrices


def _by_size(sizes: npt.NDArray[np.int64], where: npt.NDArray[np.intp]) -> list[tuple[int, Any]]:
    """(size, positions) for each distinct size among ``sizes[where]``, positions in order."""
    import numpy as np

    if not len(where):
        return []
    keys = sizes[where]
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    return [(int(ordered[a]), where[order[a:b]]) for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), len(keys)])]


def median_summaries(seg: Segments, cells: Sequence[int] | Any, confidence: float) -> tuple[Any, Any, Any, Any]:
    """Median, interval bounds and coverage of each cell (its values already sorted), as four
    float64 arrays aligned with ``cells``."""
    import numpy as np

    ids = np.asarray(cells, dtype=np.int64)
    count = len(ids)
    centers, los, his, coverage = np.empty(count), np.empty(count), np.empty(count), np.empty(count)
    counts = seg.counts[ids]
    alone = seg.has_nan[ids] | (counts < 2)
    for i in np.flatnonzero(alone).tolist():
        values = seg.of(int(ids[i]))
        ci = stats.quantile_ci_orders(len(values), 0.5, confidence)
        lo, hi = ci.bounds(values)
        centers[i], los[i], his[i], coverage[i] = stats._quantile_sorted(values, 0.5), lo, hi, ci.confidence
    values = seg.values
    for n, positions in _by_size(counts, np.flatnonzero(~alone)):
        ci = stats.quantile_ci_orders(n, 0.5, confidence)
        frac, whole = math.modf(1 / 3 + 0.5 * (n + 1 / 3))
        k = int(whole)
        starts = seg.starts[ids[positions]] - 1  # + order: the order-th smallest of each
        if k >= n:
            centers[positions] = values[starts + n]
        else:
            below = values[starts + k]
            with np.errstate(all="ignore"):  # between infinities: NaN, as in Go, without a warning
                centers[positions] = below + frac * (values[starts + k + 1] - below)
        los[positions] = values[starts + ci.lo_order] if ci.lo_order >= 1 else -math.inf
        his[positions] = values[starts + ci.hi_order] if ci.hi_order <= n else math.inf
        coverage[positions] = ci.confidence
    return centers, los, his, coverage


def u_tests(
    seg: Segments, base: Sequence[int] | Any, other: Sequence[int] | Any, alpha: float = 0.05
) -> tuple[list[float], list[str]]:
    """The two-sided Mann-Whitney U test of every (``base[i]``, ``other[i]``) pair of cells:
    the p-values and the methods (see :class:`perfkit.bench.stats.MannWhitney`)."""
    import numpy as np

    a, b = np.asarray(base, dtype=np.int64), np.asarray(other, dtype=np.int64)
    count = len(a)
    ps: list[float] = [1.0] * count
    methods: list[str] = ["exact"] * count
    n1s, n2s = seg.counts[a], seg.counts[b]
    limit = stats.EXACT_LIMIT
    batched = (n1s > 0) & (n1s <= limit) & (n2s > 0) & (n2s <= limit) & ~seg.has_nan[a] & ~seg.has_nan[b]
    for i in np.flatnonzero(~batched).tolist():
        with np.errstate(all="ignore"):  # infinities summed while ranking: no warning on stderr
            test = stats.mann_whitney(seg.of(int(a[i])), seg.of(int(b[i])), alpha=alpha)
        ps[i], methods[i] = test.p, test.method
    for size, positions in _by_size(n1s * (limit + 1) + n2s, np.flatnonzero(batched)):
        n1, n2 = divmod(size, limit + 1)
        for at in range(0, len(positions), CHUNK):
            chunk = positions[at : at + CHUNK]
            with np.errstate(all="ignore"):
                _same_sizes(seg, a[chunk], b[chunk], n1, n2, chunk.tolist(), ps, methods, alpha)
    return ps, methods


def _same_sizes(
    seg: Segments, a: Any, b: Any, n1: int, n2: int, at: list[int], ps: list[float], methods: list[str], alpha: float
) -> None:
    """U tests of pairs all of sizes (n1, n2), written into ``ps``/``methods`` at ``at``."""
    import numpy as np

    pooled = seg.values[np.hstack((seg.starts[a][:, None] + np.arange(n1), seg.starts[b][:, None] + np.arange(n2)))]
    order = np.argsort(pooled, axis=1, kind="stable")
    ordered = np.take_along_axis(pooled, order, axis=1)
    del pooled
    new_group = ordered[:, 1:] != ordered[:, :-1]  # where a run of equal values ends
    tied = ~new_group.all(axis=1)
    equal = ordered[:, 0] == ordered[:, -1]
    first = order < n1
    del ordered
    # without ties a value's rank is its position, so the first sample's rank sum is exact
    cdf = udist.no_ties_table(n1, n2)  # cumulative probabilities, index U
    u1 = (first * np.arange(1, n1 + n2 + 1)).sum(axis=1) - n1 * (n1 + 1) // 2
    p = cdf[np.minimum(np.minimum(u1, n1 * n2 - u1), n1 * n2 // 2)] * 2
    p[2 * u1 == n1 * n2] = 1.0
    for i, pv in zip(np.array(at)[~tied].tolist(), p[~tied].tolist()):
        ps[i] = pv
    for i in np.array(at)[equal].tolist():
        methods[i] = "equal"  # p = 1 already
    ties = np.flatnonzero(tied & ~equal)
    if not len(ties):
        return
    if n1 > stats.EXACT_TIES_LIMIT or n2 > stats.EXACT_TIES_LIMIT:  # the normal approximation
        for k in ties.tolist():
            test = stats.mann_whitney(seg.of(int(a[k])), seg.of(int(b[k])), alpha=alpha)
            ps[at[k]], methods[at[k]] = test.p, test.method
        return
    _tied(new_group[ties], first[ties], [at[k] for k in ties.tolist()], n1, n2, ps, methods, alpha)


def _tied(new_group: Any, first: Any, at: list[int], n1: int, n2: int, ps: list[float], methods: list[str],
          alpha: float) -> None:  # fmt: skip
    """Exact U tests of tied pairs: doubled midranks (a run's first and last positions plus one)
    summed over the first sample, and Go's p for each distinct (tie groups, U) once."""
    import numpy as np

    total = n1 + n2
    rows = len(at)
    positions = np.arange(total)
    edge = np.ones((rows, 1), dtype=bool)
    starts = np.where(np.hstack((edge, new_group)), positions, 0)
    np.maximum.accumulate(starts, axis=1, out=starts)
    ends = np.where(np.hstack((new_group, edge)), positions + 1, total)[:, ::-1]
    ends = np.minimum.accumulate(ends, axis=1)[:, ::-1]
    two_r1 = (first * (starts + ends + 1)).sum(axis=1)
    two_u1 = two_r1 - n1 * (n1 + 1)
    two_small = np.minimum(two_u1, 2 * n1 * n2 - two_u1)
    packed = np.packbits(new_group, axis=1)
    groups_of: dict[bytes, tuple[int, ...]] = {}
    known: dict[tuple[bytes, int], float] = {}
    for k, (i, two_u, small) in enumerate(zip(at, two_u1.tolist(), two_small.tolist())):
        methods[i] = "exact-ties"
        if two_u == n1 * n2:
            continue  # U1 = U2: the distribution is symmetric about it, p = 1
        pattern = packed[k].tobytes()
        p = known.get((pattern, small))
        if p is None:
            groups = groups_of.get(pattern)
            if groups is None:
                cuts = np.flatnonzero(new_group[k]) + 1
                groups = groups_of[pattern] = tuple(np.diff(np.concatenate(([0], cuts, [total]))).tolist())
            p = known[(pattern, small)] = udist.ties_p(small, n1, groups, alpha)
        ps[i] = p
