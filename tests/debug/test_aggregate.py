"""Summing workers' /debug/vars and Prometheus answers: exact on real documents, and a damaged
answer from a sibling (cut short, garbage) is left out rather than failing the request."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from perfkit.debug import aggregate
from perfkit.debug.metrics import ServiceMetrics


def worker_doc(requests: int) -> dict:
    metrics = ServiceMetrics()
    for _ in range(requests):
        metrics.requests.end(metrics.requests.begin("GET", "/orders/7"), 200)
    return json.loads(json.dumps(metrics.vars(), default=str))


def test_totals_of_two_workers() -> None:
    docs = {101: worker_doc(3), 102: worker_doc(4)}
    total = aggregate.total_vars(docs)
    route = total["requests"]["GET /orders/:id"]
    assert total["workers"] == 2 and route["count"] == 7
    assert route["latency_seconds"]["le"]["+Inf"] == 7
    assert total["rss_bytes"] == docs[101]["rss_bytes"] + docs[102]["rss_bytes"]


def test_prometheus_of_two_workers_labels_each_sample_with_its_pid() -> None:
    texts = {101: ServiceMetrics().prometheus_text(), 102: ServiceMetrics().prometheus_text()}
    families = {f.name: f for f in text_string_to_metric_families(aggregate.merge_prometheus(texts).decode())}
    assert {s.labels["pid"] for s in families["perfkit_threads"].samples} == {"101", "102"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=10,
)


GOOD_DOC = worker_doc(2)
GOOD_TEXT = ServiceMetrics().prometheus_text()


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_a_damaged_vars_document_adds_nothing(junk: dict) -> None:
    total = aggregate.total_vars({1: GOOD_DOC, 2: junk})
    assert total["requests"]["GET /orders/:id"]["count"] >= 2


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400), st.integers(0, 2000))
def test_a_damaged_prometheus_answer_is_left_out(junk: bytes, cut: int) -> None:
    merged = aggregate.merge_prometheus({1: GOOD_TEXT, 2: junk, 3: GOOD_TEXT[:cut]})
    families = {f.name: f for f in text_string_to_metric_families(merged.decode())}
    assert "1" in {s.labels["pid"] for s in families["perfkit_threads"].samples}
