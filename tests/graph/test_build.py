"""perfkit.graph: node identity, flat/cum/edges, pprof's pruning, filters, diff, options, cache.

Small hand-built profiles whose every number can be worked out on paper; the comparisons with
``go tool pprof`` itself are in test_pprof_reference.py.
"""

from __future__ import annotations

import pytest

from perfkit.errors import PerfkitError
from perfkit.graph import (
    Granularity,
    GraphCache,
    GraphOptions,
    NodeInfo,
    ReportKind,
    build_graph,
    clean_path,
    coarsen,
    node_info,
    prepare,
)
from perfkit.model import CPU_NS, Frame, Profile, ValueType, resolve_stack

MS = 1_000_000


def cpu() -> Profile:
    """main -> hot 700ms (two lines), main -> cold 300ms, main -> rec^3 100ms, main -> tiny 1ms."""
    p = Profile([CPU_NS])
    main, rec = Frame("main", "app.py", 3), Frame("rec", "lib.py", 30)
    p.add([main, Frame("hot", "app.py", 10)], 500 * MS)
    p.add([main, Frame("hot", "app.py", 11)], 200 * MS)
    p.add([main, Frame("cold", "lib.py", 20)], 300 * MS)
    p.add([main, rec, rec, rec], 100 * MS)
    p.add([main, Frame("tiny", "app.py", 5)], 1 * MS)
    return p


def chain(*names: str) -> list[Frame]:
    return [Frame(n, f"{n}.py", 1) for n in names]


def values(graph) -> dict[str, tuple[int, int]]:
    return {n.name: (n.flat, n.cum) for n in graph.nodes}


def edges(graph) -> dict[tuple[str, str], tuple[int, bool]]:
    return {(e.src.name, e.dst.name): (e.weight, e.residual) for e in graph.edges()}


# ---------------------------------------------------------------------------------- node identity
@pytest.mark.parametrize(
    ("granularity", "expect"),
    [
        ("functions", NodeInfo("f")),
        ("filefunctions", NodeInfo("f", "/a/b.py")),
        ("files", NodeInfo("", "/a/b.py")),
        ("lines", NodeInfo("f", "/a/b.py", 7)),
        ("addresses", NodeInfo("f", "/a/b.py", 7)),
    ],
)
def test_node_info_per_granularity(granularity: str, expect: NodeInfo) -> None:
    assert node_info(Frame("f", "/a/./x/../b.py", 7), Granularity.parse(granularity)) == expect


def test_printable_names_are_pprofs() -> None:
    assert NodeInfo("main.spin").printable_name() == "main.spin"
    assert NodeInfo("f", "a.py", 3).printable_name() == "f a.py:3"
    assert NodeInfo("", "a.py").printable_name() == "a.py"
    assert NodeInfo("f", "a.py").printable_name() == "f a.py"
    assert NodeInfo("").printable_name() == "<unknown>"
    assert NodeInfo("f", "a.py", 3, 0x4A).printable_name() == "000000000000004a f a.py:3"


def test_clean_path_trims_proc_cwd_and_dots() -> None:
    assert clean_path("/proc/self/cwd/./src/x.py") == "src/x.py"
    assert clean_path("//srv//app/./x.py") == "/srv/app/x.py"
    assert clean_path("") == ""


def test_coarsen_merges_frames_and_keeps_totals_and_labels() -> None:
    p = Profile()
    p.add([Frame("main", "app.py", 1), Frame("hot", "app.py", 10)], 3)
    p.add([Frame("main", "app.py", 2), Frame("hot", "app.py", 11)], 4)
    p.add([Frame("main", "app.py", 2), Frame("cold", "lib.py", 5)], 1, {"thread": "T1"})
    p.add([Frame("run", "a.py", 2)], 1)
    p.add([Frame("run", "b.py", 2)], 1)
    by_function = coarsen(p, "functions")
    assert by_function.total() == p.total() == 10
    named = {tuple(f.label() for f in resolve_stack(by_function, s)): v for s, v in by_function.stack_totals().items()}
    assert named == {
        ("main (app.py)", "hot (app.py)"): 7,
        ("main (app.py)", "cold (lib.py)"): 1,
        ("run",): 2,  # same name, two files: merged, and the file is no longer known
    }
    assert by_function.label_values("thread") == ["T1"]
    assert sorted(f.function for f in coarsen(p, "files").frames) == ["a.py", "app.py", "b.py", "lib.py"]
    assert [f.line for f in coarsen(p, "lines").frames] == [f.line for f in p.frames]
    assert [f.line for f in p.frames] == [1, 10, 2, 11, 5, 2, 2], "the original is untouched"


def test_granularity_accepts_singular_and_rejects_unknown() -> None:
    assert Granularity.parse("line") is Granularity.LINES
    assert Granularity.parse("FUNCTION") is Granularity.FUNCTIONS
    with pytest.raises(PerfkitError, match="--granularity module: unknown granularity; use one of: functions"):
        Granularity.parse("module")


# ---------------------------------------------------------------------------------- flat, cum, edges
def test_flat_cum_and_edges() -> None:
    g = build_graph(cpu(), GraphOptions(nodefraction=0, edgefraction=0), ReportKind.TEXT)
    assert values(g) == {
        "hot": (700 * MS, 700 * MS),
        "cold": (300 * MS, 300 * MS),
        "rec": (100 * MS, 100 * MS),
        "tiny": (1 * MS, 1 * MS),
        "main": (0, 1101 * MS),
    }
    assert edges(g) == {
        ("main", "hot"): (700 * MS, False),
        ("main", "cold"): (300 * MS, False),
        ("main", "rec"): (100 * MS, False),
        ("main", "tiny"): (1 * MS, False),
    }, "recursion makes no self edge and counts once"
    assert g.total == 1101 * MS


def test_recursion_through_another_function_counts_each_edge_once_per_sample() -> None:
    p = Profile([CPU_NS])
    p.add(chain("a", "b", "a", "b"), 10)
    g = build_graph(p, GraphOptions(nodefraction=0), ReportKind.TEXT)
    assert values(g) == {"b": (10, 10), "a": (0, 10)}
    assert edges(g) == {("a", "b"): (10, False), ("b", "a"): (10, False)}


def test_lines_granularity_splits_and_functions_merge_same_names_across_files() -> None:
    g = build_graph(cpu(), GraphOptions(nodefraction=0, granularity="lines"), ReportKind.TEXT)
    assert values(g)["hot app.py:10"] == (500 * MS, 500 * MS)
    assert values(g)["hot app.py:11"] == (200 * MS, 200 * MS)
    p = Profile()
    p.add([Frame("run", "a.py", 1)], 3)
    p.add([Frame("run", "b.py", 1)], 1)
    assert values(build_graph(p, kind="text")) == {"run": (4, 4)}
    by_file = build_graph(p, GraphOptions(granularity="filefunctions"), "text")
    assert values(by_file) == {"run a.py": (3, 3), "run b.py": (1, 1)}
    assert values(build_graph(p, GraphOptions(granularity="files"), "text")) == {"a.py": (3, 3), "b.py": (1, 1)}


# ---------------------------------------------------------------------------------- pruning
def test_node_fraction_drops_small_nodes_and_their_flat() -> None:
    g = build_graph(cpu(), GraphOptions(), ReportKind.TEXT)  # 0.5% of 1.101s = 5.5ms
    assert "tiny" not in values(g) and g.dropped_nodes == 1 and g.orig_count == 4
    assert g.flat_sum() == 1100 * MS, "a dropped leaf takes its flat with it, as in pprof"
    assert g.node_cutoff == 5_505_000


def test_dropped_middle_node_gives_residual_edge() -> None:
    p = Profile([CPU_NS])
    p.add(chain("root", "a", "tiny", "leaf"), 100)
    p.add(chain("root", "a", "big"), 500)
    p.add(chain("root", "b", "leaf"), 100)
    g = build_graph(p, GraphOptions(nodefraction=0, nodecount=5), ReportKind.TEXT)
    assert [n.name for n in g.nodes] == ["big", "leaf", "a", "b", "root"]
    assert edges(g)[("a", "leaf")] == (100, True), "a reaches leaf only through the dropped tiny"
    assert edges(g)[("b", "leaf")] == (100, False)
    assert g.orig_count == 6 and values(g)["leaf"] == (200, 200)


def test_redundant_residual_edges_are_removed_in_the_picture() -> None:
    p = Profile([CPU_NS])
    p.add(chain("a", "b", "c"), 100)
    p.add(chain("a", "x", "c"), 1)  # x is cut by the node count: a ... c is residual
    dot = build_graph(p, GraphOptions(nodefraction=0, nodecount=3), ReportKind.DOT)
    text = build_graph(p, GraphOptions(nodefraction=0, nodecount=3), ReportKind.TEXT)
    assert ("a", "c") in edges(text) and edges(text)[("a", "c")] == (1, True)
    assert ("a", "c") not in edges(dot), "a reaches c through b: the residual edge is redundant"


def test_edge_fraction_drops_light_edges() -> None:
    p = Profile([CPU_NS])
    p.add(chain("a", "b"), 10_000)
    p.add(chain("a", "c"), 10_000)
    p.add(chain("c", "b"), 5)
    g = build_graph(p, GraphOptions(nodefraction=0, nodecount=0, edgefraction=0.001), ReportKind.DOT)
    assert ("c", "b") not in edges(g) and g.dropped_edges == 1
    # pprof's quirk, kept for identical legends: with a node count that cuts nothing, edges are
    # trimmed before the count is applied and the legend reports none dropped
    g = build_graph(p, GraphOptions(nodefraction=0, edgefraction=0.001), ReportKind.DOT)
    assert ("c", "b") not in edges(g) and g.dropped_edges == 0


def test_nodecount_keeps_the_heaviest_and_counts_label_boxes_in_the_picture() -> None:
    p = Profile([CPU_NS])
    for i in range(10):
        p.add(chain("main", f"f{i}"), 100 + i, {"thread": f"t{i % 3}"} if i < 5 else None)
    text = build_graph(p, GraphOptions(nodecount=4), ReportKind.TEXT)
    assert [n.name for n in text.nodes] == ["f9", "f8", "f7", "f6"]
    assert text.orig_count == 11
    dot = build_graph(p, GraphOptions(nodecount=4), ReportKind.DOT)
    assert len(dot.nodes) <= 4


def test_ties_are_ordered_by_name() -> None:
    p = Profile([CPU_NS])
    for name in ("zeta", "alpha", "mid"):
        p.add(chain("main", name), 10)
    g = build_graph(p, GraphOptions(), ReportKind.TEXT)
    assert [n.name for n in g.nodes] == ["alpha", "mid", "zeta", "main"]
    g = build_graph(p, GraphOptions(sort="cum"), ReportKind.TEXT)
    assert [n.name for n in g.nodes] == ["main", "alpha", "mid", "zeta"]


def test_peek_and_list_trim_nothing() -> None:
    assert "tiny" in values(build_graph(cpu(), GraphOptions(), ReportKind.PEEK))
    g = build_graph(cpu(), GraphOptions(), ReportKind.LIST)
    assert "tiny app.py:5" in values(g)


def test_tags_are_per_label_text() -> None:
    p = Profile([CPU_NS])
    p.add(chain("main", "work"), 30, {"handler": "hot"})
    p.add(chain("main", "work"), 10, {"handler": "cold", "user": "x"})
    g = build_graph(p, GraphOptions(), ReportKind.DOT)
    work = g.by_name()["work"]
    assert {k: (t.flat, t.cum) for k, t in work.tags.items()} == {
        "handler:hot": (30, 30),
        "handler:cold\\nuser:x": (10, 10),
    }
    assert {k: (t.flat, t.cum) for k, t in g.by_name()["main"].tags.items()}["handler:hot"] == (0, 30)


# ---------------------------------------------------------------------------------- filters
def test_focus_ignore_match_function_or_file_and_keep_total() -> None:
    g = build_graph(cpu(), GraphOptions(focus="^rec$", nodefraction=0), ReportKind.TEXT)
    assert values(g) == {"rec": (100 * MS, 100 * MS), "main": (0, 100 * MS)}
    assert g.total == 1101 * MS, "percentages stay of the whole profile, as pprof's"
    assert values(build_graph(cpu(), GraphOptions(focus="lib.py"), "text")).keys() == {"cold", "rec", "main"}
    ignored = build_graph(cpu(), GraphOptions(ignore="hot|cold", nodefraction=0), ReportKind.TEXT)
    assert set(values(ignored)) == {"rec", "tiny", "main"}
    relative = build_graph(cpu(), GraphOptions(focus="^rec$", relative_percentages=True), "text")
    assert relative.total == 100 * MS


def test_hide_show_and_show_from_remove_frames() -> None:
    hidden = build_graph(cpu(), GraphOptions(hide="^main$", nodefraction=0), ReportKind.TEXT)
    assert "main" not in values(hidden) and values(hidden)["hot"] == (700 * MS, 700 * MS)
    shown = build_graph(cpu(), GraphOptions(show="^main$", nodefraction=0), ReportKind.TEXT)
    assert values(shown) == {"main": (1101 * MS, 1101 * MS)}
    p = Profile([CPU_NS])
    p.add(chain("root", "server", "handler", "work"), 5)
    p.add(chain("root", "idle"), 3)
    from_handler = build_graph(p, GraphOptions(show_from="handler", nodefraction=0), ReportKind.TEXT)
    assert values(from_handler) == {"work": (5, 5), "handler": (0, 5)}


def test_filters_report_what_matched() -> None:
    prepared = prepare(cpu(), GraphOptions(focus="nothing_like_this", ignore="hot"))
    assert prepared.matched == {"focus": False, "ignore": True}
    assert not prepared.stacks


def test_bad_regex_is_one_line_naming_the_flag() -> None:
    with pytest.raises(PerfkitError, match=r"^--hide '\(': not a valid regular expression"):
        GraphOptions(hide="(")


# ---------------------------------------------------------------------------------- diff
def test_diff_base_subtracts_and_takes_the_base_total() -> None:
    new, old = Profile([CPU_NS]), Profile([CPU_NS])
    new.add(chain("main", "grew"), 300)
    new.add(chain("main", "same"), 100)
    old.add(chain("main", "grew"), 100)
    old.add(chain("main", "same"), 100)
    old.add(chain("main", "gone"), 50)
    g = build_graph(new, GraphOptions(nodefraction=0), ReportKind.TEXT, base=old)
    assert values(g) == {"grew": (200, 200), "gone": (-50, -50), "main": (0, 150)}
    assert g.total == 250, "pprof's -diff_base: shares are of the base"
    dropped = build_graph(new, GraphOptions(nodefraction=0, drop_negative=True), ReportKind.TEXT, base=old)
    assert "gone" not in values(dropped)


def test_normalize_scales_the_new_profile_to_the_base() -> None:
    new, old = Profile([CPU_NS]), Profile([CPU_NS])
    new.add(chain("main", "f"), 200)
    new.add(chain("main", "g"), 200)
    old.add(chain("main", "f"), 100)
    old.add(chain("main", "g"), 100)
    new.add(chain("main", "h"), 100)
    old.add(chain("main", "h"), 25)
    g = build_graph(new, GraphOptions(normalize=True, nodefraction=0), ReportKind.TEXT, base=old)
    # the new run (500) is scaled to the base's 225: f and g 90 each (vs 100), h 45 (vs 25)
    assert values(g) == {"f": (-10, -10), "g": (-10, -10), "h": (20, 20)}
    assert g.total == 225


def test_diff_against_a_base_without_the_sample_type_is_one_line() -> None:
    old = Profile([ValueType("alloc_space", "bytes")])
    with pytest.raises(PerfkitError, match="--base: the base profile has no cpu/nanoseconds values"):
        prepare(cpu(), GraphOptions(), old)


# ---------------------------------------------------------------------------------- options
def test_sample_index_by_name_index_and_error() -> None:
    p = Profile([ValueType("alloc_space", "bytes"), ValueType("alloc_objects", "count")])
    p.add(chain("a"), (1024, 1))
    assert build_graph(p, GraphOptions(sample_index="alloc_objects"), "text").nodes[0].flat == 1
    assert build_graph(p, GraphOptions(sample_index=0), "text").nodes[0].flat == 1024
    with pytest.raises(PerfkitError, match="--sample-index nope: no such sample type"):
        build_graph(p, GraphOptions(sample_index="nope"))


@pytest.mark.parametrize(
    "changes",
    [{"sort": "name"}, {"nodecount": -1}, {"nodefraction": 2.0}, {"edgefraction": -0.1}, {"granularity": "x"}],
)
def test_bad_options_are_user_errors(changes: dict) -> None:
    with pytest.raises(PerfkitError):
        GraphOptions(**changes)


def test_report_defaults_follow_pprof() -> None:
    assert GraphOptions().for_report("dot").nodecount == 80
    assert GraphOptions().for_report("text").nodecount == 0
    peek = GraphOptions(nodecount=5).for_report("peek")
    assert (peek.nodecount, peek.nodefraction, peek.edgefraction) == (0, 0.0, 0.0)
    assert GraphOptions().for_report("list").granularity is Granularity.LINES
    assert GraphOptions(trim=False).for_report("dot").nodecount == 0


def test_url_params_round_trip() -> None:
    options = GraphOptions.from_params({"f": "hot", "g": "lines", "n": "40", "nf": "0.01", "si": "1", "x": "?"})
    assert options == GraphOptions(focus="hot", granularity="lines", nodecount=40, nodefraction=0.01, sample_index=1)
    assert GraphOptions.from_params(options.to_params()) == options
    assert GraphOptions().to_params() == {}
    with pytest.raises(PerfkitError, match="--nodecount many: not a number"):
        GraphOptions.from_params({"n": "many"})


def test_cache_builds_each_option_set_once() -> None:
    cache = GraphCache(cpu())
    first = cache.graph(GraphOptions(focus="main"))
    assert cache.graph(GraphOptions(focus="main")) is first
    other = cache.graph(GraphOptions(focus="main", nodecount=2))
    assert other is not first and len(other.nodes) == 2
    assert cache.prepared(GraphOptions(focus="main"), labels=True) is first.prepared, "preparing is shared"
    assert cache.graph(GraphOptions(focus="main"), "text").prepared is first.prepared


def test_listing_reads_the_graph_layer_with_its_filters() -> None:
    from perfkit.views.listing import routines

    p = Profile([CPU_NS])
    p.add([Frame("main", "m.py", 1), Frame("work", "w.py", 10)], 30, {"thread": "a"})
    p.add([Frame("main", "m.py", 2), Frame("work", "w.py", 11)], 10, {"thread": "b"})
    (work,) = routines(p, "^work$")
    assert (work.flat, work.cum, work.lines) == (40, 40, {10: (30, 30), 11: (10, 10)})
    (work,) = routines(p, "^work$", options=GraphOptions(tagfocus="thread=b"))
    assert (work.flat, work.lines) == (10, {11: (10, 10)})
