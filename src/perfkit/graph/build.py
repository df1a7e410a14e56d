"""pprof's call graph from prepared node stacks: flat and cum per node, weighted edges, pruning.

The facts follow google/pprof's internal/graph and internal/report (``newGraph``,
``newTrimmedGraph``):

* flat is credited to a sample's leaf node, cum once per sample to every node on its stack,
  an edge's weight once per sample to every caller -> callee pair on it (a node calling itself
  makes no edge);
* pruning rebuilds the graph from the samples with only the kept nodes: a sample whose frames in
  between were dropped gives a *residual* edge (drawn dashed) from the nearest kept caller to the
  kept callee, and a sample whose leaf was dropped credits no flat to anyone;
* nodes under ``nodefraction`` of the total (by cum) go first; then the graph is sorted (by flat,
  by cum, or, for the picture, by how much a node's edges tell: pprof's "entropy") and cut to
  ``nodecount`` (for the picture, a node's label boxes count as nodes too); edges under
  ``edgefraction`` go last, and residual edges another path already explains are removed.

The walks over the stacks are in :mod:`perfkit.graph.walk`, ordering and selection in
:mod:`perfkit.graph.select`; :class:`Node` and :class:`Edge` objects are made only for the graph
that is returned.
"""

from __future__ import annotations

import re

import numpy as np

from perfkit.graph.options import GraphOptions, ReportKind
from perfkit.graph.prepare import Prepared
from perfkit.graph.select import NodeTags, order, remove_redundant_edges, select_top, tags_of
from perfkit.graph.types import Edge, Graph, Node, Tag, sort_edges
from perfkit.graph.walk import EdgeSums, edge_sums, flat_cum, node_sums

__all__ = ["Edge", "Graph", "Node", "Tag", "build", "flat_cum", "sort_edges"]


def build(
    prepared: Prepared,
    options: GraphOptions,
    kind: ReportKind | str = ReportKind.DOT,
    *,
    edges: bool = True,
    around: re.Pattern[str] | None = None,
) -> Graph:
    """The graph a report of ``kind`` shows (pprof's ``newTrimmedGraph``).

    ``options`` should already carry the report's defaults (:meth:`GraphOptions.for_report`);
    ``edges=False`` skips edge sums for reports that print none (top), which is faster.  With
    ``around`` only the edges of nodes whose name it matches are made (what peek shows: an
    unpruned graph of a big profile has a million edges, and making them all costs seconds); the
    edge counts and every value stay those of the whole graph.
    """
    kind = ReportKind(kind)
    visual = kind is ReportKind.DOT
    # top prints no edges, but pprof marks a node "(inline)" by its incoming edges
    with_edges = edges or visual or prepared.inline is not None
    # pprof rebuilds the graph from the samples after each cut; a kept node's flat and cum do not
    # change (a dropped leaf takes its flat along), only edges do: so node values are summed once
    # and edges again, over the kept nodes only, after each cut
    flat_sums, cum_sums = node_sums(prepared)
    live = np.flatnonzero((flat_sums != 0) | (cum_sums != 0))
    if options.drop_negative:
        f, c = flat_sums[live], cum_sums[live]
        live = live[~((f < 0) | ((f == 0) & (c < 0)))]
    flat_total = int(flat_sums[live].sum())
    node_cutoff = abs(int(float(flat_total) * options.nodefraction))
    edge_cutoff = abs(int(float(flat_total) * options.edgefraction))
    dropped_nodes = 0
    kept: set[int] | None = None
    if node_cutoff > 0:
        above = live[np.abs(cum_sums[live]) >= node_cutoff]
        if above.size != live.size:
            dropped_nodes = int(live.size - above.size)
            live = above
            kept = set(above.tolist())
    sums = edge_sums(prepared, kept) if with_edges else None
    flat, cum = flat_sums.tolist(), cum_sums.tolist()
    ids = live.tolist()
    orig_count = len(ids)
    mode = "entropy" if visual else options.sort
    ids = order(ids, mode, prepared, flat, cum, sums)
    rebuilt = False
    tags: dict[int, NodeTags] = {}
    if options.nodecount:
        top = select_top(ids, options.nodecount, prepared, visual, node_cutoff, tags)
        if len(top) != len(ids):
            rebuilt = True
            sums = edge_sums(prepared, set(top)) if with_edges else None
            ids = order(top, mode, prepared, flat, cum, sums)
    nodes = {i: Node(i, prepared.infos[i], flat[i], cum[i], file=prepared.files[i]) for i in ids}
    dropped_edges = 0
    if sums is not None:
        linked = None if around is None else {i for i, n in nodes.items() if around.search(n.name)}
        dropped_edges = _link(nodes, sums, edge_cutoff, linked)
    graph = Graph(
        nodes=list(nodes.values()),
        prepared=prepared,
        options=options,
        kind=kind,
        dropped_nodes=dropped_nodes,
        # pprof trims light edges before applying the node count too, and counts only the edges
        # its last trim drops: none, when the node count cut nothing
        dropped_edges=dropped_edges if rebuilt or not options.nodecount else 0,
        orig_count=orig_count,
    )
    if visual:
        remove_redundant_edges(graph)
        if prepared.labelled:
            missing = [i for i in nodes if i not in tags]
            if missing:
                tags.update(tags_of(prepared, missing))
            for node in graph.nodes:
                kept_tags = tags[node.id].trimmed(node_cutoff)
                node.tags, node.numeric_tags = kept_tags.labels, kept_tags.numbers
    return graph


def _members(ids: object, size: int) -> np.ndarray:
    """A mask over node ids: True for ``ids``."""
    mask = np.zeros(size, bool)
    mask[np.fromiter(ids, np.int64)] = True  # type: ignore[call-overload]
    return mask


def _link(nodes: dict[int, Node], sums: EdgeSums, cutoff: int, linked: set[int] | None = None) -> int:
    """Connect ``nodes`` with the edges of ``sums`` at least ``cutoff`` heavy (with ``linked``,
    only those touching one of its nodes); returns how many edges between them were lighter
    (pprof's TrimLowFrequencyEdges)."""
    size = int(max(sums.src.max(initial=0), sums.dst.max(initial=0), max(nodes, default=0))) + 1
    member = _members(nodes, size)
    inside = member[sums.src] & member[sums.dst]
    heavy = np.abs(sums.weight) >= cutoff
    light = int(np.count_nonzero(inside & ~heavy))
    take = inside & heavy
    if linked is not None:
        near = _members(linked, size)
        take &= near[sums.src] | near[sums.dst]
    columns = (sums.src, sums.dst, sums.weight, sums.residual, sums.inline)
    for src, dst, weight, residual, inline in zip(*(column[take].tolist() for column in columns)):
        a, b = nodes[src], nodes[dst]
        edge = Edge(a, b, weight, residual, inline)
        a.out_edges[b] = edge
        b.in_edges[a] = edge
    return light
