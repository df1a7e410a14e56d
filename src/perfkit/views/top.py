"""``perfkit top``: the heaviest functions (or lines, or files) in a profile, as pprof's -top.

flat is the value of samples whose leaf is the entry; cum is the value of samples where the entry
appears anywhere on the stack, counted once per sample even under recursion; sum% is the running
total of flat% down the table.  Percentages are of the whole profile (absolute values, so diff
profiles with negative samples still read sensibly).  Entries below ``node_fraction`` of the
total are dropped and counted in the header, as pprof's -nodefraction.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.table import Table

from perfkit.errors import PerfkitError
from perfkit.model import Frame, Profile, ValueType
from perfkit.views.units import format_percent, format_value, resolve_sample_type

__all__ = [
    "TopRow",
    "TopTable",
    "flat_cum",
    "format_top",
    "print_top",
    "resolve_sample_type",
    "top_rows",
    "top_table",
]

GRANULARITIES = ("function", "line", "file")
SORTS = ("flat", "cum")
#: pprof's default -nodefraction: entries under 0.5% of the total are dropped
NODE_FRACTION = 0.005
COLUMNS = ("flat", "flat%", "sum%", "cum", "cum%")


@dataclass(frozen=True, slots=True)
class TopRow:
    """One entry of the table; percentages are 0–100 of the profile total."""

    name: str
    file: str
    line: int
    flat: int
    flat_pct: float
    sum_pct: float
    cum: int
    cum_pct: float
    #: the text shown in the name column (function, ``function file:line``, or file)
    label: str = ""


@dataclass(slots=True)
class TopTable:
    """Rows plus what the header needs: totals, the unit and how much was left out."""

    rows: list[TopRow]
    sample_type: ValueType
    total: int
    by: str = "function"
    #: entries that passed the node fraction, before ``limit``
    kept: int = 0
    #: entries dropped because their cum was under ``cutoff``
    dropped: int = 0
    cutoff: int = 0
    limited: bool = False

    def format(self, value: int) -> str:
        """A value in this table's unit."""
        return format_value(value, self.sample_type.unit)

    def header_lines(self) -> list[str]:
        """pprof's legend: type, what the rows account for, what was dropped or cut."""
        if self.total == 0:
            return [f"Type: {self.sample_type.type}", "profile is empty"]
        shown = sum(r.flat for r in self.rows)
        lines = [
            f"Type: {self.sample_type.type}",
            f"Showing nodes accounting for {self.format(shown)}, "
            f"{format_percent(shown, self.total)} of {self.format(self.total)} total",
        ]
        if self.dropped:
            noun = "node" if self.dropped == 1 else "nodes"
            lines.append(f"Dropped {self.dropped} {noun} (cum < {self.format(self.cutoff)})")
        if self.limited:
            lines.append(f"Showing top {len(self.rows)} nodes out of {self.kept}")
        return lines

    def cells(self, row: TopRow) -> tuple[str, str, str, str, str, str]:
        """The row's six cells as text, numbers first, label last."""
        return (
            self.format(row.flat),
            format_percent(row.flat, self.total),
            f"{row.sum_pct:.2f}%" if abs(row.sum_pct - 100) >= 0.005 else "100%",
            self.format(row.cum),
            format_percent(row.cum, self.total),
            row.label,
        )


def flat_cum(
    profile: Profile, key: Callable[[Frame], Hashable | None], sample_type: str | int | None = None
) -> tuple[dict[Hashable, int], dict[Hashable, int]]:
    """Flat and cum value per ``key(frame)``: flat where the key is the leaf, cum once per sample
    wherever the key appears on the stack (so recursion is not double counted).  Frames whose key
    is None are skipped, so callers interested in a few frames pay little for the rest."""
    index = resolve_sample_type(profile, sample_type)
    keys = [key(f) for f in profile.frames]
    flat: dict[Hashable, int] = {}
    cum: dict[Hashable, int] = {}
    for stack, value in profile.stack_totals(index).items():
        if not stack:
            continue
        leaf = keys[stack[-1]]
        if leaf is not None:
            flat[leaf] = flat.get(leaf, 0) + value
        seen = {keys[f] for f in stack} if len(stack) > 1 else {leaf}
        seen.discard(None)
        for k in seen:
            cum[k] = cum.get(k, 0) + value
    return flat, cum


def _key_function(by: str) -> Callable[[Frame], tuple[str, str, int]]:
    if by == "function":
        return lambda f: (f.function, f.file, 0)
    if by == "line":
        return lambda f: (f.function, f.file, f.line)
    if by == "file":
        return lambda f: (f.file or f.function, f.file, 0)
    raise PerfkitError(f"--by {by}: unknown granularity; use one of: {', '.join(GRANULARITIES)}")


def _labels(keys: list[tuple[str, str, int]], by: str) -> dict[tuple[str, str, int], str]:
    """Name-column text; a function name shared by several files gets its file appended."""
    if by == "file":
        return {k: k[0] for k in keys}
    if by == "line":
        return {k: f"{k[0]} {k[1]}:{k[2]}" if k[1] else k[0] for k in keys}
    files_per_name: dict[str, set[str]] = {}
    for name, file, _ in keys:
        files_per_name.setdefault(name, set()).add(file)
    return {k: f"{k[0]} ({k[1]})" if len(files_per_name[k[0]]) > 1 and k[1] else k[0] for k in keys}


def top_table(
    profile: Profile,
    *,
    by: str = "function",
    sample_type: str | int | None = None,
    sort: str = "flat",
    limit: int | None = None,
    node_fraction: float = NODE_FRACTION,
) -> TopTable:
    """The full table with header facts; :func:`top_rows` is its row list."""
    if sort not in SORTS:
        raise PerfkitError(f"--sort {sort}: unknown order; use one of: {', '.join(SORTS)}")
    if limit is not None and limit < 0:
        raise PerfkitError(f"--limit {limit}: must be zero or more")
    keyfn = _key_function(by)
    index = resolve_sample_type(profile, sample_type)
    total = sum(abs(v) for v in profile.values[index])
    table = TopTable([], profile.sample_types[index], total, by)
    if total == 0:
        return table
    flat, cum = flat_cum(profile, keyfn, index)
    cutoff = int(total * node_fraction)
    entries = [k for k in cum if abs(cum[k]) >= cutoff]
    table.cutoff, table.dropped, table.kept = cutoff, len(cum) - len(entries), len(entries)

    def order(k: tuple[str, str, int]) -> tuple:
        f, c = abs(flat.get(k, 0)), abs(cum[k])
        first, second = (f, c) if sort == "flat" else (c, f)
        return (-first, -second, k)

    entries.sort(key=order)
    if limit is not None and limit < len(entries):
        entries, table.limited = entries[:limit], True
    labels = _labels(list(cum), by)
    running = 0.0
    for k in entries:
        f, c = flat.get(k, 0), cum[k]
        running += abs(f) / total * 100
        name = k[0]
        table.rows.append(
            TopRow(name, k[1], k[2], f, abs(f) / total * 100, running, c, abs(c) / total * 100, labels[k])
        )
    return table


def top_rows(
    profile: Profile,
    *,
    by: str = "function",
    sample_type: str | int | None = None,
    sort: str = "flat",
    limit: int | None = None,
    node_fraction: float = NODE_FRACTION,
) -> list[TopRow]:
    """The rows of ``perfkit top``, heaviest first (see the module doc for the semantics)."""
    return top_table(profile, by=by, sample_type=sample_type, sort=sort, limit=limit, node_fraction=node_fraction).rows


def format_top(profile: Profile, **options: object) -> str:
    """Plain aligned text, as pprof prints it: the header, then right-aligned value columns."""
    return _plain(top_table(profile, **options))  # type: ignore[arg-type]


def _plain(table: TopTable) -> str:
    lines = table.header_lines()
    if table.rows:
        cells = [table.cells(r) for r in table.rows]
        widths = [max(len(COLUMNS[i]), *(len(c[i]) for c in cells)) for i in range(len(COLUMNS))]
        head = "  ".join(h.rjust(w) for h, w in zip(COLUMNS, widths))
        lines.append(head.rstrip())
        for c in cells:
            lines.append("  ".join(v.rjust(w) for v, w in zip(c, widths)) + "  " + c[-1])
    return "\n".join(lines) + "\n"


def print_top(profile: Profile, console: Console, **options: object) -> None:
    """Print the table: a rich table on a colour terminal, plain pprof-like columns otherwise
    (piped output or NO_COLOR), so scripts and ``grep`` see no escape codes or box lines."""
    table = top_table(profile, **options)  # type: ignore[arg-type]
    if not console.is_terminal or console.no_color:
        console.out(_plain(table), end="", highlight=False)
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
