"""``perfkit top --tree`` and ``perfkit peek REGEX``: pprof's -tree and -peek text.

Each node of the call graph as a block: its callers above it (the value each call brought and
that share of the node's cum), the node's own flat, sum% and cum, then its callees.  ``peek``
shows only the nodes matching a regex and, as pprof, prunes nothing, so every caller and callee of
a matching function is listed however small.
"""

from __future__ import annotations

import re

from perfkit.errors import PerfkitError
from perfkit.graph import Graph, GraphOptions, ReportKind, build_graph, sort_edges
from perfkit.graph.options import compile_regex
from perfkit.model import Profile
from perfkit.views.legend import ReportFormat, report_labels

__all__ = ["format_peek", "format_tree", "tree_text"]

SEPARATOR = "----------------------------------------------------------+-------------"
LEGEND = "      flat  flat%   sum%        cum   cum%   calls calls% + context 	 	 "


def tree_text(profile: Profile, graph: Graph, pattern: re.Pattern[str] | None = None) -> str:
    """The text of an already built graph; with ``pattern`` only the matching nodes (peek)."""
    fmt = ReportFormat.for_graph(graph)
    lines = report_labels(profile, graph, fmt)
    lines += [SEPARATOR, LEGEND]
    flat_sum = 0
    matched = 0
    for node in graph.nodes:
        name = node.name
        if pattern is not None and not pattern.search(name):
            continue
        matched += 1
        lines.append(SEPARATOR)
        for edge in sort_edges(node.in_edges.values()):
            inline = " (inline)" if edge.inline else ""
            lines.append(
                f"{fmt.value(edge.weight):>50} {fmt.percent(edge.weight, node.cum)} |   {edge.src.name}{inline}"
            )
        flat_sum += node.flat
        lines.append(
            f"{fmt.value(node.flat):>10} {fmt.percent(node.flat)} {fmt.percent(flat_sum)} "
            f"{fmt.value(node.cum):>10} {fmt.percent(node.cum)}                | {name}"
        )
        for edge in sort_edges(node.out_edges.values()):
            inline = " (inline)" if edge.inline else ""
            lines.append(
                f"{fmt.value(edge.weight):>50} {fmt.percent(edge.weight, node.cum)} |   {edge.dst.name}{inline}"
            )
    if graph.nodes:
        lines.append(SEPARATOR)
    if pattern is not None and matched == 0:
        raise PerfkitError(f"peek {pattern.pattern!r}: no function matches; try `perfkit top` to see names")
    return "\n".join(lines) + "\n"


def format_tree(profile: Profile, options: GraphOptions | None = None, *, base: Profile | None = None) -> str:
    """pprof's -tree: the 80 heaviest nodes over the node fraction (``nodecount`` says otherwise),
    each with its callers and callees."""
    graph = build_graph(profile, options or GraphOptions(), ReportKind.TREE, base=base)
    return tree_text(profile, graph)


def format_peek(
    profile: Profile, pattern: str, options: GraphOptions | None = None, *, base: Profile | None = None
) -> str:
    """pprof's -peek REGEX: the nodes whose name matches, with all their callers and callees."""
    rx = compile_regex("peek", pattern)
    graph = build_graph(profile, options or GraphOptions(), ReportKind.PEEK, base=base, around=pattern)
    return tree_text(profile, graph, rx)
