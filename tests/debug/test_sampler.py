"""The in-process sampler with real threads and a real event loop: CPU mode sees only threads
that used CPU (weighted by their CPU time), wall mode sees everyone and every waiting task;
labels name threads and tasks; /proc stat parsing survives any input."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfkit.debug import cpustate, tasks
from perfkit.debug.sampler import Sampler
from perfkit.model import Profile


def spin(stop: threading.Event) -> None:
    total = 0
    while not stop.is_set():
        for i in range(5000):
            total += i


def sleeper(stop: threading.Event) -> None:
    stop.wait()


async def inner_wait(stop: threading.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(0.01)


async def outer_wait(stop: threading.Event) -> None:
    await inner_wait(stop)


async def crunch(stop: threading.Event) -> None:
    while not stop.is_set():
        spin_once()
        await asyncio.sleep(0)


def spin_once() -> None:
    """Long enough (tens of ms) that the loop thread is preempted inside the task, not in select()."""
    total = 0
    for i in range(300_000):
        total += i


@contextlib.contextmanager
def workload() -> Iterator[threading.Event]:
    stop = threading.Event()

    async def main() -> None:
        jobs = [asyncio.create_task(outer_wait(stop), name=f"poll-orders-{n}") for n in range(3)]
        jobs.append(asyncio.create_task(crunch(stop), name="crunch"))
        await asyncio.gather(*jobs)

    threads = [
        threading.Thread(target=spin, args=(stop,), name="spinner"),
        threading.Thread(target=sleeper, args=(stop,), name="sleeper"),
        threading.Thread(target=lambda: asyncio.run(main()), name="loop"),
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    try:
        yield stop
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def by_label(profile: Profile, key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for sample in profile.samples():
        name = sample.labels.get(key)
        if name is not None:
            out[name] = out.get(name, 0) + sample.values[1]
    return out


def leaves(profile: Profile, label: str, value: str) -> set[str]:
    return {s.stack[-1].function for s in profile.samples() if s.labels.get(label) == value and s.stack}


def test_cpu_mode_counts_only_threads_on_cpu() -> None:
    with workload():
        profile = Sampler(100, "cpu").collect(1.0)
    threads = by_label(profile, "thread")
    assert threads.get("spinner", 0) > 0
    assert "sleeper" not in threads  # waiting costs nothing in a CPU profile
    assert [str(t) for t in profile.sample_types] == ["samples/count", "cpu/nanoseconds"]
    # weights are CPU time: no more than the wall time that passed, per thread
    assert threads["spinner"] <= profile.metadata["duration_ns"] * 1.05
    assert "perfkit-sampler" not in threads


def test_cpu_mode_labels_the_running_task() -> None:
    with workload():
        profile = Sampler(100, "cpu").collect(1.0)
    assert "crunch" in by_label(profile, "task")
    # the running task's samples are in its own code (with the asyncio.sleep(0) it awaits:
    # `sleep`, and `__sleep0` where 3.13 samples it) or in the event loop driving it (a tick
    # may land in any loop method, e.g. call_soon), never in another thread's code
    stray = {
        leaf
        for leaf in leaves(profile, "task", "crunch")
        if leaf not in {"spin_once", "crunch", "sleep", "__sleep0"}
        and not leaf.startswith(
            ("BaseEventLoop.", "BaseSelectorEventLoop.", "_UnixSelectorEventLoop.", "EpollSelector.", "Handle.")
        )
    }
    assert not stray


def test_wall_mode_sees_waiting_threads_and_tasks_with_await_stacks() -> None:
    with workload():
        profile = Sampler(100, "wall").collect(1.0)
    assert str(profile.sample_types[1]) == "wall/nanoseconds"
    threads = by_label(profile, "thread")
    assert {"sleeper", "spinner", "loop"} <= set(threads)
    duration = profile.metadata["duration_ns"]
    assert 0.8 * duration <= threads["sleeper"] <= 1.1 * duration
    for n in range(3):
        stacks = {
            tuple(f.function for f in s.stack) for s in profile.samples() if s.labels.get("task") == f"poll-orders-{n}"
        }
        assert ("outer_wait", "inner_wait", "sleep") in stacks


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="mode"):
        Sampler(100, "gpu")
    with pytest.raises(ValueError, match="hz"):
        Sampler(0)


def test_tasks_of_another_threads_loop_are_found() -> None:
    with workload():
        time.sleep(0.1)
        infos = {info.name: info for info in tasks.snapshot()}
        names = tasks.thread_names()
    assert {"poll-orders-0", "poll-orders-1", "poll-orders-2", "crunch"} <= set(infos)
    poll = infos["poll-orders-1"]
    assert [code.co_name for code, _line in poll.stack] == ["outer_wait", "inner_wait", "sleep"]
    assert poll.awaiting == "future"
    assert names[poll.thread] == "loop"


def test_thread_cpu_clock_advances_only_when_running() -> None:
    stop = threading.Event()
    busy = threading.Thread(target=spin, args=(stop,), name="busy")
    idle = threading.Thread(target=sleeper, args=(stop,), name="idle")
    busy.start()
    idle.start()
    try:
        time.sleep(0.05)
        first = (cpustate.thread_cpu_ns(busy.native_id), cpustate.thread_cpu_ns(idle.native_id))
        time.sleep(0.3)
        second = (cpustate.thread_cpu_ns(busy.native_id), cpustate.thread_cpu_ns(idle.native_id))
        state = cpustate.thread_state(idle.native_id)
    finally:
        stop.set()
        busy.join()
        idle.join()
    assert second[0] - first[0] > 20_000_000
    assert second[1] - first[1] < 5_000_000
    assert state == "sleeping"
    # gone: no clock, no crash (join returns as the thread ends; the OS thread may take a moment)
    deadline = time.monotonic() + 5
    while cpustate.thread_cpu_ns(idle.native_id) is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cpustate.thread_cpu_ns(idle.native_id) is None


def test_parse_stat_with_spaces_and_parens_in_comm() -> None:
    line = "4242 (my (weird) name) S 1 2 3 4 5 6 7 8 9 10 250 30 0 0 20 0 1"
    stat = cpustate.parse_stat(line)
    assert stat.state == "S" and stat.utime_ticks == 250 and stat.stime_ticks == 30
    assert stat.state_name == "sleeping"


@given(st.text(max_size=200))
def test_parse_stat_survives_any_text(text: str) -> None:
    try:
        stat = cpustate.parse_stat(text)
    except ValueError:
        return
    assert len(stat.state) == 1 and stat.utime_ticks >= 0


@given(st.data())
def test_parse_stat_survives_damaged_lines(data: st.DataObject) -> None:
    fields = [
        "4242",
        "(python3)",
        "R",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
        "250",
        "30",
        "0",
        "0",
        "20",
        "0",
        "1",
    ]
    i = data.draw(st.integers(0, len(fields) - 1))
    fields[i] = data.draw(st.text(max_size=8))
    if data.draw(st.booleans()):
        fields = fields[: data.draw(st.integers(0, len(fields)))]
    with contextlib.suppress(ValueError):
        cpustate.parse_stat(" ".join(fields))


def test_overlapping_samplers_put_the_switch_interval_back() -> None:
    import sys

    before = sys.getswitchinterval()
    stop = threading.Event()
    busy = threading.Thread(target=spin, args=(stop,), name="spinner")
    busy.start()
    try:
        first = Sampler(100, "cpu").start()
        time.sleep(0.2)
        assert sys.getswitchinterval() < before  # one busy thread: the short interval
        second = Sampler(100, "cpu").start()
        time.sleep(0.2)
        first.stop()
        time.sleep(0.1)
        assert sys.getswitchinterval() < before  # the second is still running
        second.stop()
    finally:
        stop.set()
        busy.join()
    assert sys.getswitchinterval() == before
