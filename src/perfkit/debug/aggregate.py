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
        try:
            _add_doc(total, doc)
        except (TypeError, AttributeError, ValueError):  # not a vars document: leave it out
            continue
    for stats in total["requests"].values():
        latency = stats["latency_seconds"]
        latency["mean"] = latency["sum"] / stats["count"] if stats["count"] else 0.0
    return total


def _add_doc(total: dict[str, Any], doc: dict[str, Any]) -> None:
    """Add one worker's document to ``total``, validating it first so a bad one adds nothing."""
    numbers = (doc.get("rss_bytes") or 0, doc.get("threads") or 0, doc.get("asyncio_tasks") or 0)
    cpu = doc.get("cpu_seconds") or {}
    if not all(isinstance(n, int | float) for n in (*numbers, cpu.get("user", 0.0), cpu.get("system", 0.0))):
        raise TypeError("not a vars document")
    routes = doc.get("requests") or {}
    for stats in routes.values():
        _add_route(_empty_route(), stats)  # raises on a malformed route before anything is added
    total["rss_bytes"] += numbers[0]
    total["threads"] += numbers[1]
    total["asyncio_tasks"] += numbers[2]
    for kind in ("user", "system"):
        total["cpu_seconds"][kind] += cpu.get(kind, 0.0)
    for route, stats in routes.items():
        _add_route(total["requests"].setdefault(str(route), _empty_route()), stats)


def _empty_route() -> dict[str, Any]:
    return {"count": 0, "in_flight": 0, "errors": 0, "latency_seconds": {"sum": 0.0, "mean": 0.0, "le": {}}}


def _add_route(into: dict[str, Any], stats: dict[str, Any]) -> None:
    latency = stats.get("latency_seconds", {})
    values = [stats.get(key, 0) for key in ("count", "in_flight", "errors")] + [latency.get("sum", 0.0)]
    buckets = dict(latency.get("le", {}))
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in [*values, *buckets.values()]):
        raise TypeError("not route statistics")
    for key, value in zip(("count", "in_flight", "errors"), values):
        into[key] += value
    into["latency_seconds"]["sum"] += values[3]
    le = into["latency_seconds"]["le"]
    for bound, n in buckets.items():
        le[str(bound)] = le.get(str(bound), 0) + n


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
        try:
            parsed = list(text_string_to_metric_families(text.decode("utf-8", "replace")))
        except (ValueError, TypeError, IndexError):  # a sibling's answer cut short: leave it out
            continue
        for family in parsed:
            merged = families.get(family.name)
            if merged is None:
                merged = families[family.name] = Metric(family.name, family.documentation, family.type, family.unit)
            for sample in family.samples:
                labels = {**sample.labels, "pid": str(pid)}
                merged.samples.append(Sample(sample.name, labels, sample.value, sample.timestamp, sample.exemplar))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Parsed(list(families.values())))
    return generate_latest(registry)
