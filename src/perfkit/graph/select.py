"""Which nodes a graph keeps and in what order (pprof's SortNodes, SelectTopNodes, tags).

* text reports order nodes by flat (or cum), ties by name; the picture orders them by pprof's
  "entropy" score, which favours entry and leaf nodes and nodes whose calls fan in or out, over
  nodes that only pass calls through;
* the picture counts a node's label boxes (up to four) as nodes when it takes the first
  ``nodecount``, so a labelled profile shows fewer functions;
* label shares (tags) are summed only for the nodes that need them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from perfkit.graph.prepare import LabelKey, Prepared
from perfkit.graph.types import Edge, Graph, Tag, sort_edges
from perfkit.graph.walk import EdgeSums, label_sums
from perfkit.tags import scaled_label

__all__ = ["MAX_NODELETS", "NodeTags", "order", "remove_redundant_edges", "select_top", "tags_of"]

#: label boxes drawn per node, and counted as nodes when the picture's nodes are chosen
MAX_NODELETS = 4


def order(
    ids: list[int], mode: str, prepared: Prepared, flat: list[int], cum: list[int], edges: EdgeSums | None
) -> list[int]:
    """``ids`` sorted by pprof's FlatNameOrder (``flat``), CumNameOrder (``cum``) or
    EntropyOrder (``entropy``): score, then name, then flat, then pprof's full node text."""
    infos = prepared.infos
    names = {i: infos[i].printable_name() for i in ids}
    if mode == "flat":
        return sorted(ids, key=lambda i: (-abs(flat[i]), names[i], -abs(cum[i]), infos[i].sort_text()))
    score = cum if mode == "cum" else _entropy(ids, flat, cum, edges)
    return sorted(ids, key=lambda i: (-abs(score[i]), names[i], -abs(flat[i]), infos[i].sort_text()))


def _entropy(ids: list[int], flat: list[int], cum: list[int], edges: EdgeSums | None) -> dict[int, int]:
    """pprof's entropyScore for every node: ``int(H * cum) + flat``, where H adds, for the calls
    in and for the calls out (with the node's own flat), their entropy, or 1 when there are none.

    One pass over the edge arrays gathers per node the sums the entropy needs:
    ``-Σ f·log2 f`` with ``f = |w| / T`` equals ``(Σ|w| · log2 T - Σ|w|·log2|w|) / T``, where T
    sums the positive weights (and the node's own flat)."""
    size = len(flat)
    if edges is None or not len(edges):
        return {i: int(2.0 * float(cum[i])) + flat[i] for i in ids}
    weight = edges.weight
    size = max(size, int(edges.src.max()) + 1, int(edges.dst.max()) + 1)
    magnitude = np.abs(weight)
    as_float = magnitude.astype(np.float64)
    terms = np.zeros(weight.size)
    np.multiply(as_float, np.log2(as_float, where=magnitude > 0, out=np.zeros(weight.size)), out=terms)
    positive = np.where(weight > 0, weight, 0)
    sums = []
    for end in (edges.dst, edges.src):  # calls in, calls out
        total_abs = np.zeros(size, np.int64)
        np.add.at(total_abs, end, magnitude)
        total_pos = np.zeros(size, np.int64)
        np.add.at(total_pos, end, positive)
        total_log = np.bincount(end, weights=terms, minlength=size)
        count = np.bincount(end, minlength=size)
        sums.append((total_abs.tolist(), total_log.tolist(), total_pos.tolist(), count.tolist()))
    (in_abs, in_log, in_pos, in_count), (out_abs, out_log, out_pos, out_count) = sums
    scores = {}
    for i in ids:
        score = _spread(in_abs[i], in_log[i], in_pos[i], 0) if in_count[i] else 1.0
        score += _spread(out_abs[i], out_log[i], out_pos[i], flat[i]) if out_count[i] else 1.0
        scores[i] = int(score * float(cum[i])) + flat[i]
    return scores


def _spread(total_abs: float, total_log: float, positive: int, own: int) -> float:
    """The entropy of a node's calls one way (and of its own flat, going out).  In a diff a node's
    own flat can be negative: pprof's formula then takes logarithms of negative numbers (NaN), so
    the flat counts by its size here."""
    total = own + positive
    if total < 0:
        total = -own + positive
    if total == 0:
        return 0.0
    score = (total_abs * math.log2(total) - total_log) / total
    if own:
        frac = abs(own) / total
        score -= frac * math.log2(frac)
    return score


# ---------------------------------------------------------------------------------- tags
class NodeTags:
    """One node's label shares: string label texts, and numeric values under each text."""

    __slots__ = ("labels", "numbers")

    def __init__(self) -> None:
        self.labels: dict[str, Tag] = {}
        self.numbers: dict[str, dict[str, Tag]] = {}

    def add(self, key: LabelKey, flat: int, cum: int, unit: str) -> None:
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
            tag.flat += flat
            tag.cum += cum

    def trimmed(self, cutoff: int) -> NodeTags:
        """Without the shares under ``cutoff`` (pprof's TrimLowFrequencyTags)."""
        out = NodeTags()
        out.labels = _trim(self.labels, cutoff)
        out.numbers = {text: _trim(tags, cutoff) for text, tags in self.numbers.items()}
        return out

    def boxes(self) -> int:
        """How many boxes pprof counts for the node when choosing nodes: shares with a flat."""
        count = sum(1 for t in self.labels.values() if t.flat != 0)
        return count + sum(1 for tags in self.numbers.values() for t in tags.values() if t.flat != 0)


def _trim(tags: dict[str, Tag], cutoff: int) -> dict[str, Tag]:
    return {k: t for k, t in tags.items() if abs(t.flat) >= cutoff or abs(t.cum) >= cutoff}


def tags_of(prepared: Prepared, ids: Iterable[int]) -> dict[int, NodeTags]:
    """Label shares of some nodes: flat where the node is the leaf, cum once per sample."""
    wanted = set(ids)
    out = {i: NodeTags() for i in wanted}
    unit = prepared.numeric_unit
    for node, key, flat, cum in label_sums(prepared, wanted):
        out[node].add(key, flat, cum, unit)
    return out


def select_top(
    ids: list[int], count: int, prepared: Prepared, visual: bool, tag_cutoff: int, tags: dict[int, NodeTags]
) -> list[int]:
    """pprof's selectTopNodes: the first ``count`` nodes; for the picture each node's label boxes
    (up to four) count too, so a heavily labelled graph shows fewer nodes.  ``tags`` receives the
    label shares it summed (the picture draws them for the nodes it keeps)."""
    if count <= 0:
        return list(ids)
    if visual and prepared.labelled:
        tags.update(tags_of(prepared, ids[:count]))
        used = 0
        for i, nid in enumerate(ids[:count]):
            used += min(tags[nid].trimmed(tag_cutoff).boxes(), MAX_NODELETS) + 1
            if used >= count:
                count = i + 1
                break
    return ids[:count]


# ---------------------------------------------------------------------------------- edges
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
