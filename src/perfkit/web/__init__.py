"""``perfkit web``: pprof's interactive web UI (``go tool pprof -http``) for any profile.

The call graph (``/ui/``), top (``/ui/top``), flame graph (``/ui/flamegraph``), peek
(``/ui/peek?f=REGEX``) and annotated source (``/ui/source?f=REGEX``) of one profile, or of a diff,
at URLs that take pprof's query parameters, so a link made by ``go tool pprof -http`` opens the same
view with the same filters.  Built on the graph layer (:mod:`perfkit.graph`), whose caches keep a
million-sample profile quick to click through.

    import perfkit
    from perfkit.web import Session, WebServer

    server = WebServer(Session(perfkit.load("cpu.pb.gz"), name="cpu.pb.gz")).start()
    print(server.url)          # http://127.0.0.1:PORT/ui/
    ...
    server.close()
"""

from __future__ import annotations

from perfkit.web.app import App
from perfkit.web.server import WebServer
from perfkit.web.session import Session

__all__ = ["App", "Session", "WebServer"]
