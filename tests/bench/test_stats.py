"""benchstat statistics against independent references: scipy's p-values (committed), brute-force
permutation counts, and synthetic data with known answers."""

from __future__ import annotations

import itertools
import json
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfkit.bench import stats

from .helpers import GOLDEN


def _brute_force_p(x: list[float], y: list[float]) -> float:
    """Exact two-sided permutation p of the rank sum, by enumerating every split."""
    pooled = x + y
    order = sorted(pooled)
    rank = {}
    for v in set(pooled):
        first = order.index(v) + 1
        last = len(order) - order[::-1].index(v)
        rank[v] = (first + last) / 2
    observed = sum(rank[v] for v in x)
    mean = len(x) * (len(pooled) + 1) / 2
    splits = list(itertools.combinations(range(len(pooled)), len(x)))
    extreme = sum(1 for s in splits if abs(sum(rank[pooled[i]] for i in s) - mean) >= abs(observed - mean) - 1e-9)
    return extreme / len(splits)


@pytest.mark.parametrize("case", json.loads((GOLDEN / "mannwhitney_scipy.json").read_text()), ids=str)
def test_mann_whitney_matches_scipy(case: dict) -> None:
    result = stats.mann_whitney(case["x"], case["y"])
    assert result.u == case["u"]
    if case["method"] == "exact":
        assert result.method == "exact"
        assert result.p == pytest.approx(case["p"], rel=1e-9)
    elif result.method == "normal":
        assert result.p == pytest.approx(case["p"], rel=1e-9)
    else:  # small tied samples: exact permutation count (checked below), near scipy's approximation
        assert result.method == "exact-ties"
        assert abs(result.p - case["p"]) < 0.05


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([1, 1, 2, 3, 3], [2, 3, 4, 4, 5]),
        ([5, 5, 5, 6], [5, 6, 6, 7, 7]),
        ([1, 2, 2, 2], [2, 2, 3, 3]),
        ([1.5, 2.5, 2.5], [2.5, 3.5, 3.5, 4.5]),
    ],
)
def test_exact_ties_is_the_permutation_count(x: list[float], y: list[float]) -> None:
    result = stats.mann_whitney(x, y)
    assert result.method == "exact-ties"
    assert result.p == pytest.approx(_brute_force_p(x, y), rel=1e-12)


def test_u_distribution_counts_every_ordering() -> None:
    for m, n in [(1, 1), (3, 4), (6, 6), (10, 10)]:
        counts = stats._u_distribution(m, n)
        assert sum(counts) == math.comb(m + n, m)
        assert counts == counts[::-1]  # symmetric about mn/2


def test_ten_percent_slowdown_is_detected_with_the_exact_p() -> None:
    rng = random.Random(7)
    base = [1000 * rng.gauss(1, 0.01) for _ in range(10)]
    slow = [1100 * rng.gauss(1, 0.01) for _ in range(10)]
    result = stats.mann_whitney(base, slow)
    assert result.method == "exact"
    assert abs(result.p - 2 / math.comb(20, 10)) < 0.01
    assert stats.median(slow) / stats.median(base) - 1 == pytest.approx(0.10, abs=0.02)


def test_identical_distributions_are_not_significant() -> None:
    rng = random.Random(11)
    a = [1000 * rng.gauss(1, 0.01) for _ in range(10)]
    b = [1000 * rng.gauss(1, 0.01) for _ in range(10)]
    assert stats.mann_whitney(a, b).p > 0.05


def test_all_equal_values_give_p_one() -> None:
    assert stats.mann_whitney([3, 3, 3], [3, 3]).p == 1.0


def test_median_ci_order_statistics() -> None:
    xs = list(range(1, 11))  # n=10 at 0.95: [x(2), x(9)] covers 97.9%, [x(3), x(8)] only 89%
    assert stats.median_ci(xs, 0.95) == (2, 9)
    assert stats.median_ci(xs, 0.80) == (3, 8)
    assert stats.median_ci([1, 2, 3, 4, 5], 0.95) == (-math.inf, math.inf)  # 5 < 6 samples
    assert stats.median_ci([1, 2, 3, 4, 5, 6], 0.95) == (1, 6)
    assert stats.median_ci([4, 4, 4], 0.95) == (4, 4)


def test_median_and_geomean() -> None:
    assert stats.median([3, 1, 2]) == 2
    assert stats.median([4, 1, 3, 2]) == 2.5
    assert stats.geomean([1, 100]) == pytest.approx(10)
    assert math.isnan(stats.geomean([0, 4]))


def test_smallest_possible_p() -> None:
    assert stats.min_samples_for(0.05) == 4
    assert stats.smallest_p(3, 3) == pytest.approx(0.1)
    assert stats.smallest_p(4, 4) < 0.05


@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=7),
    st.lists(st.integers(0, 6), min_size=1, max_size=7),
)
def test_p_is_a_probability_and_symmetric(x: list[int], y: list[int]) -> None:
    forward, backward = stats.mann_whitney(x, y), stats.mann_whitney(y, x)
    assert 0 < forward.p <= 1
    assert forward.p == pytest.approx(backward.p)
    assert forward.u + backward.u == len(x) * len(y)
