"""A program whose CPU time splits 70/30 between two functions by construction.

Both functions run the same loop; ``hot`` is called 7 times for every 3 calls of ``cold``.
Runs for about ``argv[1]`` seconds (default 3).
"""

import sys
import time


def hot() -> int:
    total = 0
    for i in range(20_000):
        total += i * i % 7
    return total


def cold() -> int:
    total = 0
    for i in range(20_000):
        total += i * i % 7
    return total


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for _ in range(7):
            hot()
        for _ in range(3):
            cold()


if __name__ == "__main__":
    main()
