"""benchstat's statistics for many cells at once: a table of 10,000 benchmarks is 10,000 medians
and intervals and as many U tests, mostly of equal sample sizes, so they are computed as numpy
matrices (one row per cell) instead of one Python call each.

The arithmetic is the same IEEE operations in the same order as :mod:`perfkit.bench.stats`, so the
results are bit-for-bit those of the one-at-a-time functions (and Go's). Whatever the batch path
does not cover (NaN values, ties in a U test, samples above the exact limit) goes through
:mod:`perfkit.bench.stats` one by one.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Sequence

from perfkit.bench import stats, udist

__all__ = ["Summary", "median_summaries", "u_tests"]

Summary = tuple[Sequence[float], float, float, float, float]  #: sorted values, centre, lo, hi, coverage


def _scalar_summary(values: Sequence[float], confidence: float) -> Summary:
    nans = [v for v in values if v != v]
    ordered = nans + sorted(v for v in values if v == v)  # NaN first, as Go's sort.Float64s
    ci = stats.quantile_ci_orders(len(ordered), 0.5, confidence)
    lo, hi = ci.bounds(ordered)
    return ordered, stats._quantile_sorted(ordered, 0.5), lo, hi, ci.confidence


def median_summaries(samples: Sequence[Sequence[float]], confidence: float) -> list[Summary]:
    """Sorted values, median, interval bounds and coverage of every sample."""
    import numpy as np

    out: list[Summary | None] = [None] * len(samples)
    by_size: dict[int, list[int]] = defaultdict(list)
    for i, values in enumerate(samples):
        by_size[len(values)].append(i)
    for n, indices in by_size.items():
        if len(indices) < 8 or n == 0:
            for i in indices:
                out[i] = _scalar_summary(samples[i], confidence)
            continue
        flat = array("d")
        for i in indices:
            flat.extend(samples[i])  # a memory copy per sample, not a Python call per value
        matrix = np.frombuffer(flat, dtype=float).reshape(len(indices), n)
        matrix.sort(axis=1)  # numpy sorts NaN last: those rows go the scalar way
        nan_rows = np.isnan(matrix[:, -1])
        ci = stats.quantile_ci_orders(n, 0.5, confidence)
        pos = 1 / 3 + 0.5 * (n + 1 / 3)
        frac, whole = math.modf(pos)
        k = int(whole)
        if k <= 0:
            centers = matrix[:, 0]
        elif k >= n:
            centers = matrix[:, n - 1]
        else:
            below = matrix[:, k - 1]
            centers = below + frac * (matrix[:, k] - below)
        los = matrix[:, ci.lo_order - 1] if ci.lo_order >= 1 else np.full(len(indices), -math.inf)
        his = matrix[:, ci.hi_order - 1] if ci.hi_order <= n else np.full(len(indices), math.inf)
        centers, los, his = centers.tolist(), los.tolist(), his.tolist()
        for j, i in enumerate(indices):
            if nan_rows[j]:
                out[i] = _scalar_summary(samples[i], confidence)
            else:
                out[i] = (matrix[j], centers[j], los[j], his[j], ci.confidence)
    return out  # type: ignore[return-value]


def _stack(np, rows: list):  # np: the numpy module, imported lazily
    """Rows (numpy views or plain sequences) of one length as one matrix."""
    if all(isinstance(r, np.ndarray) for r in rows):
        return np.stack(rows)
    return np.array([np.asarray(r, dtype=float) for r in rows])


def u_tests(pairs: Sequence[tuple[Sequence[float], Sequence[float]]], alpha: float = 0.05) -> list[stats.MannWhitney]:
    """The two-sided Mann-Whitney U test of every (baseline, other) pair."""
    import numpy as np

    out: list[stats.MannWhitney | None] = [None] * len(pairs)
    by_size: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (x, y) in enumerate(pairs):
        n1, n2 = len(x), len(y)
        if 0 < n1 <= stats.EXACT_LIMIT and 0 < n2 <= stats.EXACT_LIMIT:
            by_size[(n1, n2)].append(i)
        else:
            out[i] = stats.mann_whitney(x, y, alpha=alpha)
    for (n1, n2), indices in by_size.items():
        if len(indices) < 8:
            for i in indices:
                out[i] = stats.mann_whitney(*pairs[i], alpha=alpha)
            continue
        pooled = np.hstack((_stack(np, [pairs[i][0] for i in indices]), _stack(np, [pairs[i][1] for i in indices])))
        order = np.argsort(pooled, axis=1, kind="stable")
        ordered = np.take_along_axis(pooled, order, axis=1)
        irregular = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1) | np.isnan(ordered).any(axis=1)
        all_equal = ordered[:, 0] == ordered[:, -1]
        # without ties a value's rank is its position; the first sample's rank sum is exact
        r1 = ((order < n1) * np.arange(1, n1 + n2 + 1)).sum(axis=1)
        u1 = r1 - n1 * (n1 + 1) // 2
        u_small = np.minimum(u1, n1 * n2 - u1)
        cdf = udist.no_ties_table(n1, n2)
        half = n1 * n2 // 2
        for j, i in enumerate(indices):
            if irregular[j]:
                out[i] = (
                    stats.MannWhitney(n1 * n2 / 2, 1.0, "equal")
                    if all_equal[j]
                    else stats.mann_whitney(*pairs[i], alpha=alpha)
                )
                continue
            u = int(u1[j])
            if 2 * u == n1 * n2:
                out[i] = stats.MannWhitney(float(u), 1.0, "exact")
            else:
                small = int(u_small[j])
                out[i] = stats.MannWhitney(float(u), float(cdf[min(small, half)]) * 2, "exact")
    return out  # type: ignore[return-value]
