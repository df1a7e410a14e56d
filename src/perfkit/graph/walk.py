"""Walks over prepared node stacks: flat and cum per node, weighted edges (pprof's ``newGraph``).

* flat goes to a sample's leaf, cum once per sample to every node on its stack;
* an edge's weight goes once per sample to every caller -> callee pair on it; a node calling
  itself makes no edge;
* after pruning, dropped nodes are -1 in the stacks: the edge over a gap is *residual* (pprof
  draws it dotted), and a sample whose leaf was dropped credits no flat to anyone;
* an edge is inline when every call it sums was inlined into its caller.

A kept node's flat and cum do not change when other nodes are dropped, so the graph builder walks
all stacks once for node values and again (over the kept nodes only) for edges.  These loops are
the graph's hot path: plain integers in lists and dicts, no objects, and set tests in C to skip
the stacks a walk does not need.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

from perfkit.graph.prepare import Prepared

__all__ = ["EdgeSums", "edge_sums", "flat_cum", "node_sums"]

Stacks = Mapping[tuple[int, ...], int]
Pair = tuple[int, int]


class EdgeSums:
    """Edge weights by (caller id, callee id), with the residual and not-inline pairs."""

    __slots__ = ("not_inline", "positive", "residual", "weight")

    def __init__(self, track_inline: bool, positive: bool) -> None:
        self.weight: dict[Pair, int] = {}
        #: every weight is above zero (no stack had a negative or zero value)
        self.positive = positive
        self.residual: set[Pair] = set()
        #: pairs with at least one call not inlined (None: no stack had inlining at all)
        self.not_inline: set[Pair] | None = set() if track_inline else None

    def inline(self, pair: Pair) -> bool:
        return self.not_inline is not None and pair not in self.not_inline


def node_sums(stacks: Stacks, size: int) -> tuple[list[int], list[int]]:
    """Flat and cum of every node id below ``size``."""
    flat = [0] * size
    cum = [0] * size
    for stack, value in stacks.items():
        if stack:
            flat[stack[-1]] += value
            for n in set(stack) if len(stack) > 1 else stack:
                cum[n] += value
    return flat, cum


def edge_sums(prepared: Prepared, kept: set[int] | None = None) -> EdgeSums:
    """The edges among ``kept`` (all nodes when None): each stack is walked as it is when it holds
    no dropped node, skipped when it holds no kept one, and otherwise walked with its dropped
    nodes as gaps (-1)."""
    sums = EdgeSums(prepared.inline is not None, min(prepared.stacks.values(), default=1) > 0)
    weight, residual, not_inline = sums.weight, sums.residual, sums.not_inline
    get = weight.get
    masks = prepared.inline or {}
    dropped: set[int] = set() if kept is None else set(range(len(prepared.infos))) - kept
    remap = None if kept is None else [i if i in kept else -1 for i in range(len(prepared.infos))]
    for stack, value in prepared.stacks.items():
        if len(stack) < 2:
            continue
        mask = masks.get(stack, 0)
        if dropped and not dropped.isdisjoint(stack):
            if kept is not None and kept.isdisjoint(stack):
                continue  # nothing kept: no edge
            stack = tuple(map(remap.__getitem__, stack))  # type: ignore[union-attr]
        elif not mask:
            # the common case: nothing dropped or inlined; a pair counts once per sample
            pairs = pairwise(stack) if len(set(stack)) == len(stack) else {p for p in pairwise(stack) if p[0] != p[1]}
            for pair in pairs:
                weight[pair] = get(pair, 0) + value
            if not_inline is not None:
                not_inline.update(pairwise(stack))
            continue
        seen: set[Pair] = set()
        parent = -1
        gap = False
        for depth, n in enumerate(stack):
            if n < 0:
                gap = True
                continue
            if parent >= 0 and n != parent:
                pair = (parent, n)
                if pair not in seen:
                    seen.add(pair)
                    weight[pair] = get(pair, 0) + value
                    if gap:
                        residual.add(pair)
                    if not_inline is not None and not mask >> depth & 1:
                        not_inline.add(pair)
            parent = n
            gap = False
    return sums


def flat_cum(prepared: Prepared, only: set[int] | None = None) -> tuple[dict[int, int], dict[int, int]]:
    """Flat and cum by node id, no edges, no pruning: the cheapest question.  With ``only``, just
    those nodes (a listing of a few functions pays little for the rest); zero entries left out."""
    if only is None:
        flat_list, cum_list = node_sums(prepared.stacks, len(prepared.infos))
        return {i: v for i, v in enumerate(flat_list) if v}, {i: v for i, v in enumerate(cum_list) if v}
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
