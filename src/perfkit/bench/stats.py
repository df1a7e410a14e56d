"""Statistics for benchstat, computed as Go's benchstat computes them (golang.org/x/perf
``benchmath`` on go-moremath ``stats``), for samples of any size.

Why these: benchmark timings are skewed and heavy-tailed (a stray context switch makes one run
slow), so benchstat summarises with the median, bounds it with a distribution-free interval from
order statistics, and compares two sets of runs with a rank test that assumes no distribution.

* **Quantiles** use Hyndman and Fan's definition 8 (``1/3 + q(N + 1/3)``, interpolated), Go's.
* **Quantile confidence intervals** are order statistics ``[x(lo), x(hi)]``: for n <= 30 grown
  outwards from the mode of Binomial(n, q), always taking the larger neighbouring probability
  (the left one on a tie), until the coverage reaches the confidence; above 30 from the normal
  approximation with continuity correction, then one order narrower on the right when that still
  covers. Orders outside 1..n mean the bound is infinite (too few samples). O(1) per (n, q,
  confidence) after sorting.
* **Mann-Whitney U**, two-sided: ``p = 2 P(U <= min(U1, U2))`` from the exact null distribution
  when both samples have at most 50 values and no ties, or at most 25 values each with ties
  (exact over tie groups, where Go's p can exceed 1); ``p = 1`` when U1 = U2. Otherwise the
  normal approximation with tie correction ``sum(t^3 - t)`` and continuity correction. All
  values equal: p = 1. Exact p-values are Go's bit for bit (see :mod:`perfkit.bench.udist`).
* **Geometric mean**: an incremental mean of logs, NaN if any value is <= 0 (with Go's own
  ``Log`` and ``Exp``, so it is Go's to the last bit).

Samples may be lists or numpy arrays; large samples are sorted and ranked with numpy.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, TypeAlias

from perfkit.bench import udist
from perfkit.bench.gomath import go_exp, go_log, go_logs

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: a sample: a list (or any sequence) of floats, or a numpy array (numpy is imported only when used)
Samples: TypeAlias = "Sequence[float] | npt.NDArray[np.float64]"

__all__ = [
    "EXACT_LIMIT",
    "EXACT_TIES_LIMIT",
    "MannWhitney",
    "QuantileCI",
    "geomean",
    "mann_whitney",
    "median",
    "median_ci",
    "median_min_samples",
    "quantile",
    "quantile_ci",
    "quantile_ci_orders",
    "u_test_min_samples",
]

EXACT_LIMIT = 50  #: largest sample (each side) for the exact U distribution without ties
EXACT_TIES_LIMIT = 25  #: largest sample (each side) for the exact U distribution with ties
NORMAL_CI_ABOVE = 30  #: quantile intervals use the normal approximation above this many samples
_NUMPY_ABOVE = 2000  #: sort and rank with numpy above this many values


def _sorted(xs: Samples) -> Samples:
    if hasattr(xs, "dtype") or len(xs) > _NUMPY_ABOVE:
        import numpy as np

        return np.sort(np.asarray(xs, dtype=float))
    return sorted(xs)


def _quantile_sorted(s: Samples, q: float) -> float:
    n = len(s)
    if n == 0:
        return math.nan
    if q <= 0:
        return float(s[0])
    if q >= 1:
        return float(s[-1])
    pos = 1 / 3 + q * (n + 1 / 3)
    frac, whole = math.modf(pos)
    k = int(whole)
    if k <= 0:
        return float(s[0])
    if k >= n:
        return float(s[-1])
    lo = float(s[k - 1])
    return lo + frac * (float(s[k]) - lo)


def quantile(xs: Samples, q: float) -> float:
    """The q-quantile (0 <= q <= 1) by Hyndman and Fan's definition 8, as Go's benchstat."""
    if len(xs) == 0:
        raise ValueError("quantile of no values")
    return _quantile_sorted(_sorted(xs), q)


def median(xs: Samples) -> float:
    """The median (definition 8: the mean of the two middle values for an even count, up to
    float rounding exactly as Go computes it)."""
    return quantile(xs, 0.5)


@dataclass(frozen=True)
class QuantileCI:
    """1-based order statistics bounding a quantile's interval; outside 1..n means infinite."""

    n: int
    q: float
    confidence: float  #: the interval's actual coverage (>= the requested level)
    lo_order: int
    hi_order: int

    def bounds(self, sorted_xs: Samples) -> tuple[float, float]:
        lo = -math.inf if self.lo_order < 1 else float(sorted_xs[self.lo_order - 1])
        hi = math.inf if self.hi_order > len(sorted_xs) else float(sorted_xs[self.hi_order - 1])
        return lo, hi


def _binomial_pmf(n: int, q: float, k: int) -> float:
    """Binomial(n, q) at k, with Go's binomial coefficients (whose rounding above n = 20 decides
    which of two equally likely neighbours the interval grows into)."""
    if k < 0 or k > n:
        return 0.0
    return udist.go_choose(n, k) * math.pow(q, k) * math.pow(1 - q, n - k)


def _norm_cdf(x: float, mu: float, sigma: float) -> float:
    return math.erfc(-(x - mu) / (sigma * math.sqrt(2))) / 2


# Acklam's rational approximation of the inverse normal CDF (public coefficients), refined by one
# Halley step; the same algorithm go-moremath uses, so the chosen orders agree.
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
      -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
      -1.328068155288572e01)  # fmt: skip
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
      4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)


def _norm_inv_cdf(p: float, mu: float, sigma: float) -> float:
    if p <= 0:
        return -math.inf if p == 0 else math.nan
    if p >= 1:
        return math.inf if p == 1 else math.nan
    a, b, c, d = _A, _B, _C, _D
    if p < 0.02425:
        q = math.sqrt(-2 * go_log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    elif p > 0.97575:
        q = math.sqrt(-2 * go_log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
            * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        )
    e = 0.5 * math.erfc(-x / math.sqrt(2)) - p
    u = e * math.sqrt(2 * math.pi) * go_exp(x * x / 2)
    x = x - u / (1 + x * u / 2)
    return x * sigma + mu


@lru_cache(maxsize=4096)
def quantile_ci_orders(n: int, q: float, confidence: float) -> QuantileCI:
    """The order statistics of the q-quantile's confidence interval for n samples."""
    if confidence >= 1:
        return QuantileCI(n, q, 1.0, 0, n + 1)
    if n <= NORMAL_CI_ABOVE:
        # grow [l, r) outwards from the mode, taking the more probable neighbour (left on ties)
        x = 0 if q == 0 else math.ceil((n + 1) * q) - 1
        accum = _binomial_pmf(n, q, x)
        lo, hi = x, x + 1
        lp, rp = _binomial_pmf(n, q, lo - 1), _binomial_pmf(n, q, hi)
        while accum < confidence and (lp > 0 or rp > 0):
            if lp >= rp:
                accum += lp
                lo -= 1
                lp = _binomial_pmf(n, q, lo - 1)
            else:
                accum += rp
                hi += 1
                rp = _binomial_pmf(n, q, hi)
        coverage = accum
    else:
        mu, sigma = n * q, math.sqrt(n * q * (1 - q))
        l1 = _norm_inv_cdf((1 - confidence) / 2, mu, sigma)
        r1 = 2 * mu - l1
        lo = math.floor(l1 - 0.5) + 1
        hi = math.ceil(r1 - 0.5) + 1

        def cover(a: int, b: int) -> float:
            return _norm_cdf(b - 0.5, mu, sigma) - _norm_cdf(a - 0.5, mu, sigma)

        coverage = cover(lo, hi)
        biased = cover(lo, hi - 1)
        if confidence <= biased < coverage:
            coverage, hi = biased, hi - 1
        if lo <= 0 and hi >= n + 1:
            coverage = 1.0
    return QuantileCI(n, q, coverage, max(lo, 0), min(hi, n + 1))


def quantile_ci(xs: Samples, q: float, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval of the q-quantile: ``(x(lo), x(hi))``, infinite on
    a side when the sample is too small for the confidence."""
    if not 0 <= confidence <= 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    if len(xs) == 0:
        raise ValueError("confidence interval of no values")
    s = _sorted(xs)
    return quantile_ci_orders(len(s), q, confidence).bounds(s)


def median_ci(xs: Samples, confidence: float = 0.95) -> tuple[float, float]:
    """Confidence interval of the median from order statistics (``(-inf, inf)`` when there are
    too few samples: 6 at 0.95, 8 at 0.99)."""
    return quantile_ci(xs, 0.5, confidence)


@lru_cache(maxsize=256)
def median_min_samples(confidence: float) -> tuple[str, int]:
    """(">=", n): the fewest samples giving a finite median interval (">", 50 if none up to 50)."""
    for n in range(2, 51):
        ci = quantile_ci_orders(n, 0.5, confidence)
        if ci.lo_order > 0 and ci.hi_order <= n:
            return ">=", n
    return ">", 50


def geomean(xs: Samples) -> float:
    """Geometric mean (an incremental mean of logs, as Go); NaN if empty or any value <= 0."""
    if len(xs) == 0:
        return math.nan
    if len(xs) > 64:  # the logs at once with numpy (same operations), the running mean as Go sums it
        import numpy as np

        values = np.asarray(xs, dtype=np.float64)
        if not (values > 0).all() or not np.isfinite(values).all():
            return _geomean_each(xs)
        logs = go_logs(values).tolist()
    else:
        return _geomean_each(xs)
    m = 0.0
    for i, lx in enumerate(logs):
        m += (lx - m) / (i + 1)
    return go_exp(m)


def _geomean_each(xs: Samples) -> float:
    m = 0.0
    for i, x in enumerate(xs):
        if not x > 0:
            return math.nan
        m += (go_log(x) - m) / (i + 1)
    return go_exp(m)


# --------------------------------------------------------------------------------- Mann-Whitney
@dataclass(frozen=True)
class MannWhitney:
    """Result of the two-sided test: U of the first sample, p-value, and how p was computed
    (``exact``, ``exact-ties``, ``normal``, or ``equal`` when every value is the same)."""

    u: float
    p: float
    method: str


def _go_sorted(xs: Samples) -> list[float]:
    """Ascending with NaNs first, as Go's sort.Float64s orders them."""
    nans = [x for x in xs if x != x]
    return nans + sorted(x for x in xs if x == x) if nans else sorted(xs)


def _rank_sum_and_ties(x: Samples, y: Samples) -> tuple[float, list[int]]:
    """Sum of the first sample's midranks in the merged order, and the tie-group sizes."""
    n1, n2 = len(x), len(y)
    if n1 + n2 > _NUMPY_ABOVE:
        import numpy as np

        a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if not (np.isnan(a).any() or np.isnan(b).any()):
            merged_ab = np.concatenate([a, b])
            order = np.argsort(merged_ab, kind="stable")
            values = merged_ab[order]
            starts = np.concatenate([[0], np.flatnonzero(values[1:] != values[:-1]) + 1])
            ends = np.append(starts[1:], len(values))
            in_x = np.add.reduceat((order < n1).astype(np.int64), starts)
            midranks = (starts + 1 + ends) / 2
            return float(np.dot(midranks, in_x)), (ends - starts).tolist()
    pooled = sorted([*x, *y])
    total = sum(pooled)
    if total == total or not any(v != v for v in pooled):  # no NaN: rank by bisection
        return _rank_sum_sorted(x, pooled)
    xs, ys = _go_sorted(x), _go_sorted(y)
    merged: list[tuple[float, int]] = []
    i = j = 0
    while i < n1 and j < n2:  # Go's labelled merge: on equal values the second sample goes first
        if xs[i] < ys[j]:
            merged.append((xs[i], 1))
            i += 1
        else:
            merged.append((ys[j], 2))
            j += 1
    merged += [(v, 1) for v in xs[i:]] + [(v, 2) for v in ys[j:]]
    r1 = 0.0
    ties: list[int] = []
    k, total = 0, len(merged)
    while k < total:
        start, value, from_x = k, merged[k][0], 0
        while k < total and merged[k][0] == value:
            from_x += merged[k][1] == 1
            k += 1
        if k == start:  # NaN equals nothing, not even itself
            from_x += merged[k][1] == 1
            k += 1
        if from_x:
            r1 += (k + start + 1) / 2 * from_x
        ties.append(k - start)
    return r1, ties


def _rank_sum_sorted(x: Samples, pooled: list[float]) -> tuple[float, list[int]]:
    """Midranks by bisection in the pooled, sorted values (no NaN): a tie group spans
    [bisect_left, bisect_right), so its midrank is their mean plus one half."""
    r1 = 0.0
    for v in x:
        r1 += (bisect_left(pooled, v) + bisect_right(pooled, v) + 1) / 2
    ties: list[int] = []
    i, total = 0, len(pooled)
    distinct = len(set(pooled))
    if distinct == total:
        return r1, [1] * total
    while i < total:
        j = bisect_right(pooled, pooled[i], i)
        ties.append(j - i)
        i = j
    return r1, ties


def mann_whitney(x: Samples, y: Samples, *, alpha: float = 0.05) -> MannWhitney:
    """Two-sided Mann-Whitney U test of ``x`` against ``y`` (see the module notes for method).
    ``alpha`` only matters for ties above 20 values, where p is computed exactly as Go does
    whenever it lies close enough to ``alpha`` (or to a printed digit) for rounding to matter."""
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("Mann-Whitney U needs at least one value in each sample")
    r1, ties = _rank_sum_and_ties(x, y)
    u1 = r1 - n1 * (n1 + 1) / 2
    u2 = n1 * n2 - u1
    u_small = min(u1, u2)
    has_ties = len(ties) < n1 + n2
    exact_limit = EXACT_TIES_LIMIT if has_ties else EXACT_LIMIT
    if n1 <= exact_limit and n2 <= exact_limit:
        if len(ties) == 1:
            return MannWhitney(u1, 1.0, "equal")
        if u1 == u2:
            p = 1.0  # the discrete distribution is symmetric about U1: the whole of it
        elif has_ties:
            p = udist.ties_p(int(2 * u_small), n1, tuple(ties), alpha)  # may exceed 1, as in Go
        else:
            p = udist.no_ties_cdf(int(u_small), n1, n2) * 2
        return MannWhitney(u1, p, "exact-ties" if has_ties else "exact")
    big_n = float(n1 + n2)
    tie_term = float(sum(t * t * t - t for t in ties if t > 1))
    sigma = math.sqrt(float(n1 * n2) * ((big_n + 1) - tie_term / (big_n * (big_n - 1))) / 12)
    if sigma == 0:
        return MannWhitney(u1, 1.0, "equal")
    numer = u1 - float(n1 * n2) / 2
    numer -= math.copysign(0.5, numer) if numer else 0.0  # continuity correction
    z = numer / sigma
    cdf = math.erfc(-z / math.sqrt(2)) / 2
    return MannWhitney(u1, 2 * min(cdf, 1 - cdf), "normal")


def smallest_p(m: int, n: int) -> float:
    """The smallest two-sided p the test can give with ``m`` and ``n`` samples (complete separation)."""
    return min(1.0, 2 / math.comb(m + n, m))


def min_samples_for(alpha: float) -> int:
    """Smallest equal sample size whose most extreme outcome is significant at ``alpha``."""
    n = 1
    while 2 / math.comb(2 * n, n) > alpha:
        n += 1
    return n


@lru_cache(maxsize=64)
def u_test_min_samples(alpha: float) -> tuple[str, int]:
    """(">=", n): the sample count Go advises for the U test, from the smallest possible p of
    n against n (complete separation, 2 / C(2n, n)) for n = 1..9 (Go's table has ten slots, so
    beyond it the advice reads "> 10")."""
    for n in range(1, 10):
        if 2 / math.comb(2 * n, n) <= alpha:
            return ">=", n
    return ">", 10
