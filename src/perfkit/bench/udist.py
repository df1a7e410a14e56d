"""Null distributions of the Mann-Whitney U statistic, exact, for benchstat's p-values.

* **No ties**: Mann and Whitney's (1947) recurrence
  ``p[n,m](U) = (n p[n-1,m](U-m) + m p[n,m-1](U)) / (n+m)``, evaluated in float64 in the same
  order as Go's benchstat (go-moremath ``UDist``), so the p-values are bit-for-bit Go's. One
  table per pair of sample sizes is computed once (vectorised over U) and kept.
* **Ties**: the permutation distribution over tie groups (which tied values fall in the first
  sample), counted exactly with integers: a subset of ``n1`` values from groups of sizes ``t_k``
  has a doubled rank sum ``sum 2*midrank``, and the count of subsets at or below a bound is the
  cumulative distribution (the shift algorithm over (values picked, rank sum), pruned at the
  bound, on packed big integers). Counts stay below C(50, 25) < 2**64.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections import OrderedDict
from functools import cache, lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["go_choose", "no_ties_cdf", "no_ties_table", "ties_p"]


@lru_cache(maxsize=256)
def no_ties_table(n1: int, n2: int) -> npt.NDArray[np.float64]:
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
    return sum(_ties_ways(n1, groups, bound2))


def _ties_ways(n1: int, groups: tuple[int, ...], bound2: int) -> array:
    """The number of picks of n1 pooled values by doubled rank sum, for sums 0 .. ``bound2``."""
    # the shift algorithm: add the pooled values one at a time; ways[k] holds, for every doubled
    # rank sum s, the number of picks of k values so far with that sum, as the s-th block of a
    # big integer (blocks wide enough that no count carries into the next), so adding a value of
    # doubled rank r to every pick is one shift and one addition
    remaining = sum(groups)
    width = 32 if remaining <= 33 else 64  # C(33, 16) < 2**32, C(50, 25) < 2**64
    ways = [1] + [0] * n1
    start = top = 0
    for t in groups:
        rank2 = 2 * start + t + 1
        start += t
        if rank2 > bound2:
            break  # sums only grow: no later value keeps a pick within the bound
        shift = rank2 * width
        for _ in range(t):
            remaining -= 1
            if top < n1:
                top += 1
            # a pick of fewer than n1 - remaining values can no longer reach n1: left as it is
            for k in range(top, max(1, n1 - remaining) - 1, -1):
                below = ways[k - 1]
                if below:
                    ways[k] += below << shift
    blocks = bound2 + 1
    counts = array("I" if width == 32 else "Q")
    counts.frombytes((ways[n1] & ((1 << (blocks * width)) - 1)).to_bytes(blocks * width // 8, "little"))
    return counts


_CUMULATIVE_CACHE: OrderedDict[tuple[int, tuple[int, ...]], list[int]] = OrderedDict()


def _ties_count_any(n1: int, groups: tuple[int, ...], bound2: int) -> int:
    """:func:`_ties_count`, from the whole distribution of (n1, groups), kept: large tables
    meet the same tie pattern (say one pair tied among twenty values) with many different
    rank sums, and the whole distribution costs little more than one bound."""
    if bound2 < 0:
        return 0
    key = (n1, groups)
    cumulative = _CUMULATIVE_CACHE.get(key)
    if cumulative is None:
        total = sum(groups)
        largest = n1 * (2 * total - n1 + 1)  # the doubled rank sum of the top n1 ranks
        cumulative = _CUMULATIVE_CACHE[key] = list(accumulate(_ties_ways(n1, groups, largest)))
        if len(_CUMULATIVE_CACHE) > 2048:
            _CUMULATIVE_CACHE.popitem(last=False)
    return cumulative[min(bound2, len(cumulative) - 1)]


def ties_p(u2: int, n1: int, groups: tuple[int, ...], alpha: float = 0.05) -> float:
    """Go's two-sided p with ties: twice P(2U <= u2) under the permutation distribution with the
    given tie groups (sizes in rank order), for a first sample of size n1 (it may exceed 1).

    * Two distinct values: Go's recurrence as written (its truncating integer division makes
      its count differ from the exact one), cheap at that size.
    * Up to 20 values in all: Go's float arithmetic is exact, so the exact count over C(N, n1)
      is its result, bit for bit.
    * More: Go's binomial coefficients above 20 carry rounding (see _gochoose), so its p lies
      within about 1e-13 of the exact count over Go's C(N, n1). Where that could change a
      printed digit (p is shown to 3 decimals) or the verdict at ``alpha``, its recurrence runs
      as written; elsewhere the exact count is used, which prints the same."""
    total = sum(groups)
    if len(groups) == 2:
        return _go_ties_cdf(u2, n1, groups) * 2
    bound2 = u2 + n1 * (n1 + 1)  # 2U = 2R - n1(n1+1)
    key = (n1, groups, bound2)
    count = _TIES_CACHE.get(key)
    if count is None:
        if len(groups) > 4 or total <= 20:  # the whole distribution, kept: cheap at this size
            count = _ties_count_any(n1, groups, bound2)
        else:
            count = _ties_count_small(n1, groups, bound2) if bound2 >= 0 else 0
        _TIES_CACHE[key] = count
        if len(_TIES_CACHE) > 4096:
            _TIES_CACHE.popitem(last=False)
    if total <= 20:
        return count / math.comb(total, n1) * 2
    p = count / go_choose(total, n1) * 2
    if _near_decision(p, alpha):
        return _go_ties_cdf(u2, n1, groups) * 2
    return p


def _near_decision(p: float, alpha: float) -> bool:
    """Could a 1e-11 relative change of p move its third decimal or its side of alpha?"""
    if abs(p - alpha) <= 1e-11 * max(p, alpha):
        return True
    thousandths = p * 1000
    return abs(thousandths - math.floor(thousandths) - 0.5) <= 1e-8 * max(1.0, thousandths)


# ------------------------------------------------------------------ Go's arithmetic, reproduced
def _go_offsets() -> dict[int, list[int]]:
    from perfkit.bench._gochoose import TABLE

    rows: dict[int, list[int]] = {}
    current: list[int] = []
    for word in TABLE.split():
        if word.endswith(":"):
            current = rows[int(word[:-1])] = []
        else:
            current.append(int(word))
    return rows


@cache
def go_choose(n: int, k: int) -> float:
    """go-moremath's mathx.Choose(n, k) bit for bit: exact up to n = 20, above that the exact
    coefficient moved by the recorded offset in units in the last place (see _gochoose)."""
    if k == 0 or k == n:
        return 1.0
    if k < 0 or n < k:
        return 0.0
    exact = float(math.comb(n, k))
    if n <= 20:
        return exact
    offsets = _GO_OFFSETS or _GO_OFFSETS.update(_go_offsets()) or _GO_OFFSETS
    if n not in offsets:
        raise ValueError(f"no recorded go-moremath binomial coefficient for n = {n}")
    bits = struct.unpack("<q", struct.pack("<d", exact))[0] + offsets[n][k]
    return struct.unpack("<d", struct.pack("<q", bits))[0]


_GO_OFFSETS: dict[int, list[int]] = {}


def _go_div(a: int, b: int) -> int:
    """Go's integer division: truncation toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _go_ties_cdf(two_u: int, n1: int, t: tuple[int, ...]) -> float:
    """The cumulative U distribution with ties as go-moremath computes it (Cheung and Klotz's
    recursion over tie groups: top-down to find the (picks, 2U) states needed, then bottom-up to
    count them, in float64 with its binomial coefficients and integer division)."""
    size = len(t)
    a = [0] * (size + 1)
    a[1] = t[0]
    for k in range(2, size + 1):
        a[k] = a[k - 1] + t[k - 2] + t[k - 1]

    @cache
    def lowest(picks: int, k: int) -> int:  # smallest 2U of `picks` values from groups t[:k]
        two, left = -picks * picks, picks
        for i in range(1, k + 1):
            take = min(left, t[i - 1])
            two += take * a[i]
            left -= take
        return two

    @cache
    def highest(picks: int, k: int) -> int:
        two, left = -picks * picks, picks
        for i in range(k, 0, -1):
            take = min(left, t[i - 1])
            two += take * a[i]
            left -= take
        return two

    levels: list[dict[tuple[int, int], float]] = [{} for _ in range(size + 1)]
    levels[size] = {(n1, two_u): 0.0}
    tsum = sum(t)
    for k in range(size - 1, 1, -1):
        tsum -= t[k]
        level = levels[k]
        for picks, two in levels[k + 1]:
            for rk in range(max(0, picks - tsum), min(picks, t[k]) + 1):
                two_k = two - rk * (a[k + 1] - 2 * picks + rk)
                picks_k = picks - rk
                if lowest(picks_k, k) <= two_k <= highest(picks_k, k):
                    level[(picks_k, two_k)] = 0.0
    both = t[0] + t[1]
    base = levels[2]
    for picks, two in base:
        acc = 0.0
        for r2 in range(max(0, picks - t[0]), _go_div(two - picks * (t[0] - picks), both) + 1):
            acc += go_choose(t[0], picks - r2) * go_choose(t[1], r2)
        base[(picks, two)] = acc
    tsum = t[0]
    for k in range(3, size + 1):
        tsum += t[k - 2]
        below, level = levels[k - 1], levels[k]
        for picks, two in level:
            acc = 0.0
            for rk in range(max(0, picks - tsum), min(picks, t[k - 1]) + 1):
                two_below = two - rk * (a[k] - 2 * picks + rk)
                picks_below = picks - rk
                x = below.get((picks_below, two_below))
                if x is None:
                    x = go_choose(tsum, picks_below) if highest(picks_below, k - 1) < two_below else 0.0
                acc += x * go_choose(t[k - 1], rk)
            level[(picks, two)] = acc
    return levels[size][(n1, two_u)] / go_choose(sum(t), n1)
