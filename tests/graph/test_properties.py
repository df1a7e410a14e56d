"""Properties of the graph builder on random profiles: what pprof's graph promises, checked
against brute force over the samples.

* totals are conserved: the full graph's flat values sum to the value of every non-empty stack;
* cum is the value of the samples whose stack holds the node (once per sample), so cum >= flat
  for profiles without negative values and no node's cum exceeds the total;
* an edge's weight is the value of samples where the caller calls the callee directly;
* pruning keeps invariants: a kept node's flat and cum are those of the full graph, every kept
  node passes the node fraction, the node count is respected, edges join kept nodes only, and a
  non-residual edge of the pruned graph weighs what it weighs in the full graph;
* GraphOptions.from_params takes any text and either builds options or says what is wrong.
"""

from __future__ import annotations

from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit.errors import PerfkitError
from perfkit.graph import Granularity, GraphOptions, ReportKind, build_graph, node_info
from perfkit.model import CPU_NS, Frame, Profile

FRAMES = [Frame(name, f"{name[0]}.py", line) for name in ("a", "b", "c", "d", "e") for line in (1, 2)]
stacks = st.lists(st.sampled_from(FRAMES), min_size=0, max_size=7)
samples = st.lists(st.tuples(stacks, st.integers(min_value=1, max_value=10**9)), min_size=1, max_size=30)
labels = st.one_of(st.none(), st.fixed_dictionaries({"thread": st.sampled_from(["t1", "t2"])}))
granularities = st.sampled_from(list(Granularity))


def make(data: list) -> Profile:
    p = Profile([CPU_NS])
    for stack, value in data:
        p.add(stack, value)
    return p


def brute_cum(data: list, info: object, granularity: Granularity) -> int:
    return sum(v for stack, v in data if info in {node_info(f, granularity) for f in stack})


def brute_edge(data: list, src: object, dst: object, granularity: Granularity) -> int:
    total = 0
    for stack, v in data:
        infos = [node_info(f, granularity) for f in stack]
        if any(a == src and b == dst for a, b in pairwise(infos)):
            total += v
    return total


@settings(max_examples=80, deadline=None)
@given(samples, granularities)
def test_full_graph_conserves_totals(data: list, granularity: Granularity) -> None:
    g = build_graph(make(data), GraphOptions(granularity=granularity, trim=False), ReportKind.TEXT)
    nonempty = sum(v for stack, v in data if stack)
    assert g.flat_sum() == nonempty
    assert g.total == sum(v for _, v in data)
    for node in g.nodes:
        assert 0 <= node.flat <= node.cum <= g.total
        assert node.cum == brute_cum(data, node.info, granularity)
        assert node.flat == sum(v for s, v in data if s and node_info(s[-1], granularity) == node.info)
    for edge in g.edges():
        assert edge.src is not edge.dst and not edge.residual
        assert edge.weight == brute_edge(data, edge.src.info, edge.dst.info, granularity)
        assert edge.weight <= min(edge.src.cum, edge.dst.cum)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    samples,
    granularities,
    st.sampled_from([ReportKind.TEXT, ReportKind.DOT]),
    st.integers(min_value=0, max_value=6),
    st.sampled_from([0.0, 0.05, 0.2]),
    st.sampled_from([0.0, 0.01, 0.1]),
)
def test_pruning_keeps_invariants(
    data: list, granularity: Granularity, kind: ReportKind, nodecount: int, nodefraction: float, edgefraction: float
) -> None:
    profile = make(data)
    full = build_graph(profile, GraphOptions(granularity=granularity, trim=False), ReportKind.TEXT)
    options = GraphOptions(
        granularity=granularity, nodecount=nodecount, nodefraction=nodefraction, edgefraction=edgefraction
    )
    pruned = build_graph(profile, options, kind)
    whole = {n.info: n for n in full.nodes}
    full_edges = {(e.src.info, e.dst.info): e.weight for e in full.edges()}
    kept = {n.info for n in pruned.nodes}
    assert len(kept) == len(pruned.nodes), "one node per identity"
    flat_total = full.flat_sum()
    for node in pruned.nodes:
        assert (node.flat, node.cum) == (whole[node.info].flat, whole[node.info].cum)
        assert node.cum >= int(flat_total * nodefraction)
    if nodecount:
        assert len(pruned.nodes) <= nodecount
    assert len(pruned.nodes) + pruned.dropped_nodes <= len(full.nodes)
    assert pruned.flat_sum() <= flat_total
    for edge in pruned.edges():
        assert edge.src.info in kept and edge.dst.info in kept
        assert abs(edge.weight) >= int(flat_total * edgefraction)
        if not edge.residual:
            assert edge.weight == full_edges[(edge.src.info, edge.dst.info)]
        assert edge.weight <= min(edge.src.cum, edge.dst.cum)


@settings(max_examples=60, deadline=None)
@given(samples, samples)
def test_diff_is_new_minus_base_node_by_node(new: list, old: list) -> None:
    options = GraphOptions(trim=False)
    diff = build_graph(make(new), options, ReportKind.TEXT, base=make(old))
    a = {n.info: (n.flat, n.cum) for n in build_graph(make(new), options, ReportKind.TEXT).nodes}
    b = {n.info: (n.flat, n.cum) for n in build_graph(make(old), options, ReportKind.TEXT).nodes}
    expect = {
        info: (a.get(info, (0, 0))[0] - b.get(info, (0, 0))[0], a.get(info, (0, 0))[1] - b.get(info, (0, 0))[1])
        for info in a.keys() | b.keys()
    }
    expect = {info: fc for info, fc in expect.items() if fc != (0, 0)}
    assert {n.info: (n.flat, n.cum) for n in diff.nodes} == expect
    assert diff.total == sum(v for _, v in old)
    # the picture of a diff (negative flats, edges and cums) orders and prunes without failing
    picture = build_graph(make(new), GraphOptions(nodecount=3), ReportKind.DOT, base=make(old))
    assert len(picture.nodes) <= 3


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(stacks, st.integers(1, 1000), labels), min_size=1, max_size=20))
def test_label_tags_split_each_node(data: list) -> None:
    p = Profile([CPU_NS])
    for stack, value, label in data:
        p.add(stack, value, label)
    g = build_graph(p, GraphOptions(trim=False), ReportKind.DOT)
    for node in g.nodes:
        assert sum(t.flat for t in node.tags.values()) <= node.flat
        assert sum(t.cum for t in node.tags.values()) <= node.cum
        for text, tag in node.tags.items():
            assert text.startswith("thread:") and 0 <= tag.flat <= tag.cum


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["f", "i", "h", "s", "sf", "si", "g", "n", "nf", "ef", "sort", "x"]), st.text()))
def test_from_params_takes_any_text(params: dict) -> None:
    try:
        options = GraphOptions.from_params(params)
    except PerfkitError as exc:
        assert "\n" not in str(exc) or "\n" in "".join(params.values())
        return
    assert GraphOptions.from_params(options.to_params()) == options
