"""The graph's array walks (perfkit.graph.walk) against the walks written out plainly.

The reference below is pprof's newGraph loop as a few lines of Python per sample; the arrays
must give the same flat, cum, edge weights, residual and inline flags and label shares on any
stacks: recursion, gaps left by dropped nodes, inlined frames, negative (diff) values.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit.graph import GraphOptions, ReportKind, build_graph
from perfkit.graph.nodes import NodeInfo
from perfkit.graph.options import Granularity
from perfkit.graph.prepare import Prepared
from perfkit.graph.walk import edge_sums, label_sums, node_sums
from perfkit.model import CPU_NS, Frame, Profile

SIZE = 6


def reference(stacks: dict, kept: set[int] | None, masks: dict) -> tuple[dict, set, set]:
    """Edge weights, residual pairs and not-inline pairs, a sample at a time (pprof's newGraph)."""
    weight: dict = {}
    residual, not_inline = set(), set()
    for stack, value in stacks.items():
        seen, parent, gap = set(), None, False
        for depth, n in enumerate(stack):
            if kept is not None and n not in kept:
                gap = True
                continue
            if parent is not None and n != parent and (parent, n) not in seen:
                seen.add((parent, n))
                weight[(parent, n)] = weight.get((parent, n), 0) + value
                if gap:
                    residual.add((parent, n))
                if not masks.get(stack, 0) >> depth & 1:
                    not_inline.add((parent, n))
            parent, gap = n, False
    return weight, residual, not_inline


def prepared(stacks: dict, masks: dict | None = None, labelled: dict | None = None) -> Prepared:
    return Prepared(
        infos=[NodeInfo(f"n{i}") for i in range(SIZE)],
        stacks=stacks,
        total=sum(map(abs, stacks.values())),
        sample_type=CPU_NS,
        granularity=Granularity.FUNCTIONS,
        files=[""] * SIZE,
        labelled=labelled,
        inline=masks,
    )


STACKS = st.dictionaries(
    st.lists(st.integers(0, SIZE - 1), min_size=0, max_size=8).map(tuple),
    st.integers(-50, 50).filter(bool),
    max_size=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(STACKS, st.one_of(st.none(), st.sets(st.integers(0, SIZE - 1))), st.booleans(), st.data())
def test_array_walks_match_the_plain_walk(stacks: dict, kept: set | None, inlined: bool, data) -> None:
    masks = {s: data.draw(st.integers(0, (1 << len(s)) - 1)) for s in stacks} if inlined else None
    p = prepared(stacks, masks)
    flat, cum = node_sums(p)
    for n in range(SIZE):
        assert flat[n] == sum(v for s, v in stacks.items() if s and s[-1] == n)
        assert cum[n] == sum(v for s, v in stacks.items() if n in s)
    sums = edge_sums(p, kept)
    got = {(s, d): w for s, d, w in zip(sums.src.tolist(), sums.dst.tolist(), sums.weight.tolist())}
    weight, residual, not_inline = reference(stacks, kept, masks or {})
    assert got == weight
    pairs = list(zip(sums.src.tolist(), sums.dst.tolist()))
    assert {pair for pair, r in zip(pairs, sums.residual.tolist()) if r} == residual
    if masks is not None:
        assert {pair for pair, i in zip(pairs, sums.inline.tolist()) if not i} == not_inline


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(STACKS, st.sets(st.integers(0, SIZE - 1), min_size=1), st.data())
def test_label_shares_match_the_plain_sums(stacks: dict, wanted: set, data) -> None:
    keys = [("thread:a", ()), ("thread:b", (4096,))]
    labelled = {(s, data.draw(st.sampled_from(keys))): v for s, v in stacks.items()}
    labelled[((1, 2, 1), keys[0])] = 5  # a labelled stack the totals do not have
    got = {(n, key): (flat, cum) for n, key, flat, cum in label_sums(prepared(stacks, labelled=labelled), wanted)}
    expect: dict = {}
    for (stack, key), value in labelled.items():
        for n in wanted.intersection(stack):
            flat, cum = expect.get((n, key), (0, 0))
            expect[(n, key)] = (flat + (value if stack[-1] == n else 0), cum + value)
    assert got == expect


def test_peek_links_only_the_matched_nodes_and_keeps_every_value() -> None:
    p = Profile([CPU_NS])
    main, a, b, c = (Frame(n, f"{n}.py", 1) for n in ("main", "a", "b", "c"))
    p.add([main, a, b], 5)
    p.add([main, b, c], 3)
    p.add([main, c], 2)
    every = build_graph(p, GraphOptions(), ReportKind.PEEK)
    around = build_graph(p, GraphOptions(), ReportKind.PEEK, around="^b$")
    assert [(n.name, n.flat, n.cum) for n in around.nodes] == [(n.name, n.flat, n.cum) for n in every.nodes]
    for full, near in zip(every.nodes, around.nodes):
        if near.name == "b":
            assert {(e.src.name, e.weight) for e in near.in_edges.values()} == {("a", 5), ("main", 3)}
            assert {(e.dst.name, e.weight) for e in near.out_edges.values()} == {("c", 3)}
        edges = {(e.src.name, e.dst.name) for e in near.out_edges.values()}
        assert all("b" in pair for pair in edges)
        assert edges <= {(e.src.name, e.dst.name) for e in full.out_edges.values()}
