"""pprof's web UI query parameters, read as ``go tool pprof -http`` reads them.

A link made by pprof's UI (``/ui/top?f=main%5C.hot&si=alloc_space``) must mean the same here, so
the names are pprof's (:data:`perfkit.graph.URL_PARAMS`, with pprof's ``norm`` for normalize),
an empty value means "not set" (pprof's ``params.Get`` then skips it), and the first value of a
repeated parameter wins.  Parameters pprof knows but perfkit does not apply (``unit``,
``noinlines`` ...) are reported on the page instead of being silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from perfkit.errors import PerfkitError
from perfkit.graph import URL_PARAMS, GraphOptions
from perfkit.graph.options import FLAGS

__all__ = ["Query", "name_parameter", "parse_query", "quote_regex"]

#: pprof spells the normalize option ``norm`` in URLs; perfkit's table says ``normalize``
ALIASES = {"norm": "normalize"}
#: pprof's other URL parameters: understood by pprof, not (yet) applied by perfkit
UNSUPPORTED = ("unit", "calltree", "compact", "intel", "mean", "prunefrom", "ts", "th", "noinlines")
#: option name -> the URL parameter that sets it (for messages)
_PARAM_OF = {name: key for key, name in URL_PARAMS.items()}
_CANONICAL = {alias: _PARAM_OF[name] for alias, name in ALIASES.items()}


@dataclass(frozen=True, slots=True)
class Query:
    """One page's settings: the graph options (filters, tag filters, sample type ...) and what
    the URL said.

    ``explicit`` holds the option names the URL set (a view's own defaults, such as 500 rows for
    top or lines for peek, give way to them); ``params`` is the canonical query (pprof's names,
    set values only, in a fixed order), which keys caches and builds links.
    """

    options: GraphOptions = field(default_factory=GraphOptions)
    explicit: frozenset[str] = frozenset()
    params: tuple[tuple[str, str], ...] = ()
    ignored: tuple[str, ...] = ()

    @property
    def focus(self) -> str | None:
        """``f``: pprof's focus, and the function regex of the source and peek views."""
        return self.options.focus

    def value(self, key: str) -> str | None:
        """The canonical value of URL parameter ``key`` (None when unset)."""
        return dict(self.params).get(key)

    def url(self, path: str, **changes: str | None) -> str:
        """``path`` with this query, some parameters changed (None removes one)."""
        params = dict(self.params)
        for key, value in changes.items():
            if value is None or value == "":
                params.pop(key, None)
            else:
                params[key] = value
        return path + ("?" + urlencode(sorted(params.items())) if params else "")


def _first_values(query: str | Mapping[str, str] | Sequence[tuple[str, str]]) -> dict[str, str]:
    """The first value of every parameter (pprof's ``url.Values.Get``), blanks kept."""
    if isinstance(query, str):
        pairs = parse_qsl(query, keep_blank_values=True)
    elif isinstance(query, Mapping):
        pairs = list(query.items())
    else:
        pairs = list(query)
    values: dict[str, str] = {}
    for key, value in pairs:
        values.setdefault(key, value)
    return values


def parse_query(query: str | Mapping[str, str] | Sequence[tuple[str, str]]) -> Query:
    """The :class:`Query` of a URL's query string; a bad value is a one-line PerfkitError naming
    the URL parameter (``f '(': not a valid regular expression ...``)."""
    values = _first_values(query)
    graph_params: dict[str, str] = {}
    ignored = []
    for key, raw in values.items():
        if raw == "":
            continue  # pprof: an empty value leaves the option at its default
        key = _CANONICAL.get(key, key)
        if key in URL_PARAMS:
            graph_params[key] = raw
        elif key in UNSUPPORTED:
            ignored.append(f"{key}={raw}")
    try:
        options = GraphOptions.from_params(graph_params)
    except PerfkitError as exc:
        raise PerfkitError(name_parameter(str(exc))) from None
    explicit = frozenset(URL_PARAMS[key] for key in graph_params)
    return Query(
        options=options,
        explicit=explicit,
        params=tuple(sorted(graph_params.items())),
        ignored=tuple(ignored),
    )


def name_parameter(message: str) -> str:
    """The graph layer names command-line flags (``--focus``); a URL user typed ``f``.  Control
    characters a URL can carry (``%0A``) are shown escaped, so the message stays one line."""
    message = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    for name, flag in FLAGS.items():
        if message.startswith(flag + " ") and name in _PARAM_OF:
            return f"URL parameter {_PARAM_OF[name]} ({flag.removeprefix('--')}){message[len(flag) :]}"
    return message


def quote_regex(text: str) -> str:
    """A regex matching ``text`` literally, escaped as pprof's UI escapes selected names
    (``main.hot`` -> ``main\\.hot``), so the links perfkit builds are the links pprof builds."""
    out = []
    for char in text:
        if char in "\\.?+*[](){}|^$":
            out.append("\\")
        out.append(char)
    return "".join(out)
