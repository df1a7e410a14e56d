"""Idiom: concurrent.futures.Future.add_done_callback consuming the result object.

Each work item creates and fills a Partial; its done callback (in the worker thread, or in the
main thread if the future is already done) updates that Partial and folds it into a Report
under a lock, and the last callback sets an Event the main thread waits on. A done callback
sees what completed its future: clean.
"""

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor


class Partial:
    def __init__(self, n: int) -> None:
        self.n = n
        self.value = 0


class Report:
    def __init__(self) -> None:
        self.total = 0
        self.count = 0


def work(n: int) -> Partial:
    part = Partial(n)
    time.sleep(0.002 * (n % 3))
    part.value = n * n
    return part


def main() -> None:
    report = Report()
    lock = threading.Lock()
    all_done = threading.Event()
    jobs = 8

    def on_done(fut: "Future[Partial]") -> None:
        part = fut.result()
        part.value += 1
        with lock:
            report.total += part.value
            report.count += 1
            if report.count == jobs:
                all_done.set()

    with ThreadPoolExecutor(max_workers=3) as pool:
        for n in range(jobs):
            pool.submit(work, n).add_done_callback(on_done)
        all_done.wait(timeout=10)
        print("total =", report.total, "count =", report.count)


if __name__ == "__main__":
    main()
