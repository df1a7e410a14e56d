"""Go: TestNoRaceAtomicLoadStoreInt32 (atomic_test.go).

The worker writes PollBox.x and then sets an Event (the atomic store); the main thread polls
is_set() (the atomic load) until it sees the flag, then writes PollBox.x. Observing the set
flag synchronises like wait() does: clean.
"""

import threading
import time


class PollBox:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    box = PollBox()
    flag = threading.Event()

    def worker() -> None:
        box.x = 2
        flag.set()

    t = threading.Thread(target=worker)
    t.start()
    while not flag.is_set():
        time.sleep(0.001)
    box.x = box.x * 10
    print("x =", box.x)
    t.join()


if __name__ == "__main__":
    main()
