"""Input for the committed Scalene JSON golden test (regenerate: see test_scalene_json.py)."""

import time


def allocate_big() -> int:
    kept = [bytearray(1024 * 1024) for _ in range(80)]
    return sum(len(b) for b in kept)


def allocate_small() -> int:
    kept = [bytearray(1024 * 1024) for _ in range(20)]
    return sum(len(b) for b in kept)


class Worker:
    def spin(self, seconds: float) -> int:
        total = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            total += 1
        return total


def main() -> None:
    for _ in range(2):
        allocate_big()
        allocate_small()
    Worker().spin(0.3)


if __name__ == "__main__":
    main()
