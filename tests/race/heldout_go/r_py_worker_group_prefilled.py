"""Idiom gone wrong (issue 8's worker group): a batch queue.Queue is filled first, then three
worker threads drain it, each doing `+=` on one shared BatchStats object without a lock. Two
workers' updates of BatchStats.processed are unordered: a race, which happens whenever more
than one worker takes jobs. In a plain run (5 ms switch interval) several workers always do;
a detector that lets the first worker run alone long enough to drain the queue hides it.

4000 jobs, so that several workers take jobs in a plain run even on a loaded machine. With a
short batch (1000 jobs) the detector on main let one worker drain the queue in every run, but
at load 10-12 on this 2-core machine a plain run often did too, so a short batch cannot make a
reliable test.
"""

import queue
import threading

# RACE: BatchStats.processed


class BatchStats:
    def __init__(self) -> None:
        self.processed = 0
        self.checksum = 0


def worker(jobs: "queue.Queue[int | None]", stats: BatchStats) -> None:
    while True:
        job = jobs.get()
        if job is None:
            return
        digest = sum(range(job))
        stats.processed += 1
        stats.checksum = (stats.checksum + digest) % 9973


def main() -> None:
    jobs: queue.Queue[int | None] = queue.Queue()
    stats = BatchStats()
    for i in range(4000):
        jobs.put(200 + i % 7)
    workers = [threading.Thread(target=worker, args=(jobs, stats)) for _ in range(3)]
    for _ in workers:
        jobs.put(None)
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    print("processed:", stats.processed)


if __name__ == "__main__":
    main()
