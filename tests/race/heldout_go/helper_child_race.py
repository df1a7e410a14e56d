"""Child of r_py_subprocess_child_race: two threads bump SubTally.hits without a lock, then
the process exits with status 3 (its own status, which the detector must keep).
"""

import sys
import threading


class SubTally:
    def __init__(self) -> None:
        self.hits = 0


def main() -> None:
    tally = SubTally()

    def bump() -> None:
        for _ in range(2000):
            tally.hits += 1

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.exit(3)


if __name__ == "__main__":
    main()
