"""Fixed-width table layout with the rules of Go benchstat's ``texttab``, so the text output lines
up character for character with Go's.

Cells sit at (row, column) and may span columns; each has a left margin (``" "`` by default,
none in the first column or for empty cells) and an alignment. A column is as wide as its widest
single-column cell plus the widest margin of any cell starting there; a spanning cell that does
not fit widens the columns it spans that are not marked *shrink*, widest first. Empty cells print
nothing, so rows carry no trailing spaces.
"""

from __future__ import annotations

__all__ = ["TextTable"]


def _pad(text: str, width: int) -> str:
    """Go's ``%*s``: right-aligned in ``width``; a negative width left-aligns in ``-width``."""
    return text.rjust(width) if width >= 0 else text.ljust(-width)


def _div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


class TextTable:
    """Build with :meth:`row`, :meth:`col`, :meth:`cell` and :meth:`span`, then :meth:`format`."""

    def __init__(self) -> None:
        self.cells: list[tuple[int, int, int, str, str, str]] = []  # row, col, span, value, margin, align
        self.ncols = 0
        self.shrink: set[int] = set()
        self.cur_row = 0
        self.cur_col = 0

    def row(self) -> TextTable:
        if self.cells:
            self.cur_row += 1
        self.cur_col = 0
        return self

    def col(self, col: int) -> TextTable:
        if col < self.cur_col:
            raise ValueError(f"cannot move from column {self.cur_col} to earlier column {col}")
        self.cur_col = col
        return self

    def cell(self, value: str, align: str = "left", margin: str | None = None) -> TextTable:
        return self.span(1, value, align, margin)

    def span(self, cols: int, value: str, align: str = "left", margin: str | None = None) -> TextTable:
        if margin is None:
            margin = "" if self.cur_col == 0 or not value else " "
        self.cells.append((self.cur_row, self.cur_col, cols, value, margin, align))
        self.cur_col += cols
        self.ncols = max(self.ncols, self.cur_col)
        return self

    def format(self) -> str:
        ncols = self.ncols
        lmargin = [0] * ncols
        for _, col, _, _, margin, _ in self.cells:
            lmargin[col] = max(lmargin[col], len(margin))
        widths = [0] * ncols
        for _, col, span, value, _, _ in sorted(self.cells, key=lambda c: c[2]):
            need = len(value) + lmargin[col]
            if span == 1:
                widths[col] = max(widths[col], need)
                continue
            if sum(widths[col : col + span]) >= need:
                continue
            growable = []
            for c in range(col, col + span):
                if c in self.shrink:
                    need -= widths[c]
                else:
                    growable.append(c)
            growable.sort(key=lambda c: -widths[c])
            left = len(growable)
            for c in growable:
                widths[c] = max(widths[c], _div(need + left - 1, left))
                need -= widths[c]
                left -= 1
        offsets = [0] * (ncols + 1)
        for i, w in enumerate(widths):
            offsets[i + 1] = offsets[i] + w
        out: list[str] = []
        row, off = 0, 0
        for cell_row, col, span, value, margin, align in sorted(self.cells, key=lambda c: (c[0], c[1])):
            if not value.strip() and not margin.strip():
                continue
            while cell_row > row:
                out.append("\n")
                row, off = row + 1, 0
            spaces = offsets[col] - off
            out.append(_pad("", spaces) + _pad(margin, lmargin[col]))
            off += spaces + lmargin[col]
            width = offsets[col + span] - offsets[col] - lmargin[col]
            if align == "right":
                text = _pad(value, width)
            elif align == "center":
                text = _pad("", _div(width - len(value), 2)) + value
            else:
                text = value
            out.append(text)
            off += len(text)
        if self.cells:
            out.append("\n")
        return "".join(out)
