"""The header pprof prints above its reports (and in the call graph's legend box), and the one
value format a report uses.

``File``, ``Build ID``, comments, ``Type``, ``Time``, ``Duration``, active filters, then what the
report shows: "Showing nodes accounting for X, Y% of Z total", the dropped nodes and edges and the
node count cut, worded as ``go tool pprof`` words them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass

from perfkit.graph import Graph
from perfkit.model import Mapping, Profile
from perfkit.tags import percentage as pprof_percentage
from perfkit.tags import scale as pprof_scale
from perfkit.tags import scaled_label as pprof_label

__all__ = ["ReportFormat", "binary_name", "output_unit", "profile_labels", "report_labels"]

#: the call graph legend's last line: how to read the picture (pprof links to its docs instead)
HOW_TO_READ = "Box size: flat; arrows: calls, dotted where left-out nodes lie between"


@dataclass(frozen=True, slots=True)
class ReportFormat:
    """Values of one report in one unit (pprof's ``-unit=minimum``), percentages of its total."""

    unit: str
    output: str
    total: int

    @classmethod
    def for_graph(cls, graph: Graph) -> ReportFormat:
        """The unit pprof would pick for this graph: its smallest node value's, moved up when the
        total is over a hundred times bigger."""
        values = [n.flat or n.cum for n in graph.nodes]
        return cls(graph.unit, output_unit(values, graph.total, graph.unit), graph.total)

    def value(self, value: int) -> str:
        return pprof_label(value, self.unit, self.output)

    def percent(self, value: int, total: int | None = None) -> str:
        """Padded as pprof pads it ("  100%", "63.58%"); strip for prose."""
        return pprof_percentage(value, self.total if total is None else total)


def main_mapping(profile: Profile) -> Mapping:
    """The profiled program's mapping, as pprof takes it for titles: the first mapping frames name,
    else the one perfkit writes for Python frames (``python``, or the recorded executable)."""
    for frame in profile.frames:
        if frame.mapping is not None:
            return frame.mapping
    return Mapping(filename=str(profile.metadata.get("executable") or "python"))


def output_unit(values: Iterable[int], total: int, unit: str) -> str:
    """The one unit a pprof report prints its values in (pprof's ``-unit=minimum``): the unit of
    the smallest non-zero value, moved up when ``total`` is over 100 times bigger.  ``values`` holds
    one value per node: its flat, or its cum when flat is zero."""
    smallest = min((abs(v) for v in values if v), default=0) or total
    _, small_unit = pprof_scale(smallest, unit, "minimum")
    _, large_unit = pprof_scale(total, unit, "minimum")
    chosen = small_unit
    if small_unit != large_unit and smallest * 100 < total:
        _, chosen = pprof_scale(100 * smallest, unit, "minimum")
    return chosen or unit


def binary_name(profile: Profile) -> str:
    """The profiled program's file name (pprof's title and ``File:`` line)."""
    return os.path.basename(main_mapping(profile).filename)


def _time(start_ns: int) -> str:
    """pprof's time stamp: ``Jan 2, 2006 at 3:04pm (MST)`` in the local time zone."""
    when = dt.datetime.fromtimestamp(start_ns / 1e9).astimezone()
    hour = when.hour % 12 or 12
    return f"{when:%b} {when.day}, {when.year} at {hour}:{when:%M}{'am' if when.hour < 12 else 'pm'} ({when:%Z})"


def profile_labels(profile: Profile, graph: Graph, fmt: ReportFormat) -> list[str]:
    """pprof's ProfileLabels: what the profile is (File, Build ID, comments, Type, Time, Duration).
    A profile perfkit recorded is "File: python", as ``go tool pprof`` reads it from the file.

    perfkit's own run facts (``key=value`` comments of a perfkit-written file) are left out: the
    HTML report shows them; only free-form comments are printed, as pprof prints them.
    """
    meta = profile.metadata
    labels = []
    mapping = main_mapping(profile)
    if mapping.filename:
        labels.append(f"File: {os.path.basename(mapping.filename)}")
    if mapping.build_id:
        labels.append(f"Build ID: {mapping.build_id}")
    comments = meta.get("comments")
    if isinstance(comments, list | tuple):
        labels.extend(str(c) for c in comments if not str(c).startswith("#"))
    labels.append(f"Type: {graph.prepared.sample_type.type}")
    start = meta.get("start_ns")
    if isinstance(start, int | float) and start:
        labels.append(f"Time: {_time(int(start))}")
    duration = meta.get("duration_ns")
    if isinstance(duration, int | float) and duration:
        total_ns, unit = pprof_scale(fmt.total, fmt.unit, "nanoseconds")
        # pprof pads the percentage: "( 3.78%)"
        ratio = f"({pprof_percentage(int(total_ns), duration)})" if unit == "ns" and total_ns else ""
        labels.append(
            f"Duration: {pprof_label(int(duration), 'nanoseconds')}, Total samples = {fmt.value(fmt.total)} {ratio}"
        )
    return labels


def active_filters(graph: Graph) -> list[str]:
    """pprof's "Active filters:" lines, one ``name=pattern`` per filter in use."""
    options = graph.options
    filters = [
        f"{name}={value}"
        for name, value in (
            ("focus", options.focus),
            ("ignore", options.ignore),
            ("hide", options.hide),
            ("show", options.show),
            ("show_from", options.show_from),
            ("tagfocus", options.tagfocus),
            ("tagignore", options.tagignore),
        )
        if value
    ]
    if not filters:
        return []
    return ["Active filters:", *(f"   {f[:80] + '…' if len(f) > 80 else f}" for f in filters)]


def report_labels(profile: Profile, graph: Graph, fmt: ReportFormat, *, legend: bool = False) -> list[str]:
    """pprof's reportLabels: the profile's labels, then what this report shows and leaves out.
    ``legend`` adds what only the call graph's legend carries (dropped edges, how to read it)."""
    labels = profile_labels(profile, graph, fmt)
    labels += active_filters(graph)
    shown = graph.flat_sum()
    labels.append(
        f"Showing nodes accounting for {fmt.value(shown)}, {fmt.percent(shown).strip()} of "
        f"{fmt.value(graph.total)} total"
    )
    if graph.total:
        if graph.dropped_nodes:
            labels.append(_dropped(graph.dropped_nodes, "node", "cum", fmt.value(graph.node_cutoff)))
        if legend and graph.dropped_edges:
            labels.append(_dropped(graph.dropped_edges, "edge", "freq", fmt.value(graph.edge_cutoff)))
        if 0 < len(graph.nodes) < graph.orig_count:
            labels.append(f"Showing top {len(graph.nodes)} nodes out of {graph.orig_count}")
    if legend:
        labels.append("\n" + HOW_TO_READ)
    return labels


def _dropped(count: int, noun: str, measure: str, cutoff: str) -> str:
    return f"Dropped {count} {noun}{'s' if count > 1 else ''} ({measure} <= {cutoff})"
