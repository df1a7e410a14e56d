"""The call graph layer between the profile model and the views (pprof's ``internal/graph``).

A profile becomes weighted stacks of nodes (:func:`prepare`: sample type, focus/ignore/hide/show
filters, granularity, diff base), then a graph (:func:`build`: flat and cum per node, weighted
edges, pprof's pruning).  ``top``, ``peek``, ``list``, ``graph``, the HTML report and the flame
graph all read it, so flat, cum and granularity mean the same everywhere.

    from perfkit.graph import GraphCache, GraphOptions
    cache = GraphCache(profile)
    g = cache.graph(GraphOptions(focus="handler", nodecount=40), "dot")
    for node in g.nodes:
        print(node.name, node.flat, node.cum, [e.dst.name for e in node.out_edges.values()])

:class:`GraphCache` keeps what it built per option set, so a web UI answering one query after
another rebuilds only what changed.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from perfkit.graph.build import Edge, Graph, Node, Tag, build, flat_cum, sort_edges
from perfkit.graph.nodes import NodeInfo, clean_path, node_info
from perfkit.graph.options import URL_PARAMS, Granularity, GraphOptions, ReportKind
from perfkit.graph.prepare import Prepared, coarsen, prepare, prepare_apart
from perfkit.model import Profile

__all__ = [
    "URL_PARAMS",
    "Edge",
    "Granularity",
    "Graph",
    "GraphCache",
    "GraphOptions",
    "Node",
    "NodeInfo",
    "Prepared",
    "ReportKind",
    "Tag",
    "build",
    "build_graph",
    "clean_path",
    "coarsen",
    "flat_cum",
    "node_info",
    "prepare",
    "prepare_apart",
    "sort_edges",
]


def build_graph(
    profile: Profile,
    options: GraphOptions = GraphOptions(),
    kind: ReportKind | str = ReportKind.DOT,
    *,
    base: Profile | None = None,
    edges: bool = True,
    around: str | None = None,
) -> Graph:
    """The graph a pprof report of ``kind`` would show for ``profile`` (minus ``base``); with
    ``around`` (a regex) only the edges of the nodes it matches are made (see :func:`build`)."""
    kind = ReportKind(kind)
    options = options.for_report(kind)
    prepared = prepare(profile, options, base, labels=kind is ReportKind.DOT)
    return build(prepared, options, kind, edges=edges, around=_regex(around))


def _regex(pattern: str | None) -> re.Pattern[str] | None:
    return None if pattern is None else re.compile(pattern)


class GraphCache:
    """Graphs of one profile (and optional base) for many option sets, built once each.

    Preparing (reading every sample) is the expensive step and depends only on the filters, the
    sample type, the granularity and the diff options, so it is cached apart from the graphs
    (which add node count and fractions); both caches keep the ``size`` most recently used
    entries.  The graphs returned are shared: treat them as read-only.
    """

    def __init__(self, profile: Profile, base: Profile | None = None, *, size: int = 16) -> None:
        self.profile = profile
        self.base = base
        self.size = size
        self._prepared: OrderedDict[tuple, Prepared] = OrderedDict()
        self._graphs: OrderedDict[tuple, Graph] = OrderedDict()

    def prepared(self, options: GraphOptions, *, labels: bool = False) -> Prepared:
        """The weighted node stacks for ``options`` (trimming options do not matter here)."""
        key = (
            options.focus,
            options.ignore,
            options.hide,
            options.show,
            options.show_from,
            options.tagfocus,
            options.tagignore,
            options.sample_index,
            options.granularity,
            options.relative_percentages,
            options.normalize,
            labels,
        )
        found = self._prepared.get(key)
        if found is None and not labels:
            labelled = (*key[:-1], True)  # a labelled one answers too
            found = self._prepared.get(labelled)
            if found is not None:
                key = labelled
        if found is None:
            found = prepare(self.profile, options, self.base, labels=labels)
        self._remember(self._prepared, key, found)
        return found

    def graph(
        self, options: GraphOptions = GraphOptions(), kind: ReportKind | str = ReportKind.DOT, around: str | None = None
    ) -> Graph:
        """The graph of report ``kind`` for ``options`` (pprof's defaults for ``kind`` applied);
        with ``around``, only the edges of the nodes that regex matches (what peek shows)."""
        kind = ReportKind(kind)
        options = options.for_report(kind)
        key = (options, kind, around)
        found = self._graphs.get(key)
        if found is None:
            prepared = self.prepared(options, labels=kind is ReportKind.DOT)
            found = build(prepared, options, kind, around=_regex(around))
        self._remember(self._graphs, key, found)
        return found

    def _remember(self, cache: OrderedDict, key: tuple, value: object) -> None:
        """Store or refresh ``key`` as the most recently used entry, dropping the oldest."""
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self.size:
            cache.popitem(last=False)
