"""Work done in a forked child (the heap profile's builder): answers, failures, time limits."""

from __future__ import annotations

import os
import time
import tracemalloc

import pytest

from perfkit.debug import forked, heap

pytestmark = pytest.mark.skipif(not forked.usable(), reason="forking is Linux-only")


def test_the_childs_bytes_come_back_whole() -> None:
    big = os.urandom(3_000_000)  # several pipe buffers
    answer = forked.call(lambda: big + str(os.getpid()).encode(), timeout=30)
    assert answer[: len(big)] == big
    assert int(answer[len(big) :]) != os.getpid()  # made in another process


def test_a_failing_child_is_reported_and_reaped() -> None:
    def boom() -> bytes:
        raise KeyError("no such order")

    with pytest.raises(forked.Unavailable, match="KeyError: 'no such order'"):
        forked.call(boom, timeout=30)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind, not even a zombie


def test_a_child_past_its_time_is_killed() -> None:
    started = time.monotonic()
    with pytest.raises(forked.Unavailable, match="time limit"):
        forked.call(lambda: time.sleep(30) or b"", timeout=0.5)
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_switched_off_by_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("PERFKIT_DEBUG_FORK", "0")
    assert not forked.usable()
    with pytest.raises(forked.Unavailable):
        forked.call(lambda: b"", timeout=5)


ORDERS: list[bytes] = []


def keep_orders() -> None:
    ORDERS.extend(bytes(700) for _ in range(3000))


@pytest.mark.parametrize("fork", ["1", "0"])
def test_heap_answer_forked_or_not_tells_the_same(monkeypatch, fork: str) -> None:
    monkeypatch.setenv("PERFKIT_DEBUG_FORK", fork)
    was = tracemalloc.is_tracing()
    heap.enable(10)
    try:
        keep_orders()
        profile = heap.answer(0, lambda p: p)
        assert tracemalloc.is_tracing()  # the child's stop() was its own
    finally:
        ORDERS.clear()
        if not was:
            tracemalloc.stop()
    assert profile.filter(focus="keep_orders").total("inuse_space") >= 3000 * 700
    own = {f.file for f in profile.frames if "/perfkit/" in f.file and not f.file.endswith(("asgi.py", "wsgi.py"))}
    assert not own, own


def test_heap_delta_when_the_second_child_fails_takes_the_end_in_process(monkeypatch) -> None:
    calls = []
    real_call = forked.call

    def second_fails(make, timeout):
        calls.append(1)
        if len(calls) == 2:
            raise forked.Unavailable("refused")
        return real_call(make, timeout)

    def no_second_window(seconds: float = 0.0):
        raise AssertionError("the window was taken again in process")

    monkeypatch.setattr(forked, "call", second_fails)
    monkeypatch.setattr(heap, "heap_profile", no_second_window)
    was = tracemalloc.is_tracing()
    heap.enable(10)
    try:
        keep_orders()
        profile = heap.answer(0.3, lambda p: p, timeout=30)
    finally:
        ORDERS.clear()
        if not was:
            tracemalloc.stop()
    assert len(calls) == 2
    assert profile.metadata["delta"] == "true"
