"""The header every page shares: the views, the sample-type and granularity pickers, the active
filters (each with the URL that drops it), pprof's legend and what the view's filters kept."""

from __future__ import annotations

from dataclasses import dataclass

from perfkit.graph import Granularity
from perfkit.graph.options import sample_column
from perfkit.web.pages import LABELS, VIEWS, view_options
from perfkit.web.params import Query
from perfkit.web.session import Session

__all__ = ["Header", "header"]


@dataclass(slots=True)
class Choice:
    value: str
    label: str
    selected: bool


@dataclass(slots=True)
class Filter:
    """An active filter, with the URL that drops it."""

    key: str
    name: str
    value: str
    remove_url: str


@dataclass(slots=True)
class Header:
    """What every page's header shows."""

    title: str
    view: str
    path: str
    sample_types: list[Choice]
    granularities: list[Choice]
    legend: list[str]
    summary: str
    filters: list[Filter]
    notices: list[str]
    nav: list[tuple[str, str, str, bool]]
    download_url: str
    reset_url: str
    diff: bool
    source: str


_FILTER_NAMES = {"f": "focus", "i": "ignore", "h": "hide", "s": "show", "sf": "show from", "tf": "tag focus"}
_FILTER_NAMES |= {"ti": "tag ignore"}


def header(session: Session, view: str, query: Query, legend: list[str], summary: str, notices: list[str]) -> Header:
    """The header of ``view`` for ``query``."""
    path = "./" if view == "graph" else f"./{view}"
    profile = session.profile
    index = _sample_index(session, query)
    sample_types = [Choice(vt.type, f"{vt.type} ({vt.unit})", i == index) for i, vt in enumerate(profile.sample_types)]
    granularity = view_options(view, query).granularity
    granularities = [Choice(g.value, g.value, g is granularity) for g in Granularity]
    filters = [
        Filter(key, _FILTER_NAMES[key], value, query.url(path, **{key: None}))
        for key, value in query.params
        if key in _FILTER_NAMES
    ]
    if query.ignored:
        notices = [*notices, "perfkit does not apply these pprof parameters: " + ", ".join(query.ignored)]
    nav = [
        (name, LABELS[name], query.url("./" if name == "graph" else f"./{name}"), name == view)
        for name in VIEWS.values()
    ]
    vt = profile.sample_types[index]
    source = session.name if not session.diff else f"{session.name} − base {session.base_name}"
    return Header(
        title=f"{session.name} {vt.type}" + (" (diff)" if session.diff else ""),
        view=view,
        path=path,
        sample_types=sample_types,
        granularities=granularities,
        legend=legend,
        summary=summary,
        filters=filters,
        notices=notices,
        nav=nav,
        download_url=query.url("./download"),
        reset_url=query.url(path, **dict.fromkeys(_FILTER_NAMES)),
        diff=session.diff,
        source=source,
    )


def _sample_index(session: Session, query: Query) -> int:
    return sample_column(session.profile, query.options.sample_index)
