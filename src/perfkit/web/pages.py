"""The UI's views as data: each function turns a session and a query into what its template shows.

Every view reads the graph layer through the session's caches, with pprof's per-view settings
(``/ui/top`` keeps 500 rows, ``/ui/peek`` and ``/ui/source`` read lines and trim nothing), and
names what it shows in pprof's words (the legend is pprof's ``reportLabels``).  Bodies are cached
by view and canonical query, so coming back to a page is a lookup; nothing here writes HTML.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from perfkit.graph import Edge, Granularity, Graph, GraphOptions, Node, Prepared, ReportKind, build
from perfkit.tags import scaled_label as pprof_label
from perfkit.views.legend import ReportFormat, active_filters, profile_labels, report_labels
from perfkit.web.params import Query, quote_regex
from perfkit.web.session import Session

__all__ = ["LABELS", "VIEWS", "peek_rest", "view_body", "view_options"]

#: path under /ui/ -> view name, in pprof's menu order
VIEWS = {"": "graph", "top": "top", "flamegraph": "flamegraph", "peek": "peek", "source": "source"}
LABELS = {"graph": "Graph", "top": "Top", "flamegraph": "Flame Graph", "peek": "Peek", "source": "Source"}
#: rows of /ui/top (pprof's web UI sets its node count to 500)
TOP_ROWS = 500
#: routines a source page lists at most (pprof's maxEntries)
MAX_ROUTINES = 50
#: functions offered when /ui/source or /ui/peek has no regex yet
CHOICES = 20
#: callers (and callees) a peek block lists at first, heaviest first, the rest summed in one row
#: with a "show all" that fetches them; pprof's text lists every one, which on a big profile at
#: line granularity is tens of thousands of rows (72,362 in 7 MB on bench_web.py's profile)
PEEK_LINES = 20


# ------------------------------------------------------------------------------ options per view
def view_options(view: str, query: Query) -> GraphOptions:
    """The options a view reads: the query's, with pprof's overrides for the view: 500 rows in top
    (``n`` is the call graph's), lines in peek (unless ``g`` asks otherwise: perfkit's picker)."""
    options = query.options
    if view == "top":  # pprof's /ui/top shows 500 rows whatever n says
        options = options.replace(nodecount=TOP_ROWS)
    if view == "peek" and "granularity" not in query.explicit:
        options = options.replace(granularity=Granularity.LINES)  # as pprof's /ui/peek
    return options


def _summary(fmt: ReportFormat, prepared: Prepared) -> str:
    """What the filters kept, "Showing 300ms of 1s total (30.00%)"; for a diff, the net change
    against the base, "Change -1.28s against the base's 10.62s (-12.05%)".  Each value in its own
    unit, so the line reads the same in every view."""
    kept = _kept(prepared)
    total = pprof_label(fmt.total, fmt.unit)
    share = fmt.percent(kept).strip()
    if prepared.diff:
        sign = "-" if kept < 0 else "+"
        change = pprof_label(abs(kept), fmt.unit)
        return f"Change {sign}{change} against the base's {total} ({sign}{share})"
    return f"Showing {pprof_label(kept, fmt.unit)} of {total} total ({share})"


def _kept(prepared: Prepared) -> int:
    return sum(prepared.stacks.values())


def _unmatched(prepared: Prepared, options: GraphOptions) -> list[str]:
    """A notice for each filter that matched nothing (the CLI warns the same way)."""
    from perfkit.graph.options import FLAGS

    notes = []
    for name, matched in prepared.matched.items():
        if not matched:
            what = "sample" if name.startswith("tag") else "frame"
            notes.append(f"{FLAGS[name].removeprefix('--')} {getattr(options, name)!r} matched no {what}")
    return notes


def _light_graph(prepared: Prepared, options: GraphOptions) -> Graph:
    """A node-less graph: what pprof's profile labels need (type, total) without building one."""
    return Graph(nodes=[], prepared=prepared, options=options, kind=ReportKind.TEXT)


# ------------------------------------------------------------------------------ bodies
@dataclass(slots=True)
class Body:
    """A view's content plus what the header says about it."""

    legend: list[str]
    summary: str
    notices: list[str] = field(default_factory=list)
    #: selectable names, in the order the page's elements number them (pprof's ``nodes``)
    nodes: list[str] = field(default_factory=list)
    data: object = None


def view_body(session: Session, view: str, query: Query) -> Body:
    """The cached body of ``view`` for ``query`` (computed on first use)."""
    make = _MAKERS[view]
    return session.result((view, query.params), lambda: make(session, query))


def _graph_body(
    session: Session, graph: Graph, options: GraphOptions, *, nodes: list[str] | None = None, data: object = None
) -> Body:
    """A body for a view of a built graph: pprof's report labels, what the filters kept."""
    fmt = ReportFormat.for_graph(graph)
    return Body(
        legend=report_labels(session.profile, graph, fmt),
        summary=_summary(fmt, graph.prepared),
        notices=_unmatched(graph.prepared, options),
        nodes=[] if nodes is None else nodes,
        data=data,
    )


def _prepared_body(session: Session, prepared: Prepared, options: GraphOptions, *, data: object = None) -> Body:
    """A body for a view that builds no graph (flame graph, source): pprof's profile labels."""
    graph = _light_graph(prepared, options)
    fmt = ReportFormat.for_graph(graph)  # no nodes: the unit follows the total
    return Body(
        legend=profile_labels(session.profile, graph, fmt) + active_filters(graph),
        summary=_summary(fmt, prepared),
        notices=_unmatched(prepared, options),
        data=data,
    )


def _node_name(node: Node) -> str:
    """The name a node is selected by (pprof's ``Info.Name``; the file for file nodes)."""
    return node.info.name or node.info.file


# ---------------------------------------------------------------- graph
@dataclass(slots=True)
class SvgData:
    """A view that is one SVG picture (the call graph, the flame graph)."""

    svg: str


def _graph(session: Session, query: Query) -> Body:
    from perfkit.views import dot, graphviz

    options = view_options("graph", query)
    graph = session.graphs.graph(options, ReportKind.DOT)
    text = dot.compose(session.profile, graph, title=session.name)
    svg = graphviz.render(text, "svg").decode("utf-8")
    svg = svg[svg.find("<svg") :]  # drop the XML prolog and DOCTYPE for embedding
    nodes = ["", *(_node_name(n) for n in graph.nodes)]  # dot numbers nodes from 1
    return _graph_body(session, graph, options, nodes=nodes, data=SvgData(svg))


# ---------------------------------------------------------------- top
@dataclass(slots=True)
class TopRowView:
    flat: int
    cum: int
    flat_text: str
    flat_pct: str
    sum_pct: str
    cum_text: str
    cum_pct: str
    name: str
    select: str
    inline: str


@dataclass(slots=True)
class TopData:
    rows: list[TopRowView]
    total: int


def _top_graph(session: Session, query: Query) -> Graph:
    """The top view's graph: pprof's text report without edge sums unless a frame was inlined
    (top prints no edges; on a big profile they cost more than the rest), kept in the session."""
    options = view_options("top", query).for_report(ReportKind.TEXT)
    key = ("top graph", query.options.replace(nodecount=None, sort="flat"))

    def make() -> Graph:
        return build(session.graphs.prepared(options), options, ReportKind.TEXT, edges=False)

    return session.result(key, make)


def _top(session: Session, query: Query) -> Body:
    from perfkit.views.top import table_from_graph

    options = view_options("top", query)
    graph = _top_graph(session, query)
    table = table_from_graph(session.profile, graph)
    rows = []
    for row, node in zip(table.rows, graph.nodes):
        flat_text, flat_pct, sum_pct, cum_text, cum_pct, label = table.cells(row)
        rows.append(
            TopRowView(
                row.flat,
                row.cum,
                flat_text,
                flat_pct,
                sum_pct,
                cum_text,
                cum_pct,
                node.name,
                _node_name(node),
                label[len(node.name) :].strip(),
            )
        )
    return _graph_body(session, graph, options, nodes=[r.select for r in rows], data=TopData(rows, table.total))


# ---------------------------------------------------------------- flame graph
def _flamegraph(session: Session, query: Query) -> Body:
    from perfkit.views.flamegraph import render_prepared

    options = view_options("flamegraph", query)
    if session.base is not None:
        prepared, base_prepared = session.apart(options)
        shown = session.graphs.prepared(options)  # the diff's totals, as the other views say them
    else:
        prepared = shown = session.graphs.prepared(options)
        base_prepared = None
    svg = render_prepared(prepared, base_prepared, title=session.name, normalize=options.normalize)
    return _prepared_body(session, shown, options, data=SvgData(svg[svg.find("<svg") :]))


# ---------------------------------------------------------------- source
@dataclass(slots=True)
class SourceLine:
    number: int
    flat_text: str
    cum_text: str
    heat: int
    text: str | None


@dataclass(slots=True)
class RoutineView:
    function: str
    file: str
    flat_text: str
    cum_text: str
    share: str
    lines: list[SourceLine]
    why: str


@dataclass(slots=True)
class ListData:
    """A source or peek page: its blocks, or when no regex was given, functions to choose from."""

    pattern: str | None
    blocks: list = field(default_factory=list)
    choices: list[tuple[str, str, str]] = field(default_factory=list)
    more: int = 0


def _heat(value: int, total: int) -> int:
    """0 (nothing) to 5 (a tenth of the total or more), on a log scale: the line's shade."""
    if not value or not total:
        return 0
    share = abs(value) / abs(total)
    return 5 if share >= 0.1 else max(1, 5 + math.floor(math.log10(share)) + 1)


def _choices(session: Session, query: Query, view: str) -> list[tuple[str, str, str]]:
    """The heaviest functions by cum, as links to ``view`` (for a page opened without a regex):
    from the top view's graph, so offering them costs nothing once top was shown."""
    graph = _top_graph(session, query)
    fmt = ReportFormat.for_graph(graph)
    heaviest = sorted(graph.nodes, key=lambda n: (-abs(n.cum), n.name))
    path = f"./{view}"
    return [
        (node.name, fmt.value(node.cum), query.url(path, f=quote_regex(_node_name(node))))
        for node in heaviest
        if _node_name(node)
    ][:CHOICES]


def _source(session: Session, query: Query) -> Body:
    from perfkit.views.listing import annotate, routines

    pattern = query.focus
    if pattern is None:
        return _chooser(session, query, "source")
    options = view_options("source", query).for_report(ReportKind.LIST)
    prepared = session.graphs.prepared(options)
    body = _prepared_body(session, prepared, options)
    fmt = ReportFormat.for_graph(_light_graph(prepared, options))
    data = ListData(pattern)
    body.data = data
    found = routines(session.profile, pattern, prepared=prepared)
    data.more = max(0, len(found) - MAX_ROUTINES)
    sources: dict = {}
    total, unit = fmt.total, fmt.unit

    def value(v: int) -> str:  # pprof's listing: every value in its own unit, "." for nothing
        return pprof_label(v, unit) if v else "."

    for routine in found[:MAX_ROUTINES]:
        lines, why = annotate(routine, sources=sources)
        data.blocks.append(
            RoutineView(
                routine.function,
                routine.file or "<unknown>",
                pprof_label(routine.flat, unit),
                pprof_label(routine.cum, unit),
                fmt.percent(routine.cum).strip(),
                [
                    SourceLine(
                        line.number,
                        value(line.flat),
                        value(line.cum),
                        _heat(line.cum, total),
                        line.text,
                    )
                    for line in lines
                ],
                why,
            )
        )
    body.nodes = [r.function for r in data.blocks]
    if not found:
        body.notices.append(f"no function matches {pattern!r}; pick one below or try the Top view")
        data.choices = _choices(session, _without_focus(query), "source")
    return body


def _without_focus(query: Query) -> Query:
    from perfkit.web.params import parse_query

    return parse_query([(k, v) for k, v in query.params if k != "f"])


# ---------------------------------------------------------------- peek
@dataclass(slots=True)
class PeekLine:
    value: str
    share: str
    name: str
    url: str
    inline: bool


@dataclass(slots=True)
class PeekBlock:
    callers: list[PeekLine]
    callees: list[PeekLine]
    #: callers and callees left out past :data:`PEEK_LINES` (count, their value), or None
    more_callers: tuple[int, str] | None
    more_callees: tuple[int, str] | None
    flat: str
    flat_pct: str
    sum_pct: str
    cum: str
    cum_pct: str
    name: str
    #: where the rest of the callers and callees are fetched from ("show all"; ``&side=`` follows)
    rest_url: str = ""
    node: Node | None = None


def _chooser(session: Session, query: Query, view: str) -> Body:
    """A source or peek page opened without a regex: the heaviest functions to pick from."""
    choices = _choices(session, query, view)
    return _graph_body(session, _top_graph(session, query), query.options, data=ListData(None, choices=choices))


class _PeekLines:
    """Caller or callee rows of one peek page: each name, link and value made once per page,
    not once per row (a big profile's page has tens of thousands of rows naming a few thousand
    nodes)."""

    def __init__(self, graph: Graph, query: Query) -> None:
        self.fmt = ReportFormat.for_graph(graph)
        self.query = query
        self.value = functools.lru_cache(maxsize=None)(self.fmt.value)  # units are looked up per call
        self._names: dict[Node, str] = {}
        self._urls: dict[Node, str] = {}

    def name(self, node: Node) -> str:
        found = self._names.get(node)
        if found is None:
            found = self._names[node] = node.name
        return found

    def rows(self, edges: list[Edge], cum: int, callers: bool) -> list[PeekLine]:
        out = []
        for edge in edges:
            node = edge.src if callers else edge.dst
            url = self._urls.get(node)
            if url is None:
                url = self._urls[node] = self.query.url("./peek", f=quote_regex(_node_name(node)))
            percent = self.fmt.percent(edge.weight, cum).strip()
            out.append(PeekLine(self.value(edge.weight), percent, self.name(node), url, edge.inline))
        return out

    def heaviest(self, node: Node, callers: bool) -> tuple[list[PeekLine], tuple[int, str] | None]:
        """The first :data:`PEEK_LINES` callers (or callees) of ``node`` in pprof's order, and
        how many more there are and their sum."""
        edges = list((node.in_edges if callers else node.out_edges).values())
        first = _heaviest(edges, PEEK_LINES, self.name)
        if len(first) == len(edges):
            return self.rows(first, node.cum, callers), None
        rest = sum(e.weight for e in edges) - sum(e.weight for e in first)
        return self.rows(first, node.cum, callers), (len(edges) - len(first), self.value(rest))


def _peek_graph(session: Session, query: Query) -> Graph:
    return session.graphs.graph(view_options("peek", query), ReportKind.PEEK, around=query.focus)


def _peek(session: Session, query: Query) -> Body:
    pattern = query.focus
    if pattern is None:
        return _chooser(session, query, "peek")
    options = view_options("peek", query)
    graph = _peek_graph(session, query)
    lines = _PeekLines(graph, query)
    fmt = lines.fmt
    body = _graph_body(session, graph, options)
    data = ListData(pattern)
    body.data = data
    rx = re.compile(pattern)
    flat_sum = 0
    for node in graph.nodes:
        if not rx.search(lines.name(node)):
            continue
        flat_sum += node.flat
        callers, more_callers = lines.heaviest(node, callers=True)
        callees, more_callees = lines.heaviest(node, callers=False)
        data.blocks.append(
            PeekBlock(
                callers=callers,
                callees=callees,
                more_callers=more_callers,
                more_callees=more_callees,
                flat=lines.value(node.flat),
                flat_pct=fmt.percent(node.flat).strip(),
                sum_pct=fmt.percent(flat_sum).strip(),
                cum=lines.value(node.cum),
                cum_pct=fmt.percent(node.cum).strip(),
                name=lines.name(node),
                rest_url=query.url("./peek/rest", block=str(len(data.blocks))),
                node=node,
            )
        )
    body.nodes = [b.name for b in data.blocks]
    if not data.blocks:
        body.notices.append(f"no function matches {pattern!r}; pick one below or try the Top view")
        data.choices = _choices(session, _without_focus(query), "peek")
    return body


def peek_rest(session: Session, query: Query, block: int, callers: bool) -> list[PeekLine]:
    """The callers (or callees) of peek block ``block`` past the first :data:`PEEK_LINES`, in
    pprof's order: what the page's "show all" fetches (pprof's peek lists every one; the page
    starts with the heaviest so that it answers at once)."""
    from perfkit.errors import PerfkitError

    data = view_body(session, "peek", query).data
    blocks = data.blocks if isinstance(data, ListData) else []
    if not 0 <= block < len(blocks) or blocks[block].node is None:
        raise PerfkitError(f"URL parameter block {block}: the page has {len(blocks)} peek block(s)")
    node = blocks[block].node
    assert node is not None
    lines = _PeekLines(_peek_graph(session, query), query)
    edges = list((node.in_edges if callers else node.out_edges).values())
    ordered = _heaviest(edges, len(edges), lines.name)
    return lines.rows(ordered[PEEK_LINES:], node.cum, callers)


def _heaviest(edges: list[Edge], count: int, name_of: Callable[[Node], str]) -> list[Edge]:
    """The first ``count`` of ``edges`` in pprof's order (:func:`sort_edges`), naming only the
    edges that can be among them: on a big profile a node has thousands of callers, and sorting
    them all by name costs more than the rest of the page."""
    if len(edges) > count:
        by_weight = sorted((abs(e.weight) for e in edges), reverse=True)
        lightest = by_weight[count - 1]  # ties at the cut are ordered by name like the rest
        edges = [e for e in edges if abs(e.weight) >= lightest]
    return sorted(edges, key=lambda e: (-abs(e.weight), name_of(e.src), name_of(e.dst)))[:count]


_MAKERS = {"graph": _graph, "top": _top, "flamegraph": _flamegraph, "source": _source, "peek": _peek}
