"""benchstat: group benchmark results into tables and decide whether differences are real,
as Go's benchstat does (golang.org/x/perf/cmd/benchstat).

Every result passes the filter (``--filter``), then is projected three ways: into a table (by
``--table``, default ``.config``: all file configuration keys, plus the unit), a row (``--row``,
default ``.fullname``) and a column (``--col``, default ``.file``). Each value lands in the cell
of its table, row and column. Per table and cell:

* **summary**: the median and its order-statistic confidence interval (``assume=nothing``, the
  default), or the mode and the range for units declared ``Unit <unit> assume=exact``;
* **comparison** with the first column of the row: the two-sided Mann-Whitney U test (exact
  units: any difference counts); ``~`` unless ``p <= alpha``;
* **footnotes**: too few samples for an interval or a difference, all samples equal, benchmarks
  that differ in a key no projection covers (``benchmarks vary in .fullname``), values of an
  ``assume=exact`` unit that vary;
* **geomean** row (tables of two or more rows): the geometric mean of each column's centres, and
  of the per-row ratios against the first column, with a footnote when the benchmark set differs.

:func:`regressions` is the CI gate behind ``--fail-on``.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from perfkit.bench import batch, stats
from perfkit.bench.projection import Key, ProjectionParser, apply_filter, compile_filter, non_singular_fields
from perfkit.bench.query import QuerySyntaxError
from perfkit.bench.results import Record, Result, SyntaxIssue, UnitMeta
from perfkit.bench.units import go_f, go_signed, go_v, tidy_unit
from perfkit.errors import PerfkitError

__all__ = [
    "Builder",
    "Cell",
    "Comparison",
    "Options",
    "Regression",
    "Row",
    "Table",
    "better_direction",
    "build_tables",
    "regressions",
]


@dataclass(frozen=True)
class Options:
    """benchstat's flags (Go's defaults)."""

    table: str = ".config"
    row: str = ".fullname"
    col: str = ".file"
    ignore: str = ""
    filter: str = "*"
    alpha: float = 0.05
    confidence: float = 0.95


# ------------------------------------------------------------------------------------ the model
@dataclass(slots=True)
class Comparison:
    """A cell against its row's first column."""

    p: float
    n1: int  #: samples in the baseline
    n2: int
    alpha: float
    old: float  #: baseline centre
    new: float
    method: str  #: stats.MannWhitney method, or "exact" for assume=exact units
    warnings: tuple[str, ...] = ()

    @property
    def significant(self) -> bool:
        return not self.p > self.alpha

    @property
    def delta(self) -> float:
        """new/old - 1 (0 when equal, NaN when the baseline is 0)."""
        if self.old == self.new:
            return 0.0
        return self.new / self.old - 1 if self.old else math.nan

    def delta_text(self) -> str:
        """Go's FormatDelta: ``~`` when not significant, else ``+10.31%``."""
        if self.p > self.alpha:
            return "~"
        if self.old == self.new:
            return "0.00%"
        if self.old == 0:
            return "?"
        return go_signed((self.new / self.old - 1.0) * 100.0, 2) + "%"

    def text(self) -> str:
        """``p=0.000 n=10`` (``n=10+9`` for unequal sizes; no p for exact units)."""
        p = f"p={go_f(self.p, 3)} " if self.p != 0 else ""
        return p + (f"n={self.n1}" if self.n1 == self.n2 else f"n={self.n1}+{self.n2}")


@dataclass(slots=True)
class Cell:
    """One table cell: sorted samples, centre and interval, warnings, comparison."""

    values: Sequence[float]  #: sorted (NaN first)
    center: float
    lo: float
    hi: float
    confidence: float
    warnings: tuple[str, ...] = ()
    comparison: Comparison | None = None

    def range_text(self) -> str:
        """Go's PctRangeString: ``± 3%`` as ``3%``; ``∞`` without an interval; ``?`` across 0."""
        if math.isinf(self.lo) or math.isinf(self.hi):
            return "∞"
        sign = _sign(self.center)
        if sign != _sign(self.lo) or sign != _sign(self.hi):
            return "?"
        if self.center == 0:
            return "0%"
        return go_f(100 * max(self.hi / self.center - 1, 1 - self.lo / self.center), 0) + "%"


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


@dataclass(slots=True)
class Row:
    label: str
    key: Key
    cells: list[Cell | None]  #: aligned with the table's columns


@dataclass(slots=True)
class ColumnSummary:
    """The geomean row's entry for one column."""

    center: float | None  #: geometric mean of the column's centres
    ratio: float | None  #: geometric mean of the ratios to the first column (not for the first)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Table:
    """One table: a unit under one value of the table projection."""

    header: list[tuple[str, str]]  #: table key fields other than the unit, e.g. ("pkg", "x/y")
    unit: str
    assumption: str  #: "nothing" or "exact"
    better: int  #: +1 higher is better, -1 lower is better, 0 unknown
    better_declared: bool  #: ``Unit <unit> better=...`` said so (such units gate --fail-on)
    column_fields: list[str]
    columns: list[tuple[str, ...]]  #: per column, the value of every column field
    rows: list[Row]
    summaries: list[ColumnSummary]
    summary_label: str = "geomean"
    alpha: float = 0.05

    @property
    def column_labels(self) -> list[str]:
        return [" ".join(v for v in values if v) for values in self.columns]


# ---------------------------------------------------------------------------------- the builder
_BATCH = 8192  #: cells summarised (and U tests run) per numpy batch: bounds the temporary matrices


class _CellData:
    """A cell while results come in: its values (8 bytes each) and, when a residue projection
    exists, the distinct residue keys it saw."""

    __slots__ = ("residues", "values")

    def __init__(self) -> None:
        self.values = array("d")
        self.residues: set[Key] | None = None


class Builder:
    """Collects records from any number of inputs, then :meth:`tables` summarises them."""

    def __init__(self, options: Options = Options()) -> None:
        _check_level("--alpha", options.alpha)
        _check_level("--confidence", options.confidence)
        self.options = options
        try:
            user_filter = compile_filter(options.filter)
        except QuerySyntaxError as exc:
            raise PerfkitError(f"--filter: {exc}; see `perfkit benchstat --help` for the syntax") from None
        parser = ProjectionParser()
        projections = []
        for flag, expression in (("--table", options.table), ("--row", options.row), ("--col", options.col),
                                 ("--ignore", options.ignore)):  # fmt: skip
            try:
                projections.append(
                    parser.parse_with_unit(expression) if flag == "--table" else parser.parse(expression)
                )
            except QuerySyntaxError as exc:
                raise PerfkitError(f"{flag}: {exc}; keys are .name, .fullname, /key, .file or a config key") from None
        self.table_by, self.row_by, self.col_by, _ = projections
        self.residue = parser.residue()
        fixed = list(parser.fixed_filters)
        if fixed:
            self._filter = _and_fixed(fixed, user_filter)
        else:
            self._filter = None if options.filter.strip() == "*" else user_filter
        self.units: dict[tuple[str, str], UnitMeta] = {}
        self.issues: list[SyntaxIssue] = []
        self.results = 0
        self._cells: dict[tuple[Key, Key, Key], _CellData] = {}
        self._tables: dict[Key, tuple[dict[Key, None], dict[Key, None]]] = {}
        self._routes: dict[tuple, list[array | None]] = {}
        self._done = False

    def add_all(self, records: Iterable[Record]) -> None:
        for record in records:
            self.add(record)

    def add_go_text(self, lines: Iterable[bytes], path: str, label: str) -> None:
        """Go benchmark text, parsed and routed in one pass (the fast path for large files)."""
        from perfkit.bench.goreader import GoTextReader

        self.results += GoTextReader(path, label, self.units).feed(lines, _Counted(self))

    def add(self, record: Record) -> list[list[float] | None] | None:
        """File one record; for a result, returns the value lists its values went to."""
        if type(record) is not Result:
            if isinstance(record, SyntaxIssue):
                self.issues.append(record)
            elif isinstance(record, UnitMeta):
                self.units.setdefault((record.unit, record.key), record)
            return None
        route = self.route(record)
        self.results += 1
        for target, v in zip(route, record.values):
            if target is not None:
                target.append(v.value)
        return route

    def route(self, record: Result) -> list[array | None]:
        """The value lists (cells) the values of a result like this one go to (None: filtered)."""
        signature = (record.config.id, record.name, *[(v.unit, v.orig_unit) for v in record.values])
        route = self._routes.get(signature)
        if route is None:
            route = self._routes[signature] = self._route(record)
        return route

    def _route(self, record: Result) -> list[list[float] | None]:
        """Where each value of results like this one goes (None: filtered out)."""
        keep = [True] * len(record.values) if self._filter is None else apply_filter(self._filter, record)
        if keep is None:
            return [None] * len(record.values)
        kept = (
            record
            if all(keep)
            else Result(record.name, record.iters, [v for v, k in zip(record.values, keep) if k], record.config)
        )
        table_keys = iter(self.table_by.project_values(kept))
        row, col = self.row_by.project(kept), self.col_by.project(kept)
        residue = None if self.residue.empty else self.residue.project(kept)
        route: list[list[float] | None] = []
        for k in keep:
            if not k:
                route.append(None)
                continue
            table = next(table_keys)
            cell = self._cells.get((table, row, col))
            if cell is None:
                cell = self._cells[(table, row, col)] = _CellData()
                rows, cols = self._tables.setdefault(table, ({}, {}))
                rows[row] = None
                cols[col] = None
            if residue is not None:
                if cell.residues is None:
                    cell.residues = set()
                cell.residues.add(residue)
            route.append(cell.values)
        return route

    # ---------------------------------------------------------------------------------- tables
    def tables(self) -> list[Table]:
        """Summarise everything added. The values move into the tables (memory is released as
        they are summarised), so a builder makes its tables once."""
        if self._done:
            raise RuntimeError("Builder.tables() was already called; its values moved into those tables")
        self._done = True
        self._routes.clear()
        alpha, confidence = self.options.alpha, self.options.confidence
        unit_field = self.table_by.unit_field
        layouts = []
        cells, self._cells = self._cells, {}
        for tkey in self.table_by.sort(list(self._tables)):
            row_keys, col_keys = self._tables[tkey]
            unit = self.table_by.value(tkey, unit_field)  # type: ignore[arg-type]
            exact = self._meta(unit, "assume") == "exact"
            rows = self.row_by.sort(list(row_keys))
            cols = self.col_by.sort(list(col_keys))
            grid = [[cells.pop((tkey, r, c), None) for c in cols] for r in rows]
            layouts.append((tkey, unit, exact, rows, cols, grid))
        self._summarize(layouts, confidence)
        self._compare(layouts, alpha)
        out = []
        flat = self.table_by.flattened()
        col_fields = self.col_by.flattened()
        for tkey, unit, exact, rows, cols, grid in layouts:
            better = self._meta(unit, "better")
            table = Table(
                header=[(f.name, self.table_by.value(tkey, f)) for f in flat if f is not unit_field],
                unit=unit,
                assumption="exact" if exact else "nothing",
                better=better_direction(unit, better),
                better_declared=better is not None,
                column_fields=[f.name for f in col_fields],
                columns=[tuple(self.col_by.value(c, f) for f in col_fields) for c in cols],
                rows=[Row(self.row_by.label(r), r, line) for r, line in zip(rows, grid)],
                summaries=[],
                alpha=alpha,
            )
            table.summaries = _column_summaries(table)
            out.append(table)
        return out

    def _summarize(self, layouts: list, confidence: float) -> None:
        """Replace every collected cell of the grids by its :class:`Cell`, batch by batch."""
        pending = [(line, i) for *_, exact, _, _, grid in layouts for line in grid for i in range(len(line))
                   if line[i] is not None and not exact]  # fmt: skip
        for start in range(0, len(pending), _BATCH):
            chunk = pending[start : start + _BATCH]
            summaries = batch.median_summaries([line[i].values for line, i in chunk], confidence)
            for (line, i), (values, center, lo, hi, coverage) in zip(chunk, summaries):
                data = line[i]
                cell = line[i] = Cell(values, center, lo, hi, coverage)
                if lo == -math.inf or hi == math.inf:
                    cell.warnings = (_too_few_for_interval(confidence),)
                self._vary(cell, data)
        for *_, exact, _, _, grid in layouts:
            if exact:
                for line in grid:
                    for i, data in enumerate(line):
                        if data is not None:
                            line[i] = _summary_exact(_go_sorted(data.values))
                            self._vary(line[i], data)

    def _vary(self, cell: Cell, data: _CellData) -> None:
        if data.residues is not None and len(data.residues) > 1:
            vary = non_singular_fields(self.residue, list(data.residues))
            if vary:
                cell.warnings = ("benchmarks vary in " + ", ".join(vary), *cell.warnings)

    def _compare(self, layouts: list, alpha: float) -> None:
        pairs, targets = [], []
        for *_, exact, _, _, grid in layouts:
            for line in grid:
                base = line[0]
                for cell in line[1:]:
                    if base is None or cell is None:
                        continue
                    if exact:
                        n1, n2 = len(base.values), len(cell.values)
                        cell.comparison = Comparison(0.0, n1, n2, 0.0, base.center, cell.center, "exact")
                    else:
                        targets.append((base, cell))
        need_op, need = stats.u_test_min_samples(alpha)
        too_few = f"need {need_op} {need} samples to detect a difference at alpha level {go_v(alpha)}"
        for start in range(0, len(targets), _BATCH):
            chunk = targets[start : start + _BATCH]
            pairs = [(base.values, cell.values) for base, cell in chunk]
            for (base, cell), test in zip(chunk, batch.u_tests(pairs, alpha)):
                n1, n2 = len(base.values), len(cell.values)
                comparison = cell.comparison = Comparison(test.p, n1, n2, alpha, base.center, cell.center, test.method)
                if test.method == "equal":
                    comparison.warnings = ("all samples are equal",)
                if test.p > alpha and n1 < need and n2 < need:
                    comparison.warnings += (too_few,)

    def _meta(self, unit: str, key: str) -> str | None:
        meta = self.units.get((tidy_unit(unit)[0], key))
        return meta.value if meta is not None else None


@lru_cache(maxsize=16)
def _too_few_for_interval(confidence: float) -> str:
    op, need = stats.median_min_samples(confidence)
    return f"need {op} {need} samples for confidence interval at level {go_v(confidence)}"


def _go_sorted(values: Sequence[float]) -> list[float]:
    """Ascending with NaNs first, as Go's sort.Float64s."""
    nans = [v for v in values if v != v]
    return nans + sorted(v for v in values if v == v)


def _and_fixed(fixed: list, user_filter):  # -> FilterFn
    def combined(r: Result):
        for f in fixed:
            if not f(r):
                return None, False
        return user_filter(r)

    return combined


class _Counted:
    """The builder as the Go text reader's sink: the reader counts the results it files."""

    def __init__(self, builder: Builder) -> None:
        self.route = builder.route
        self._add = builder.add
        self._builder = builder

    def add(self, record: Record) -> None:
        self._add(record)
        if type(record) is Result:
            self._builder.results -= 1  # counted by the reader


def _check_level(flag: str, value: float) -> None:
    if not 0 <= value <= 1 or math.isnan(value):
        raise PerfkitError(f"{flag} {value:g}: must be in range [0, 1] (defaults: --alpha 0.05, --confidence 0.95)")


def _summary_exact(values: list[float]) -> Cell:
    """assume=exact: the mode (the smallest on a tie), the range, a warning if values differ."""
    mode, mode_count, current, count = values[0], 1, values[0], 1
    for v in values[1:]:
        if v == current:
            count += 1
            if count > mode_count:
                mode, mode_count = current, count
        else:
            current, count = v, 1
    cell = Cell(values, mode, values[0], values[-1], 1.0)
    if mode_count != len(values):
        cell.warnings = (f"exact distribution expected, but values range from {go_v(values[0])} to {go_v(values[-1])}",)
    return cell


def _column_summaries(table: Table) -> list[ColumnSummary]:
    """Geomeans of centres and of ratios to the first column, as Go: the ratio of two equal
    centres is 1 (even 0/0); a zero baseline makes the ratio unknown."""
    n_base = sum(1 for row in table.rows if row.cells[0] is not None)
    out = []
    for i in range(len(table.columns)):
        centers, ratios, bad = [], [], False
        for row in table.rows:
            cell = row.cells[i]
            if cell is None:
                continue
            centers.append(cell.center)
            if cell.comparison is not None:
                a, b = cell.center, cell.comparison.old
                if a == b:
                    ratios.append(1.0)
                elif b == 0:
                    bad = True
                    ratios.append(0.0)
                else:
                    ratios.append(a / b)
        summary = ColumnSummary(None, None)
        if i > 0 and n_base != len(ratios):
            summary.warnings.append("benchmark set differs from baseline; geomeans may not be comparable")
        center = stats.geomean(centers)
        if math.isnan(center):
            summary.warnings.append("summaries must be >0 to compute geomean")
        else:
            summary.center = center
        if i > 0 and not bad:
            ratio = stats.geomean(ratios)
            if math.isnan(ratio):
                summary.warnings.append("ratios must be >0 to compute geomean")
            else:
                summary.ratio = ratio
        out.append(summary)
    return out


# ------------------------------------------------------------------------------------- the gate
_DEFAULT_BETTER = {"ns/op": -1, "sec/op": -1, "MB/s": 1, "B/s": 1, "B/op": -1, "allocs/op": -1}


def better_direction(unit: str, declared: str | None = None) -> int:
    """+1 if higher values are better, -1 if lower, 0 unknown (``Unit x better=higher`` first)."""
    if declared is not None:
        return {"higher": 1, "lower": -1}.get(declared, 0)
    if unit in _DEFAULT_BETTER:
        return _DEFAULT_BETTER[unit]
    return 1 if unit.endswith("/s") else (-1 if unit.endswith("sec/op") else 0)


@dataclass(frozen=True)
class Regression:
    """A significant change for the worse of at least the gate's threshold."""

    table: Table
    row: Row
    column: int
    comparison: Comparison

    def describe(self) -> str:
        c = self.comparison
        where = ", ".join(f"{k}: {v}" for k, v in self.table.header if v)
        against = f"{self.table.column_labels[self.column]} vs {self.table.column_labels[0]}"
        return f"{self.row.label} {self.table.unit} {c.delta_text()} ({c.text()}) {against}" + (
            f" [{where}]" if where else ""
        )


_GATED_UNITS = ("sec/op", "ns/op")


def regressions(tables: Iterable[Table], threshold: float) -> list[Regression]:
    """Statistically significant changes for the worse of at least ``threshold`` (0.05 = 5%):
    time per op up or throughput (``*/s``) down, and units declared ``better=higher|lower`` by
    ``Unit`` metadata. Other units (B/op, allocs/op ...) are reported but never gate."""
    found = []
    for table in tables:
        gated = table.unit in _GATED_UNITS or table.unit.endswith("/s") or table.better_declared
        if not gated or not table.better:
            continue
        for row in table.rows:
            for i, cell in enumerate(row.cells):
                c = cell.comparison if cell is not None else None
                if c is None or not c.significant or math.isnan(c.delta):
                    continue
                worse = c.delta * -table.better
                if worse >= threshold - 1e-12:
                    found.append(Regression(table, row, i, c))
    return found


# ------------------------------------------------------------------------------- convenience API
def build_tables(
    sets: Iterable[Iterable[Record]], alpha: float = 0.05, confidence: float = 0.95, **projections: str
) -> list[Table]:
    """Tables over already-read inputs (e.g. :func:`perfkit.bench.storage.load_results`);
    ``projections`` are Options fields: table, row, col, ignore, filter."""
    builder = Builder(Options(alpha=alpha, confidence=confidence, **projections))
    for records in sets:
        builder.add_all(records)
    return builder.tables()
