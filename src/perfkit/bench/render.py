"""benchstat tables as text (aligned, like Go's benchstat), CSV and Markdown.

Numbers are scaled per row with SI prefixes (``1.718µ``; bytes with binary prefixes ``10.76Ki``)
and shown with four significant figures, so a row reads at a glance and rows do not need to
share a scale.  Notes (too few samples, all samples equal) become numbered footnotes.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

from perfkit.bench.benchstat import Cell, Comparison, Row, Table

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "csv", "markdown")

_DECIMAL = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"))
_BINARY = ((1024.0**4, "Ti"), (1024.0**3, "Gi"), (1024.0**2, "Mi"), (1024.0, "Ki"), (1.0, ""))
_MARKS = "¹²³⁴⁵⁶⁷⁸⁹"


def _scaler(values: Sequence[float], unit: str) -> tuple[float, str]:
    """The largest prefix that keeps the smallest non-zero value of a row at or above 1."""
    steps = _BINARY if unit.startswith("B/") else _DECIMAL
    nonzero = [abs(v) for v in values if v and math.isfinite(v)]
    if not nonzero:
        return 1.0, ""
    smallest = min(nonzero)
    for factor, prefix in steps:
        if smallest >= factor:
            return factor, prefix
    return steps[-1]


def _num(x: float) -> str:
    """Four significant figures, never exponent notation."""
    if x == 0:
        return "0.000"
    digits = max(0, 3 - math.floor(math.log10(abs(x))))
    return f"{x:.{digits}f}"


def _range(cell: Cell) -> str:
    """``± N%``: the farther confidence bound from the median, relative to it."""
    if math.isinf(cell.lo) or math.isinf(cell.hi):
        return "∞"
    if cell.center == 0:
        return "0%" if cell.lo == cell.hi == 0 else "?"
    if (cell.lo < 0) != (cell.center < 0) or (cell.hi < 0) != (cell.center < 0):
        return "?"
    return f"{100 * max(cell.hi / cell.center - 1, 1 - cell.lo / cell.center):.0f}%"


def _n(comp: Comparison) -> str:
    return str(comp.n) if comp.n == comp.n_base else f"{comp.n_base}+{comp.n}"


def _delta(comp: Comparison) -> str:
    if not comp.significant:
        return "~"
    if math.isinf(comp.delta) or math.isnan(comp.delta):
        return "?"
    return f"{comp.delta * 100:+.2f}%"


def _comparison(comp: Comparison) -> str:
    return f"{_delta(comp)} (p={comp.p:.3f} n={_n(comp)})"


def _marks(table: Table) -> tuple[dict[str, str], list[str]]:
    notes: dict[str, str] = {}
    for text in [n for row in table.rows for n in row.notes] + table.notes:
        if text not in notes:
            notes[text] = _MARKS[len(notes)] if len(notes) < len(_MARKS) else "*"
    return notes, [f"{mark} {text}" for text, mark in notes.items()]


class _Grid:
    """Strings of one table, before alignment."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.marks, self.footnotes = _marks(table)
        self.rows: list[tuple[str, list[str], list[str]]] = []
        for row in table.rows:
            self.rows.append(self._row(row))
        if table.geomeans:
            factor, prefix = _scaler([g for g in table.geomeans if g is not None], table.unit)
            values = ["?" if g is None else f"{_num(g / factor)}{prefix}" for g in table.geomeans]
            deltas = ["" if d is None else f"{d * 100:+.2f}%" for d in table.geomean_deltas]
            if any(g is None for g in table.geomeans):
                values[-1] += " " + self.marks["summaries must be > 0 to compute geomean"]
            self.rows.append(("geomean", values, deltas))

    def _row(self, row: Row) -> tuple[str, list[str], list[str]]:
        factor, prefix = _scaler([c.center for c in row.cells if c is not None], self.table.unit)
        values = ["" if c is None else f"{_num(c.center / factor)}{prefix} ± {_range(c)}" for c in row.cells]
        comps = ["" if c is None else _comparison(c) for c in row.comparisons]
        marks = "".join(dict.fromkeys(self.marks[n] for n in row.notes))
        if marks:  # on the last cell that has anything in it
            for i in range(len(values) - 1, -1, -1):
                if comps[i] or values[i]:
                    if comps[i]:
                        comps[i] += " " + marks
                    else:
                        values[i] += " " + marks
                    break
        return row.name, values, comps


def _header(config: dict[str, str]) -> list[str]:
    """Go's order first (goos, goarch, pkg, cpu), then any other keys."""
    order = ("goos", "goarch", "pkg", "cpu")
    keys = [k for k in order if k in config] + [k for k in config if k not in order]
    return [f"{k}: {config[k]}" for k in keys]


def _split(comp: str) -> tuple[str, str]:
    """``+10.31% (p=0.000 n=10)`` -> (``+10.31%``, `` (p=0.000 n=10)``) so deltas align on the right."""
    head, sep, tail = comp.partition(" (")
    return head, sep + tail


def _text_table(table: Table) -> list[str]:
    grid = _Grid(table)
    ncols = len(table.columns)
    w_name = max([len(name) for name, _, _ in grid.rows] + [0])
    w_val = [max([len(v[i]) for _, v, _ in grid.rows] + [len(table.unit)]) for i in range(ncols)]
    w_delta = [max([len(_split(c[i])[0]) for _, _, c in grid.rows] + [0]) for i in range(ncols)]
    w_cmp = [0] + [
        max([w_delta[i] + len(_split(c[i])[1]) for _, _, c in grid.rows] + [len("vs base")]) for i in range(1, ncols)
    ]
    widths = [max(w_val[i] + (2 + w_cmp[i] if i else 0), len(label)) for i, label in enumerate(table.columns)]
    line1 = " " * w_name + "".join(f"│{label:^{widths[i] + 2}}" for i, label in enumerate(table.columns)) + "│"
    line2 = " " * w_name
    for i in range(ncols):
        cell = f"{table.unit:^{w_val[i]}}" + (f"  {'vs base':<{w_cmp[i]}}" if i else "")
        line2 += f"│ {cell:<{widths[i]}} "
    line2 += "│"
    out = [line1, line2]
    for name, values, comps in grid.rows:
        text = f"{name:<{w_name}}"
        for i in range(ncols):
            cell = f"{values[i]:>{w_val[i]}}"
            if i:
                delta, rest = _split(comps[i])
                cell += f"  {delta:>{w_delta[i]}}{rest}"
            text += f"  {cell:<{widths[i]}} "
        out.append(text.rstrip())
    return out + grid.footnotes


def _text(tables: Sequence[Table]) -> str:
    out: list[str] = []
    shown: dict[str, str] = {}
    for table in tables:
        if out:
            out.append("")
        if table.config != shown:
            out += _header(table.config)
            shown = table.config
        out += _text_table(table)
    return "\n".join(out) + "\n"


def _csv(tables: Sequence[Table]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for t, table in enumerate(tables):
        if t:
            writer.writerow([])
        header = ["pkg", "unit", "name"]
        for i, label in enumerate(table.columns):
            header += [label, f"{label} lo", f"{label} hi"]
            if i:
                header += [f"{label} vs base %", f"{label} p", f"{label} n"]
        writer.writerow(header)
        pkg = table.config.get("pkg", "")
        for row in table.rows:
            line = [pkg, table.unit, row.name]
            for i, cell in enumerate(row.cells):
                line += ["", "", ""] if cell is None else [f"{cell.center:.6g}", f"{cell.lo:.6g}", f"{cell.hi:.6g}"]
                if i:
                    comp = row.comparisons[i]
                    line += ["", "", ""] if comp is None else [f"{comp.delta * 100:.2f}", f"{comp.p:.4g}", _n(comp)]
            writer.writerow(line)
        if table.geomeans:
            line = [pkg, table.unit, "geomean"]
            for i, (g, d) in enumerate(zip(table.geomeans, table.geomean_deltas)):
                line += ["" if g is None else f"{g:.6g}", "", ""]
                if i:
                    line += ["" if d is None else f"{d * 100:.2f}", "", ""]
            writer.writerow(line)
    return buf.getvalue()


def _markdown(tables: Sequence[Table]) -> str:
    out: list[str] = []
    for table in tables:
        grid = _Grid(table)
        pkg = table.config.get("pkg", "")
        out.append(f"### {pkg + ' — ' if pkg else ''}{table.unit}")
        out.append("")
        head = ["name"]
        for i, label in enumerate(table.columns):
            head += [label] + (["vs base"] if i else [])
        out.append("| " + " | ".join(_md(h) for h in head) + " |")
        out.append("|:--" + "|--:" * (len(head) - 1) + "|")
        for name, values, comps in grid.rows:
            cells = [name]
            for i in range(len(table.columns)):
                cells += [values[i]] + ([comps[i]] if i else [])
            out.append("| " + " | ".join(_md(c) for c in cells) + " |")
        if grid.footnotes:
            out.append("")
            out += grid.footnotes
        out.append("")
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render(tables: Sequence[Table], fmt: str = "text") -> str:
    """The tables in one of :data:`FORMATS`."""
    if fmt == "csv":
        return _csv(tables)
    if fmt == "markdown":
        return _markdown(tables)
    return _text(tables)
