"""A service for the live-debug tests: worker threads in ``busy_handler``, an idle thread, and an
event loop thread running three asyncio tasks named ``poll-orders-N``.

    python live_service.py [--token T] [--address 127.0.0.1:0] [--seconds 60]

Prints ``READY http://HOST:PORT`` once the debug server listens; exits after ``--seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time

import perfkit.debug

stop = threading.Event()


def busy_handler() -> int:
    """The hot spot: pure-Python CPU work."""
    total = 0
    while not stop.is_set():
        for i in range(20_000):
            total += i * i % 7
    return total


def light_handler() -> None:
    """Mostly waiting: sleeps 9 of every 10 ms."""
    while not stop.is_set():
        deadline = time.perf_counter() + 0.001
        while time.perf_counter() < deadline:
            pass
        time.sleep(0.009)


HELD: list = []


def load_order_book(megabytes: float) -> None:
    """A large live heap, as a service's caches make: dicts and strings from a few stacks."""
    while tracemalloc_mb() < megabytes:
        HELD.append([{"id": i, "sku": f"sku-{i:08d}", "qty": i % 7, "tags": [i, i + 1]} for i in range(10_000)])


def tracemalloc_mb() -> float:
    import tracemalloc

    return tracemalloc.get_traced_memory()[0] / 1e6


async def poll_orders(n: int) -> None:
    while not stop.is_set():
        await asyncio.sleep(0.05)


async def serve_tasks() -> None:
    polls = [asyncio.create_task(poll_orders(n), name=f"poll-orders-{n}") for n in range(3)]
    await asyncio.gather(*polls)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", default="127.0.0.1:0")
    parser.add_argument("--token")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--hold-mb", type=float, default=0, help="with --tracemalloc: grow the traced heap to this")
    args = parser.parse_args()
    handle = perfkit.debug.start(args.address, token=args.token, tracemalloc=args.tracemalloc)
    if args.hold_mb and args.tracemalloc:
        load_order_book(args.hold_mb)
    threads = [threading.Thread(target=busy_handler, name=f"busy-{n}", daemon=True) for n in range(args.workers)]
    threads.append(threading.Thread(target=light_handler, name="light", daemon=True))
    threads.append(threading.Thread(target=lambda: asyncio.run(serve_tasks()), name="event-loop", daemon=True))
    for thread in threads:
        thread.start()
    print(f"READY {handle.url}", flush=True)
    stop.wait(args.seconds)
    stop.set()
    handle.close()


if __name__ == "__main__":
    main()
