"""Where the sampler finds a thread: in a call that released the GIL (a socket call, a lock wait,
a poll) or in its own code.  Real threads blocked in real calls."""

from __future__ import annotations

import dis
import json
import socket
import sys
import threading
import time
from collections.abc import Callable

import pytest

from perfkit.debug import callsite


def leaf_of(target: Callable[[], object], ready: threading.Event | None = None) -> tuple:
    """Start ``target`` in a thread; once it sits where it waits, its leaf frame (and the thread)."""
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    if ready is not None:
        ready.wait(5)
    time.sleep(0.2)
    frame = sys._current_frames()[thread.ident]
    return frame, thread


def test_a_thread_blocked_in_recv_or_on_a_lock_or_in_sleep_is_in_a_releasing_call() -> None:
    left, right = socket.socketpair()
    lock = threading.Lock()
    lock.acquire()
    try:
        for target in (lambda: left.recv(10), lambda: lock.acquire(), lambda: time.sleep(2)):
            frame, _thread = leaf_of(target)
            assert callsite.releases_gil(frame), dis.opname[frame.f_code.co_code[frame.f_lasti]]
    finally:
        right.send(b"x")
        lock.release()
        left.close()
        right.close()


def test_a_thread_running_python_or_waiting_in_threading_is_classified_by_where_it_stands() -> None:
    stop = threading.Event()
    flag = [True]

    def spin() -> None:
        total = 0
        while flag[0]:
            for i in range(1000):
                total += i * i

    frame, thread = leaf_of(spin)
    running = [callsite.releases_gil(sys._current_frames()[thread.ident]) for _ in range(20)]
    flag[0] = False
    thread.join()
    assert not any(running)
    frame, _thread = leaf_of(stop.wait)  # Event.wait: Condition.wait -> waiter.acquire() in threading.py
    assert callsite.releases_gil(frame)
    stop.set()


def send_then_join(sock: socket.socket, parts: list[bytes]) -> None:
    sock.sendall(b"".join(parts))
    json.dumps(parts and {"n": len(parts)})


def test_the_callee_is_the_load_that_spans_the_callee_expression() -> None:
    by_offset = {i.offset: i for i in dis.get_instructions(send_then_join)}
    calls = [i for i in by_offset.values() if i.opname == "CALL"]
    names = [callsite.callee_name(by_offset, call) for call in calls]
    assert names == ["join", "sendall", "len", "dumps"]
    releasing = [callsite._classify(send_then_join.__code__, call.offset) for call in calls]
    assert releasing == [False, True, False, False]  # json.dumps holds the GIL: its CPU is its own


@pytest.mark.parametrize("code", [compile("x = 1", "<s>", "exec"), (lambda: None).__code__])
def test_offsets_that_are_not_instructions_are_not_waits(code) -> None:
    assert not callsite._classify(code, 10_000)
    assert not callsite._classify(code, 1)
