"""Statistics for benchstat: medians, order-statistic confidence intervals, the two-sided
Mann-Whitney U test and the geometric mean.

Why these: benchmark timings are skewed and heavy-tailed (a stray context switch makes one run
slow), so benchstat summarises with the median, bounds it with a distribution-free interval from
order statistics, and compares two sets of runs with a rank test that assumes no distribution.

Mann-Whitney p-values:

* no ties and both samples at most ``EXACT_LIMIT`` long: exact, from the null distribution of U
  (the coefficients of the Gaussian binomial coefficient, computed with integers);
* ties and at most ``EXACT_TIES_LIMIT`` values in all: exact permutation count over the tie
  groups (every way of choosing which tied values belong to the first sample);
* otherwise: normal approximation with tie and continuity corrections.

Two-sided p is the probability, under the null, of a rank sum at least as far from its mean as
the one observed (for tie-free data this equals twice the smaller tail).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["EXACT_LIMIT", "EXACT_TIES_LIMIT", "MannWhitney", "geomean", "mann_whitney", "median", "median_ci"]

EXACT_LIMIT = 50
EXACT_TIES_LIMIT = 40


def median(xs: Sequence[float]) -> float:
    """The middle value (mean of the two middle values for an even count)."""
    if not xs:
        raise ValueError("median of no values")
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def median_ci(xs: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval around the median: ``[x(l), x(n+1-l)]`` for the largest ``l``
    whose binomial coverage ``P(l <= B <= n-l), B ~ Binomial(n, 1/2)`` reaches ``confidence``.
    Too few samples for that coverage give ``(-inf, inf)`` (6 are needed at 0.95)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("confidence interval of no values")
    if s[0] == s[-1]:
        return s[0], s[0]
    total = 2**n
    best = 0
    for lo in range(1, n // 2 + 1):
        covered = sum(math.comb(n, i) for i in range(lo, n - lo + 1))
        if covered * 1.0 / total >= confidence:
            best = lo
        else:
            break
    if best == 0:
        return -math.inf, math.inf
    return s[best - 1], s[n - best]


def geomean(xs: Sequence[float]) -> float:
    """Geometric mean of positive values (NaN when any value is zero or negative)."""
    if not xs or any(x <= 0 for x in xs):
        return math.nan
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


@dataclass(frozen=True)
class MannWhitney:
    """Result of the two-sided test: U of the first sample, p-value, and how p was computed."""

    u: float
    p: float
    method: str  #: "exact", "exact-ties" or "normal"


def _ranks(x: Sequence[float], y: Sequence[float]) -> tuple[list[float], list[int]]:
    """Midranks of ``x`` within the pooled sample, and the size of every tie group."""
    pooled = sorted([(v, 0) for v in x] + [(v, 1) for v in y])
    ranks_x: list[float] = []
    groups: list[int] = []
    i = 0
    while i < len(pooled):
        j = i
        while j < len(pooled) and pooled[j][0] == pooled[i][0]:
            j += 1
        midrank = (i + 1 + j) / 2
        groups.append(j - i)
        ranks_x.extend(midrank for k in range(i, j) if pooled[k][1] == 0)
        i = j
    return ranks_x, groups


def _u_distribution(m: int, n: int) -> list[int]:
    """Number of orderings giving each U = 0..m*n when there are no ties: the coefficients of
    the Gaussian binomial [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i)."""
    size = m * n + 1
    poly = [0] * size
    poly[0] = 1
    for i in range(1, m + 1):
        # multiply by (1 - q^(n+i)), then divide by (1 - q^i); both exact on integers
        step = n + i
        for k in range(size - 1, step - 1, -1):
            poly[k] -= poly[k - step]
        for k in range(i, size):
            poly[k] += poly[k - i]
    return poly


def _exact_no_ties(u: float, m: int, n: int) -> float:
    counts = _u_distribution(m, n)
    total = sum(counts)
    mean2 = m * n  # twice the mean of U, so distances stay integral
    dist2 = abs(2 * u - mean2)
    extreme = sum(c for k, c in enumerate(counts) if abs(2 * k - mean2) >= dist2)
    return min(1.0, extreme / total)


def _exact_ties(x: Sequence[float], y: Sequence[float], groups: list[int]) -> float:
    """Exact permutation p-value with ties: enumerate how many of each tie group fall in ``x``."""
    m, big_n = len(x), len(x) + len(y)
    # doubled midranks keep every rank sum an integer
    ways: dict[tuple[int, int], int] = {(0, 0): 1}
    start = 0
    for t in groups:
        rank2 = 2 * start + t + 1
        nxt: dict[tuple[int, int], int] = {}
        for (k, s), w in ways.items():
            for take in range(0, min(t, m - k) + 1):
                key = (k + take, s + take * rank2)
                nxt[key] = nxt.get(key, 0) + w * math.comb(t, take)
        ways = nxt
        start += t
    ranks_x, _ = _ranks(x, y)
    observed2 = round(2 * sum(ranks_x))
    mean2 = m * (big_n + 1)
    dist2 = abs(observed2 - mean2)
    total = math.comb(big_n, m)
    extreme = sum(w for (k, s), w in ways.items() if k == m and abs(s - mean2) >= dist2)
    return min(1.0, extreme / total)


def _normal(u: float, m: int, n: int, groups: list[int]) -> float:
    big_n = m + n
    tie_term = sum(t**3 - t for t in groups) / (big_n * (big_n - 1)) if big_n > 1 else 0.0
    var = m * n / 12 * ((big_n + 1) - tie_term)
    if var <= 0:
        return 1.0
    z = max(0.0, abs(u - m * n / 2) - 0.5) / math.sqrt(var)
    return min(1.0, math.erfc(z / math.sqrt(2)))


def mann_whitney(x: Sequence[float], y: Sequence[float]) -> MannWhitney:
    """Two-sided Mann-Whitney U test of ``x`` against ``y`` (see the module notes for method)."""
    m, n = len(x), len(y)
    if m == 0 or n == 0:
        raise ValueError("Mann-Whitney U needs at least one value in each sample")
    ranks_x, groups = _ranks(x, y)
    u = sum(ranks_x) - m * (m + 1) / 2
    if len(groups) == 1:
        return MannWhitney(u, 1.0, "exact")  # every value equal: no evidence of any difference
    has_ties = len(groups) < m + n
    if not has_ties and m <= EXACT_LIMIT and n <= EXACT_LIMIT:
        return MannWhitney(u, _exact_no_ties(u, m, n), "exact")
    if has_ties and m + n <= EXACT_TIES_LIMIT:
        return MannWhitney(u, _exact_ties(x, y, groups), "exact-ties")
    return MannWhitney(u, _normal(u, m, n, groups), "normal")


def min_samples_for(alpha: float) -> int:
    """Smallest equal sample size whose most extreme outcome is significant at ``alpha``."""
    n = 1
    while 2 / math.comb(2 * n, n) > alpha:
        n += 1
    return n


def smallest_p(m: int, n: int) -> float:
    """The smallest two-sided p the test can give with ``m`` and ``n`` samples (complete separation)."""
    return min(1.0, 2 / math.comb(m + n, m))
