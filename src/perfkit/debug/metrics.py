"""Service metrics: an expvar-like JSON document (``/debug/vars``) and a Prometheus registry
(``/debug/metrics``) holding process facts and the wrappers' per-route request metrics.

Request metrics are what a service owner watches: requests in, requests in flight, latency
(a histogram per route).  Routes are the request path with id-like segments (numbers, hex,
UUIDs) replaced by ``:id`` and capped at :data:`MAX_ROUTES` distinct values (the rest count
under ``other``), so a client cannot grow the metrics without bound by inventing paths.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from perfkit.debug import tasks
from perfkit.routes import route_of

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_ROUTES = 200
_STARTED = time.time()
_AFTER_FORK: weakref.WeakSet[Any] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked worker's uptime starts at the fork, and no lock may stay held by a lost thread."""
    global _STARTED, _DEFAULT_LOCK
    _STARTED = time.time()
    _DEFAULT_LOCK = threading.Lock()
    for owner in list(_AFTER_FORK):
        owner._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@dataclass
class RouteStats:
    """Plain counters for one (method, route), read by ``/debug/vars``."""

    count: int = 0
    in_flight: int = 0
    errors: int = 0  #: responses with status >= 500 or an exception
    latency_sum: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))

    def as_dict(self) -> dict[str, Any]:
        bounds = [str(b) for b in BUCKETS] + ["+Inf"]
        cumulative, running = {}, 0
        for bound, n in zip(bounds, self.buckets):
            running += n
            cumulative[bound] = running
        mean = self.latency_sum / self.count if self.count else 0.0
        return {
            "count": self.count,
            "in_flight": self.in_flight,
            "errors": self.errors,
            "latency_seconds": {"sum": self.latency_sum, "mean": mean, "le": cumulative},
        }


class RequestMetrics:
    """Counts, in-flight gauges and latency histograms per route, for both JSON and Prometheus."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._lock = threading.Lock()
        _AFTER_FORK.add(self)
        self._routes: dict[tuple[str, str], RouteStats] = {}
        self._requests = Counter(
            "perfkit_http_requests",
            "Requests handled, by method, route and status class.",
            ["method", "route", "status"],
            registry=registry,
        )
        self._in_flight = Gauge(
            "perfkit_http_requests_in_flight", "Requests being handled now.", ["method", "route"], registry=registry
        )
        self._latency = Histogram(
            "perfkit_http_request_duration_seconds",
            "Time from request to the end of the response.",
            ["method", "route"],
            buckets=BUCKETS,
            registry=registry,
        )

    def _key(self, method: str, path: str) -> tuple[str, str]:
        method = method.upper() if method.isalpha() and len(method) <= 10 else "OTHER"
        key = (method, route_of(path))
        if key not in self._routes and len(self._routes) >= MAX_ROUTES:
            key = (method, "other")
        return key

    def begin(self, method: str, path: str) -> tuple[tuple[str, str], float]:
        """Call when a request arrives; pass the result to :meth:`end`."""
        with self._lock:
            key = self._key(method, path)
            stats = self._routes.setdefault(key, RouteStats())
            stats.in_flight += 1
        self._in_flight.labels(*key).inc()
        return key, time.perf_counter()

    def end(self, token: tuple[tuple[str, str], float], status: int | None) -> None:
        """Call when the response is finished (``status`` None: the app raised)."""
        key, started = token
        elapsed = time.perf_counter() - started
        slot = next((i for i, bound in enumerate(BUCKETS) if elapsed <= bound), len(BUCKETS))
        failed = status is None or status >= 500
        with self._lock:
            stats = self._routes[key]
            stats.in_flight -= 1
            stats.count += 1
            stats.errors += failed
            stats.latency_sum += elapsed
            stats.buckets[slot] += 1
        self._in_flight.labels(*key).dec()
        self._requests.labels(*key, "error" if status is None else f"{status // 100}xx").inc()
        self._latency.labels(*key).observe(elapsed)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {f"{m} {r}": s.as_dict() for (m, r), s in sorted(self._routes.items())}

    def _after_fork_in_child(self) -> None:
        """Another thread may have held the lock at fork: it never releases it in the child."""
        self._lock = threading.Lock()


class _RuntimeCollector:
    """Threads and asyncio tasks, read at scrape time."""

    def collect(self):
        info = GaugeMetricFamily(
            "perfkit_process_info", "The process answering (one worker of a server).", labels=["pid"]
        )
        info.add_metric([str(os.getpid())], 1)
        yield info
        yield GaugeMetricFamily("perfkit_threads", "Python threads alive.", value=threading.active_count())
        yield GaugeMetricFamily(
            "perfkit_asyncio_tasks", "asyncio tasks not done, all loops.", value=len(tasks.all_tasks())
        )


class ServiceMetrics:
    """Everything /debug/vars and /debug/metrics show, for one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.registry.register(_RuntimeCollector())
        self.requests = RequestMetrics(self.registry)

    def prometheus_text(self) -> bytes:
        return generate_latest(self.registry)

    def vars(self) -> dict[str, Any]:
        """The expvar-like document: process facts, runtime counts and request metrics."""
        cpu = os.times()
        return {
            "cmdline": list(sys.argv),
            "pid": os.getpid(),
            "python": sys.version.split()[0],
            "uptime_seconds": round(time.time() - _STARTED, 3),
            "rss_bytes": rss_bytes(),
            "cpu_seconds": {"user": cpu.user, "system": cpu.system},
            "threads": threading.active_count(),
            "asyncio_tasks": len(tasks.all_tasks()),
            "gc": {
                "counts": list(gc.get_count()),
                "collections": [s.get("collections", 0) for s in gc.get_stats()],
                "collected": [s.get("collected", 0) for s in gc.get_stats()],
            },
            "requests": self.requests.snapshot(),
        }


def rss_bytes() -> int | None:
    """Resident set size now (Linux /proc), else the peak from getrusage."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, OSError):
        return None


_DEFAULT: ServiceMetrics | None = None
_DEFAULT_LOCK = threading.Lock()


def default() -> ServiceMetrics:
    """The process-wide metrics every wrapper and server share unless given their own."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = ServiceMetrics()
        return _DEFAULT
