"""The standalone debug server: its own listener, served from a daemon thread.

Separate from the service's own port (like Go's habit of a second listener on 127.0.0.1:6060),
so it works for any service, HTTP or not, and a slow profile never holds an app worker.

Built to stay up when many clients arrive at once and to cost the service little: a listen
backlog of :data:`BACKLOG`, a bounded pool of :data:`WORKERS` threads answering requests (a
connection waits in a bounded queue; past :data:`MAX_PENDING` it gets an immediate 503), and a
watchdog that closes a client which has not sent its whole request head within
:data:`HEAD_TIMEOUT` seconds (a slow or silent client cannot hold a worker).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import unquote

from perfkit.debug import security
from perfkit.debug.routes import Routes, _text
from perfkit.errors import PerfkitError

BACKLOG = 128
WORKERS = 8
MAX_PENDING = 512
HEAD_TIMEOUT = 5.0  #: seconds a client has to send its request line and headers
IO_TIMEOUT = 30.0  #: seconds any one read or write may block once the request is in


class _Handler(BaseHTTPRequestHandler):
    routes: Routes
    server_version = "perfkit-debug"
    timeout = IO_TIMEOUT
    server: _Server

    def handle(self) -> None:
        watchdog = self.server.watchdog
        watchdog.arm(self.connection)
        try:
            super().handle()
        finally:
            watchdog.disarm(self.connection)

    def parse_request(self) -> bool:
        ok = super().parse_request()
        self.server.watchdog.disarm(self.connection)  # the head is in: the request may take its time
        return ok

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


class _Watchdog:
    """Shuts down connections whose request head is late: one thread for all of them."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._deadlines: dict[socket.socket, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="perfkit-debug-watchdog", daemon=True)
        self._thread.start()

    def arm(self, conn: socket.socket) -> None:
        with self._lock:
            self._deadlines[conn] = time.monotonic() + self.limit

    def disarm(self, conn: socket.socket) -> None:
        with self._lock:
            self._deadlines.pop(conn, None)

    def _run(self) -> None:
        while not self._stop.wait(min(0.5, self.limit / 4)):
            now = time.monotonic()
            with self._lock:
                late = [conn for conn, deadline in self._deadlines.items() if deadline <= now]
                for conn in late:
                    del self._deadlines[conn]
            for conn in late:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)  # the worker's blocked read returns; it closes

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


class _Server(HTTPServer):
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="perfkit-debug-worker")
        self.watchdog = _Watchdog(HEAD_TIMEOUT)
        self._pending = threading.BoundedSemaphore(MAX_PENDING)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to the pool; when too many wait already, say so and close."""
        if not self._pending.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n")
            self.shutdown_request(request)
            return
        try:
            self.pool.submit(self._work, request, client_address)
        except RuntimeError:  # the pool is shut down: the server is closing
            self._pending.release()
            self.shutdown_request(request)

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self._pending.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished or timed out is not news; stay quiet."""

    def server_close(self) -> None:
        super().server_close()
        self.watchdog.close()
        self.pool.shutdown(wait=False, cancel_futures=True)


_RUNNING: weakref.WeakSet[DebugServer] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """The serving threads stay in the parent: a forked child drops its copy of the listener."""
    for server in list(_RUNNING):
        server._forked_away()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


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
            family_server = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
        try:
            self._httpd = family_server((host, port), handler)
        except OSError as exc:
            raise PerfkitError(
                f"debug address {host}:{port}: cannot listen ({exc.strerror or exc}); pick another port"
            ) from None
        self.routes = routes
        self._closed = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="perfkit-debug-server", daemon=True
        )
        self._thread.start()
        _RUNNING.add(self)

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
        if self._closed:
            return
        self._closed = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _forked_away(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._httpd.socket.close()

    def __enter__(self) -> DebugServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
