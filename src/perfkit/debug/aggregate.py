"""Sum the ``/debug/vars`` documents and Prometheus texts of a server's workers into one.

``/debug/vars?workers=all`` answers ``{"answered_by", "server", "workers": {pid: doc}, "total"}``:
every worker's own document, and a total where counts, bytes, CPU seconds, request counts and
latency histograms are summed (a mean is recomputed from the summed sum and count).
``/debug/metrics?workers=all`` is every worker's exposition with a ``pid`` label on each
sample, families merged, so PromQL can ``sum by (route)`` or look at one worker.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample


def total_vars(docs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The server-wide sums of several workers' vars documents."""
    total: dict[str, Any] = {
        "workers": len(docs),
        "rss_bytes": 0,
        "cpu_seconds": {"user": 0.0, "system": 0.0},
        "threads": 0,
        "asyncio_tasks": 0,
        "requests": {},
    }
    for doc in docs.values():
        total["rss_bytes"] += doc.get("rss_bytes") or 0
        for kind in ("user", "system"):
            total["cpu_seconds"][kind] += (doc.get("cpu_seconds") or {}).get(kind, 0.0)
        total["threads"] += doc.get("threads") or 0
        total["asyncio_tasks"] += doc.get("asyncio_tasks") or 0
        for route, stats in (doc.get("requests") or {}).items():
            _add_route(total["requests"].setdefault(route, _empty_route()), stats)
    for stats in total["requests"].values():
        latency = stats["latency_seconds"]
        latency["mean"] = latency["sum"] / stats["count"] if stats["count"] else 0.0
    return total


def _empty_route() -> dict[str, Any]:
    return {"count": 0, "in_flight": 0, "errors": 0, "latency_seconds": {"sum": 0.0, "mean": 0.0, "le": {}}}


def _add_route(into: dict[str, Any], stats: dict[str, Any]) -> None:
    for key in ("count", "in_flight", "errors"):
        into[key] += stats.get(key, 0)
    latency = stats.get("latency_seconds", {})
    into["latency_seconds"]["sum"] += latency.get("sum", 0.0)
    buckets = into["latency_seconds"]["le"]
    for bound, n in latency.get("le", {}).items():
        buckets[bound] = buckets.get(bound, 0) + n


class _Parsed:
    """A collector that yields already-built metric families."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def merge_prometheus(texts: dict[int, bytes]) -> bytes:
    """One exposition from several workers' texts, each sample labelled with its worker's pid."""
    families: dict[str, Metric] = {}
    for pid, text in sorted(texts.items()):
        for family in text_string_to_metric_families(text.decode("utf-8", "replace")):
            merged = families.get(family.name)
            if merged is None:
                merged = families[family.name] = Metric(family.name, family.documentation, family.type, family.unit)
            for sample in family.samples:
                labels = {**sample.labels, "pid": str(pid)}
                merged.samples.append(Sample(sample.name, labels, sample.value, sample.timestamp, sample.exemplar))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Parsed(list(families.values())))  # type: ignore[arg-type]
    return generate_latest(registry)
