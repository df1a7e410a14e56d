"""The ASGI wrapper, driven by a minimal ASGI client written here (real asyncio, no framework):
debug paths answered, everything else passed to the app untouched and measured, the event loop
never blocked by a profile."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from perfkit.debug.asgi import wrap
from perfkit.debug.metrics import ServiceMetrics
from perfkit.debug.routes import Routes
from perfkit.formats import pprof


class RecordingApp:
    """A tiny ASGI app that records exactly what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            self.calls.append((dict(scope), [message]))
            await send({"type": "lifespan.startup.complete"})
            return
        received = [await receive()]
        self.calls.append((dict(scope), received))
        if scope["path"] == "/boom":
            raise RuntimeError("boom")
        status = 201 if scope["method"] == "POST" else 200
        await send({"type": "http.response.start", "status": status, "headers": [(b"x-app", b"yes")]})
        await send({"type": "http.response.body", "body": b"app:" + scope["path"].encode()})


def http_scope(path: str, method: str = "GET", query: bytes = b"", headers: list | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": headers or [(b"host", b"test")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


async def call(app, scope: dict[str, Any], body: bytes = b"") -> tuple[int, dict[bytes, bytes], bytes]:
    """The minimal ASGI client: one request in, the response messages collected."""
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body_out = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body_out


@pytest.fixture
def setup():
    app = RecordingApp()
    metrics = ServiceMetrics()
    return app, metrics, wrap(app, routes=Routes(service_metrics=metrics))


def test_other_paths_reach_the_app_untouched(setup) -> None:
    app, _, wrapped = setup
    scope = http_scope("/orders/17", "POST", b"a=1", [(b"host", b"x"), (b"authorization", b"Bearer app-token")])
    status, headers, body = asyncio.run(call(wrapped, scope, b'{"sku": 1}'))
    assert (status, headers[b"x-app"], body) == (201, b"yes", b"app:/orders/17")
    seen_scope, seen_messages = app.calls[0]
    assert seen_scope == scope
    assert seen_messages == [{"type": "http.request", "body": b'{"sku": 1}', "more_body": False}]


def test_lifespan_passes_through(setup) -> None:
    app, _, wrapped = setup
    sent: list[dict[str, Any]] = []

    async def run() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "lifespan.startup"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await wrapped({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)

    asyncio.run(run())
    assert sent == [{"type": "lifespan.startup.complete"}]
    assert app.calls[0][0]["type"] == "lifespan"


def test_debug_routes_are_served_not_passed(setup) -> None:
    app, _, wrapped = setup
    status, headers, body = asyncio.run(call(wrapped, http_scope("/debug/vars")))
    assert status == 200 and headers[b"content-type"].startswith(b"application/json")
    assert json.loads(body)["pid"] > 0
    status, _, body = asyncio.run(call(wrapped, http_scope("/debug/pprof/goroutine", query=b"debug=2")))
    assert status == 200 and b"thread 'MainThread'" in body
    assert app.calls == []


def test_requests_are_measured_per_route(setup) -> None:
    _, metrics, wrapped = setup

    async def many() -> None:
        for n in range(5):
            await call(wrapped, http_scope(f"/orders/{n}"))
        await call(wrapped, http_scope("/orders", "POST"))
        with pytest.raises(RuntimeError):
            await call(wrapped, http_scope("/boom"))

    asyncio.run(many())
    routes = metrics.requests.snapshot()
    assert routes["GET /orders/:id"]["count"] == 5
    assert routes["GET /orders/:id"]["in_flight"] == 0
    assert routes["POST /orders"]["count"] == 1
    assert routes["GET /boom"]["errors"] == 1
    assert routes["GET /orders/:id"]["latency_seconds"]["le"]["+Inf"] == 5
    text = metrics.prometheus_text().decode()
    assert 'perfkit_http_requests_total{method="GET",route="/orders/:id",status="2xx"} 5.0' in text
    assert 'perfkit_http_request_duration_seconds_count{method="GET",route="/orders/:id"} 5.0' in text


def test_profile_does_not_block_the_event_loop(setup) -> None:
    _, _, wrapped = setup

    async def both() -> tuple[tuple[int, dict, bytes], float]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        tick_task = asyncio.create_task(ticker(), name="ticker")
        result = await call(wrapped, http_scope("/debug/pprof/profile", query=b"seconds=1&mode=wall"))
        tick_task.cancel()
        return result, ticks

    (status, _, body), ticks = asyncio.run(both())
    assert status == 200
    assert ticks > 30  # about 100 if the loop ran freely; 0 if the profile had blocked it
    assert "ticker" in pprof.decode(body).label_values("task")


def test_token_applies_to_debug_routes_only() -> None:
    app = RecordingApp()
    wrapped = wrap(app, token="tok-0123456789abcdef", service_metrics=ServiceMetrics())
    assert asyncio.run(call(wrapped, http_scope("/debug/vars")))[0] == 401
    ok = asyncio.run(
        call(wrapped, http_scope("/debug/vars", headers=[(b"authorization", b"Bearer tok-0123456789abcdef")]))
    )
    assert ok[0] == 200
    assert asyncio.run(call(wrapped, http_scope("/health")))[0] == 200  # the app's own routes: its business


def test_without_token_only_loopback_clients_and_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    app = RecordingApp()
    wrapped = wrap(app, service_metrics=ServiceMetrics())
    remote = http_scope("/debug/pprof/cmdline")
    remote["client"] = ("203.0.113.7", 40000)
    with caplog.at_level("WARNING", logger="perfkit.debug"):
        status, _, body = asyncio.run(call(wrapped, remote))
        assert status == 403 and body.count(b"\n") == 1 and b"PERFKIT_DEBUG_TOKEN" in body
        assert asyncio.run(call(wrapped, remote))[0] == 403
        app_scope = http_scope("/orders")
        app_scope["client"] = ("203.0.113.8", 40001)
        assert asyncio.run(call(wrapped, app_scope))[0] == 200  # the app's routes are untouched
    warnings = [r for r in caplog.records if r.name == "perfkit.debug"]
    assert len(warnings) == 1 and "203.0.113.7" in warnings[0].getMessage()
    assert asyncio.run(call(wrapped, http_scope("/debug/pprof/cmdline")))[0] == 200  # loopback


def test_the_wrapper_functions_work_twice_after_the_submodule_import() -> None:
    import perfkit.debug
    import perfkit.debug.asgi  # binds the submodule on first import: must not shadow the function
    import perfkit.debug.wsgi

    for _ in range(2):
        assert callable(perfkit.debug.asgi(RecordingApp()))
        assert callable(perfkit.debug.wsgi(lambda environ, start_response: []))


def test_head_of_a_profile_answers_headers_without_sampling(setup) -> None:
    import time

    _, _, wrapped = setup
    started = time.monotonic()
    status, headers, body = asyncio.run(call(wrapped, http_scope("/debug/pprof/profile", "HEAD", b"seconds=30")))
    assert time.monotonic() - started < 2
    assert (status, body) == (200, b"")
    assert headers[b"content-type"] == b"application/octet-stream" and b"content-length" not in headers
    assert asyncio.run(call(wrapped, http_scope("/debug/pprof/profile", "HEAD", b"seconds=999")))[0] == 400
