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

The hot loops run over integer node ids; :class:`Node` and :class:`Edge` objects are made only
for the graph that is returned.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

from perfkit.graph.options import GraphOptions, ReportKind
from perfkit.graph.prepare import LabelKey, NodeInfo, Prepared
from perfkit.tags import scaled_label

__all__ = ["Edge", "Graph", "Node", "Tag", "build", "flat_cum"]

#: label boxes drawn per node, and counted as nodes when the picture's nodes are chosen
MAX_NODELETS = 4

_Edges = dict[tuple[int, int], list]  # (caller id, callee id) -> [weight, residual]


@dataclass(eq=False, slots=True)
class Tag:
    """A label value's share of a node (a box under the node in the picture); a numeric tag
    also keeps its number and unit (pprof groups them into ranges when there are many)."""

    name: str
    flat: int = 0
    cum: int = 0
    value: int = 0
    unit: str = ""


@dataclass(eq=False, slots=True)
class Node:
    """One function (line, file ...) of the graph; edges are keyed by the node at the other end."""

    id: int
    info: NodeInfo
    flat: int = 0
    cum: int = 0
    in_edges: dict[Node, Edge] = field(default_factory=dict)
    out_edges: dict[Node, Edge] = field(default_factory=dict)
    #: label text (``key:value`` lines) -> share; filled for the call graph only
    tags: dict[str, Tag] = field(default_factory=dict)
    #: label text ("" for none) -> the numeric ``bytes`` values' shares under it, by their name
    numeric_tags: dict[str, dict[str, Tag]] = field(default_factory=dict)
    #: the source file of the node's frames when they agree on one (even if the node key has none)
    file: str = ""

    @property
    def name(self) -> str:
        """pprof's printable name (``main.spin``, ``hot app.py:10`` ...)."""
        return self.info.printable_name()

    def __repr__(self) -> str:
        return f"Node({self.name!r}, flat={self.flat}, cum={self.cum})"


@dataclass(eq=False, slots=True)
class Edge:
    """A call from ``src`` to ``dst`` weighing ``weight``; ``residual`` when it stands for a path
    through dropped nodes (pprof draws it dotted)."""

    src: Node
    dst: Node
    weight: int
    residual: bool = False
    inline: bool = False

    def __repr__(self) -> str:
        arrow = "..." if self.residual else "->"
        return f"Edge({self.src.name!r} {arrow} {self.dst.name!r}, {self.weight})"


@dataclass(slots=True)
class Graph:
    """A call graph as a report shows it: nodes in report order and what pruning left out."""

    nodes: list[Node]
    prepared: Prepared
    options: GraphOptions
    kind: ReportKind
    #: nodes left out for being under the node fraction, and edges under the edge fraction
    dropped_nodes: int = 0
    dropped_edges: int = 0
    #: nodes before the node count cut them (pprof's "Showing top N nodes out of M")
    orig_count: int = 0

    @property
    def total(self) -> int:
        """The value percentages are of (pprof's report total)."""
        return self.prepared.total

    @property
    def unit(self) -> str:
        return self.prepared.sample_type.unit

    @property
    def node_cutoff(self) -> int:
        """The cum under which nodes were dropped, as pprof's legend states it."""
        return abs(int(self.total * self.options.nodefraction))

    @property
    def edge_cutoff(self) -> int:
        return abs(int(self.total * self.options.edgefraction))

    def edges(self) -> list[Edge]:
        """Every edge, heaviest first (ties by caller then callee name), as pprof lists them."""
        return sort_edges([e for n in self.nodes for e in n.out_edges.values()])

    def flat_sum(self) -> int:
        return sum(n.flat for n in self.nodes)

    def by_name(self) -> dict[str, Node]:
        """Nodes by printable name (for tests and lookups)."""
        return {n.name: n for n in self.nodes}


def sort_edges(edges: Iterable[Edge]) -> list[Edge]:
    """pprof's edge order: absolute weight descending, then caller name, then callee name."""
    return sorted(edges, key=lambda e: (-abs(e.weight), e.src.name, e.dst.name))


# ---------------------------------------------------------------------------------- accumulation
class _Sums:
    """Flat, cum and edges of one build, indexed by node id."""

    __slots__ = ("cum", "edges", "flat")

    def __init__(self, size: int) -> None:
        self.flat = [0] * size
        self.cum = [0] * size
        self.edges: _Edges = {}


def _accumulate(
    stacks: Mapping[tuple[int, ...], int], size: int, with_edges: bool, inline: Mapping[tuple[int, ...], int] | None
) -> _Sums:
    """pprof's ``newGraph`` over node-id stacks; -1 marks a dropped node (the edge over it is
    residual; a dropped leaf takes the sample's flat with it).  ``inline`` gives a stack's bits of
    positions inlined into their caller: an edge is inline when every call it sums was."""
    sums = _Sums(size)
    flat, cum, edges = sums.flat, sums.cum, sums.edges
    get_edge = edges.get
    masks = inline or {}
    for stack, value in stacks.items():
        if not stack:
            continue
        mask = masks.get(stack, 0)
        if not mask and -1 not in stack and len(set(stack)) == len(stack):
            # the common case: nothing dropped, no node twice (no recursion), nothing inlined
            for n in stack:
                cum[n] += value
            flat[stack[-1]] += value
            if with_edges:
                for pair in pairwise(stack):
                    edge = get_edge(pair)
                    if edge is None:
                        edges[pair] = [value, False, False]
                    else:
                        edge[0] += value
                        edge[2] = False
            continue
        seen: set[int] = set()
        seen_edges: set[tuple[int, int]] = set()
        parent = -1
        residual = False
        for depth, n in enumerate(stack):
            if n < 0:
                residual = True
                continue
            if n not in seen:
                seen.add(n)
                cum[n] += value
            if with_edges and parent >= 0 and n != parent:
                pair = (parent, n)
                if pair not in seen_edges:
                    seen_edges.add(pair)
                    inlined = bool(mask >> depth & 1)
                    edge = get_edge(pair)
                    if edge is None:
                        edges[pair] = [value, residual, inlined]
                    else:
                        edge[0] += value
                        edge[1] = edge[1] or residual
                        edge[2] = edge[2] and inlined
            parent = n
            residual = False
        if parent >= 0 and not residual:
            flat[parent] += value
    return sums


def _live(sums: _Sums, drop_negative: bool) -> list[int]:
    """Ids of the nodes a graph shows: any value at all (and not negative, if asked)."""
    flat, cum = sums.flat, sums.cum
    ids = [i for i in range(len(flat)) if flat[i] or cum[i]]
    if drop_negative:
        ids = [i for i in ids if not (flat[i] < 0 or (flat[i] == 0 and cum[i] < 0))]
    return ids


def _restricted(prepared: Prepared, keep: set[int]) -> tuple[dict[tuple[int, ...], int], dict | None]:
    """The stacks with every node outside ``keep`` replaced by -1, summed again (many merge), and
    their inline bits (a position stays inline only if it was in every merged stack)."""
    remap = [i if i in keep else -1 for i in range(len(prepared.infos))]
    node = remap.__getitem__
    out: dict[tuple[int, ...], int] = {}
    get = out.get
    inline = prepared.inline
    masks: dict[tuple[int, ...], int] | None = {} if inline is not None else None
    for stack, value in prepared.stacks.items():
        key = tuple(map(node, stack))
        out[key] = get(key, 0) + value
        if masks is not None:
            mask = inline.get(stack, 0)  # type: ignore[union-attr]
            masks[key] = masks.get(key, mask) & mask
    return out, masks


def flat_cum(prepared: Prepared, only: set[int] | None = None) -> tuple[dict[int, int], dict[int, int]]:
    """Flat and cum by node id, no edges, no pruning: the cheapest question.  With ``only``, just
    those nodes (a listing of a few functions pays little for the rest); zero entries left out."""
    if only is None:
        sums = _accumulate(prepared.stacks, len(prepared.infos), False, None)
        return (
            {i: v for i, v in enumerate(sums.flat) if v},
            {i: v for i, v in enumerate(sums.cum) if v},
        )
    flat: dict[int, int] = {}
    cum: dict[int, int] = {}
    for stack, value in prepared.stacks.items():
        if not stack:
            continue
        for n in only.intersection(stack):
            cum[n] = cum.get(n, 0) + value
        leaf = stack[-1]
        if leaf in only:
            flat[leaf] = flat.get(leaf, 0) + value
    return flat, cum


# ---------------------------------------------------------------------------------- ordering
class _View:
    """One build's nodes and edges in id space, with what sorting and selection need."""

    def __init__(self, prepared: Prepared, sums: _Sums, ids: list[int]) -> None:
        self.prepared = prepared
        self.sums = sums
        self.ids = ids
        live = set(ids)
        self.edges = {pair: e for pair, e in sums.edges.items() if pair[0] in live and pair[1] in live}
        self.names = [prepared.infos[i].printable_name() for i in ids]

    def order(self, mode: str) -> None:
        """Sort ``ids`` by pprof's FlatNameOrder, CumNameOrder or EntropyOrder."""
        flat, cum, infos = self.sums.flat, self.sums.cum, self.prepared.infos
        name = dict(zip(self.ids, self.names))
        if mode == "flat":
            key = lambda i: (-abs(flat[i]), name[i], -abs(cum[i]), infos[i].sort_text())  # noqa: E731
        else:
            score = cum if mode == "cum" else self._entropy()
            key = lambda i: (-abs(score[i]), name[i], -abs(flat[i]), infos[i].sort_text())  # noqa: E731
        self.ids.sort(key=key)
        self.names = [name[i] for i in self.ids]

    def _entropy(self) -> dict[int, int]:
        """pprof's entropyScore: favour entry and leaf nodes and nodes whose calls spread out."""
        ins: dict[int, list[int]] = {}
        outs: dict[int, list[int]] = {}
        for (src, dst), (weight, *_) in self.edges.items():
            outs.setdefault(src, []).append(weight)
            ins.setdefault(dst, []).append(weight)
        flat, cum = self.sums.flat, self.sums.cum
        scores = {}
        for i in self.ids:
            score = 1.0 if i not in ins else _edge_entropy(ins[i], 0)
            score += 1.0 if i not in outs else _edge_entropy(outs[i], flat[i])
            scores[i] = int(score * float(cum[i])) + flat[i]
        return scores

    def trim_edges(self, cutoff: int) -> int:
        """Drop edges lighter than ``cutoff``; returns how many went."""
        light = [pair for pair, (weight, *_) in self.edges.items() if abs(weight) < cutoff]
        for pair in light:
            del self.edges[pair]
        return len(light)


def _edge_entropy(weights: list[int], own: int) -> float:
    total = own + sum(abs(w) for w in weights if w > 0)
    if total == 0:
        return 0.0
    score = 0.0
    for w in weights:
        frac = abs(w) / total
        if frac:
            score -= frac * math.log2(frac)
    if own > 0:
        frac = own / total
        score -= frac * math.log2(frac)
    return score


# ---------------------------------------------------------------------------------- tags
class _NodeTags:
    """One node's label shares: string label texts, and numeric values under each text."""

    __slots__ = ("labels", "numbers")

    def __init__(self) -> None:
        self.labels: dict[str, Tag] = {}
        self.numbers: dict[str, dict[str, Tag]] = {}

    def add(self, key: LabelKey, value: int, flat: bool, unit: str) -> None:
        text, numbers = key
        targets = []
        if text:
            tag = self.labels.get(text)
            if tag is None:
                tag = self.labels[text] = Tag(text)
            targets.append(tag)
        for number in numbers:
            name = scaled_label(number, unit, "minimum")
            under = self.numbers.setdefault(text, {})
            tag = under.get(name)
            if tag is None:
                tag = under[name] = Tag(name, value=number, unit=unit)
            targets.append(tag)
        for tag in targets:
            if flat:
                tag.flat += value
            else:
                tag.cum += value

    def trimmed(self, cutoff: int) -> _NodeTags:
        """Without the shares under ``cutoff`` (pprof's TrimLowFrequencyTags)."""
        out = _NodeTags()
        out.labels = _trim(self.labels, cutoff)
        out.numbers = {text: _trim(tags, cutoff) for text, tags in self.numbers.items()}
        return out

    def boxes(self) -> int:
        """How many boxes pprof counts for the node when choosing nodes: shares with a flat."""
        count = sum(1 for t in self.labels.values() if t.flat != 0)
        return count + sum(1 for tags in self.numbers.values() for t in tags.values() if t.flat != 0)


def _trim(tags: dict[str, Tag], cutoff: int) -> dict[str, Tag]:
    return {k: t for k, t in tags.items() if abs(t.flat) >= cutoff or abs(t.cum) >= cutoff}


def _tags(prepared: Prepared, ids: Iterable[int]) -> dict[int, _NodeTags]:
    """Label shares of some nodes: flat where the node is the leaf, cum once per sample."""
    labelled = prepared.labelled
    wanted = set(ids)
    out = {i: _NodeTags() for i in wanted}
    if not labelled or not wanted:
        return out
    unit = prepared.numeric_unit
    for (stack, key), value in labelled.items():
        if not stack:
            continue
        for n in wanted.intersection(stack):
            out[n].add(key, value, False, unit)
        leaf = stack[-1]
        if leaf in wanted:
            out[leaf].add(key, value, True, unit)
    return out


def _select_top(view: _View, count: int, visual: bool, tag_cutoff: int) -> list[int]:
    """pprof's selectTopNodes: the first ``count`` nodes; for the picture each node's label boxes
    (up to four) count too, so a heavily labelled graph shows fewer nodes."""
    if count <= 0:
        return list(view.ids)
    if visual and view.prepared.labelled:
        tags = _tags(view.prepared, view.ids[:count])
        used = 0
        for i, nid in enumerate(view.ids[:count]):
            used += min(tags[nid].trimmed(tag_cutoff).boxes(), MAX_NODELETS) + 1
            if used >= count:
                count = i + 1
                break
    return view.ids[:count]


# ---------------------------------------------------------------------------------- build
def build(
    prepared: Prepared, options: GraphOptions, kind: ReportKind | str = ReportKind.DOT, *, edges: bool = True
) -> Graph:
    """The graph a report of ``kind`` shows (pprof's ``newTrimmedGraph``).

    ``options`` should already carry the report's defaults (:meth:`GraphOptions.for_report`);
    ``edges=False`` skips edge sums for reports that print none (top), which is faster.
    """
    kind = ReportKind(kind)
    visual = kind is ReportKind.DOT
    # top prints no edges, but pprof marks a node "(inline)" by its incoming edges
    with_edges = edges or visual or prepared.inline is not None
    size = len(prepared.infos)
    sums = _accumulate(prepared.stacks, size, with_edges, prepared.inline)
    ids = _live(sums, options.drop_negative)
    flat_total = sum(sums.flat[i] for i in ids)
    node_cutoff = abs(int(float(flat_total) * options.nodefraction))
    edge_cutoff = abs(int(float(flat_total) * options.edgefraction))
    dropped_nodes = 0
    if node_cutoff > 0:
        kept = {i for i in ids if abs(sums.cum[i]) >= node_cutoff}
        if len(kept) != len(ids):
            dropped_nodes = len(ids) - len(kept)
            stacks, masks = _restricted(prepared, kept)
            sums = _accumulate(stacks, size, with_edges, masks)
            ids = [i for i in _live(sums, options.drop_negative) if i in kept]
    orig_count = len(ids)
    mode = "entropy" if visual else options.sort
    view = _View(prepared, sums, ids)
    view.order(mode)
    nodecount = options.nodecount or 0
    if nodecount > 0:
        view.trim_edges(edge_cutoff)
        top = _select_top(view, nodecount, visual, node_cutoff)
        if len(top) != len(view.ids):
            kept = set(top)
            stacks, masks = _restricted(prepared, kept)
            sums = _accumulate(stacks, size, with_edges, masks)
            view = _View(prepared, sums, [i for i in _live(sums, options.drop_negative) if i in kept])
            view.order(mode)
    dropped_edges = view.trim_edges(edge_cutoff)
    graph = Graph(
        nodes=_materialise(view, with_edges),
        prepared=prepared,
        options=options,
        kind=kind,
        dropped_nodes=dropped_nodes,
        dropped_edges=dropped_edges,
        orig_count=orig_count,
    )
    if visual:
        remove_redundant_edges(graph)
        if prepared.labelled:
            tags = _tags(prepared, (n.id for n in graph.nodes))
            for node in graph.nodes:
                kept = tags[node.id].trimmed(node_cutoff)
                node.tags, node.numeric_tags = kept.labels, kept.numbers
    return graph


def _materialise(view: _View, with_edges: bool) -> list[Node]:
    flat, cum = view.sums.flat, view.sums.cum
    infos, files = view.prepared.infos, view.prepared.files
    nodes = {i: Node(i, infos[i], flat[i], cum[i], file=files[i]) for i in view.ids}
    if with_edges:
        for (src, dst), (weight, residual, inline) in view.edges.items():
            a, b = nodes[src], nodes[dst]
            edge = Edge(a, b, weight, residual, inline)
            a.out_edges[b] = edge
            b.in_edges[a] = edge
    return list(nodes.values())


def remove_redundant_edges(graph: Graph) -> None:
    """Drop residual edges whose callee the caller reaches another way (pprof's
    RemoveRedundantEdges), lightest first, never past a heavier non-residual edge."""
    for node in reversed(graph.nodes):
        for edge in reversed(sort_edges(node.in_edges.values())):
            if not edge.residual:
                break
            if _reachable_without(edge):
                del edge.src.out_edges[edge.dst]
                del edge.dst.in_edges[edge.src]


def _reachable_without(edge: Edge) -> bool:
    """Whether ``edge.src`` reaches ``edge.dst`` by some path not using ``edge``."""
    seen = {edge.dst}
    queue = [edge.dst]
    while queue:
        node = queue.pop(0)
        for incoming in node.in_edges.values():
            if incoming is edge or incoming.src in seen:
                continue
            if incoming.src is edge.src:
                return True
            seen.add(incoming.src)
            queue.append(incoming.src)
    return False
