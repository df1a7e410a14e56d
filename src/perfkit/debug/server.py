"""The standalone debug server: a ThreadingHTTPServer in a daemon thread serving the routes.

Separate from the service's own port (like Go's habit of a second listener on 127.0.0.1:6060),
so it works for any service, HTTP or not, and a slow profile never holds an app worker.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from perfkit.debug import security
from perfkit.debug.routes import Routes, _text
from perfkit.errors import PerfkitError


class _Handler(BaseHTTPRequestHandler):
    routes: Routes
    server_version = "perfkit-debug"
    timeout = 60  # a client that stops sending does not hold a thread forever

    def _serve(self) -> None:
        raw_path, _, query = self.path.partition("?")
        path = unquote(raw_path)
        if not self.routes.matches(path):
            response = _text(404, f"404 {path[:100]!r}: this is a debug server; see /debug/pprof/")
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = self.routes.handle(self.command, path, query, headers, self.client_address[0])
        self.send_response(response.status, response.reason)
        for name, value in response.all_headers():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a debug endpoint should not write to the service's stderr per request."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class DebugServer:
    """A running debug server; ``.address`` is (host, port), ``.close()`` stops it."""

    def __init__(
        self, address: str | tuple[str, int] = "127.0.0.1:0", *, routes: Routes | None = None, token: str | None = None
    ) -> None:
        host, port = security.parse_address(address)
        token = routes.token if routes is not None else security.resolve_token(token)
        security.check_bind(host, token)
        routes = routes or Routes(token=token)
        handler = type("DebugHandler", (_Handler,), {"routes": routes})
        family_server = _Server
        if ":" in host:  # IPv6 literal
            import socket

            family_server = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
        try:
            self._httpd = family_server((host, port), handler)
        except OSError as exc:
            raise PerfkitError(
                f"debug address {host}:{port}: cannot listen ({exc.strerror or exc}); pick another port"
            ) from None
        self.routes = routes
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="perfkit-debug-server", daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def close(self) -> None:
        """Stop listening and wait for the serving thread."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> DebugServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
