"""Walks over prepared node stacks: flat and cum per node, weighted edges (pprof's ``newGraph``).

* flat goes to a sample's leaf, cum once per sample to every node on its stack;
* an edge's weight goes once per sample to every caller -> callee pair on it; a node calling
  itself makes no edge;
* after pruning, only the kept nodes are walked: the edge over dropped nodes is *residual* (pprof
  draws it dotted), and a sample whose leaf was dropped credits no flat to anyone;
* an edge is inline when every call it sums was inlined into its caller.

A kept node's flat and cum do not change when other nodes are dropped, so the graph builder sums
node values once and edges again (over the kept nodes only) after each cut.

These walks are the graph's hot path: a profile of 50,000 stacks 25 frames deep has a million
distinct edges.  So the stacks are laid out once per :class:`Prepared` as flat numpy arrays
(:class:`StackArrays`: each position's node, stack and depth), and a walk is a few array
operations: a sort finds each node's (or pair's) first position in its stack, so recursion counts
once per sample, and ``np.add.at`` sums exactly in int64, as pprof does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from itertools import chain

import numpy as np

from perfkit.graph.columns import first_of, groups, sum_by
from perfkit.graph.prepare import LabelKey, Prepared

__all__ = [
    "EdgeSums",
    "StackArrays",
    "edge_sums",
    "flat_cum",
    "label_sums",
    "node_sums",
    "stack_arrays",
]

_I64 = np.int64


class StackArrays:
    """Stacks as flat arrays, root first, stack after stack.

    ``nodes[p]`` is the node at position ``p``, ``stack_of[p]`` its stack's index (into ``values``,
    one value per stack); ``first[p]`` says the node appears there for the first time in its
    stack, ``repeats[s]`` that stack ``s`` holds some node twice (recursion); ``inline[p]`` (None
    when no frame was) that the frame was inlined into its caller."""

    __slots__ = ("first", "inline", "nodes", "repeats", "size", "stack_of", "starts", "values")

    def __init__(self, stacks: Collection[tuple[int, ...]], values: Iterable[int], size: int) -> None:
        count = len(stacks)
        self.size = size
        lengths = np.fromiter(map(len, stacks), _I64, count)
        self.starts = starts = np.zeros(count + 1, _I64)
        np.cumsum(lengths, out=starts[1:])
        total = int(starts[-1])
        self.nodes = nodes = np.fromiter(chain.from_iterable(stacks), _I64, total)
        self.values = np.fromiter(values, _I64, count)
        self.stack_of = stack_of = np.repeat(np.arange(count, dtype=_I64), lengths)
        self.first = first_of(stack_of * size + nodes)
        self.repeats = np.zeros(count, bool)
        self.repeats[stack_of[~self.first]] = True
        self.inline: np.ndarray | None = None

    def mark_inline(self, stacks: Iterable[tuple[int, ...]], masks: Mapping[tuple[int, ...], int]) -> None:
        """Set ``inline`` from per-stack masks (a bit per depth whose frame was inlined)."""
        self.inline = inline = np.zeros(self.nodes.size, bool)
        for start, stack in zip(self.starts.tolist(), stacks):
            mask = masks.get(stack, 0) & ((1 << len(stack)) - 1)
            depth = 0
            while mask:
                if mask & 1:
                    inline[start + depth] = True
                mask >>= 1
                depth += 1

    def leaves(self) -> tuple[np.ndarray, np.ndarray]:
        """The leaf node of every non-empty stack, and that stack's index."""
        ends = self.starts[1:]
        nonempty = np.flatnonzero(ends > self.starts[:-1])
        return self.nodes[ends[nonempty] - 1], nonempty


def stack_arrays(prepared: Prepared) -> StackArrays:
    """The array layout of ``prepared``'s stacks, made on first use and kept with it."""
    found = prepared.arrays.get("stacks")
    if found is None:
        stacks = prepared.stacks
        found = prepared.arrays["stacks"] = StackArrays(stacks, stacks.values(), len(prepared.infos))
        if prepared.inline:
            found.mark_inline(stacks, prepared.inline)
    return found


class EdgeSums:
    """Edges as parallel arrays: caller and callee ids, weight, residual, inline (one entry per
    distinct pair, ordered by caller then callee id)."""

    __slots__ = ("dst", "inline", "positive", "residual", "src", "weight")

    def __init__(
        self, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, residual: np.ndarray, inline: np.ndarray
    ) -> None:
        self.src, self.dst, self.weight, self.residual, self.inline = src, dst, weight, residual, inline
        #: every weight is above zero (no stack had a negative or zero value)
        self.positive = bool(weight.size == 0 or weight.min() > 0)

    def __len__(self) -> int:
        return int(self.weight.size)


def node_sums(prepared: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Flat and cum of every node id (int64 arrays indexed by node id)."""
    a = stack_arrays(prepared)
    flat = np.zeros(a.size, _I64)
    cum = np.zeros(a.size, _I64)
    leaves, stacks = a.leaves()
    np.add.at(flat, leaves, a.values[stacks])
    np.add.at(cum, a.nodes[a.first], a.values[a.stack_of[a.first]])
    return flat, cum


def edge_sums(prepared: Prepared, kept: set[int] | None = None) -> EdgeSums:
    """The edges among ``kept`` (all nodes when None).  Each stack is walked through its kept
    nodes only: consecutive kept nodes make a pair, residual when dropped nodes lay between
    them; a pair counts (weight, residual, inline) at its first position in a stack only."""
    a = stack_arrays(prepared)
    if kept is None:
        positions = None
        nodes, stack_of = a.nodes, a.stack_of
    else:
        member = np.zeros(a.size, bool)
        member[np.fromiter(kept, _I64, len(kept))] = True
        positions = np.flatnonzero(member[a.nodes])
        nodes, stack_of = a.nodes[positions], a.stack_of[positions]
    at = np.flatnonzero((stack_of[1:] == stack_of[:-1]) & (nodes[1:] != nodes[:-1]))
    src, dst, stack = nodes[at], nodes[at + 1], stack_of[at]
    keys, edge = groups(src * a.size + dst)
    # a pair repeats in a stack only if a node does: find first positions in those stacks only
    counted = np.ones(at.size, bool)
    again = np.flatnonzero(a.repeats[stack])
    if again.size:
        counted[again] = first_of(stack[again] * keys.size + edge[again])
    weight = np.zeros(keys.size, _I64)
    np.add.at(weight, edge[counted], a.values[stack[counted]])
    residual = np.zeros(keys.size, bool)
    callee_at = at + 1 if positions is None else positions[at + 1]
    if positions is not None:
        gap = positions[at + 1] - positions[at] > 1
        residual[edge[counted & gap]] = True
    inline = np.zeros(keys.size, bool)
    if a.inline is not None:
        not_inline = np.zeros(keys.size, bool)
        not_inline[edge[counted & ~a.inline[callee_at]]] = True
        inline = ~not_inline
    return EdgeSums(keys // a.size, keys % a.size, weight, residual, inline)


def label_sums(prepared: Prepared, wanted: Collection[int]) -> list[tuple[int, LabelKey, int, int]]:
    """(node, label key, flat, cum) of the ``wanted`` nodes for every label key their samples
    carry (``prepared.labelled``): flat where the node is the leaf, cum once per sample."""
    labelled = prepared.labelled
    if not labelled or not wanted:
        return []
    found = prepared.arrays.get("labelled")
    if found is None:
        found = prepared.arrays["labelled"] = _label_entries(prepared)
    layout, key_list, entry_stack, entry_label, entry_value = found
    width = len(key_list)
    member = np.zeros(layout.size, bool)
    member[np.fromiter(wanted, _I64, len(wanted))] = True
    # the wanted nodes of each stack (first positions), then one row per entry and such node
    at = np.flatnonzero(layout.first & member[layout.nodes])
    per_stack = np.bincount(layout.stack_of[at], minlength=layout.values.size)
    row_start = np.cumsum(per_stack) - per_stack
    rows_of = per_stack[entry_stack]
    entry = np.repeat(np.arange(entry_stack.size, dtype=_I64), rows_of)
    offset = np.arange(entry.size, dtype=_I64) - np.repeat(np.cumsum(rows_of) - rows_of, rows_of)
    nodes = layout.nodes[at[row_start[entry_stack[entry]] + offset]]
    cum_keys, cum = sum_by(nodes * width + entry_label[entry], entry_value[entry])
    leaves, stacks = layout.leaves()
    leaf = np.full(layout.values.size, -1, _I64)
    leaf[stacks] = leaves
    leaf_of = leaf[entry_stack]
    mine = np.flatnonzero(leaf_of >= 0)
    mine = mine[member[leaf_of[mine]]]
    flat_keys, flat = sum_by(leaf_of[mine] * width + entry_label[mine], entry_value[mine])
    flat_by_key = dict(zip(flat_keys.tolist(), flat.tolist()))
    out = []
    for key, value in zip(cum_keys.tolist(), cum.tolist()):
        node, label = divmod(key, width)
        out.append((node, key_list[label], flat_by_key.get(key, 0), value))
    return out


def _label_entries(prepared: Prepared) -> tuple[StackArrays, list[LabelKey], np.ndarray, np.ndarray, np.ndarray]:
    """``prepared.labelled`` as arrays over a stack layout: the layout, the distinct label keys,
    and per entry its stack's index in the layout, its label key's index and its value.  The
    layout is the graph's own when every labelled stack is one of its stacks (the usual case)."""
    labelled = prepared.labelled or {}
    layout = stack_arrays(prepared)
    index = dict(zip(prepared.stacks, range(len(prepared.stacks))))
    stacks = [index.get(stack, -1) for stack, _ in labelled]
    if -1 in stacks:  # a labelled stack the totals cancelled out (a diff): lay those out apart
        distinct = list(dict.fromkeys(stack for stack, _ in labelled))
        layout = StackArrays(distinct, [0] * len(distinct), len(prepared.infos))
        index = dict(zip(distinct, range(len(distinct))))
        stacks = [index[stack] for stack, _ in labelled]
    keys: dict[LabelKey, int] = {}
    labels = np.fromiter((keys.setdefault(key, len(keys)) for _, key in labelled), _I64, len(labelled))
    values = np.fromiter(labelled.values(), _I64, len(labelled))
    return layout, list(keys), np.array(stacks, _I64), labels, values


def flat_cum(prepared: Prepared, only: set[int] | None = None) -> tuple[dict[int, int], dict[int, int]]:
    """Flat and cum by node id, no edges, no pruning: the cheapest question.  With ``only``, just
    those nodes; zero entries left out."""
    flat, cum = node_sums(prepared)
    ids = np.arange(flat.size) if only is None else np.fromiter(sorted(only), _I64, len(only))
    flat_ids, cum_ids = ids[flat[ids] != 0], ids[cum[ids] != 0]
    return (
        dict(zip(flat_ids.tolist(), flat[flat_ids].tolist())),
        dict(zip(cum_ids.tolist(), cum[cum_ids].tolist())),
    )
