"""benchstat: compare sets of benchmark results and decide whether differences are real.

For every package and unit one :class:`Table`: a row per benchmark, a column per input; each
cell is the median with its order-statistic confidence interval, and every column after the
first is compared with the first by the two-sided Mann-Whitney U test.  A difference shows as a
percentage only when ``p <= alpha``; otherwise it is ``~``.  :func:`regressions` is the CI gate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfkit.bench import stats
from perfkit.bench.results import ResultSet
from perfkit.errors import PerfkitError

__all__ = ["Cell", "Comparison", "Row", "Table", "build_tables", "regressions", "tidy_unit"]

#: file units -> (benchstat unit, factor): timings become seconds, throughputs bytes per second
_TIDY = {
    "ns/op": ("sec/op", 1e-9),
    "us/op": ("sec/op", 1e-6),
    "µs/op": ("sec/op", 1e-6),
    "ms/op": ("sec/op", 1e-3),
    "s/op": ("sec/op", 1.0),
    "MB/s": ("B/s", 1e6),
}
_UNIT_ORDER = ("sec/op", "B/op", "allocs/op")


def tidy_unit(unit: str) -> tuple[str, float]:
    """The unit benchstat reports and the factor to get there (``ns/op`` -> ``sec/op``, 1e-9)."""
    return _TIDY.get(unit, (unit, 1.0))


def higher_is_better(unit: str) -> bool:
    """Throughputs (``B/s``, ``ops/s`` ...) improve upwards; costs per op improve downwards."""
    return unit.endswith("/s")


@dataclass
class Cell:
    """One benchmark in one input: its samples, median and confidence interval."""

    samples: list[float]
    center: float
    lo: float
    hi: float


@dataclass
class Comparison:
    """A column against the first: relative change of medians and the test's verdict."""

    delta: float  #: new/base - 1 (inf or nan when the base median is zero)
    p: float
    n_base: int
    n: int
    significant: bool


@dataclass
class Row:
    name: str
    cells: list[Cell | None]
    comparisons: list[Comparison | None]
    notes: list[str] = field(default_factory=list)


@dataclass
class Table:
    """One package and unit."""

    config: dict[str, str]
    unit: str
    columns: list[str]
    rows: list[Row]
    geomeans: list[float | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def geomean_deltas(self) -> list[float | None]:
        base = self.geomeans[0] if self.geomeans else None
        out: list[float | None] = [None]
        for g in self.geomeans[1:]:
            out.append(g / base - 1 if base and g is not None and not math.isnan(g) else None)
        return out


def _cell(samples: list[float], confidence: float) -> Cell:
    lo, hi = stats.median_ci(samples, confidence)
    return Cell(samples, stats.median(samples), lo, hi)


def _compare(base: Cell, other: Cell, alpha: float) -> Comparison:
    test = stats.mann_whitney(base.samples, other.samples)
    delta = other.center / base.center - 1 if base.center else (0.0 if other.center == 0 else math.inf)
    return Comparison(delta, test.p, len(base.samples), len(other.samples), test.p <= alpha)


def build_tables(sets: Sequence[ResultSet], alpha: float = 0.05, confidence: float = 0.95) -> list[Table]:
    """Tables per (pkg, unit) over every input, first input as the base."""
    if not 0 < alpha < 1:
        raise PerfkitError(f"--alpha {alpha}: must be between 0 and 1 (benchstat's default is 0.05)")
    if not 0 < confidence < 1:
        raise PerfkitError(f"--confidence {confidence}: must be between 0 and 1 (default 0.95)")
    # (pkg, unit) -> name -> per-input samples
    grid: dict[tuple[str, str], dict[str, list[list[float]]]] = {}
    for col, result_set in enumerate(sets):
        for result in result_set.results:
            pkg = result.config.get("pkg", "")
            for unit, value in result.values.items():
                tidy, factor = tidy_unit(unit)
                rows = grid.setdefault((pkg, tidy), {})
                cols = rows.setdefault(result.short_name, [[] for _ in sets])
                cols[col].append(value * factor)
    _check_overlap(sets, grid)
    need = stats.min_samples_for(alpha)
    common_config = _common_config(sets)
    tables = []
    for (pkg, unit), rows in sorted(grid.items(), key=lambda kv: _table_order(kv[0], list(grid))):
        config = {**common_config, "pkg": pkg} if pkg else dict(common_config)
        table = Table(config, unit, [s.label for s in sets], [])
        for name, columns in rows.items():
            cells = [_cell(c, confidence) if c else None for c in columns]
            row = Row(name, cells, [None] * len(cells))
            base = cells[0]
            for i, cell in enumerate(cells[1:], 1):
                if base is not None and cell is not None:
                    row.comparisons[i] = _compare(base, cell, alpha)
                    if stats.smallest_p(len(base.samples), len(cell.samples)) > alpha:
                        row.notes.append(f"need >= {need} samples to detect a difference at alpha level {alpha:g}")
            if any(c is not None and math.isinf(c.lo) for c in cells):
                row.notes.append(f"need >= 6 samples for confidence interval at level {confidence:g}")
            if any(c is not None and len(c.samples) > 1 and c.lo == c.hi for c in cells):
                row.notes.append("all samples are equal")
            table.rows.append(row)
        _geomeans(table)
        tables.append(table)
    return tables


def _table_order(key: tuple[str, str], keys: list[tuple[str, str]]) -> tuple[int, int, int]:
    pkg_first = min(i for i, k in enumerate(keys) if k[0] == key[0])
    unit_rank = _UNIT_ORDER.index(key[1]) if key[1] in _UNIT_ORDER else len(_UNIT_ORDER)
    return pkg_first, unit_rank, keys.index(key)


def _common_config(sets: Sequence[ResultSet]) -> dict[str, str]:
    configs = [s.config() for s in sets]
    common = dict(configs[0]) if configs else {}
    for config in configs[1:]:
        for key in list(common):
            if config.get(key) != common[key]:
                del common[key]
    common.pop("pkg", None)
    return common


def _check_overlap(sets: Sequence[ResultSet], grid: dict[tuple[str, str], dict[str, list[list[float]]]]) -> None:
    """Two or more inputs that share no benchmark-and-unit cannot be compared: say why."""
    if len(sets) < 2:
        return
    for rows in grid.values():
        for columns in rows.values():
            if columns[0] and any(columns[1:]):
                return
    described = "; ".join(f"{s.label}: {_describe(s)}" for s in sets)
    raise PerfkitError(
        f"no benchmark with the same name and unit in {sets[0].label} and the others ({described}); "
        "compare results of the same benchmarks"
    )


def _describe(result_set: ResultSet) -> str:
    units = sorted({tidy_unit(u)[0] for r in result_set.results for u in r.values})
    names = sorted({r.short_name for r in result_set.results})
    shown = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
    return f"{shown} in {', '.join(units)}"


def _geomeans(table: Table) -> None:
    """Geometric mean of the medians of rows present in every column (so columns compare)."""
    complete = [r for r in table.rows if all(c is not None for c in r.cells)]
    if len(table.rows) < 2 or not complete:
        return
    table.geomeans = []
    for i in range(len(table.columns)):
        value = stats.geomean([r.cells[i].center for r in complete])  # type: ignore[union-attr]
        table.geomeans.append(None if math.isnan(value) else value)
    if any(g is None for g in table.geomeans):
        table.notes.append("summaries must be > 0 to compute geomean")


@dataclass(frozen=True)
class Regression:
    """A significant change for the worse of at least the gate's threshold."""

    table: Table
    row: Row
    column: int
    comparison: Comparison

    def describe(self) -> str:
        c = self.comparison
        column = self.table.columns[self.column]
        return f"{self.row.name} {self.table.unit} {c.delta * 100:+.2f}% (p={c.p:.3f}) in {column}"


def regressions(tables: Sequence[Table], threshold: float) -> list[Regression]:
    """Statistically significant slowdowns of at least ``threshold`` (0.05 = 5%): time per op
    up, or throughput down. Memory units are reported but never gate."""
    found = []
    for table in tables:
        if table.unit != "sec/op" and not higher_is_better(table.unit):
            continue
        for row in table.rows:
            for i, comp in enumerate(row.comparisons):
                if comp is None or not comp.significant or math.isnan(comp.delta):
                    continue
                worse = -comp.delta if higher_is_better(table.unit) else comp.delta
                if worse >= threshold - 1e-12:
                    found.append(Regression(table, row, i, comp))
    return found
