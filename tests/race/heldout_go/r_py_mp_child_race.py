"""A race inside a multiprocessing child (default start method). Two threads in the child bump
ChildTally.hits without a lock. The parent run must report the child's race naming the child's
pid, the child keeps its own exit status (0), and the parent exits 66.
"""

import multiprocessing
import threading

# RACE: ChildTally.hits
# CHILD: pid and exit status printed by the parent


class ChildTally:
    def __init__(self) -> None:
        self.hits = 0


def child_main() -> None:
    tally = ChildTally()

    def bump() -> None:
        for _ in range(2000):
            tally.hits += 1

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    proc = multiprocessing.Process(target=child_main)
    proc.start()
    print("child pid:", proc.pid, flush=True)
    proc.join()
    print("child exit status:", proc.exitcode)
