"""Routes of the web UI, independent of the HTTP server: a request's path and query in, a
:class:`Response` out.

The paths are pprof's (``/ui/``, ``/ui/top``, ``/ui/flamegraph``, ``/ui/peek``, ``/ui/source``,
``/ui/download``; ``/`` redirects to ``/ui/`` with its query), so a URL copied from ``go tool pprof
-http`` opens the same view here.  Pages are jinja2 templates with autoescaping; every response
carries a Content-Security-Policy allowing only this origin's stylesheet and the scripts holding
this response's nonce, so nothing is ever loaded from the network.
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from perfkit.errors import PerfkitError
from perfkit.web import pages
from perfkit.web.header import Header, header
from perfkit.web.params import Query, name_parameter, parse_query
from perfkit.web.session import Session

__all__ = ["App", "Response", "csp"]

#: files under /ui/static/ and their content types (nothing else is served from the package)
STATIC = {"web.css": "text/css; charset=utf-8", "web.js": "text/javascript; charset=utf-8"}
#: the line under the header saying what a view's mouse does
HINTS = {
    "graph": "Drag to pan, wheel to zoom; click a node to focus on it, Shift-click to select several, then Refine.",
    "top": "Click a column to sort; click rows to select, then Refine; double-click a row to focus on it.",
    "flamegraph": "Click a frame to zoom, the bottom frame to reset; the search box highlights matches.",
    "source": "Source of the functions matching the search (f), each line with its flat and cum.",
    "peek": "Callers above and callees below each function matching the search (f); click a name to peek at it.",
}
#: pprof routes perfkit does not have, and what to use instead
MISSING = {
    "disasm": "perfkit has no disassembly view (Python code has no machine code to show); use Source",
    "saveconfig": "perfkit does not save configurations; bookmark the page's URL instead",
    "deleteconfig": "perfkit does not save configurations; bookmark the page's URL instead",
}


def csp(nonce: str) -> str:
    """The page's Content-Security-Policy: this origin's CSS, scripts with ``nonce``, nothing else."""
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


#: headers every response carries
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
)


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def all_headers(self) -> list[tuple[str, str]]:
        return [("Content-Type", self.content_type), ("Content-Length", str(len(self.body))), *self.headers]


@functools.cache
def _environment() -> jinja2.Environment:
    from perfkit.web.peektable import peek_table

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("perfkit.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["peek_table"] = peek_table  # tens of thousands of rows: joined, not looped
    return environment


@functools.cache
def _static(name: str) -> bytes:
    return resources.files("perfkit.web").joinpath("static", name).read_bytes()


def _with_nonce(html: str, nonce: str) -> str:
    """The flame graph's own inline style and script, allowed by this response's nonce."""
    html = html.replace("<style>", f'<style nonce="{nonce}">', 1)
    return html.replace('<script type="text/ecmascript">', f'<script type="text/ecmascript" nonce="{nonce}">', 1)


class App:
    """The UI of one :class:`~perfkit.web.session.Session`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        #: told the canonical query of every page served (the server prefetches its other views)
        self.on_page: Callable[[tuple[tuple[str, str], ...]], None] | None = None
        self._in_flight = 0
        self._count = threading.Lock()

    def busy(self) -> bool:
        """Whether a request is being answered (background work waits for it)."""
        return self._in_flight > 0

    def handle(self, path: str, query: str) -> Response:
        """The response to ``GET path?query`` (``path`` already percent-decoded)."""
        nonce = secrets.token_urlsafe(18)
        with self._count:
            self._in_flight += 1
        try:
            response = self._route(path, query, nonce)
        finally:
            with self._count:
                self._in_flight -= 1
        response.headers = [("Content-Security-Policy", csp(nonce)), *SECURITY_HEADERS, *response.headers]
        return response

    def _route(self, path: str, query: str, nonce: str) -> Response:
        if path in ("/", "/ui"):
            return _redirect("/ui/" + ("?" + query if query else ""))
        if not path.startswith("/ui/"):
            return self._message(404, f"{path[:100]}: no such page; the UI is at /ui/", query, nonce)
        name = path[len("/ui/") :]
        if name.startswith("static/") and name[len("static/") :] in STATIC:
            asset = name[len("static/") :]
            return Response(200, _static(asset), STATIC[asset])
        if name in pages.VIEWS:
            return self._page(pages.VIEWS[name], query, nonce)
        if name == "download":
            return self._download(query, nonce)
        if name == "peek/rest":
            return self._peek_rest(query)
        if name in MISSING:
            return self._message(404, MISSING[name], query, nonce)
        return self._message(
            404, f"/ui/{name[:100]}: no such view; try Graph, Top, Flame Graph, Peek or Source", query, nonce
        )

    def prepare(self, view: str, query: Query | str | tuple[tuple[str, str], ...]) -> tuple[pages.Body, str]:
        """A view's body and content HTML for ``query``, from the session's caches or made there."""
        if not isinstance(query, Query):
            query = parse_query(query)
        body = pages.view_body(self.session, view, query)
        return body, self.session.result(("html", view, query.params), lambda: _main(view, body.data))

    def _page(self, view: str, query_text: str, nonce: str) -> Response:
        try:
            query = parse_query(query_text)
            body, main = self.prepare(view, query)
            head = header(self.session, view, query, body.legend, body.summary, body.notices)
        except PerfkitError as exc:
            return self._message(400, name_parameter(str(exc)), query_text, nonce, view)
        if self.on_page is not None:
            self.on_page(query.params)
        if view == "flamegraph":
            main = _with_nonce(main, nonce)
        return self._render(head, nonce, body.nodes, Markup(main), query.focus or "")

    def _render(self, head: Header, nonce: str, nodes: list[str], main: Markup, focus: str) -> Response:
        """The whole page: the header around a view's (cached) content."""
        page = _environment().get_template("base.html.j2")
        html = page.render(h=head, nonce=nonce, nodes=nodes, main=main, focus=focus, hint=HINTS.get(head.view, ""))
        return Response(200, html.encode("utf-8"))

    def _download(self, query_text: str, nonce: str) -> Response:
        from perfkit.web.download import pprof_bytes

        try:
            query = parse_query(query_text)
            data = pprof_bytes(self.session, query.options)
        except PerfkitError as exc:
            return self._message(400, name_parameter(str(exc)), query_text, nonce)
        name = _download_name(self.session.name)
        return Response(
            200,
            data,
            "application/vnd.google.protobuf+gzip",
            [("Content-Disposition", f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}")],
        )

    def _peek_rest(self, query_text: str) -> Response:
        """The callers or callees a peek block left out, as ``<tr>`` rows for its "show all"."""
        from perfkit.web.peektable import peek_rows

        raw = dict(_pairs(query_text))
        side = raw.get("side", "")
        try:
            if side not in ("callers", "callees"):
                raise PerfkitError(f"URL parameter side {side!r}: use callers or callees")
            if not raw.get("block", "").isdigit():
                raise PerfkitError(f"URL parameter block {raw.get('block', '')!r}: use a peek block's number")
            query = parse_query(query_text)
            if query.focus is None:
                raise PerfkitError("URL parameter f is missing: give the peek page's regex")
            lines = pages.peek_rest(self.session, query, int(raw["block"]), callers=side == "callers")
        except PerfkitError as exc:
            return Response(400, name_parameter(str(exc)).encode("utf-8"), "text/plain; charset=utf-8")
        return Response(200, peek_rows(side.removesuffix("s"), lines).encode("utf-8"))

    def _message(self, status: int, message: str, query_text: str, nonce: str, view: str = "graph") -> Response:
        """A page saying what went wrong, with a header to fix it from (the query's settings when
        they parse, else none)."""
        try:
            query = parse_query(query_text)
        except PerfkitError:
            query = Query()
        try:
            head = header(self.session, view, query, [], "", [])
        except PerfkitError:  # the sample type itself is wrong: show the header without it
            query = Query()
            head = header(self.session, view, query, [], "", [])
        raw_focus = dict(_pairs(query_text)).get("f", "")
        main = _environment().get_template("message.html.j2").render(status=status, message=message)
        response = self._render(head, nonce, [], Markup(main), raw_focus)
        response.status = status
        return response


def _main(view: str, data: object) -> str:
    """A view's content as HTML (kept in the session: a big peek or flame graph renders once)."""
    svg = getattr(data, "svg", None)
    return _environment().get_template(f"{view}.html.j2").render(data=data, svg=Markup(svg) if svg else None)


def _pairs(query_text: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query_text, keep_blank_values=True)


def _redirect(location: str) -> Response:
    return Response(307, b"", "text/plain; charset=utf-8", [("Location", location)])


def _download_name(source: str) -> str:
    """``cpu.pb.gz`` -> ``cpu-filtered.pb.gz`` (a URL source becomes ``profile-filtered.pb.gz``)."""
    base = source.rsplit("/", 1)[-1] if "://" not in source else "profile"
    for ext in (".pb.gz", ".pprof", ".pb", ".gz"):
        if base.endswith(ext):
            base = base[: -len(ext)]
            break
    else:
        base = base.rsplit(".", 1)[0] if "." in base else base
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in base) or "profile"
    return f"{safe}-filtered.pb.gz"
