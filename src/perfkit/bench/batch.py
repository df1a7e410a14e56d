"""benchstat's statistics for many cells at once, straight from :class:`~perfkit.bench.cellstore.
Segments` (every cell a sorted run of one array): a table of 10,000 benchmarks is 10,000 medians
and intervals and as many U tests, mostly of equal sample sizes, so each size is one numpy
gather and a few vector operations instead of a Python call per cell.

The arithmetic is the same IEEE operations in the same order as :mod:`perfkit.bench.stats`, so
the results are bit-for-bit those of the one-at-a-time functions (and Go's). Whatever the batch
path does not cover (cells holding NaN, ties in a U test, samples above the exact limit) goes
through :mod:`perfkit.bench.stats` one by one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import cast

from perfkit.bench import stats, udist
from perfkit.bench.cellstore import Segments

__all__ = ["median_summaries", "u_tests"]

CHUNK = 8192  #: cells per gather: bounds the temporary matrices


def _scalar_summary(values: Sequence[float], confidence: float) -> tuple[float, float, float, float]:
    ci = stats.quantile_ci_orders(len(values), 0.5, confidence)
    lo, hi = ci.bounds(values)
    return stats._quantile_sorted(values, 0.5), lo, hi, ci.confidence


def median_summaries(seg: Segments, cells: Sequence[int], confidence: float) -> list[tuple[float, float, float, float]]:
    """Median, interval bounds and coverage of each cell (its values already sorted)."""

    out: list[tuple[float, float, float, float] | None] = [None] * len(cells)
    by_size: dict[int, list[int]] = defaultdict(list)
    for i, cell in enumerate(cells):
        n = int(seg.counts[cell])
        if seg.has_nan[cell] or n < 2:
            out[i] = _scalar_summary(seg.of(cell), confidence)
        else:
            by_size[n].append(i)
    for n, positions in by_size.items():
        ci = stats.quantile_ci_orders(n, 0.5, confidence)
        frac, whole = math.modf(1 / 3 + 0.5 * (n + 1 / 3))
        k = int(whole)
        for at in range(0, len(positions), CHUNK):
            chunk = positions[at : at + CHUNK]
            starts = seg.starts[[cells[i] for i in chunk]] - 1  # + order: the order-th smallest of each
            values = seg.values
            if k >= n:
                centers = values[starts + n]
            else:
                below = values[starts + k]
                centers = below + frac * (values[starts + k + 1] - below)
            los = values[starts + ci.lo_order].tolist() if ci.lo_order >= 1 else [-math.inf] * len(chunk)
            his = values[starts + ci.hi_order].tolist() if ci.hi_order <= n else [math.inf] * len(chunk)
            for i, center, lo, hi in zip(chunk, centers.tolist(), los, his):
                out[i] = (center, lo, hi, ci.confidence)
    # every position was filled above, on its own or with the cells of its size
    return cast(list[tuple[float, float, float, float]], out)


def u_tests(seg: Segments, pairs: Sequence[tuple[int, int]], alpha: float = 0.05) -> list[stats.MannWhitney]:
    """The two-sided Mann-Whitney U test of every (baseline cell, other cell) pair."""
    import numpy as np

    out: list[stats.MannWhitney | None] = [None] * len(pairs)
    by_size: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (a, b) in enumerate(pairs):
        n1, n2 = int(seg.counts[a]), int(seg.counts[b])
        if 0 < n1 <= stats.EXACT_LIMIT and 0 < n2 <= stats.EXACT_LIMIT and not (seg.has_nan[a] or seg.has_nan[b]):
            by_size[(n1, n2)].append(i)
        else:
            out[i] = stats.mann_whitney(seg.of(a), seg.of(b), alpha=alpha)
    for (n1, n2), positions in by_size.items():
        cdf = udist.no_ties_table(n1, n2)  # a numpy array of cumulative probabilities, index U
        half = n1 * n2 // 2
        ranks = np.arange(1, n1 + n2 + 1)
        for at in range(0, len(positions), CHUNK):
            chunk = positions[at : at + CHUNK]
            first = seg.starts[[pairs[i][0] for i in chunk]][:, None] + np.arange(n1)
            second = seg.starts[[pairs[i][1] for i in chunk]][:, None] + np.arange(n2)
            pooled = seg.values[np.hstack((first, second))]
            order = np.argsort(pooled, axis=1, kind="stable")
            ordered = np.take_along_axis(pooled, order, axis=1)
            tied = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
            all_equal = ordered[:, 0] == ordered[:, -1]
            # without ties a value's rank is its position, so the first sample's rank sum is exact
            u1 = ((order < n1) * ranks).sum(axis=1) - n1 * (n1 + 1) // 2
            p = cdf[np.minimum(np.minimum(u1, n1 * n2 - u1), half)] * 2
            equal_test = stats.MannWhitney(n1 * n2 / 2, 1.0, "equal")
            for i, u, pv, same, tie in zip(chunk, u1.tolist(), p.tolist(), all_equal.tolist(), tied.tolist()):
                if same:
                    out[i] = equal_test
                elif tie:
                    a, b = pairs[i]
                    out[i] = stats.mann_whitney(seg.of(a).tolist(), seg.of(b).tolist(), alpha=alpha)
                elif 2 * u == n1 * n2:
                    out[i] = stats.MannWhitney(float(u), 1.0, "exact")
                else:
                    out[i] = stats.MannWhitney(float(u), pv, "exact")
    # every pair was tested above, on its own or with the pairs of its sizes
    return cast(list[stats.MannWhitney], out)
