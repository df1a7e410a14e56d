"""A race inside a multiprocessing child started with the "spawn" method (the default on
macOS, and what forkserver-like starts look like): the child is a fresh interpreter that
re-imports this file. Two threads in it bump SpawnTally.hits without a lock. The parent run
must report it naming the child's pid, the child keeps its exit status (0), the parent exits 66.
"""

import multiprocessing
import threading

# RACE: SpawnTally.hits
# CHILD: pid and exit status printed by the parent


class SpawnTally:
    def __init__(self) -> None:
        self.hits = 0


def child_main() -> None:
    tally = SpawnTally()

    def bump() -> None:
        for _ in range(2000):
            tally.hits += 1

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    proc = multiprocessing.get_context("spawn").Process(target=child_main)
    proc.start()
    print("child pid:", proc.pid, flush=True)
    proc.join()
    print("child exit status:", proc.exitcode)
