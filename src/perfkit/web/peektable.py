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

__all__ = ["peek_table"]

_HEAD = (
    '<table id="peektable" class="peek">\n'
    '  <thead><tr><th class="num">Flat</th><th class="num">Flat%</th><th class="num">Sum%</th>'
    '<th class="num">Cum</th><th class="num">Cum%</th><th class="num">Calls</th><th class="num">Calls%</th>'
    "<th>Context</th></tr></thead>\n"
)


def peek_table(blocks: Iterable) -> Markup:
    """The ``<table id="peektable">`` of :class:`perfkit.web.pages.PeekBlock` s (already escaped)."""
    links: dict[tuple[str, str, bool], str] = {}

    def link(name: str, url: str, inline: bool) -> str:
        key = (name, url, inline)
        found = links.get(key)
        if found is None:
            found = links[key] = f'<a href="{escape(url)}">{escape(name)}</a>' + (" (inline)" if inline else "")
        return found

    def rows(kind: str, lines: list, more: tuple[int, str] | None, word: str) -> list[str]:
        out = [
            f'<tr class="{kind}"><td colspan="5"></td><td class="num">{escape(c.value)}</td>'
            f'<td class="num">{escape(c.share)}</td><td>{link(c.name, c.url, c.inline)}</td></tr>'
            for c in lines
        ]
        if more:
            out.append(
                f'<tr class="more"><td colspan="5"></td><td class="num">{escape(more[1])}</td><td></td>'
                f"<td>… and {more[0]} lighter {word}</td></tr>"
            )
        return out

    parts = [_HEAD]
    for b in blocks:
        parts.append('  <tbody class="block">\n')
        parts.extend(rows("caller", b.callers, b.more_callers, "callers"))
        cells = (b.flat, b.flat_pct, b.sum_pct, b.cum, b.cum_pct)
        parts.append(
            '<tr class="node">'
            + "".join(f'<td class="num">{escape(c)}</td>' for c in cells)
            + f'<td colspan="2"></td><td class="name">{escape(b.name)}</td></tr>'
        )
        parts.extend(rows("callee", b.callees, b.more_callees, "callees"))
        parts.append("\n  </tbody>\n")
    parts.append("</table>\n")
    return Markup("\n".join(parts))
