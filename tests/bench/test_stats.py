"""benchstat statistics: brute-force permutation counts, scipy's p-values (committed reference),
the failures of the old implementation (1,024 runs, super-linear intervals, all-equal samples),
samples of every size, and the public API others rely on (perfkit logs --base). Go's own numbers
are compared in test_benchstat_parity.py."""

from __future__ import annotations

import itertools
import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.bench import stats, udist

from .helpers import GOLDEN


def _brute_force_count(x: list[float], y: list[float], bound2: int) -> int:
    """Ways to pick len(x) of the pooled values with a doubled midrank sum of at most bound2."""
    pooled = sorted(x + y)
    rank2 = {v: pooled.index(v) + len(pooled) - pooled[::-1].index(v) + 1 for v in pooled}  # 2 * midrank
    return sum(1 for pick in itertools.combinations(pooled, len(x)) if sum(rank2[v] for v in pick) <= bound2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=6), st.lists(st.integers(0, 4), min_size=1, max_size=6),
       st.integers(0, 200))  # fmt: skip
def test_exact_tie_counts_are_permutation_counts(x: list[int], y: list[int], bound2: int) -> None:
    pooled = sorted(x + y)
    groups = tuple(len(list(g)) for _, g in itertools.groupby(pooled))
    expected = _brute_force_count([float(v) for v in x], [float(v) for v in y], bound2)
    assert udist._ties_count(len(x), groups, bound2) == expected
    assert udist._ties_count_small(len(x), groups, bound2) == expected
    assert udist._ties_count_any(len(x), groups, bound2) == expected  # from the kept distribution


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 25), st.lists(st.sampled_from([1, 1, 1, 2, 3]), min_size=5, max_size=40),
       st.lists(st.integers(-3, 1400), min_size=1, max_size=4))  # fmt: skip
def test_kept_tie_distributions_count_as_the_bounded_shift(n1: int, groups: list[int], bounds: list[int]) -> None:
    """Counts read from a whole kept distribution equal the shift algorithm stopped at the bound,
    for samples up to Go's exact limit with ties, asked in any order (cache hits included)."""
    while sum(groups) > 50:  # Go's exact limit with ties: 25 a side
        groups.pop()
    n1 = min(n1, sum(groups))
    for bound2 in bounds:
        expected = udist._ties_count(n1, tuple(groups), bound2) if bound2 >= 0 else 0
        assert udist._ties_count_any(n1, tuple(groups), bound2) == expected


@pytest.mark.parametrize("case", json.loads((GOLDEN / "mannwhitney_scipy.json").read_text()), ids=str)
def test_mann_whitney_matches_scipy(case: dict) -> None:
    """scipy as an independent reference: the exact test without ties, the normal approximation
    (same tie and continuity corrections as Go's) beyond Go's exact limits."""
    result = stats.mann_whitney(case["x"], case["y"])
    assert result.u == case["u"]
    if case["method"] == "exact":
        assert result.method == "exact" and result.p == pytest.approx(case["p"], rel=1e-9)
    elif result.method == "normal":
        assert result.p == pytest.approx(case["p"], rel=1e-9)


def test_gos_two_valued_tie_p_can_exceed_one() -> None:
    """With only two distinct values go-moremath truncates a negative bound toward zero and
    over-counts; Go's benchstat then prints p=1.486. perfkit prints what Go prints."""
    result = stats.mann_whitney([0.0, 1.0], [0.0] * 12 + [1.0])
    assert result.method == "exact-ties" and result.p == 1.4857142857142858


def test_all_equal_values() -> None:
    assert stats.mann_whitney([3, 3, 3], [3, 3]) == stats.MannWhitney(3.0, 1.0, "equal")
    assert stats.median_ci([4] * 10) == (4, 4)  # all equal: a zero-width interval, not an infinite one
    assert stats.median_ci([4]) == (-math.inf, math.inf)  # one sample: no interval at all


def test_median_and_interval_orders() -> None:
    xs = list(range(1, 11))
    assert stats.median(xs) == 5.5 and stats.median([3, 1, 2]) == 2
    assert stats.median_ci(xs, 0.95) == (2, 9)
    assert stats.median_ci(list(range(1, 6)), 0.95) == (-math.inf, 5)  # Go grows the interval leftwards first
    assert stats.median_ci(list(range(1, 8)), 0.99) == (-math.inf, 7)  # 0.99 needs 8 samples
    assert stats.median_min_samples(0.95) == (">=", 6) and stats.median_min_samples(0.99) == (">=", 8)
    assert stats.u_test_min_samples(0.05) == (">=", 4) and stats.u_test_min_samples(0.0) == (">", 10)
    assert stats.quantile([1, 2, 3, 4], 0.9) == pytest.approx(4.0)


def test_1024_runs_no_longer_overflow_and_intervals_are_constant_time() -> None:
    """The old interval summed 2**n binomial terms: OverflowError at n = 1,024, 10 s at 1,000."""
    rng = random.Random(1)
    xs = [rng.lognormvariate(0, 0.1) for _ in range(1024)]
    lo, hi = stats.median_ci(xs)
    assert lo < stats.median(xs) < hi
    ci = stats.quantile_ci_orders(10**9, 0.5, 0.95)  # a billion samples: O(1), no loop over n
    assert 0 < ci.lo_order < 5 * 10**8 < ci.hi_order < 10**9


def test_a_hundred_thousand_runs_a_side() -> None:
    rng = random.Random(2)
    old = [rng.gauss(100, 5) for _ in range(100_000)]
    new = [rng.gauss(100.2, 5) for _ in range(100_000)]
    result = stats.mann_whitney(old, new)
    assert result.method == "normal" and result.p < 1e-10
    same = stats.mann_whitney(old, [rng.gauss(100, 5) for _ in range(100_000)])
    assert same.p > 1e-3
    lo, hi = stats.median_ci(old)
    assert lo < stats.median(old) < hi and hi - lo < 0.2


def test_numpy_arrays_are_samples_too() -> None:
    import numpy as np

    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 5000), rng.normal(0.1, 1, 5000)
    assert stats.mann_whitney(a, b).p == pytest.approx(stats.mann_whitney(a.tolist(), b.tolist()).p, rel=1e-12)
    assert stats.median(a) == stats.median(a.tolist())
    assert stats.median_ci(a) == stats.median_ci(a.tolist())


def test_geomean() -> None:
    assert stats.geomean([1, 100]) == pytest.approx(10)
    assert math.isnan(stats.geomean([0, 4])) and math.isnan(stats.geomean([]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=30), st.lists(st.integers(0, 6), min_size=1, max_size=30))
def test_u_and_p_are_consistent(x: list[int], y: list[int]) -> None:
    forward, backward = stats.mann_whitney(x, y), stats.mann_whitney(y, x)
    assert forward.u + backward.u == len(x) * len(y)
    assert forward.p >= 0 and (forward.p <= 1 or forward.method == "exact-ties")  # Go: ties can give 0 or > 1
    if len(set(x) | set(y)) == len(x) + len(y):  # no ties: the distribution is symmetric, so is p
        assert forward.p == pytest.approx(backward.p)
