"""The peek view's table as HTML, written with string joins rather than a jinja2 loop.

A peek of a big profile at line granularity is tens of thousands of caller and callee rows; a
template loop escapes and looks up every cell (about 20 µs a row), which made peek the one view
over a second on a million-sample profile.  Rows here are joined from pieces escaped once: a
name and its link repeat across blocks, so each is escaped once per page.  The markup is the
template's, row for row (``tests/web`` reads it the same way).
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

__all__ = ["peek_rows", "peek_table"]

_HEAD = (
    '<table id="peektable" class="peek">\n'
    '  <thead><tr><th class="num">Flat</th><th class="num">Flat%</th><th class="num">Sum%</th>'
    '<th class="num">Cum</th><th class="num">Cum%</th><th class="num">Calls</th><th class="num">Calls%</th>'
    "<th>Context</th></tr></thead>\n"
)


class _Writer:
    """Rows of one page or fragment, with each link escaped once."""

    def __init__(self) -> None:
        self._links: dict[tuple[str, str, bool], str] = {}

    def link(self, name: str, url: str, inline: bool) -> str:
        key = (name, url, inline)
        found = self._links.get(key)
        if found is None:
            found = self._links[key] = f'<a href="{escape(url)}">{escape(name)}</a>' + (" (inline)" if inline else "")
        return found

    def rows(self, kind: str, lines: Iterable) -> list[str]:
        link = self.link
        return [
            f'<tr class="{kind}"><td colspan="5"></td><td class="num">{escape(c.value)}</td>'
            f'<td class="num">{escape(c.share)}</td><td>{link(c.name, c.url, c.inline)}</td></tr>'
            for c in lines
        ]


def _more(more: tuple[int, str] | None, word: str, rest_url: str) -> list[str]:
    """The row summing the callers (callees) not listed, with the link that fetches them."""
    if not more:
        return []
    fetch = f' <a class="show-all" href="{escape(f"{rest_url}&side={word}")}">show all</a>' if rest_url else ""
    return [
        f'<tr class="more"><td colspan="5"></td><td class="num">{escape(more[1])}</td><td></td>'
        f"<td>… and {more[0]} lighter {word}{fetch}</td></tr>"
    ]


def peek_table(blocks: Iterable) -> Markup:
    """The ``<table id="peektable">`` of :class:`perfkit.web.pages.PeekBlock` s (already escaped)."""
    writer = _Writer()
    parts = [_HEAD]
    for b in blocks:
        parts.append('  <tbody class="block">\n')
        parts.extend(writer.rows("caller", b.callers))
        parts.extend(_more(b.more_callers, "callers", b.rest_url))
        cells = (b.flat, b.flat_pct, b.sum_pct, b.cum, b.cum_pct)
        parts.append(
            '<tr class="node">'
            + "".join(f'<td class="num">{escape(c)}</td>' for c in cells)
            + f'<td colspan="2"></td><td class="name">{escape(b.name)}</td></tr>'
        )
        parts.extend(writer.rows("callee", b.callees))
        parts.extend(_more(b.more_callees, "callees", b.rest_url))
        parts.append("\n  </tbody>\n")
    parts.append("</table>\n")
    return Markup("\n".join(parts))


def peek_rows(kind: str, lines: Iterable) -> str:
    """``<tr>`` rows of ``kind`` (``caller`` or ``callee``): what "show all" puts in place of the
    row that summed them."""
    return "\n".join(_Writer().rows(kind, lines))
