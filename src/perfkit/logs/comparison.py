"""Did latency change between two sets of logs (``--base OLD NEW``, or ``--split-at TIME``)?

Per group: the change of the median and of p99, and the two-sided Mann-Whitney U test on the
two samples of durations, with the project's benchstat statistics (one implementation:
:func:`perfkit.bench.stats.mann_whitney`).  As ``benchstat`` prints, a change whose p-value is
above alpha is shown as ``~``: the two samples could come from one distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from perfkit.bench import stats
from perfkit.logs.aggregate import Analysis, GroupStats

__all__ = ["GroupChange", "compare", "regressions"]


@dataclass(frozen=True)
class GroupChange:
    group: str
    base: GroupStats | None
    new: GroupStats | None
    p_value: float | None  #: None when one side has no durations
    significant: bool

    def _ratio(self, name: str) -> float | None:
        old = getattr(self.base, name, None) if self.base else None
        new = getattr(self.new, name, None) if self.new else None
        if old is None or new is None or old == 0:
            return None
        return new / old - 1

    @property
    def p50_change(self) -> float | None:
        return self._ratio("p50")

    @property
    def p99_change(self) -> float | None:
        return self._ratio("p99")

    def describe(self) -> str:
        change = self.p50_change
        return f"{self.group} p50 {'?' if change is None else f'{change * 100:+.1f}%'} (p={self.p_value:.3g})"


def _durations(samples: pl.DataFrame) -> dict[str, stats.Samples]:
    """Each group's durations as a float64 array (the column is Float64, its nulls dropped)."""
    timed = samples.filter(pl.col("duration").is_not_null()).select("group", "duration")
    return {key[0]: part["duration"].to_numpy() for key, part in timed.partition_by("group", as_dict=True).items()}


def compare(base: Analysis, new: Analysis, alpha: float = 0.05) -> list[GroupChange]:
    """One change per group seen on either side, in the new side's order (then base-only ones)."""
    old_groups = {g.group: g for g in base.groups}
    new_groups = {g.group: g for g in new.groups}
    old_samples, new_samples = _durations(base.samples), _durations(new.samples)
    order = list(new_groups) + [g for g in old_groups if g not in new_groups]
    out = []
    for group in order:
        x, y = old_samples.get(group), new_samples.get(group)
        p = None
        if x is not None and y is not None and len(x) and len(y):
            p = stats.mann_whitney(x, y).p
        out.append(GroupChange(group, old_groups.get(group), new_groups.get(group), p, p is not None and p <= alpha))
    return out


def regressions(changes: list[GroupChange], threshold: float) -> list[GroupChange]:
    """Significant slowdowns of the median by at least ``threshold`` (0.05 = 5%): the CI gate."""
    return [c for c in changes if c.significant and c.p50_change is not None and c.p50_change >= threshold]
