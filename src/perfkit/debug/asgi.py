"""ASGI wrapper: serve the debug routes inside an ASGI app (FastAPI, Starlette ...).

Debug paths are answered here (the blocking work runs in a worker thread, never on the event
loop); every other request, and every non-HTTP scope (lifespan, websocket), goes to the app
untouched, with its method, route, status and latency recorded in the request metrics.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from perfkit.debug import security, workers
from perfkit.debug.metrics import ServiceMetrics, default
from perfkit.debug.routes import Routes

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def wrap(
    app: ASGIApp,
    *,
    token: str | None = None,
    routes: Routes | None = None,
    service_metrics: ServiceMetrics | None = None,
) -> ASGIApp:
    """``app`` plus the debug routes and request metrics.  ``token`` defaults to
    ``PERFKIT_DEBUG_TOKEN``; without one, only loopback clients get the debug routes."""
    service_metrics = service_metrics or (routes.metrics if routes else default())
    routes = routes or Routes(token=token, service_metrics=service_metrics)
    requests = service_metrics.requests
    exposure = security.ExposureWarning()
    workers.join_if_worker()  # uvicorn --workers: one profile for all workers (see perfkit.debug.workers)

    async def debug_app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        path = scope.get("path", "")
        if routes.token is None and not exposure.warned:
            exposure.seen(_client(scope), _proxy_headers(scope))
        if routes.matches(path):
            headers = _headers(scope)
            query = scope.get("query_string", b"").decode("latin-1")
            method = scope.get("method", "GET")
            response = await asyncio.to_thread(routes.handle, method, path, query, headers, _client(scope))
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.all_headers()],
                }
            )
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})
            return
        token_ = requests.begin(scope.get("method", "GET"), path)
        status: int | None = None

        async def recording_send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message.get("type") == "http.response.start":
                status = int(message.get("status", 0))
            await send(message)

        try:
            await app(scope, receive, recording_send)
        finally:
            requests.end(token_, status)

    return debug_app


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}


_PROXY = {name.encode() for name in security.PROXY_HEADERS}


def _proxy_headers(scope: Scope) -> dict[str, str]:
    """Only the forwarding headers (ASGI names are lower-case bytes): cheap enough for every
    request of the app, which the exposure check sees until it has warned once."""
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ()) if k in _PROXY}


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None
