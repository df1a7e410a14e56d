"""A long-running program that keeps allocating, for Ctrl-C tests: it runs until interrupted
(or ``argv[1]`` seconds, default 60), so whatever a profiler returns was gathered before Ctrl-C.

``grow`` allocates a 1 MB buffer every 10 ms and keeps the last ten; ``spin`` burns CPU between.
"""

import sys
import time


def grow(kept: list) -> None:
    kept.append(bytearray(1024 * 1024))
    del kept[:-10]


def spin() -> int:
    total = 0
    for i in range(5_000):
        total += i * i % 7
    return total


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    deadline = time.perf_counter() + seconds
    kept: list = []
    print("started", flush=True)
    while time.perf_counter() < deadline:
        grow(kept)
        spin()
        time.sleep(0.01)


if __name__ == "__main__":
    main()
