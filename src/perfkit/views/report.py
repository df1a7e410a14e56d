"""The one-file HTML report: run facts, a top table, per-thread shares and the interactive flame
graph, one section per sample type, in a single self-contained page that works offline.

The page is rendered from a jinja2 template shipped in the package with autoescaping on, so
function names and metadata can never inject markup; the only unescaped content is the flame
graph SVG, produced (and escaped) by :mod:`perfkit.views.flamegraph`.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import jinja2
from markupsafe import Markup

from perfkit.model import Profile
from perfkit.views.top import TopTable, resolve_sample_type, top_table
from perfkit.views.units import format_percent, format_value

NAME = "html"

#: rows of the top table per sample type
TOP_LIMIT = 30
#: metadata keys shown in the run section (in this order) rather than under "more"
_KNOWN = ("command", "backend", "python", "duration_ns", "start_ns", "interrupted")
_PROLOG = re.compile(r"\A\s*(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)


@dataclass(slots=True)
class Share:
    """One bar of a breakdown: a label value (thread or task name) and its part of the total."""

    name: str
    value: str
    percent: str
    width: float


@dataclass(slots=True)
class TypeView:
    """Everything the page shows for one sample type."""

    index: int
    anchor: str
    type: str
    unit: str
    total: str
    is_default: bool
    top: TopTable
    top_cells: list[tuple[str, ...]]
    threads: list[Share] = field(default_factory=list)
    tasks: list[Share] = field(default_factory=list)
    svg: Markup = field(default_factory=Markup)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("perfkit.views", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _text(value: Any, limit: int = 300) -> str:
    text = shlex.join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_facts(profile: Profile) -> list[tuple[str, str]]:
    """(label, text) pairs for the run section: the known facts first, then any other metadata."""
    meta = profile.metadata
    facts: list[tuple[str, str]] = []
    if "command" in meta:
        facts.append(("command", _text(meta["command"])))
    for key in ("backend", "python"):
        if key in meta:
            facts.append((key, _text(meta[key])))
    if isinstance(meta.get("duration_ns"), int | float):
        facts.append(("duration", format_value(meta["duration_ns"], "nanoseconds")))
    samples = next((i for i, vt in enumerate(profile.sample_types) if vt.type == "samples"), None)
    if samples is not None:
        facts.append(("samples", str(profile.total(samples))))
    else:
        facts.append(("sample records", str(len(profile))))
    if profile.period:
        if profile.period_type is not None:
            every = format_value(profile.period, profile.period_type.unit)
            facts.append(("period", f"{every} of {profile.period_type.type}"))
        else:
            facts.append(("period", str(profile.period)))
    if isinstance(meta.get("start_ns"), int | float) and meta["start_ns"] > 0:
        start = dt.datetime.fromtimestamp(meta["start_ns"] / 1e9, tz=dt.UTC)
        facts.append(("start time", start.strftime("%Y-%m-%d %H:%M:%S UTC")))
    facts.append(("interrupted", "yes: stopped early, the profile is partial" if meta.get("interrupted") else "no"))
    for key in sorted(meta):
        if key not in _KNOWN and meta[key] not in (None, "", [], {}):
            facts.append((key, _text(meta[key])))
    return facts


def breakdown(profile: Profile, label: str, index: int) -> list[Share]:
    """Value per distinct ``label`` value (samples without it grouped last), largest first."""
    column = profile.values[index]
    per_set: dict[int, int] = {}
    for lid, value in zip(profile.sample_labels, column):
        per_set[lid] = per_set.get(lid, 0) + value
    per_name: dict[str | None, int] = {}
    for lid, value in per_set.items():
        found = dict(profile.labelsets[lid]).get(label)
        # text keys: numeric labels (pprof ``num``) are shown as text, and sorting must compare like with like
        name = None if found is None else str(found)
        per_name[name] = per_name.get(name, 0) + value
    if set(per_name) <= {None}:
        return []
    total = sum(abs(v) for v in per_name.values())
    unit = profile.sample_types[index].unit
    order = sorted(per_name.items(), key=lambda kv: (kv[0] is None, -abs(kv[1]), kv[0] or ""))
    return [
        Share(
            name if name is not None else f"(no {label} label)",
            format_value(value, unit),
            format_percent(value, total),
            round(abs(value) / total * 100, 2) if total else 0.0,
        )
        for name, value in order
        if value
    ]


def _svg(profile: Profile, title: str, index: int) -> Markup:
    """The flame graph for one sample type, ready to sit inline in HTML (XML prolog removed)."""
    from perfkit.views import flamegraph

    svg = flamegraph.write(profile, title=title, sample_type=index)
    if isinstance(svg, bytes):
        svg = svg.decode("utf-8")
    return Markup(_PROLOG.sub("", svg, count=1))


def type_views(profile: Profile, title: str, sample_type: str | int | None, top_limit: int) -> list[TypeView]:
    """One view per sample type; the selected (or default) type first."""
    chosen = resolve_sample_type(profile, sample_type)
    order = [chosen, *(i for i in range(len(profile.sample_types)) if i != chosen)]
    views = []
    for i in order:
        vt = profile.sample_types[i]
        table = top_table(profile, sample_type=i, limit=top_limit)
        views.append(
            TypeView(
                index=i,
                anchor=f"type-{i}",
                type=vt.type,
                unit=vt.unit,
                total=table.format(table.total),
                is_default=i == chosen,
                top=table,
                top_cells=[table.cells(row) for row in table.rows],
                threads=breakdown(profile, "thread", i),
                tasks=breakdown(profile, "task", i),
                svg=_svg(profile, f"{title}: {vt.type}", i),
            )
        )
    return views


def write(
    profile: Profile,
    *,
    title: str | None = None,
    sample_type: str | int | None = None,
    top_limit: int = TOP_LIMIT,
) -> str:
    """The report as one HTML document (a str; the registry saves it atomically)."""
    meta_title = profile.metadata.get("command") or profile.metadata.get("name")
    page_title = title or (f"perfkit: {_text(meta_title, 80)}" if meta_title else "perfkit profile")
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=page_title,
        facts=run_facts(profile),
        views=type_views(profile, page_title, sample_type, top_limit),
        empty=profile.total(resolve_sample_type(profile, sample_type)) == 0,
    )
