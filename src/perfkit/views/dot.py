"""The call graph as Graphviz DOT text, attribute for attribute as ``go tool pprof -dot`` writes it.

Boxes are labelled with the function (its name split at dots, one part a line), flat and cum with
their share, sized by flat (font 8 to 24 points, growing with the square root of flat over the
largest flat), coloured by cum (grey for little, red for much; in a diff, red grew and blue
shrank); label values hang below a node as small 3-D boxes.  Edges are weighted and coloured by
their value; a dotted edge stands for calls through nodes the pruning removed.

``write`` makes this module a writer (``perfkit convert cpu.pb.gz -o cpu.dot``); :mod:`perfkit.views.
graphviz` turns the text into SVG, PNG or PDF.
"""

from __future__ import annotations

import math
import re

from perfkit.graph import Edge, Graph, GraphOptions, Node, ReportKind, Tag, build_graph
from perfkit.model import Profile
from perfkit.tags import scale, scaled_label
from perfkit.views.legend import ReportFormat, binary_name, report_labels

__all__ = ["NAME", "compose", "dot_colour", "write"]

NAME = "dot"

MAX_NODELETS = 4

# Names shortened in boxes as pprof shortens them: Go package paths, Java packages, C++ namespaces.
_JAVA = re.compile(r"^(?:[a-z]\w*\.)*([A-Z][\w\$]*\.(?:<init>|[a-z][\w\$]*(?:\$\d+)?))(?:(?:\()|$)", re.ASCII)
_GO = re.compile(r"^(?:[\w\-\.]+\/)+(.+)", re.ASCII)
_GO_VERSION = re.compile(r"^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$", re.ASCII)
_CPP = re.compile(r"^(?:[_a-zA-Z]\w*::)+(_*[A-Z]\w*::~?[_a-zA-Z]\w*(?:<.*>)?)", re.ASCII)
_CPP_ANONYMOUS = re.compile(r"^\(anonymous namespace\)::", re.ASCII)


def shorten_function_name(name: str) -> str:
    """pprof's ShortenFunctionName: drop package paths and namespaces, keep the last parts."""
    name = _CPP_ANONYMOUS.sub("", name)
    name = _GO_VERSION.sub(r"\1\2", name)
    for rx in (_GO, _JAVA, _CPP):
        match = rx.search(name)
        if match:
            return "".join(match.groups())
    return name


def escape(text: str) -> str:
    """DOT string escapes: backslash and quote escaped, newlines left-justified (``\\l``)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\l")


def dot_colour(score: float, background: bool) -> str:
    """pprof's dotColor for a share between -1 and 1: grey near 0, red towards 1; negative
    shares (shrinkage in a diff) go blue, as perfkit's diff flame graphs do."""
    shift = 0.7
    saturation, value = (0.1, 0.93) if background else (1.0, 0.7)
    score = max(-1.0, min(1.0, score))
    if abs(score) < 0.2:
        saturation *= abs(score) / 0.2
    if score > 0:
        score = score ** (1.0 - shift)
    elif score < 0:
        score = -((-score) ** (1.0 - shift))
    if score < 0:
        r = value * (1 - saturation)
        g = value * (1 + saturation * score)
        b = value
    else:
        r = value
        g = value * (1 - saturation * score)
        b = value * (1 - saturation)
    return f"#{_byte(r)}{_byte(g)}{_byte(b)}"


def _byte(channel: float) -> str:
    return f"{int(channel * 255.0) & 0xFF:02x}"


def _multiline_name(node: Node) -> str:
    """The box's name lines: the shortened function split at dots, then file:line or file."""
    info = node.info
    name = escape(shorten_function_name(info.name)).replace("::", "\\n")
    name = name.replace("[...]", "[…]").replace(".", "\\n")
    file = info.file.rsplit("/", 1)[-1] if info.file else ""
    parts = []
    if info.address:
        parts.append(f"{info.address:016x}")
    if name:
        parts.append(name)
    if info.line:
        parts.append(f"{file}:{info.line}")
    elif file:
        parts.append(file)
    elif not name:
        parts.append("<unknown>")
    return "\\n".join(parts) + "\\n"


class _Builder:
    def __init__(self, graph: Graph, fmt: ReportFormat) -> None:
        self.graph = graph
        self.fmt = fmt
        self.total = graph.total
        self.lines: list[str] = []

    def node(self, node: Node, nid: int, max_flat: float) -> None:
        fmt, total = self.fmt, self.total
        flat, cum = node.flat, node.cum
        label = _multiline_name(node)
        flat_text = fmt.value(flat)
        label += f"{flat_text} ({fmt.percent(flat).strip()})" if flat else "0"
        cum_text = flat_text
        if cum != flat:
            label += "\\n" if flat else " "
            cum_text = fmt.value(cum)
            label += f"of {cum_text} ({fmt.percent(cum).strip()})"
        size = 8
        if max_flat and flat and abs(flat) <= max_flat:
            size += math.ceil(16.0 * math.sqrt(abs(flat) / max_flat))
        share = cum / abs(total) if total else 0.0
        self.lines.append(
            f'N{nid} [label="{label}" id="node{nid}" fontsize={size} shape=box '
            f'tooltip="{escape(node.name)} ({cum_text})" color="{dot_colour(share, False)}" '
            f'fillcolor="{dot_colour(share, True)}"]'
        )

    def nodelets(self, node: Node, nid: int) -> bool:
        """Label boxes under a node: flat shares for inner nodes, cum for leaves (whose children
        may have been pruned), numeric values grouped into ranges; returns whether any was drawn."""
        flat_tags = bool(node.out_edges)
        start = len(self.lines)
        for i, tag in enumerate(sort_tags(list(node.tags.values()), flat_tags)[:MAX_NODELETS]):
            weight = tag.flat if flat_tags else tag.cum
            if weight == 0:
                continue
            self._box(f"N{nid}_{i}", f"N{nid}", tag.name, weight, "")
            numbers = node.numeric_tags.get(tag.name)
            if numbers:
                self._numeric(list(numbers.values()), flat_tags, f"N{nid}_{i}")
        if node.numeric_tags.get(""):
            self._numeric(list(node.numeric_tags[""].values()), flat_tags, f"N{nid}")
        return len(self.lines) > start

    def _numeric(self, tags: list[Tag], flat_tags: bool, source: str) -> None:
        """Numeric boxes (allocation sizes), at most four: the rest join the nearest size."""
        for j, tag in enumerate(self._collapsed(tags, flat_tags)):
            weight, style = tag.cum, ' style="dotted"'
            if flat_tags or tag.flat == tag.cum:
                weight, style = tag.flat, ""
            if weight != 0:
                self._box(f"N{source}_{j}", source, tag.name, weight, style)

    def _box(self, box: str, source: str, name: str, weight: int, style: str) -> None:
        text = self.fmt.value(weight)
        name = name.replace('"', '\\"')  # keeps the \\n between labels, as pprof does
        self.lines.append(f'{box} [label = "{name}" id="{box}" fontsize=8 shape=box3d tooltip="{text}"]')
        self.lines.append(
            f'{source} -> {box} [label=" {text}" weight=100 tooltip="{text}" labeltooltip="{text}"{style}]'
        )

    @staticmethod
    def _collapsed(tags: list[Tag], flat_tags: bool) -> list[Tag]:
        """pprof's collapsedTags: the heaviest four numbers seed groups, each other number joins
        the group whose seed is nearest; a group is labelled by its range ("1kB..4kB")."""
        tags = sort_tags(tags, flat_tags)
        if len(tags) <= MAX_NODELETS:
            return tags
        groups = [[t] for t in tags[:MAX_NODELETS]]
        for tag in tags[MAX_NODELETS:]:
            nearest = min(range(MAX_NODELETS), key=lambda i: (_distance(tag, groups[i][0]), i))
            groups[nearest].append(tag)
        return sort_tags([_group(g) for g in groups], flat_tags)

    def edge(self, edge: Edge, src: int, dst: int, has_nodelets: bool) -> None:
        text = self.fmt.value(edge.weight)
        inline = "\\n (inline)" if edge.inline else ""
        attrs = f'label=" {text}{inline}"'
        total = self.total
        if total:
            weight = 1 + min(abs(edge.weight) * 100 // total, 100)
            if weight > 1:
                attrs += f" weight={weight}"
            width = 1 + min(abs(edge.weight) * 5 // total, 5)
            if width > 1:
                attrs += f" penwidth={width}"
            attrs += f' color="{dot_colour(edge.weight / abs(total), False)}"'
        arrow = "..." if edge.residual else "->"
        tooltip = f'"{escape(edge.src.name)} {arrow} {escape(edge.dst.name)} ({text})"'
        attrs += f" tooltip={tooltip} labeltooltip={tooltip}"
        if edge.residual:
            attrs += ' style="dotted"'
        if has_nodelets:
            attrs += " minlen=2"
        self.lines.append(f"N{src} -> N{dst} [{attrs}]")


def _distance(tag: Tag, seed: Tag) -> float:
    """How far ``tag``'s number is from ``seed``'s, in ``tag``'s unit."""
    return abs(scale(seed.value, seed.unit, tag.unit)[0] - tag.value)


def _group(tags: list[Tag]) -> Tag:
    """One box for several numbers: their range as the name, their shares summed."""
    if len(tags) == 1:
        t = tags[0]
        return Tag(scaled_label(t.value, t.unit, "auto"), t.flat, t.cum, t.value, t.unit)
    low = high = tags[0]
    for t in tags[1:]:
        if int(scale(t.value, t.unit, low.unit)[0]) < low.value:
            low = t
        if int(scale(t.value, t.unit, high.unit)[0]) > high.value:
            high = t
    name = f"{scaled_label(low.value, low.unit, 'auto')}..{scaled_label(high.value, high.unit, 'auto')}"
    return Tag(name, sum(t.flat for t in tags), sum(t.cum for t in tags))


def sort_tags(tags: list[Tag], flat: bool) -> list[Tag]:
    """pprof's SortTags: by cum (unless ``flat``), then flat, heaviest first, then by name."""
    if flat:
        return sorted(tags, key=lambda t: (-abs(t.flat), t.name))
    return sorted(tags, key=lambda t: (-abs(t.cum), -abs(t.flat), t.name))


def compose(profile: Profile, graph: Graph, *, title: str | None = None) -> str:
    """The DOT text of ``graph`` (built from ``profile``), legend box first."""
    fmt = ReportFormat.for_graph(graph)
    builder = _Builder(graph, fmt)
    name = title or binary_name(profile)
    out = [f'digraph "{escape(name or "unnamed")}" {{', 'node [style=filled fillcolor="#f8f8f8"]']
    labels = report_labels(profile, graph, fmt, legend=True)
    if labels:
        escaped = [escape(line) for line in labels]
        text = "\\l".join(escaped) + "\\l"
        legend = f'subgraph cluster_L {{ "{escaped[0]}" [shape=box fontsize=16 label="{text}"'
        if name:
            legend += f' tooltip="{escape(name)}"'
        out.append(legend + "] }")
    if graph.nodes:
        ids = {node: i for i, node in enumerate(graph.nodes, 1)}
        max_flat = float(max(abs(n.flat) for n in graph.nodes))
        has_nodelets = {}
        for node in graph.nodes:
            builder.node(node, ids[node], max_flat)
            has_nodelets[node] = builder.nodelets(node, ids[node])
        for edge in graph.edges():
            builder.edge(edge, ids[edge.src], ids[edge.dst], has_nodelets[edge.src])
    out += builder.lines
    out.append("}")
    return "\n".join(out) + "\n"


def write(
    profile: Profile,
    *,
    options: GraphOptions | None = None,
    base: Profile | None = None,
    title: str | None = None,
) -> str:
    """The call graph of ``profile`` (minus ``base``) as DOT text, with pprof's defaults."""
    graph = build_graph(profile, options or GraphOptions(), ReportKind.DOT, base=base)
    return compose(profile, graph, title=title)
