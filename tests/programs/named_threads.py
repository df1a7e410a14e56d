"""Two named threads burn CPU for about ``argv[1]`` seconds each (default 2) while the main
thread waits: a profile must show the samples under the thread names ``crunch-a`` and ``crunch-b``.
"""

import sys
import threading
import time


def burn(seconds: float) -> int:
    deadline = time.perf_counter() + seconds
    total = 0
    while time.perf_counter() < deadline:
        for i in range(2_000):
            total += i * i % 7
    return total


def crunch_a(seconds: float) -> None:
    burn(seconds)


def crunch_b(seconds: float) -> None:
    burn(seconds)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    workers = [
        threading.Thread(target=crunch_a, args=(seconds,), name="crunch-a"),
        threading.Thread(target=crunch_b, args=(seconds,), name="crunch-b"),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    main()
