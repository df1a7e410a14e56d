"""Fixed-width table layout with the rules of Go benchstat's ``texttab``, so the text output lines
up character for character with Go's.

Cells sit at (row, column) and may span columns; each has a left margin (``" "`` by default,
none in the first column or for empty cells) and an alignment. A column is as wide as its widest
single-column cell plus the widest margin of any cell starting there; a spanning cell that does
not fit widens the columns it spans that are not marked *shrink*, widest first. Empty cells print
nothing, so rows carry no trailing spaces.
"""

from __future__ import annotations

from array import array

__all__ = ["TextTable"]


def _pad(text: str, width: int) -> str:
    """Go's ``%*s``: right-aligned in ``width``; a negative width left-aligns in ``-width``."""
    return text.rjust(width) if width >= 0 else text.ljust(-width)


def _div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


class TextTable:
    """Build with :meth:`row`, :meth:`col`, :meth:`cell` and :meth:`span`, then :meth:`format`.

    Cells are kept in parallel arrays (a table of 30,000 rows has a quarter of a million
    cells), in the order they were added, which is already row by row, left to right."""

    def __init__(self) -> None:
        self._rows = array("i")
        self._cols = array("i")
        self._spans = array("i")
        self._values: list[str] = []
        self._margins: list[str] = []
        self._aligns: list[str] = []
        self.ncols = 0
        self.shrink: set[int] = set()
        self.cur_row = 0
        self.cur_col = 0

    def row(self) -> TextTable:
        if self._values:
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
        self._rows.append(self.cur_row)
        self._cols.append(self.cur_col)
        self._spans.append(cols)
        self._values.append(value)
        self._margins.append(margin)
        self._aligns.append(align)
        self.cur_col += cols
        if self.cur_col > self.ncols:
            self.ncols = self.cur_col
        return self

    def _widths(self, lmargin: list[int]) -> list[int]:
        widths = [0] * self.ncols
        cols, spans, values = self._cols, self._spans, self._values
        wide = []
        for i, span in enumerate(spans):
            if span == 1:
                col = cols[i]
                need = len(values[i]) + lmargin[col]
                if need > widths[col]:
                    widths[col] = need
            else:
                wide.append(i)
        for i in sorted(wide, key=lambda i: spans[i]):
            col, span = cols[i], spans[i]
            need = len(values[i]) + lmargin[col]
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
        return widths

    def format(self) -> str:
        lmargin = [0] * self.ncols
        for col, margin in zip(self._cols, self._margins):
            if len(margin) > lmargin[col]:
                lmargin[col] = len(margin)
        widths = self._widths(lmargin)
        offsets = [0] * (self.ncols + 1)
        for i, w in enumerate(widths):
            offsets[i + 1] = offsets[i] + w
        lines: list[str] = []
        pieces: list[str] = []
        row, off = 0, 0
        for cell_row, col, span, value, margin, align in zip(
            self._rows, self._cols, self._spans, self._values, self._margins, self._aligns
        ):
            if not value.strip() and not margin.strip():
                continue
            while cell_row > row:
                lines.append("".join(pieces))
                pieces = []
                row, off = row + 1, 0
            spaces = offsets[col] - off
            left = lmargin[col]  # never negative: a margin's length
            pieces.append(" " * abs(spaces) + margin.rjust(left))  # Go's %*s: a negative width pads too
            off += spaces + left
            width = offsets[col + span] - offsets[col] - left
            if align == "right":
                text = _pad(value, width)
            elif align == "center":
                text = _pad("", _div(width - len(value), 2)) + value
            else:
                text = value
            pieces.append(text)
            off += len(text)
        if self._values:
            lines.append("".join(pieces))
            return "\n".join(lines) + "\n"
        return ""
