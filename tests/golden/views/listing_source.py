"""Source file for the listing golden tests: line numbers here are referenced by tests/test_listing.py."""

import functools


def hot(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


@functools.lru_cache
def cached(n: int) -> int:
    return hot(n)


class Worker:
    def run(self) -> int:
        first = hot(10)
        second = fib(5)
        return first + second


def main() -> None:
    Worker().run()
    cached(3)


if __name__ == "__main__":
    main()
