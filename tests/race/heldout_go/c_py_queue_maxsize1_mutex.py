"""Idiom: a bounded Queue(maxsize=1) used as a mutex by three threads (put to enter, get to
leave). Only the holder can get, and the next put completes only after that get (Go's
buffered-channel rule): every `stats.n += 1` is ordered: clean.
"""

import queue
import threading


class Stats:
    def __init__(self) -> None:
        self.n = 0
        self.last = ""


def main() -> None:
    stats = Stats()
    token: queue.Queue[None] = queue.Queue(maxsize=1)

    def worker(name: str) -> None:
        for _ in range(200):
            token.put(None)
            stats.n += 1
            stats.last = name
            token.get()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("n =", stats.n, "last set:", stats.last != "")


if __name__ == "__main__":
    main()
