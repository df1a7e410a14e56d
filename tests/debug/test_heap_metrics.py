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


FREED: list[bytes] = []


def allocate_then_free() -> None:
    FREED.extend(bytes(500) for _ in range(1000))


def test_delta_over_a_window_grows_and_shrinks_and_leaves_perfkit_out(tracing) -> None:
    import threading

    allocate_then_free()

    def churn() -> None:
        allocate_orders()
        FREED.clear()

    timer = threading.Timer(0.2, churn)
    timer.start()
    profile = heap.heap_profile(0.6)
    timer.join()
    assert [str(t) for t in profile.sample_types] == ["inuse_objects/count", "inuse_space/bytes"]
    assert profile.metadata["delta"] == "true" and "negative values are memory freed" in profile.metadata["comments"][0]
    assert profile.filter(focus="allocate_orders").total() >= 2000 * 1000
    assert profile.filter(focus="allocate_then_free").total() <= -1000 * 500
    negative = {s.stack[-1].function for s in profile.samples() if s.values[1] < 0}
    assert "allocate_orders" not in negative  # negative only where memory was freed
    own = {f.file for f in profile.frames if "/perfkit/" in f.file and not f.file.endswith(("asgi.py", "wsgi.py"))}
    assert not own, own


def test_function_names_of_nested_and_module_level_lines() -> None:
    import inspect

    names = heap.FunctionNames()
    here = __file__
    first = inspect.getsourcelines(test_function_names_of_nested_and_module_level_lines)[1]

    def inner() -> int:
        return 1

    inner_line = inner.__code__.co_firstlineno + 1
    assert names.at(here, inner_line).endswith("test_function_names_of_nested_and_module_level_lines.<locals>.inner")
    assert names.at(here, inner_line + 2) == "test_function_names_of_nested_and_module_level_lines"
    assert names.at(here, first - 1) == "<module>"  # the blank line between two functions
    assert names.at("/no/such/file.py", 7) == "file.py:7"


def test_heap_route_with_tracemalloc_on(go_tool: str, tmp_path) -> None:
    with live_service("--workers", "0", "--tracemalloc") as url:
        status, _, body = get(url, "/debug/pprof/heap?gc=1", timeout=120)
        head = get(url, "/debug/pprof/heap?seconds=30", method="HEAD", timeout=5)
        assert head[0] == 200 and head[2] == b"" and "content-length" not in head[1]  # no 30 s wait
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


def test_function_names_never_run_module_getattr() -> None:
    """Indexing code objects must not touch lazy attributes: a service's lazy-import proxies
    (polars keeps one for numpy) would run imports, or fail, inside a heap profile."""
    import types

    touched: list[str] = []

    class Lazy(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            touched.append(name)
            raise RuntimeError("a lazy proxy was imported by the heap profiler")

    holder = types.ModuleType("perfkit_test_lazy_holder")
    holder.__file__ = __file__
    holder.proxy = Lazy("perfkit_test_lazy_target")  # type: ignore[attr-defined]
    sys.modules[holder.__name__] = holder
    try:
        names = heap.FunctionNames()
        assert names.at(__file__, 1) == "<module>"
    finally:
        del sys.modules[holder.__name__]
    assert touched == []
