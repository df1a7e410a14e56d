"""Null distributions of the Mann-Whitney U statistic, exact, for benchstat's p-values.

* **No ties**: Mann and Whitney's (1947) recurrence
  ``p[n,m](U) = (n p[n-1,m](U-m) + m p[n,m-1](U)) / (n+m)``, evaluated in float64 in the same
  order as Go's benchstat (go-moremath ``UDist``), so the p-values are bit-for-bit Go's. One
  table per pair of sample sizes is computed once (vectorised over U) and kept.
* **Ties**: the permutation distribution over tie groups (which tied values fall in the first
  sample), counted exactly with integers: a subset of ``n1`` values from groups of sizes ``t_k``
  has a doubled rank sum ``sum 2*midrank``, and the count of subsets at or below a bound is the
  cumulative distribution (the shift algorithm over (values picked, rank sum), pruned at the
  bound). Counts stay below C(50, 25) < 2**63, so int64 arithmetic is exact.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from functools import lru_cache

__all__ = ["no_ties_cdf", "no_ties_table", "ties_cdf"]


@lru_cache(maxsize=256)
def no_ties_table(n1: int, n2: int):  # -> numpy array of cumulative probabilities
    """CDF of U for samples of sizes n1, n2 without ties, for U = 0 .. floor(n1*n2/2)."""
    import numpy as np

    small, big = min(n1, n2), max(n1, n2)
    top = small * big // 2
    memo = np.zeros((small + 1, top + 1))
    for m in range(big + 1):
        memo[0, 0] = 1.0
        for n in range(1, min(small, m) + 1):
            lp = memo[n - 1]
            rp = memo[n] if n <= m - 1 else memo[m - 1]
            ulim = min(top, n * m)
            right = float(m) * rp[: ulim + 1]
            total = right.copy()
            if ulim >= m:
                total[m:] = float(n) * lp[: ulim + 1 - m] + right[m:]
            memo[n, : ulim + 1] = total / float(n + m)
    return np.cumsum(memo[small])  # sequential sums, as Go adds them


def no_ties_cdf(u: int, n1: int, n2: int) -> float:
    """P(U <= u) for tie-free samples of sizes n1, n2 (u at most n1*n2/2)."""
    return float(no_ties_table(n1, n2)[u])


_TIES_CACHE: OrderedDict[tuple, int] = OrderedDict()


def _ties_count_small(n1: int, groups: tuple[int, ...], bound2: int) -> int:
    """:func:`_ties_count` with a dictionary of reachable (picked, doubled rank sum) states:
    fastest when there are few tie groups (B/op values alternating between two or three sizes)."""
    states: dict[tuple[int, int], int] = {(0, 0): 1}
    remaining = sum(groups)
    start = 0
    for t in groups:
        rank2 = 2 * start + t + 1
        remaining -= t
        start += t
        nxt: dict[tuple[int, int], int] = {}
        for (k, s), ways in states.items():
            for take in range(min(t, n1 - k) + 1):
                if k + take + remaining < n1:
                    continue  # too few values left to ever pick n1
                s2 = s + take * rank2
                if s2 > bound2:
                    break
                state = (k + take, s2)
                nxt[state] = nxt.get(state, 0) + ways * math.comb(t, take)
        states = nxt
    return sum(ways for (k, _), ways in states.items() if k == n1)


def _ties_count(n1: int, groups: tuple[int, ...], bound2: int) -> int:
    """How many ways to pick n1 of the pooled values (tie groups of the given sizes, in rank
    order) have a doubled rank sum of at most ``bound2``."""
    if len(groups) <= 4:
        return _ties_count_small(n1, groups, bound2)
    import numpy as np

    # the shift algorithm: add the pooled values one at a time; ways[k, s] counts the picks of
    # k values so far with doubled rank sum s (sums above the bound can never come back down)
    ways = np.zeros((n1 + 1, bound2 + 1), dtype=np.int64)
    ways[0, 0] = 1
    start = 0
    for t in groups:
        rank2 = 2 * start + t + 1
        start += t
        if rank2 > bound2:
            break
        for _ in range(t):
            ways[1:, rank2:] += ways[:-1, : bound2 + 1 - rank2]  # numpy buffers the overlap
    return int(ways[n1].sum())


def ties_cdf(u2: int, n1: int, groups: tuple[int, ...]) -> float:
    """P(2U <= u2) under the permutation distribution with the given tie groups (sizes in rank
    order), for a first sample of size n1: the count over C(N, n1)."""
    bound2 = u2 + n1 * (n1 + 1)  # 2U = 2R - n1(n1+1)
    key = (n1, groups, bound2)
    count = _TIES_CACHE.get(key)
    if count is None:
        count = _ties_count(n1, groups, bound2) if bound2 >= 0 else 0
        _TIES_CACHE[key] = count
        if len(_TIES_CACHE) > 4096:
            _TIES_CACHE.popitem(last=False)
    return count / math.comb(sum(groups), n1)
