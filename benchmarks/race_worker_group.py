"""A worker group: three threads take items from one queue.Queue and count them on one shared
stats object without a lock (a real race). The target of bench_race_switch.py.

    python race_worker_group.py ITEMS
"""

from __future__ import annotations

import queue
import sys
import threading

ITEMS = int(sys.argv[1]) if len(sys.argv) > 1 else 300


class Stats:
    def __init__(self) -> None:
        self.done = 0


def worker(q: queue.Queue, stats: Stats) -> None:
    while True:
        item = q.get()
        if item is None:
            return
        sum(range(500))  # the work for one item, about 10 µs
        stats.done += 1


def main() -> None:
    q: queue.Queue = queue.Queue()
    stats = Stats()
    for i in range(ITEMS):
        q.put(i)
    workers = [threading.Thread(target=worker, args=(q, stats)) for _ in range(3)]
    for _ in workers:
        q.put(None)
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(stats.done)


main()
