"""``perfkit top``: the heaviest functions (or lines, or files) in a profile, as pprof's -top.

A view on the graph layer (:mod:`perfkit.graph`): flat is the value of samples whose leaf is the
entry, cum of samples where it appears anywhere on the stack (once per sample, so recursion is
not double counted).  What is shown and how follows ``go tool pprof -top`` line for line: its
header, entries under ``nodefraction`` of the total dropped and counted, ties ordered by name,
every value in one unit, and ``sum%`` the running total of the (signed) flat column, so diff
profiles with negative values read as pprof reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict, Unpack

from rich import box
from rich.console import Console
from rich.table import Table

from perfkit.errors import PerfkitError
from perfkit.graph import Graph, GraphCache, GraphOptions, Node, ReportKind, build_graph
from perfkit.model import Profile, ValueType
from perfkit.tags import percentage as pprof_percentage
from perfkit.views.legend import ReportFormat, profile_labels, report_labels
from perfkit.views.units import resolve_sample_type

__all__ = [
    "TopRow",
    "TopTable",
    "format_top",
    "graph_options",
    "print_top",
    "resolve_sample_type",
    "top_rows",
    "top_table",
]

SORTS = ("flat", "cum")
#: pprof's default -nodefraction: entries under 0.5% of the total are dropped
NODE_FRACTION = 0.005
COLUMNS = ("flat", "flat%", "sum%", "cum", "cum%")


@dataclass(frozen=True, slots=True)
class TopRow:
    """One entry of the table; percentages are 0–100 of the report total (absolute values)."""

    name: str
    #: the entry's source file when its frames agree on one ("" when same-named functions merged)
    file: str
    line: int
    flat: int
    flat_pct: float
    sum_pct: float
    cum: int
    cum_pct: float
    #: the text of the name column: pprof's printable name, and "(inline)" when it was inlined
    label: str = ""


@dataclass(slots=True)
class TopTable:
    """Rows plus what the header needs: the legend lines, the unit and the total."""

    rows: list[TopRow]
    sample_type: ValueType
    total: int
    fmt: ReportFormat
    header: list[str] = field(default_factory=list)
    graph: Graph | None = None
    #: the lines of the header about this table (what it accounts for, what was cut)
    summary: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        """Entries left out for being under the node fraction."""
        return self.graph.dropped_nodes if self.graph else 0

    @property
    def kept(self) -> int:
        """Entries over the node fraction, before the row limit."""
        return self.graph.orig_count if self.graph else 0

    @property
    def limited(self) -> bool:
        """Whether the row limit cut entries."""
        return len(self.rows) < self.kept

    def format(self, value: int) -> str:
        """A value in this table's unit (one unit for the whole table, as pprof)."""
        return self.fmt.value(value)

    def header_lines(self) -> list[str]:
        """pprof's legend: file, type, time, duration, what the rows account for, what was cut."""
        return list(self.header)

    def cells(self, row: TopRow) -> tuple[str, str, str, str, str, str]:
        """The row's six cells as text, numbers first, label last."""
        return (
            self.format(row.flat),
            self.fmt.percent(row.flat).strip(),
            _pct(row.sum_pct),
            self.format(row.cum),
            self.fmt.percent(row.cum).strip(),
            row.label,
        )


def _pct(share: float) -> str:
    """A share already in percent, as pprof prints percentages."""
    return pprof_percentage(share, 100).strip()


class TopKeywords(TypedDict, total=False):
    """The keyword arguments of :func:`graph_options`, passed on by the functions below."""

    granularity: str | None
    by: str | None
    sample_type: str | int | None
    sort: str | None
    limit: int | None
    node_fraction: float | None


class TableKeywords(TopKeywords, total=False):
    """The keyword arguments of :func:`top_table`, passed on by ``top_rows``/``format_top``/``print_top``."""

    options: GraphOptions | None
    base: Profile | None
    cache: GraphCache | None


def graph_options(
    options: GraphOptions | None = None,
    *,
    granularity: str | None = None,
    by: str | None = None,
    sample_type: str | int | None = None,
    sort: str | None = None,
    limit: int | None = None,
    node_fraction: float | None = None,
) -> GraphOptions:
    """``top``'s keyword arguments on top of ``options`` (``by`` is the old name of granularity);
    those left out keep the value ``options`` has."""
    if sort is not None and sort not in SORTS:
        raise PerfkitError(f"--sort {sort}: unknown order; use one of: {', '.join(SORTS)}")
    if limit is not None and limit < 0:
        raise PerfkitError(f"--limit {limit}: must be zero or more")
    changes: dict = {}
    if sort is not None:
        changes["sort"] = sort
    if granularity is not None or by is not None:
        changes["granularity"] = granularity if granularity is not None else by
    if sample_type is not None:
        changes["sample_index"] = sample_type
    if limit is not None:
        changes["nodecount"] = limit
    if node_fraction is not None:
        changes["nodefraction"] = node_fraction
    return (options or GraphOptions()).replace(**changes)


def top_table(
    profile: Profile,
    *,
    options: GraphOptions | None = None,
    base: Profile | None = None,
    cache: GraphCache | None = None,
    **keywords: Unpack[TopKeywords],
) -> TopTable:
    """The full table with its header; keywords as :func:`graph_options` (``granularity``, ``by``,
    ``sample_type``, ``sort``, ``limit``, ``node_fraction``)."""
    opts = graph_options(options, **keywords)
    if opts.sample_index is not None:
        resolve_sample_type(profile, opts.sample_index)
    if cache is not None:
        graph = cache.graph(opts, ReportKind.TEXT)
    else:
        graph = build_graph(profile, opts, ReportKind.TEXT, base=base, edges=False)
    return table_from_graph(profile, graph)


def table_from_graph(profile: Profile, graph: Graph) -> TopTable:
    """The table of an already built text graph."""
    fmt = ReportFormat.for_graph(graph)
    total = graph.total
    header = report_labels(profile, graph, fmt)
    summary = header[len(profile_labels(profile, graph, fmt)) :]
    table = TopTable([], graph.prepared.sample_type, total, fmt, header, graph, summary)
    running = 0
    for node in graph.nodes:
        running += node.flat
        info = node.info
        table.rows.append(
            TopRow(
                info.name or info.file,
                node.file,
                info.line,
                node.flat,
                _share(node.flat, total),
                _share(running, total),
                node.cum,
                _share(node.cum, total),
                node.name + _inline_label(node),
            )
        )
    return table


def _share(value: int, total: int) -> float:
    return abs(value / total) * 100 if total else 0.0


def _inline_label(node: Node) -> str:
    """pprof's " (inline)" / " (partial-inline)" after a name whose calls were inlined."""
    inline = [e.inline for e in node.in_edges.values()]
    if not any(inline):
        return ""
    return " (inline)" if all(inline) else " (partial-inline)"


def top_rows(profile: Profile, **keywords: Unpack[TableKeywords]) -> list[TopRow]:
    """The rows of ``perfkit top``, heaviest first (see the module doc for the semantics)."""
    return top_table(profile, **keywords).rows


def format_top(profile: Profile, **keywords: Unpack[TableKeywords]) -> str:
    """Plain text exactly as ``go tool pprof -top`` lays it out."""
    return plain(top_table(profile, **keywords))


def plain(table: TopTable) -> str:
    """pprof's text report: the header, a column line, then one fixed-width line per row."""
    lines = table.header_lines()
    lines.append(f"{'flat':>10} {'flat':>5}% {'sum':>5}% {'cum':>10} {'cum':>5}%")
    fmt = table.fmt
    running = 0
    for row in table.rows:
        running += row.flat
        lines.append(
            f"{fmt.value(row.flat):>10} {fmt.percent(row.flat)} {fmt.percent(running)} "
            f"{fmt.value(row.cum):>10} {fmt.percent(row.cum)}  {row.label}"
        )
    return "\n".join(lines) + "\n"


def print_top(profile: Profile, console: Console, **keywords: Unpack[TableKeywords]) -> None:
    """Print the table: a rich table on a colour terminal, pprof's plain columns otherwise
    (piped output or NO_COLOR), so scripts and ``grep`` see no escape codes or box lines."""
    print_table(top_table(profile, **keywords), console)


def print_table(table: TopTable, console: Console) -> None:
    """Print an already computed table (see :func:`print_top`)."""
    if not console.is_terminal or console.no_color:
        console.out(plain(table), end="", highlight=False)
        return
    for line in table.header_lines():
        console.print(line, style="dim", markup=False, highlight=False)
    if not table.rows:
        return
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for name in COLUMNS:
        grid.add_column(name, justify="right", no_wrap=True)
    grid.add_column("name", justify="left", overflow="fold", style="cyan")
    for row in table.rows:
        grid.add_row(*table.cells(row))
    console.print(grid)
