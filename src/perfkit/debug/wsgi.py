"""WSGI wrapper: serve the debug routes inside a WSGI app (Flask, Django ...).

Debug paths are answered here; every other request goes to the app untouched, and its latency
is measured until the server closes the response iterable (so streaming bodies count in full).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from perfkit.debug import security, workers
from perfkit.debug.metrics import ServiceMetrics, default
from perfkit.debug.routes import Routes

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Finishing:
    """The app's iterable, ending the request's metrics when the server closes it."""

    def __init__(self, inner: Iterable[bytes], finish: Callable[[], None]) -> None:
        self._inner = inner
        self._finish = finish

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._inner)

    def close(self) -> None:
        try:
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()
        finally:
            self._finish()


def wrap(
    app: WSGIApp,
    *,
    token: str | None = None,
    routes: Routes | None = None,
    service_metrics: ServiceMetrics | None = None,
) -> WSGIApp:
    """``app`` plus the debug routes and request metrics.  ``token`` defaults to
    ``PERFKIT_DEBUG_TOKEN``; without one, only loopback clients get the debug routes."""
    service_metrics = service_metrics or (routes.metrics if routes else default())
    routes = routes or Routes(token=token, service_metrics=service_metrics)
    requests = service_metrics.requests
    exposure = security.ExposureWarning()
    workers.join_if_worker()  # uvicorn --workers: one profile for all workers (see perfkit.debug.workers)

    def debug_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or ""
        method = environ.get("REQUEST_METHOD", "GET")
        if routes.token is None and not exposure.warned:
            exposure.seen(environ.get("REMOTE_ADDR"), _headers(environ))
        if routes.matches(path):
            query = environ.get("QUERY_STRING", "")
            response = routes.handle(method, path, query, _headers(environ), environ.get("REMOTE_ADDR"))
            start_response(f"{response.status} {response.reason}", response.all_headers())
            return [b"" if method == "HEAD" else response.body]
        token_ = requests.begin(method, path)
        status: list[int] = []

        def recording_start_response(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            code = status_line.split(" ", 1)[0]
            status[:] = [int(code)] if code.isdigit() else [0]
            return start_response(status_line, headers, exc_info) if exc_info else start_response(status_line, headers)

        done = False

        def finish() -> None:
            nonlocal done
            if not done:
                done = True
                requests.end(token_, status[0] if status else None)

        try:
            result = app(environ, recording_start_response)
        except BaseException:
            finish()
            raise
        return _Finishing(result, finish)

    return debug_app


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request headers the routes look at, lower-case (WSGI spells them HTTP_*)."""
    names = ("authorization", *security.PROXY_HEADERS)
    return {name: environ.get("HTTP_" + name.upper().replace("-", "_"), "") for name in names}
