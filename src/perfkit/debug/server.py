"""The standalone debug server: its own listener, served from a daemon thread.

Separate from the service's own port (like Go's habit of a second listener on 127.0.0.1:6060),
so it works for any service, HTTP or not, and a slow profile never holds an app worker.

Built to stay up when many clients arrive at once and to cost the service little: a listen
backlog of :data:`BACKLOG`; a GIL switch interval of :data:`HURRY_INTERVAL` while requests are
arriving (:mod:`perfkit.debug.gil`); one thread accepts connections and reads their request heads
without blocking (a selector), closing a client that has not sent its head within
:data:`HEAD_TIMEOUT` seconds, so idle or slow clients cost a descriptor, never a thread; complete
requests go to a bounded pool of :data:`WORKERS` threads, except the quick ones
(:data:`QUICK_ROUTES`), which that thread answers itself; past :data:`MAX_PENDING` connections a
new one gets an immediate 503.
"""

from __future__ import annotations

import contextlib
import io
import os
import selectors
import socket
import sys
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import unquote

from perfkit.debug import gil, security
from perfkit.debug.routes import Routes, _text
from perfkit.errors import PerfkitError

BACKLOG = 1024  #: connections the kernel queues before we accept them (capped by net.core.somaxconn)
WORKERS = 8
MAX_PENDING = 512
HEAD_TIMEOUT = 5.0  #: seconds a client has to send its request line and headers
MAX_HEAD = 65536  #: bytes of a request head
#: GIL switch interval while requests are arriving: every socket call gives the GIL up, and with
#: Python's 5 ms each would wait that long for busy service threads to hand it back
HURRY_INTERVAL = 0.0005
HURRY_POLL = 0.005  #: seconds without a new event that end the hurry
#: routes answered by the accept loop itself (cheap; everything else goes to the pool)
QUICK_ROUTES = frozenset({"/debug/vars", "/debug/metrics", "/debug/pprof/", "/debug/pprof", "/debug/pprof/cmdline"})
IO_TIMEOUT = 30.0  #: seconds any one read or write may block once the request is in


class _Handler(BaseHTTPRequestHandler):
    routes: Routes
    server_version = "perfkit-debug"
    timeout = IO_TIMEOUT
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.rfile = io.BytesIO(self.server.take_head(self.connection))  # read by the accept loop

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


class _Server(HTTPServer):
    """Accepts and reads request heads in one thread (a selector: an idle or slow client costs a
    descriptor, not a thread), then hands complete requests to a bounded pool."""

    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="perfkit-debug-worker")
        self._heads: dict[socket.socket, bytes] = {}
        self._reading: dict[socket.socket, tuple[bytearray, float, Any]] = {}
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._working = threading.BoundedSemaphore(MAX_PENDING)

    # ------------------------------------------------------------------ the accept loop
    def serve_forever(self, poll_interval: float = 0.2) -> None:
        selector = selectors.DefaultSelector()
        self.socket.setblocking(False)
        selector.register(self.socket, selectors.EVENT_READ, None)
        hurried = False
        try:
            while not self._stopping.is_set():
                events = selector.select(HURRY_POLL if hurried else poll_interval)
                if events and not hurried:
                    hurried = True
                    sys.setswitchinterval(min(gil.SwitchInterval.enter(), HURRY_INTERVAL))
                elif not events and hurried:
                    hurried = False
                    gil.SwitchInterval.leave()
                for key, _events in events:
                    if key.data is None:
                        self._accept(selector)
                    else:
                        self._read(selector, key.fileobj)  # type: ignore[arg-type]
                self._expire(selector)
        finally:
            if hurried:
                gil.SwitchInterval.leave()
            for conn in list(self._reading):
                self._drop(selector, conn)
            selector.close()
            self._stopped.set()

    def shutdown(self) -> None:
        self._stopping.set()
        self._stopped.wait(5)

    def _accept(self, selector: selectors.BaseSelector) -> None:
        for _ in range(64):
            try:
                conn, client = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if len(self._reading) >= MAX_PENDING:
                with contextlib.suppress(OSError):
                    conn.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n")
                conn.close()
                continue
            conn.setblocking(False)
            self._reading[conn] = (bytearray(), time.monotonic() + HEAD_TIMEOUT, client)
            selector.register(conn, selectors.EVENT_READ, True)

    def _read(self, selector: selectors.BaseSelector, conn: socket.socket) -> None:
        buffer, _deadline, client = self._reading[conn]
        try:
            chunk = conn.recv(8192)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk or len(buffer) + len(chunk) > MAX_HEAD:
            self._drop(selector, conn)
            return
        buffer += chunk
        if b"\r\n\r\n" in buffer or b"\n\n" in buffer:
            selector.unregister(conn)
            del self._reading[conn]
            if self._answer_here(conn, bytes(buffer), client):
                return
            if not self._working.acquire(blocking=False):
                with contextlib.suppress(OSError):
                    conn.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n")
                conn.close()
                return
            conn.setblocking(True)
            conn.settimeout(IO_TIMEOUT)
            self._heads[conn] = bytes(buffer)
            try:
                self.pool.submit(self._work, conn, client)
            except RuntimeError:  # closing
                self._heads.pop(conn, None)
                self._working.release()
                conn.close()

    def _answer_here(self, conn: socket.socket, head: bytes, client: Any) -> bool:
        """Answer a quick route (vars, metrics, index, cmdline) from this thread: handing it to a
        pool thread would cost more than the answer (two GIL hand-overs and a wake-up); the
        answer goes out only if the socket takes it whole at once, else the pool sends it."""
        line, _, rest = head.partition(b"\n")
        parts = line.decode("latin-1").split()
        if len(parts) < 2 or parts[0] not in ("GET", "HEAD"):
            return False
        path, _, query = parts[1].partition("?")
        if unquote(path) not in QUICK_ROUTES:
            return False
        headers = {}
        for raw in rest.decode("latin-1").splitlines():
            name, sep, value = raw.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        routes: Routes = self.RequestHandlerClass.routes  # type: ignore[attr-defined]
        response = routes.handle(parts[0], unquote(path), query, headers, client[0] if client else None)
        lines = [f"HTTP/1.0 {response.status} {response.reason}", f"Server: {_Handler.server_version}"]
        lines += [f"{name}: {value}" for name, value in response.all_headers()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if parts[0] == "HEAD" else response.body)
        try:
            sent = conn.send(data)
        except OSError:
            sent = -1
        if sent == len(data) or sent < 0:
            conn.close()
            return True
        conn.setblocking(True)
        conn.settimeout(IO_TIMEOUT)
        self._heads[conn] = b""
        self.pool.submit(self._finish_sending, conn, data[sent:])
        return True

    def _finish_sending(self, conn: socket.socket, data: bytes) -> None:
        with contextlib.suppress(OSError):
            conn.sendall(data)
        conn.close()

    def _expire(self, selector: selectors.BaseSelector) -> None:
        now = time.monotonic()
        for conn in [c for c, (_b, deadline, _a) in self._reading.items() if deadline <= now]:
            self._drop(selector, conn)  # a client that did not send its request in time

    def _drop(self, selector: selectors.BaseSelector, conn: socket.socket) -> None:
        self._reading.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            selector.unregister(conn)
        conn.close()

    # ------------------------------------------------------------------ the pool
    def take_head(self, conn: socket.socket) -> bytes:
        return self._heads.pop(conn, b"")

    def _work(self, conn: socket.socket, client: Any) -> None:
        try:
            self.finish_request(conn, client)
        except Exception:
            self.handle_error(conn, client)
        finally:
            self._heads.pop(conn, None)
            self.shutdown_request(conn)
            self._working.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished or timed out is not news; stay quiet."""

    def shutdown_request(self, request: Any) -> None:
        """HTTP/1.0: the whole answer is sent, so just close (no separate ``shutdown`` call, one
        less time this thread gives up the GIL and waits to get it back)."""
        self.close_request(request)

    def server_close(self) -> None:
        super().server_close()
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
        family_server: type[_Server] = _Server
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
