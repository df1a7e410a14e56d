"""Idiom gone wrong: a worker group of three threads fed by a queue.Queue, each doing `+=` on
one shared WorkerStats object without a lock. The queue orders each job's put before its get,
but two workers' updates of WorkerStats.processed are unordered: a race, seen whenever more
than one worker takes jobs (in a plain run all three do).
"""

import queue
import threading

# RACE: WorkerStats.processed


class WorkerStats:
    def __init__(self) -> None:
        self.processed = 0
        self.checksum = 0


def worker(jobs: "queue.Queue[str | None]", stats: WorkerStats) -> None:
    while True:
        job = jobs.get()
        if job is None:
            return
        digest = sum(ord(c) for c in job) % 97
        stats.processed += 1
        stats.checksum = (stats.checksum + digest) % 9973


def main() -> None:
    jobs: queue.Queue[str | None] = queue.Queue()
    stats = WorkerStats()
    workers = [threading.Thread(target=worker, args=(jobs, stats)) for _ in range(3)]
    for t in workers:
        t.start()
    for i in range(3000):
        jobs.put("x" * (i % 40))
    for _ in workers:
        jobs.put(None)
    for t in workers:
        t.join()
    print("processed something:", stats.processed > 0)


if __name__ == "__main__":
    main()
