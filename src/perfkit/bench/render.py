"""benchstat tables as text (character for character Go's layout), CSV (Go's columns, full
precision) and Markdown; HTML lives in :mod:`perfkit.bench.render_html`.

Every row shares one SI or binary prefix chosen from its smallest centre (``1.718µ``,
``10.76Ki``); the geomean scales on its own. Warnings become numbered footnotes (``¹``) in text
and Markdown, and ``B3: message`` lines (spreadsheet cell references) beside CSV, as in Go.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from perfkit.bench.benchstat import Cell, ColumnSummary, Table
from perfkit.bench.tables import P_TEXTS
from perfkit.bench.texttab import TextTable
from perfkit.bench.units import Scaler, common_scale, go_signed, go_v, go_v_many, is_binary, scale

__all__ = ["FORMATS", "iter_csv", "iter_text", "render", "render_csv", "superscript"]

FORMATS = ("text", "csv", "markdown", "html")

_SUPER = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def superscript(n: int) -> str:
    return "".join(_SUPER[int(d)] for d in str(n))


def _ratio_text(summary: ColumnSummary) -> str:
    return "?" if summary.ratio is None else go_signed((summary.ratio - 1) * 100, 2) + "%"


def _row_scaler(cells: Sequence[Cell | None], binary: bool) -> Scaler:
    return common_scale([c.center for c in cells if c is not None], binary)


def _headers(tables: Sequence[Table], emit: Callable[[str], None], body: Callable[[Table], None]) -> None:
    """Go's printTables: a blank line between tables, and the table keys that changed."""
    previous: list[tuple[str, str]] | None = None
    for i, table in enumerate(tables):
        if i:
            emit("")
        for j, (name, value) in enumerate(table.header):
            if previous is None or j >= len(previous) or previous[j][1] != value:
                emit(f"{name}: {value}")
        previous = table.header
        body(table)


# ------------------------------------------------------------------------------------------ text
def _key_header(columns: list[tuple[str, ...]], levels: int) -> list[list[tuple[str, int, int]]]:
    """Go's KeyHeader: per level, the (value, first column, column count) of runs of columns
    sharing every value down to that level."""
    out: list[list[tuple[str, int, int]]] = []
    groups = [(0, len(columns))] if columns else []
    for level in range(levels):
        nodes, children = [], []
        for start, length in groups:
            i = start
            while i < start + length:
                j = i
                while j < start + length and columns[j][level] == columns[i][level]:
                    j += 1
                nodes.append((columns[i][level], i, j - i))
                children.append((i, j - i))
                i = j
        out.append(nodes)
        groups = children
    return out


def _text_table(table: Table) -> str:
    o = TextTable()
    center_cols, delta_cols = 3, 3

    def start(exp: int) -> int:
        return 1 if exp == 0 else 1 + center_cols + (exp - 1) * (center_cols + delta_cols)

    notes: list[str] = []
    index: dict[str, int] = {}

    def warn(messages: Sequence[str]) -> None:
        marks = []
        for message in messages:
            if message not in index:
                index[message] = len(notes)
                notes.append(message)
            marks.append(superscript(index[message] + 1))
        o.cell(" ".join(marks))

    ncols = len(table.columns)
    edge = start(ncols + 1)
    for level in _key_header(table.columns, len(table.column_fields)):
        o.row()
        for value, first, count in level:
            left, right = start(first), start(first + count)
            o.col(left).span(right - left, value, "center", " │ ")
        o.col(edge).cell("", margin=" │")
    o.row()
    for i in range(ncols):
        left = start(i)
        o.col(left)
        o.span(center_cols, table.unit, "center", " │ ")
        if i:
            o.span(delta_cols, "vs base", "left", "  ")
        o.shrink.update(range(left + 1, o.cur_col))
    o.col(edge).cell("", margin=" │")

    binary = is_binary(table.unit)
    for row in table.rows:
        o.row()
        o.cell(row.label)
        scaler = _row_scaler(row.cells, binary)
        for exp, cell in enumerate(row.cells):
            if cell is None:
                continue
            o.col(start(exp))
            o.cell(scaler.format(cell.center), "right")
            o.cell(cell.range_text(), "right", " ± ")
            warn(cell.warnings)
            if exp and cell.comparison is not None:
                o.cell(cell.comparison.delta_text(), "right")
                o.cell("(" + cell.comparison.text() + ")")
                warn(cell.comparison.warnings)
    if len(table.rows) > 1:
        o.row()
        o.cell(table.summary_label)
        for exp, summary in enumerate(table.summaries):
            if summary.center is not None:
                o.col(start(exp))
                o.cell(scale(summary.center, binary), "right")
            if exp:
                o.col(start(exp) + center_cols)
                o.cell(_ratio_text(summary), "right" if summary.ratio is not None else "left")
            o.col(start(exp + 1) - 1)
            warn(summary.warnings)
    return o.format() + "".join(f"{superscript(i + 1)} {note}\n" for i, note in enumerate(notes))


def iter_text(tables: Iterable[Table]) -> Iterator[str]:
    """The text tables, a table (with its header lines) at a time."""
    previous: list[tuple[str, str]] | None = None
    for i, table in enumerate(tables):
        heads = [""] if i else []
        for j, (name, value) in enumerate(table.header):
            if previous is None or j >= len(previous) or previous[j][1] != value:
                heads.append(f"{name}: {value}")
        previous = table.header
        text = "".join(h + "\n" for h in heads) + _text_table(table)
        del table  # not held while the next table is made
        yield text


def _text(tables: Sequence[Table]) -> str:
    return "".join(iter_text(tables))


# ------------------------------------------------------------------------------------------- CSV
_NEEDS_QUOTES = re.compile(r'[,"\r\n]|^[^\S\x1c-\x1f]|^\\\.$')


#: a joined row that might hold a field needing quotes (checked field by field then)
_ROW_NEEDS_CARE = re.compile(r'["\r\n]|(?:^|,)\s|(?:^|,)\\\.(?:,|$)')


def _csv_field(text: str) -> str:
    """Go's encoding/csv: quote a field holding a comma, quote or line break, or starting with
    a space."""
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _column_name(index: int) -> str:
    """Go benchstat's spreadsheet-style column reference (``B`` for the second column)."""
    letters = ""
    while index > 0:
        letters = chr(ord("A") + index % 26) + letters
        index //= 26
    return letters or "A"


_SPACE = re.compile(r"[^\S\x1c-\x1f]")  #: Go's unicode.IsSpace


def _csv_labels(labels: list[str]) -> list[str]:
    """The row labels as CSV fields: a few scans over them all (a quote, comma or line break
    anywhere, a space first, the label ``\\.``), field by field only if one hits."""
    joined = "".join(labels)
    firsts = "".join([label[:1] for label in labels])
    if any(c in joined for c in ',"\r\n') or _SPACE.search(firsts) or "\\." in labels:
        return [_csv_field(label) for label in labels]
    return labels


def _csv_table(table: Table, first_line: int, warnings: Callable[[str], None]) -> Iterator[str]:
    """The lines of one table (Go's layout) as CSV text."""
    center_cols, delta_cols = 2, 2

    def start(exp: int) -> int:
        return 1 if exp == 0 else 1 + center_cols + (exp - 1) * (center_cols + delta_cols)

    emitted = 0
    row: list[str] = []

    def clear_to(col: int) -> None:
        row.extend([""] * (col - len(row)))

    def line() -> str:
        nonlocal emitted
        text = ",".join(row)
        if text.count(",") != len(row) - 1 or _ROW_NEEDS_CARE.search(text):
            text = ",".join(map(_csv_field, row))  # some field needs quoting: field by field
        row.clear()
        emitted += 1
        return text + "\n"

    def warn(messages: Sequence[str]) -> None:
        for m in messages:
            warnings(f"{_column_name(len(row))}{first_line + emitted}: {m}")

    end = start(len(table.columns))
    for level in range(len(table.column_fields)):
        for exp, values in enumerate(table.columns):
            clear_to(start(exp))
            row.append(values[level])
        clear_to(end)
        yield line()
    for exp in range(len(table.columns)):
        clear_to(start(exp))
        row.extend([table.unit, "CI"] + (["vs base", "P"] if exp else []))
    yield line()
    # data rows: only the label can need quoting (numbers, ranges and p-values never do); lines
    # go out a thousand at a time
    starts = [start(exp) for exp in range(len(table.columns))]
    rows = table.rows
    labels = _csv_labels([r.label for r in rows])
    centers = go_v_many([cell.center for r in rows for cell in r.cells if cell is not None])
    centers.reverse()
    center = centers.pop
    # the columns of each cell's warnings, and of its comparison's
    cell_col = [_column_name(s) for s in starts]
    test_col = [_column_name(s + center_cols) for s in starts]
    pair = len(starts) == 2
    p_texts = P_TEXTS  # Comparison.text(), as it keeps them
    lines: list[str] = []
    line_no = first_line + emitted
    for r, label in zip(rows, labels):
        cells = r.cells
        if pair:  # old against new, the usual table: one format per row
            a, b = cells
            c = b.comparison if b is not None else None
            if a is not None and b is not None and c is not None and not a.warnings and not b.warnings:
                if c.warnings:
                    for m in c.warnings:
                        warnings(f"{test_col[1]}{line_no}: {m}")
                delta = "~" if c.p > c.alpha else c.delta_text()
                lines.append(
                    f"{label},{center()},{a.range_known or a.range_text()},{center()},"
                    f"{b.range_known or b.range_text()},{delta},{p_texts.get((c.p, c.n1, c.n2)) or c.text()}"
                )
                line_no += 1
                if len(lines) >= 1000:
                    yield "\n".join(lines) + "\n"
                    lines.clear()
                continue
        row.append(label)
        for exp, cell in enumerate(cells):
            if cell is None:
                continue
            if len(row) < starts[exp]:
                clear_to(starts[exp])
            for m in cell.warnings:
                warnings(f"{cell_col[exp]}{line_no}: {m}")
            row.append(center())
            row.append(cell.range_text())
            c = cell.comparison
            if exp and c is not None:
                for m in c.warnings:
                    warnings(f"{test_col[exp]}{line_no}: {m}")
                row.append(c.delta_text())
                row.append(c.text())
        lines.append(",".join(row))
        row.clear()
        line_no += 1
        if len(lines) >= 1000:
            yield "\n".join(lines) + "\n"
            lines.clear()
    emitted = line_no - first_line
    if lines:
        yield "\n".join(lines) + "\n"
    row.append(table.summary_label)
    for exp, summary in enumerate(table.summaries):
        clear_to(start(exp))
        warn(summary.warnings)
        if summary.center is not None:
            row.append(go_v(summary.center))
        if exp:
            clear_to(start(exp) + center_cols)
            row.append(_ratio_text(summary))
    clear_to(end)
    yield line()


def iter_csv(tables: Iterable[Table], warnings: Callable[[str], None]) -> Iterator[str]:
    """Go's CSV, line by line; its warnings (``B3: need >= 6 samples ...``, a spreadsheet
    reference and a message) are passed to ``warnings`` as they arise, as Go prints them."""
    lines = 0
    previous: list[tuple[str, str]] | None = None
    for i, table in enumerate(tables):
        heads = []
        if i:
            heads.append("")
        for j, (name, value) in enumerate(table.header):
            if previous is None or j >= len(previous) or previous[j][1] != value:
                heads.append(f"{name}: {value}")
        previous = table.header
        for head in heads:
            yield _csv_field(head) + "\n"
        lines += len(heads)
        rows = _csv_table(table, lines + 1, warnings)
        del table  # not held while the next table is made
        for text in rows:
            lines += text.count("\n")
            yield text


def render_csv(tables: Sequence[Table]) -> tuple[str, list[str]]:
    """Go's CSV and its warnings (``B3: need >= 6 samples ...``, for stderr)."""
    warnings: list[str] = []
    return "".join(iter_csv(tables, warnings.append)), warnings


# -------------------------------------------------------------------------------------- Markdown
def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown_table(table: Table) -> list[str]:
    notes: dict[str, str] = {}

    def marks(messages: Sequence[str]) -> str:
        for m in messages:
            notes.setdefault(m, superscript(len(notes) + 1))
        return " ".join(notes[m] for m in messages)

    head = [table.unit]
    for i, label in enumerate(table.column_labels):
        head += [label] + (["vs base"] if i else [])
    out = ["| " + " | ".join(_md(h) for h in head) + " |", "|:--" + "|--:" * (len(head) - 1) + "|"]
    binary = is_binary(table.unit)
    for row in table.rows:
        scaler = _row_scaler(row.cells, binary)
        cells = [row.label]
        for i, cell in enumerate(row.cells):
            if cell is None:
                cells += [""] + ([""] if i else [])
                continue
            cells.append(f"{scaler.format(cell.center)} ± {cell.range_text()} {marks(cell.warnings)}".rstrip())
            if i:
                c = cell.comparison
                cells.append("" if c is None else f"{c.delta_text()} ({c.text()}) {marks(c.warnings)}".rstrip())
        out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if len(table.rows) > 1:
        cells = [table.summary_label]
        for i, s in enumerate(table.summaries):
            value = "" if s.center is None else scale(s.center, binary)
            cells.append(f"{value} {marks(s.warnings) if i == 0 else ''}".rstrip())
            if i:
                cells.append(f"{_ratio_text(s)} {marks(s.warnings)}".rstrip())
        out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if notes:
        out.append("")
        out += [f"{mark} {_md(text)}" for text, mark in notes.items()]
    return out


def _markdown(tables: Sequence[Table]) -> str:
    out: list[str] = []
    for table in tables:
        header = " · ".join(f"**{_md(k)}:** {_md(v)}" for k, v in table.header if v)
        out += ([header, ""] if header else []) + _markdown_table(table) + [""]
    return "\n".join(out)


def render(tables: Sequence[Table], fmt: str = "text") -> str:
    """The tables in one of :data:`FORMATS` (CSV warnings: :func:`render_csv`)."""
    if fmt == "csv":
        return render_csv(tables)[0]
    if fmt == "markdown":
        return _markdown(tables)
    if fmt == "html":
        from perfkit.bench.render_html import render_html

        return render_html(tables)
    return _text(tables)
