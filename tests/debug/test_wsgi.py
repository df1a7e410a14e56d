"""The WSGI wrapper under wsgiref over a real socket: debug paths answered, everything else
passed untouched, latency measured until the response is closed."""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from tests.debug.live import get

from perfkit.debug.metrics import ServiceMetrics
from perfkit.debug.routes import Routes
from perfkit.debug.wsgi import wrap
from perfkit.formats import pprof


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class Body:
    """A response iterable that records being closed (servers must close it)."""

    closed = 0

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self):
        return iter(self.chunks)

    def close(self) -> None:
        Body.closed += 1


def app(environ, start_response):
    if environ["PATH_INFO"] == "/boom":
        raise RuntimeError("boom")
    seen = (
        f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} {environ['QUERY_STRING']} {environ.get('HTTP_X_APP', '')}"
    )
    start_response("418 I'm a teapot", [("Content-Type", "text/plain"), ("X-App", "yes")])
    return Body([b"app saw: ", seen.encode()])


@pytest.fixture
def served():
    metrics = ServiceMetrics()
    server = make_server("127.0.0.1", 0, wrap(app, routes=Routes(service_metrics=metrics)), WSGIServer, QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", metrics
    server.shutdown()
    server.server_close()


def test_other_paths_reach_the_app_untouched(served) -> None:
    url, _ = served
    before = Body.closed
    status, headers, body = get(url, "/orders/5?x=1", headers={"X-App": "hello"})
    assert status == 418 and headers["x-app"] == "yes"
    assert body == b"app saw: GET /orders/5 x=1 hello"
    assert Body.closed == before + 1


def test_debug_routes_served(served, go_tool: str, tmp_path) -> None:
    url, _ = served
    status, _, body = get(url, "/debug/pprof/profile?seconds=1")
    assert status == 200
    assert pprof.decode(body).metadata["backend"] == "perfkit.debug"
    assert get(url, "/debug/pprof/goroutine?debug=1")[0] == 200
    assert get(url, "/debug/pprof/nope")[0] == 404


def test_requests_measured(served) -> None:
    url, metrics = served
    for n in range(3):
        get(url, f"/orders/{n}")
    get(url, "/boom")  # wsgiref answers 500 itself
    routes = metrics.requests.snapshot()
    assert routes["GET /orders/:id"]["count"] == 3
    assert routes["GET /orders/:id"]["in_flight"] == 0
    assert routes["GET /boom"]["errors"] == 1


def test_token_over_wsgi() -> None:
    wrapped = wrap(app, token="tok-0123456789abcdef", service_metrics=ServiceMetrics())
    server = make_server("127.0.0.1", 0, wrapped, WSGIServer, QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        assert get(url, "/debug/vars")[0] == 401
        assert get(url, "/debug/vars", headers={"Authorization": "Bearer tok-0123456789abcdef"})[0] == 200
        assert get(url, "/anything")[0] == 418
    finally:
        server.shutdown()
        server.server_close()
