"""Reading perfkit web's pages (and go tool pprof's, for comparison) back into numbers."""

from __future__ import annotations

import html
import json
import re


def summary(text: str) -> str:
    """The status line: "Showing 300ms of 1s total (30.00%)"."""
    return html.unescape(re.search(r'<span id="summary"[^>]*>([^<]*)</span>', text).group(1))


def top_rows(text: str) -> dict[str, tuple[int, int, str]]:
    """/ui/top: name -> (flat, cum, flat%)."""
    rows = {}
    pattern = r'<tr id="node\d+" data-flat="(-?\d+)" data-cum="(-?\d+)"[^>]*>(.*?)</tr>'
    for flat, cum, cells in re.findall(pattern, text, re.S):
        tds = re.findall(r"<td[^>]*>(.*?)</td>", cells)
        rows[html.unescape(tds[5])] = (int(flat), int(cum), tds[1])
    return rows


def node_names(text: str) -> list[str]:
    """The selectable names of a page (the graph's node list, pprof's ``nodes``)."""
    found = re.search(r'<script type="application/json" id="pk-nodes">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


def peek_blocks(text: str) -> list[tuple[list[tuple[str, str]], tuple[str, str, str], list[tuple[str, str]]]]:
    """/ui/peek: per node ([(caller, calls)], (name, flat, cum), [(callee, calls)])."""
    blocks = []
    for body in re.findall(r'<tbody class="block">(.*?)</tbody>', text, re.S):
        callers, callees, node = [], [], None
        for kind, cells in re.findall(r'<tr class="(caller|node|callee)">(.*?)</tr>', body, re.S):
            tds = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
            if kind == "node":
                node = (tds[-1], tds[0], tds[3])
            else:
                (callers if kind == "caller" else callees).append((tds[-1].removesuffix(" (inline)"), tds[1]))
        blocks.append((callers, node, callees))
    return blocks


def source_routines(text: str) -> dict[str, tuple[str, dict[int, str]]]:
    """/ui/source: function -> (cum, {line: cum}) for lines with a value."""
    out = {}
    for section in re.findall(r'<section class="routine">(.*?)</section>', text, re.S):
        name = html.unescape(re.search(r'<span class="function">([^<]*)</span>', section).group(1))
        cum = re.search(r"cum <b>([^<]*)</b>", section).group(1)
        lines = {}
        for _flat, line_cum, number in re.findall(
            r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td><td class="num lineno">(\d+)</td>', section
        ):
            if line_cum != ".":
                lines[int(number)] = line_cum
        out[name] = (cum, lines)
    return out


# ------------------------------------------------------------------------------ go tool pprof's pages
def pprof_top(text: str) -> dict[str, tuple[int, int]]:
    """pprof's /ui/top: name -> (flat, cum), from the data its page script is given."""
    found = re.search(r"makeTopTable\(\s*-?\d+\s*,\s*(\[.*?\])\s*\);", text, re.S)
    return {e["Name"]: (e["Flat"], e["Cum"]) for e in json.loads(found.group(1))}


def pprof_nodes(text: str) -> list[str]:
    """pprof's /ui/ graph: its node names (index 0 is the empty name, as dot numbers from 1)."""
    found = re.search(r"viewer\(new URL\(window\.location\.href\),\s*(\[.*?\])\s*\);", text, re.S)
    return json.loads(found.group(1))


def pprof_legend(text: str) -> list[str]:
    """pprof's details box: its legend lines."""
    box = re.search(r'<div id="detailsbox">(.*?)</div>\s*</div>', text, re.S).group(1)
    return [html.unescape(line) for line in re.findall(r"<div>(.*?)</div>", box)]


def pprof_peek(text: str) -> list[tuple[list[tuple[str, str]], tuple[str, str, str], list[tuple[str, str]]]]:
    """pprof's /ui/peek text, as :func:`peek_blocks` reads perfkit's."""
    pre = html.unescape(re.search(r"<pre>(.*?)</pre>", text, re.S).group(1))
    blocks = []
    for chunk in pre.split("----------------------------------------------------------+-------------")[2:]:
        callers, callees, node = [], [], None
        for line in chunk.strip("\n").splitlines():
            if "|" not in line:
                continue
            left, right = line.split("|", 1)
            fields = left.split()
            if len(fields) == 5:
                node = (right.strip(), fields[0], fields[3])
            elif len(fields) == 2:
                entry = (right.strip().removesuffix(" (inline)"), fields[0])
                (callers if node is None else callees).append(entry)
        if node is not None:
            blocks.append((callers, node, callees))
    return blocks


def pprof_source(text: str) -> dict[str, tuple[str, dict[int, str]]]:
    """pprof's /ui/source, as :func:`source_routines` reads perfkit's."""
    out = {}
    parts = re.split(r"<h2>", text)[1:]
    for part in parts:
        name = html.unescape(part[: part.index("</h2>")])
        cum = re.search(r"Total:\s+\S+\s+(\S+) \(flat, cum\)", part).group(1)
        lines = {}
        for number, flat_cum in re.findall(r"<span class=line>\s*(\d+)</span> <span class=\w+>\s*(\S+\s+\S+)", part):
            line_cum = flat_cum.split()[1]
            if line_cum != ".":
                lines[int(number)] = line_cum
        out[name] = (cum, lines)
    return out
