"""Grouping and exact sums over int64 key arrays: the numpy steps the graph layer repeats.

``np.unique`` and ``np.argsort`` sort by index, which costs several times a plain sort of
integers; when a key and its index fit in 63 bits together they are packed into one integer and
sorted as such (stable, since the index breaks ties).  Sums use ``np.add.at``: int64 and exact,
as pprof's sums are (``np.bincount`` would sum in floating point).
"""

from __future__ import annotations

import numpy as np

__all__ = ["first_of", "groups", "stable_order", "sum_by", "sums_in_order"]

_I64 = np.int64


def stable_order(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.argsort(keys, kind="stable")`` for non-negative int64 keys, and the keys in that order;
    several times faster than argsort when key and index fit in 63 bits together: both are packed
    into one integer and sorted as such."""
    n = keys.size
    shift = max(n - 1, 1).bit_length()
    if n and int(keys.max()).bit_length() + shift <= 63:
        packed = (keys << shift) | np.arange(n, dtype=_I64)
        packed.sort()
        return packed & ((1 << shift) - 1), packed >> shift
    order = np.argsort(keys, kind="stable")
    return order, keys[order]


def first_of(keys: np.ndarray) -> np.ndarray:
    """A mask of the positions where each key (non-negative) appears for the first time."""
    order, ordered = stable_order(keys)
    first = np.ones(keys.size, bool)
    first[order[1:]] = ordered[1:] != ordered[:-1]
    return first


def groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (non-negative), ascending, and each position's index among them
    (``np.unique(keys, return_inverse=True)``, faster)."""
    order, ordered = stable_order(keys)
    new = np.ones(keys.size, bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(keys.size, _I64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def sum_by(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (non-negative), ascending, and the exact int64 sum of ``values`` under each."""
    distinct, index = groups(keys)
    sums = np.zeros(distinct.size, _I64)
    np.add.at(sums, index, values)
    return distinct, sums


def sums_in_order(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (non-negative) in the order they first appear, and the exact sum of
    ``values`` under each: a dict's ``get(key, 0) + value`` loop, in a few array steps."""
    distinct, index = groups(keys)
    sums = np.zeros(distinct.size, _I64)
    np.add.at(sums, index, values)
    first = np.full(distinct.size, keys.size, _I64)
    np.minimum.at(first, index, np.arange(keys.size, dtype=_I64))
    order = np.argsort(first)
    return distinct[order], sums[order]
