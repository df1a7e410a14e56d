"""One request -> response core for every front end (standalone server, ASGI, WSGI).

A front end turns its request into ``handle(method, path, query, headers)`` and writes the
:class:`Response` back; so the routes, their checks and their answers are the same everywhere.
Request input only ever selects among fixed choices (a format name, a mode, a number within
bounds); it never becomes a file path, a module name or code.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs

from perfkit.debug import dump, heap, metrics, sampler, security, workers
from perfkit.formats import registry
from perfkit.gcpause import gc_paused
from perfkit.model import Profile

PREFIX = "/debug/pprof"
#: seconds a /debug/vars or /debug/metrics answer is reused for other requests
FRESH = 0.1
#: format name -> its codec: every format perfkit writes (perfkit.formats.registry), served with
#: the codec's content type; the first is the default
FORMATS = {codec.name: codec for codec in registry.writers()}
_FORMAT_CHOICES = "|".join(FORMATS)


def _file_name(fmt: str) -> str:
    return "profile" + FORMATS[fmt].extensions[0]


INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><title>/debug/pprof/</title></head>
<body>
<h1>/debug/pprof/</h1>
<p>perfkit.debug: profiles of this Python process (pid {pid}).</p>
<table>
<tr><td><a href="profile?seconds=30">profile</a></td><td>CPU profile:
 <code>?seconds=N&amp;mode=cpu|wall&amp;format={formats}</code></td></tr>
<tr><td><a href="heap">heap</a></td><td>live heap by allocating stack (tracemalloc);
 <code>?seconds=N</code> for growth</td></tr>
<tr><td><a href="goroutine?debug=2">goroutine</a></td><td>every thread and asyncio task with its stack;
 <code>?debug=0|1|2</code></td></tr>
<tr><td><a href="cmdline">cmdline</a></td><td>the command line, NUL-separated</td></tr>
<tr><td><a href="../vars">/debug/vars</a></td><td>process and request metrics as JSON</td></tr>
<tr><td><a href="../metrics">/debug/metrics</a></td><td>the same in Prometheus text format</td></tr>
</table>
<p>Fetch one: <code>perfkit profile --url http://HOST:PORT --seconds 30 -o cpu.svg</code>
or <code>go tool pprof http://HOST:PORT/debug/pprof/profile?seconds=30</code></p>
</body></html>
"""


def _disposition(fmt: str) -> list[tuple[str, str]]:
    """pprof is a download (as Go serves it); the other formats show in the browser."""
    return [("Content-Disposition", f'attachment; filename="{_file_name(fmt)}"')] if fmt == "pprof" else []


@dataclass
class Response:
    """What every front end writes back."""

    status: int
    content_type: str
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: False for a HEAD answer whose GET body was never made (its length is unknown)
    has_length: bool = True

    def all_headers(self) -> list[tuple[str, str]]:
        length = [("Content-Length", str(len(self.body)))] if self.has_length else []
        return [
            ("Content-Type", self.content_type),
            *length,
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"),
            ("X-Perfkit-Pid", str(os.getpid())),  # which process answered (one worker of a pre-fork server)
            *self.headers,
        ]

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Unknown"


class BadRequest(Exception):
    """A request parameter out of bounds or not among the choices: 400 with the message."""


def _text(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode(), headers or [])


class Routes:
    """The debug routes, with their security checks and limits."""

    def __init__(
        self,
        *,
        token: str | None = None,
        limits: security.Limits | None = None,
        service_metrics: metrics.ServiceMetrics | None = None,
    ) -> None:
        self.token = security.resolve_token(token)
        self.limits = limits or security.Limits()
        self.metrics = service_metrics or metrics.default()
        self._table: dict[str, Callable[[dict[str, list[str]]], Response]] = {
            PREFIX: self._index,
            PREFIX + "/": self._index,
            PREFIX + "/profile": self._profile,
            PREFIX + "/heap": self._heap,
            PREFIX + "/goroutine": self._goroutine,
            PREFIX + "/cmdline": self._cmdline,
            "/debug/vars": self._vars,
            "/debug/metrics": self._metrics,
        }
        self._costly = {PREFIX + "/profile", PREFIX + "/heap"}
        self._cache: dict[str, tuple[float, bytes]] = {}
        self._cache_lock = threading.Lock()
        if tracemalloc.is_tracing():
            # the heap route will render a profile: import the writers now, at start, rather
            # than in the first heap request, where every allocation of an import is traced
            import perfkit.formats.pprof  # noqa: F401

    @staticmethod
    def matches(path: str) -> bool:
        """Whether a path belongs to the debug routes (everything else is the app's)."""
        return path in ("/debug/vars", "/debug/metrics") or path == PREFIX or path.startswith(PREFIX + "/")

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], client: str | None = None
    ) -> Response:
        """Answer one request; ``headers`` keys are lower-case; ``client`` is the peer's address
        (host only; None or "" when unknown, e.g. a Unix socket)."""
        if self.token is None:
            if not security.is_local_client(client, headers):
                return _text(403, security.refusal(client, headers))
        elif not security.authorized(headers.get("authorization"), self.token):
            return _text(401, "401 unauthorized: send Authorization: Bearer <token>", [("WWW-Authenticate", "Bearer")])
        if method not in ("GET", "HEAD"):
            return _text(405, f"405 method {method[:16]} not allowed: use GET", [("Allow", "GET, HEAD")])
        route = self._table.get(path)
        if route is None:
            return _text(404, f"404 unknown profile {path[:100]!r}; see {PREFIX}/ for the list")
        try:
            params = parse_qs(query, keep_blank_values=True, strict_parsing=False, max_num_fields=20)
            if method == "HEAD" and path in self._costly:
                return self._head(path, params)
            response = route(params)
        except BadRequest as exc:
            return _text(400, f"400 {exc}")
        except ValueError as exc:  # parse_qs: too many fields
            return _text(400, f"400 bad query: {str(exc)[:200]}")
        if method == "HEAD":
            response.body = b""
        return response

    def _head(self, path: str, params: dict[str, list[str]]) -> Response:
        """HEAD of a profile: the headers GET would send, after checking the parameters, without
        sampling (a HEAD must not cost the service N seconds of profiling)."""
        if path.endswith("/profile"):
            self._profile_params(params)
        elif path.endswith("/heap"):
            self._number(params, "seconds", 0.0, 0.0, self.limits.max_seconds)
        fmt = self._choice(params, "format", tuple(FORMATS), "pprof")
        return Response(200, FORMATS[fmt].mime, b"", _disposition(fmt), has_length=False)

    # ------------------------------------------------------------------------ parameters
    @staticmethod
    def _one(params: dict[str, list[str]], name: str) -> str | None:
        values = params.get(name)
        return values[-1] if values else None

    def _number(self, params: dict[str, list[str]], name: str, default: float, low: float, high: float) -> float:
        text = self._one(params, name)
        if text is None or text == "":
            return default
        try:
            value = float(text)
        except ValueError:
            raise BadRequest(f"{name}={text[:40]!r}: not a number; use {low:g}..{high:g}") from None
        if not low <= value <= high:
            raise BadRequest(f"{name}={text[:40]}: out of range; use {low:g}..{high:g}")
        return value

    def _choice(self, params: dict[str, list[str]], name: str, choices: tuple[str, ...], default: str) -> str:
        value = self._one(params, name) or default
        if value not in choices:
            raise BadRequest(f"{name}={value[:40]!r}: use one of {', '.join(choices)}")
        return value

    def _render(self, profile: Profile, params: dict[str, list[str]], title: str) -> Response:
        codec = FORMATS[self._choice(params, "format", tuple(FORMATS), "pprof")]
        body = codec.write(profile, title=title) if codec.takes("title") else codec.write(profile)
        return Response(200, codec.mime, body, _disposition(codec.name))

    # ------------------------------------------------------------------------ routes
    def _index(self, _params: dict[str, list[str]]) -> Response:
        page = INDEX.format(pid=os.getpid(), formats=_FORMAT_CHOICES)
        return Response(200, "text/html; charset=utf-8", page.encode())

    def _profile_params(self, params: dict[str, list[str]]) -> tuple[float, str, int]:
        limits = self.limits
        seconds = self._number(params, "seconds", 30.0, limits.min_seconds, limits.max_seconds)
        mode = self._choice(params, "mode", sampler.MODES, "cpu")
        hz = int(self._number(params, "hz", sampler.DEFAULT_HZ, 1, limits.max_hz))
        self._choice(params, "format", tuple(FORMATS), "pprof")  # fail before sampling, not after
        return seconds, mode, hz

    def _profile(self, params: dict[str, list[str]]) -> Response:
        seconds, mode, hz = self._profile_params(params)
        scope = self._choice(params, "workers", ("all", "self"), "all")
        group = workers.current()
        if not security.PROFILE_LOCK.acquire(blocking=False):
            return _text(409, "409 a CPU profile is already running in this process; retry when it ends")
        try:
            if group is None:
                profile = sampler.Sampler(hz, mode).collect(seconds)
                title = f"{mode} profile of pid {os.getpid()}"
            else:
                with group.profile_lock() as mine:
                    if not mine:
                        return _text(409, "409 a CPU profile is already running in this server; retry when it ends")
                    profile = self._profile_group(group, seconds, mode, hz, everyone=scope == "all")
                title = f"{mode} profile of pids {', '.join(map(str, profile.metadata['pids']))}"
        finally:
            security.PROFILE_LOCK.release()
        return self._render(profile, params, title)

    @staticmethod
    def _profile_group(group: workers.Group, seconds: float, mode: str, hz: int, *, everyone: bool) -> Profile:
        """Every worker samples for ``seconds`` (this one from a sampler thread, while the request
        thread keeps the server's heartbeat going); the answers merged, labelled ``pid``."""
        from perfkit.formats import pprof

        def local() -> bytes:
            mine = sampler.Sampler(hz, mode, labels={"pid": str(os.getpid())}).start()
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                time.sleep(min(left, 1.0))
                if group.notify is not None:
                    group.notify()
            return pprof.write(mine.stop(), compress=False)

        if not everyone:
            return workers.merge_profiles({group.pid: local()})
        request = {"op": "profile", "seconds": seconds, "hz": hz, "mode": mode}
        return workers.merge_profiles(group.gather(request, local, timeout=seconds + workers.GRACE))

    def _heap(self, params: dict[str, list[str]]) -> Response:
        seconds = self._number(params, "seconds", 0.0, 0.0, self.limits.max_seconds)
        self._choice(params, "format", tuple(FORMATS), "pprof")
        if self._one(params, "gc") == "1":
            gc.collect()
        if not security.HEAP_LOCK.acquire(blocking=False):
            return _text(409, "409 a heap profile is already being made in this process; retry when it ends")
        try:
            # building the profile allocates a lot while the heap is large: automatic collections
            # would walk the whole heap several times for nothing (this code makes no cycles)
            with gc_paused():
                title = f"heap of pid {os.getpid()}"
                return heap.answer(seconds, lambda profile: self._render(profile, params, title))
        except heap.TracemallocOff as exc:
            return _text(503, f"503 {exc}")
        finally:
            security.HEAP_LOCK.release()

    def _goroutine(self, params: dict[str, list[str]]) -> Response:
        debug = int(self._number(params, "debug", 0, 0, 2))
        me = {threading.get_ident()}
        if debug == 0:
            return self._render(dump.goroutine_profile(skip=me), params, f"threads and tasks of pid {os.getpid()}")
        return Response(200, "text/plain; charset=utf-8", dump.dump_text(debug, skip=me).encode())

    def _cmdline(self, _params: dict[str, list[str]]) -> Response:
        argv = [sys.executable, *sys.argv]
        return Response(200, "text/plain; charset=utf-8", "\x00".join(argv).encode("utf-8", "replace"))

    def _recent(self, key: str, make: Callable[[], bytes]) -> bytes:
        """``make()``, or its answer from the last :data:`FRESH` seconds: a burst of monitoring
        requests (200 at once) is answered from one computation instead of 200."""
        now = time.monotonic()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < FRESH:
                return hit[1]
        body = make()
        with self._cache_lock:
            self._cache[key] = (now, body)
        return body

    def _vars(self, params: dict[str, list[str]]) -> Response:
        group = workers.current()
        if group is None or self._choice(params, "workers", ("all", "self"), "self") == "self":
            body = self._recent("vars", lambda: self._vars_body(params))
            return Response(200, "application/json; charset=utf-8", body)
        return Response(200, "application/json; charset=utf-8", self._vars_body(params))

    def _vars_body(self, params: dict[str, list[str]]) -> bytes:
        group = workers.current()
        doc: dict = self.metrics.vars()
        if group is not None:
            server = {"pid": group.leader, "workers": group.members()}
            if self._choice(params, "workers", ("all", "self"), "self") == "all":
                from perfkit.debug import aggregate

                answers = group.gather({"op": "vars"}, lambda: json.dumps(doc, default=str).encode(), timeout=10.0)
                docs = {pid: json.loads(body) for pid, body in answers.items()}
                doc = {"answered_by": os.getpid(), "server": server, "total": aggregate.total_vars(docs)}
                doc["workers"] = {str(pid): d for pid, d in docs.items()}
            else:
                doc["server"] = server
        return json.dumps(doc, indent=2, default=str).encode()

    def _metrics(self, params: dict[str, list[str]]) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        group = workers.current()
        if group is not None and self._choice(params, "workers", ("all", "self"), "self") == "all":
            from perfkit.debug import aggregate

            answers = group.gather({"op": "metrics"}, self.metrics.prometheus_text, timeout=10.0)
            return Response(200, CONTENT_TYPE_LATEST, aggregate.merge_prometheus(answers))
        return Response(200, CONTENT_TYPE_LATEST, self._recent("metrics", self.metrics.prometheus_text))
