"""Heap profiles (tracemalloc) and request-metric routes."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.debug.live import get, live_service

from perfkit.debug import heap, metrics
from perfkit.formats import pprof

HOLD: list[bytes] = []


def allocate_orders() -> None:
    HOLD.extend(bytes(1000) for _ in range(2000))


@pytest.fixture
def tracing():
    was = tracemalloc.is_tracing()
    heap.enable(10)
    yield
    HOLD.clear()
    if not was:
        tracemalloc.stop()


def test_off_raises_with_the_fix() -> None:
    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is on in this test run")
    with pytest.raises(heap.TracemallocOff, match="PYTHONTRACEMALLOC=25"):
        heap.heap_profile()


def test_inuse_names_the_allocating_function(tracing) -> None:
    allocate_orders()
    profile = heap.heap_profile()
    assert [str(t) for t in profile.sample_types] == ["inuse_objects/count", "inuse_space/bytes"]
    ours = profile.filter(focus="allocate_orders")
    assert ours.total("inuse_space") >= 2000 * 1000
    assert ours.total("inuse_objects") >= 2000


def test_growth_over_a_window(tracing) -> None:
    import threading

    timer = threading.Timer(0.2, allocate_orders)
    timer.start()
    profile = heap.heap_profile(0.6)
    timer.join()
    assert [t.type for t in profile.sample_types] == ["alloc_objects", "alloc_space"]
    assert profile.filter(focus="allocate_orders").total() >= 2000 * 1000


def test_heap_route_with_tracemalloc_on(go_tool: str, tmp_path) -> None:
    with live_service("--workers", "0", "--tracemalloc") as url:
        status, _, body = get(url, "/debug/pprof/heap?gc=1", timeout=120)
    assert status == 200
    profile = pprof.decode(body)
    assert profile.total("inuse_space") > 0
    path = tmp_path / "heap.pb.gz"
    path.write_bytes(body)
    done = subprocess.run(
        [go_tool, "tool", "pprof", "-top", "-sample_index=inuse_space", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0 and "inuse_space" in done.stdout


def test_start_tracemalloc_true_switches_it_on() -> None:
    code = (
        "import perfkit.debug, tracemalloc; h = perfkit.debug.start(tracemalloc=True); "
        "print(tracemalloc.is_tracing()); h.close()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/orders/123", "/orders/:id"),
        ("/orders/123/items/9?x=1", "/orders/:id/items/:id"),
        ("/u/9f86d081884c7d65", "/u/:id"),
        ("/u/123e4567-e89b-12d3-a456-426614174000", "/u/:id"),
        ("/health", "/health"),
        ("", "/"),
    ],
)
def test_route_of(path: str, route: str) -> None:
    assert metrics.route_of(path) == route


@given(st.text(max_size=300))
def test_route_of_is_bounded(path: str) -> None:
    assert len(metrics.route_of(path)) <= 200


def test_routes_are_capped() -> None:
    requests = metrics.ServiceMetrics().requests
    for n in range(metrics.MAX_ROUTES + 50):
        requests.end(requests.begin("GET", f"/page-{n}"), 200)
    snapshot = requests.snapshot()
    assert len(snapshot) == metrics.MAX_ROUTES + 1
    assert snapshot["GET other"]["count"] == 50
