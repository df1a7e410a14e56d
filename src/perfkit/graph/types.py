"""The call graph's types: nodes with flat and cum, weighted edges, label shares, the graph.

What :func:`perfkit.graph.build` returns and every view reads; plain data, no algorithms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from perfkit.graph.nodes import NodeInfo
from perfkit.graph.options import GraphOptions, ReportKind
from perfkit.graph.prepare import Prepared

__all__ = ["Edge", "Graph", "Node", "Tag", "sort_edges"]


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
