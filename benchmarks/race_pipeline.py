"""A race-free, attribute-heavy threaded order pipeline: the target of bench_race.py.

producer -> q_in -> 2 pricers -> q_priced -> accountant (a lock around shared stats).
Prints one JSON line: orders, revenue, seconds spent in the pipeline and peak RSS (KiB).
"""

from __future__ import annotations

import json
import queue
import resource
import sys
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 150_000
PRICERS = 2


class Order:
    def __init__(self, i: int) -> None:
        self.id = i
        self.qty = i % 7 + 1
        self.price = (i % 13) * 1.5
        self.discount = 0.1 if i % 5 == 0 else 0.0
        self.status = "new"
        self.total = 0.0


class Stats:
    def __init__(self) -> None:
        self.count = 0
        self.revenue = 0.0
        self.lock = threading.Lock()


def producer(q_in: queue.Queue) -> None:
    for i in range(N):
        q_in.put(Order(i))
    for _ in range(PRICERS):
        q_in.put(None)


def pricer(q_in: queue.Queue, q_out: queue.Queue) -> None:
    while True:
        order = q_in.get()
        if order is None:
            q_out.put(None)
            return
        gross = order.qty * order.price
        order.total = gross - gross * order.discount
        order.status = "priced"
        q_out.put(order)


def accountant(q_out: queue.Queue, stats: Stats) -> None:
    finished = 0
    while finished < PRICERS:
        order = q_out.get()
        if order is None:
            finished += 1
            continue
        with stats.lock:
            stats.count += 1
            stats.revenue += order.total
        order.status = "booked"


def main() -> None:
    start = time.perf_counter()
    q_in: queue.Queue = queue.Queue(maxsize=1000)
    q_out: queue.Queue = queue.Queue(maxsize=1000)
    stats = Stats()
    threads = [threading.Thread(target=producer, args=(q_in,))]
    threads += [threading.Thread(target=pricer, args=(q_in, q_out)) for _ in range(PRICERS)]
    threads.append(threading.Thread(target=accountant, args=(q_out, stats)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    result = {"orders": stats.count, "revenue": round(stats.revenue, 2), "seconds": elapsed}
    print(json.dumps({**result, "rss_kib": peak_rss_kib()}))


def peak_rss_kib() -> int:
    """This process's own peak RSS. ``ru_maxrss`` is not: Linux carries the high-water mark
    over ``exec``, so a child started by a bigger parent (``perfkit race``'s command-line process)
    would report the parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


main()
