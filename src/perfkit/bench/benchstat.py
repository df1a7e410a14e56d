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
import operator
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, pairwise, repeat
from typing import Any

from perfkit.bench import tablecells
from perfkit.bench.cellstore import CellStore, Segments
from perfkit.bench.projection import (
    FilterFn,
    Key,
    Mask,
    ProjectionParser,
    apply_filter,
    compile_filter,
    non_singular_fields,
)
from perfkit.bench.query import QuerySyntaxError
from perfkit.bench.results import Record, Result, SyntaxIssue, UnitMeta, Value
from perfkit.bench.tables import Cell, ColumnSummary, Comparison, Row, Table, better_direction, column_summaries
from perfkit.bench.units import tidy_unit
from perfkit.errors import PerfkitError
from perfkit.gcpause import gc_paused

__all__ = [
    "Builder",
    "Cell",
    "ColumnSummary",
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


_BATCH = 8192  #: cells summarised (and U tests run) per numpy batch: bounds the temporary matrices


class Builder:
    """Collects records from any number of inputs, then :meth:`tables` summarises them.

    It is also the Go text reader's sink (:meth:`add`, :meth:`route`, :meth:`route_shapes`,
    :meth:`new_slots` and the value arrays ``values``/``slots``), so large files are read and
    filed in one pass; see :mod:`perfkit.bench.cellstore` for how values are kept."""

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
        self._filter: FilterFn | None
        if fixed:
            self._filter = _and_fixed(fixed, user_filter)
        else:
            self._filter = None if options.filter.strip() == "*" else user_filter
        self._shape_routing = (
            self._filter is None
            and self.residue.empty
            and self.row_by.name_only
            and self.col_by.config_only
            and self.table_by.config_only
        )
        self.units: dict[tuple[str, str], UnitMeta] = {}
        self.issues: list[SyntaxIssue] = []
        self.results = 0
        self.store = CellStore()
        self.new_slots = self.store.new_slots
        self._tables: dict[Key, tuple[dict[Key, None], dict[Key, None]]] = {}
        self._residues: dict[int, set[Key]] = {}
        self._routes: dict[tuple, list[int]] = {}
        self._table_keys: dict[tuple, list[Key]] = {}
        self._col_keys: dict[int, Key] = {}
        self._shape_groups: dict[tuple, list[tuple[dict[Key, int], dict[Key, None]]]] = {}
        self._vary: dict[int, str] | None = None
        self._labels: tuple[list[Key] | None, list[str]] = (None, [])  #: the last rows and their labels
        self._done = False

    # --------------------------------------------------------------------------------- filing
    @property
    def values(self) -> array:
        """Every value filed so far (for the reader's fast path; see cellstore)."""
        return self.store.values

    @property
    def slots(self) -> array:
        return self.store.slots

    def add_all(self, records: Iterable[Record]) -> None:
        for record in records:
            self.add(record)

    def add_go_text(self, lines: Iterable[bytes], path: str, label: str) -> None:
        """Go benchmark text, parsed and filed in one pass (the fast path for large files)."""
        from perfkit.bench.goreader import GoTextReader

        with gc_paused():
            fast = GoTextReader(path, label, self.units).feed(lines, self)  # add() counts the others
        self.results += fast

    def add(self, record: Record) -> None:
        """File one record."""
        if type(record) is not Result:
            if isinstance(record, SyntaxIssue):
                self.issues.append(record)
            elif isinstance(record, UnitMeta):
                self.units.setdefault((record.unit, record.key), record)
            return
        self.results += 1
        add = self.store.add
        for cell, v in zip(self.route(record), record.values):
            if cell >= 0:
                add(cell, v.value)

    def route(self, record: Result) -> list[int]:
        """The cells the values of a result like this one go to (-1: dropped by the filter)."""
        signature = (record.config.id, record.name, *[(v.unit, v.orig_unit) for v in record.values])
        route = self._routes.get(signature)
        if route is None:
            route = self._routes[signature] = self._route(record)
        return route

    def route_shapes(self, shapes: list) -> None:
        """Bind the slots of result shapes (name, configuration, units), in order. With no filter
        and no residue, a row depends on the name alone and a column and a table on the
        configuration (and unit) alone, so each is looked up once per configuration; otherwise
        every shape is routed as a result."""
        if not self._shape_routing:
            for shape in shapes:
                values = [Value(0.0, unit, orig) for unit, orig in shape.signature]
                self.store.bind(shape.slots, self._route(Result(shape.name, shape.iters, values, shape.config)))
            return
        configs, signatures = [s.config.id for s in shapes], [s.signature for s in shapes]
        changed = map(
            operator.or_, map(operator.ne, configs[1:], configs), map(operator.ne, signatures[1:], signatures)
        )
        bounds = [0, *compress(range(1, len(shapes)), changed), len(shapes)]
        names, slots = [s.name for s in shapes], [s.slots for s in shapes]
        for start, end in pairwise(bounds):  # runs of one configuration and units, bound at once
            first = shapes[start]
            key = (first.config.id, first.signature)
            groups = self._shape_groups.get(key)
            if groups is None:
                groups = self._shape_groups[key] = self._groups(first)
            self.store.bind_members(slots[start:end], groups, self.row_by.project_names(names[start:end]))

    def _groups(self, shape: Any) -> list[tuple[dict[Key, int], dict[Key, None]]]:
        """Per value of a shape's lines, its (table, column) cells by row and its table's rows."""
        config = shape.config
        values = [Value(0.0, unit, orig) for unit, orig in shape.signature]
        probe = Result(shape.name, shape.iters, values, config)
        tkeys = self._table_keys.get((config.id, shape.signature))
        if tkeys is None:
            tkeys = self._table_keys[(config.id, shape.signature)] = self.table_by.project_values(probe)
        col = self._col_keys.get(config.id)
        if col is None:
            col = self._col_keys[config.id] = self.col_by.project(probe)
        groups = []
        for table in tkeys:
            entry = self._tables.get(table)
            if entry is None:
                entry = self._tables[table] = ({}, {})
            entry[1][col] = None  # the column is listed once its first cell is made: now
            groups.append((self.store.group((table, col)), entry[0]))
        return groups

    def _cell(self, table: Key, row: Key, col: Key) -> int:
        cell, made = self.store.cell((table, col), row)
        if made:
            entry = self._tables.get(table)
            if entry is None:
                entry = self._tables[table] = ({}, {})
            entry[0][row] = None
            entry[1][col] = None
        return cell

    def _route(self, record: Result) -> list[int]:
        values = record.values
        keep = None if self._filter is None else apply_filter(self._filter, record)
        if keep is None and self._filter is not None:
            return [-1] * len(values)
        kept = record
        if keep is not None and not all(keep):
            kept = Result(record.name, record.iters, [v for v, k in zip(values, keep) if k], record.config)
        row, col = self.row_by.project(kept), self.col_by.project(kept)
        residue = None if self.residue.empty else self.residue.project(kept)
        route = []
        for table in self.table_by.project_values(kept):
            cell = self._cell(table, row, col)
            if residue is not None:
                self._residues.setdefault(cell, set()).add(residue)
            route.append(cell)
        if keep is not None and len(route) < len(values):
            slots = iter(route)
            route = [next(slots) if k else -1 for k in keep]
        return route

    # --------------------------------------------------------------------------------- tables
    def tables(self, keep_samples: bool = True) -> list[Table]:
        """Summarise everything added. The values move into the tables, so a builder makes its
        tables once. ``keep_samples=False`` leaves the cells without their sorted samples
        (only plots need them; the statistics are computed either way)."""
        return list(self.iter_tables(keep_samples))

    def iter_tables(self, keep_samples: bool = True) -> Iterator[Table]:
        """The tables one at a time, in order, each summarised when asked for: a caller that
        prints a table and lets it go holds one table's cells at a time, not all of them."""
        if self._done:
            raise RuntimeError("Builder.tables() was already called; its values moved into those tables")
        self._done = True
        self._routes.clear()
        with gc_paused():
            layouts = self._layouts()
            seg = self.store.segments()
        self.store = CellStore()  # only the sorted segments are needed from here on
        layouts.reverse()
        while layouts:  # each table's layout and the table itself go once it is printed
            with gc_paused():
                table = self._table(seg, layouts.pop(), keep_samples)
            yield table
            del table

    def _layouts(self) -> list[tuple]:
        """Per table (in order): its key, unit, whether exact, rows, columns and the cell ids."""
        index = self.store.index
        unit_field = self.table_by.unit_field
        if unit_field is None:  # not reached: the table projection is parsed with parse_with_unit
            raise RuntimeError("benchstat: the table projection has no .unit field")
        layouts = []
        unsorted: list[Key] | None = None
        for tkey in self.table_by.sort(list(self._tables)):
            row_keys, col_keys = self._tables[tkey]
            unit = self.table_by.value(tkey, unit_field)
            exact = self._meta(unit, "assume") == "exact"
            if list(row_keys) != unsorted:  # the tables of one benchmark run's units share their rows
                unsorted = list(row_keys)
                rows = self.row_by.sort(unsorted)
            cols = self.col_by.sort(list(col_keys))
            by_col = [index.get((tkey, c), {}) for c in cols]
            ids = list(zip(*[list(map(cells.get, rows, repeat(-1))) for cells in by_col]))
            layouts.append((tkey, unit, exact, rows, cols, ids))
        index.clear()
        self._tables.clear()
        return layouts

    def _table(self, seg: Segments, layout: tuple, keep_samples: bool) -> Table:
        tkey, unit, exact, rows, cols, ids = layout
        alpha, confidence = self.options.alpha, self.options.confidence
        leading = self._vary_notes()
        summaries = None
        if exact:
            lines = tablecells.exact_cells(seg, ids, keep_samples, leading)
        else:
            lines, summaries = tablecells.median_cells(seg, ids, len(cols), confidence, alpha, keep_samples, leading)
        unit_field = self.table_by.unit_field
        col_fields = self.col_by.flattened()
        better = self._meta(unit, "better")
        if self._labels[0] is not rows:  # the unit tables of one run share their rows
            self._labels = (rows, self.row_by.labels(rows))
        table = Table(
            header=[(f.name, self.table_by.value(tkey, f)) for f in self.table_by.flattened() if f is not unit_field],
            unit=unit,
            assumption="exact" if exact else "nothing",
            better=better_direction(unit, better),
            better_declared=better is not None,
            column_fields=[f.name for f in col_fields],
            columns=[tuple(self.col_by.value(c, f) for f in col_fields) for c in cols],
            rows=list(map(Row, self._labels[1], rows, lines)),
            summaries=[],
            alpha=alpha,
        )
        table.summaries = summaries if summaries is not None else column_summaries(table)
        return table

    def _vary_notes(self) -> dict[int, str]:
        """``benchmarks vary in …`` by cell id, for cells whose results differ in keys no
        projection covers (worked out once, on the first table)."""
        if self._vary is None:
            self._vary = {}
            for i, residues in self._residues.items():
                if len(residues) > 1:
                    vary = non_singular_fields(self.residue, list(residues))
                    if vary:
                        self._vary[i] = "benchmarks vary in " + ", ".join(vary)
        return self._vary

    def _meta(self, unit: str, key: str) -> str | None:
        meta = self.units.get((tidy_unit(unit)[0], key))
        return meta.value if meta is not None else None


def _and_fixed(fixed: list[Callable[[Result], bool]], user_filter: FilterFn) -> FilterFn:
    def combined(r: Result) -> tuple[Mask | None, bool]:
        for f in fixed:
            if not f(r):
                return None, False
        return user_filter(r)

    return combined


def _check_level(flag: str, value: float) -> None:
    if not 0 <= value <= 1 or math.isnan(value):
        raise PerfkitError(f"{flag} {value:g}: must be in range [0, 1] (defaults: --alpha 0.05, --confidence 0.95)")


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
