"""The web UI's HTTP server: the standard library's ThreadingHTTPServer in front of :class:`App`.

Threads, so a static file or a cached page is answered while a big graph is being computed;
every request passes the :class:`~perfkit.web.auth.Gate` first.  A
:class:`~perfkit.web.prefetch.Prefetcher` computes the other views of the default settings after
start, and of every page's query after it is served, so switching views is mostly a lookup.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from perfkit.errors import PerfkitError
from perfkit.web.app import SECURITY_HEADERS, App, Response
from perfkit.web.auth import Gate, check_bind
from perfkit.web.prefetch import Prefetcher
from perfkit.web.session import Session

__all__ = ["WebServer"]


class _Handler(BaseHTTPRequestHandler):
    app: App
    gate: Gate
    server_version = "perfkit-web"
    protocol_version = "HTTP/1.1"
    timeout = 120  # a client that stops sending does not hold a thread forever

    def _answer(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.all_headers():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def do_GET(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        refusal = self.gate.refuse(self.client_address[0] if self.client_address else None, headers)
        if refusal is not None:
            body = (refusal.message + "\n").encode("utf-8")
            extra = [*SECURITY_HEADERS, *refusal.headers]
            self._answer(Response(refusal.status, body, "text/plain; charset=utf-8", extra))
            return
        raw_path, _, query = self.path.partition("?")
        query = query.partition("#")[0]
        try:
            response = self.app.handle(unquote(raw_path), query)
        except Exception as exc:  # a bug must not kill the server thread silently
            message = f"500 internal error: {type(exc).__name__}: {exc}"[:500]
            response = Response(500, message.encode("utf-8"), "text/plain; charset=utf-8", list(SECURITY_HEADERS))
            self.log_error("%s", message)
        self._answer(response)

    do_HEAD = do_GET

    def _not_allowed(self) -> None:
        body = b"405 method not allowed: the UI only reads (GET)\n"
        self._answer(Response(405, body, "text/plain; charset=utf-8", [("Allow", "GET, HEAD"), *SECURITY_HEADERS]))

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed

    def log_message(self, format: str, *args: object) -> None:
        """Quiet, as pprof's UI: the terminal is for perfkit's own lines."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class WebServer:
    """A listening web UI for ``session``; ``.url`` is its address, ``.close()`` stops it.

    ``host`` must be a loopback address unless ``token`` is given (see :mod:`perfkit.web.auth`).
    """

    def __init__(self, session: Session, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        check_bind(host, token)
        self.session = session
        self.app = App(session)
        handler = type("WebHandler", (_Handler,), {"app": self.app, "gate": Gate(token)})
        server = _Server6 if ":" in host else _Server
        try:
            self._httpd = server((host, port), handler)
        except OSError as exc:
            hint = "pick another --port, or --port 0 for a free one" if port else "check --host"
            raise PerfkitError(f"--port {port}: cannot listen on {host} ({exc.strerror or exc}); {hint}") from None
        self._thread: threading.Thread | None = None
        self.prefetcher: Prefetcher | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """The UI's address, ``http://127.0.0.1:PORT/ui/``."""
        host, port = self.address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/ui/"

    def start(self, *, prefetch: bool = True) -> WebServer:
        """Serve in a daemon thread; with ``prefetch``, compute views ahead in another (see the
        module doc)."""
        if prefetch:
            self.prefetcher = Prefetcher(lambda view, params: self.app.prepare(view, params), self.app.busy)
            self.app.on_page = self.prefetcher.want
            self.prefetcher.want(())  # the default settings, while the browser opens
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="perfkit-web", daemon=True)
        self._thread.start()
        return self

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C raises KeyboardInterrupt here, in the main thread)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def close(self) -> None:
        if self.prefetcher is not None:
            self.prefetcher.close()
        if self._thread is not None and self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> WebServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
