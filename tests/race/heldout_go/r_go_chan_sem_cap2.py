"""Go: TestRaceChanSem (chan_test.go).

A Queue(maxsize=2) used as a semaphore of two: both threads get in at once, so their writes to
SemBox.data are unordered. (Go's rule: the k-th receive is ordered before the (k+C)-th send
completes; with C=2 and two senders nothing is ordered.)
"""

import queue
import threading

# RACE: SemBox.data


class SemBox:
    def __init__(self) -> None:
        self.data = 0


def main() -> None:
    box = SemBox()
    sem: queue.Queue[bool] = queue.Queue(maxsize=2)
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def worker() -> None:
        sem.put(True)
        box.data = 42
        sem.get()
        done.put(True)

    threading.Thread(target=worker).start()
    sem.put(True)
    box.data = 43
    sem.get()
    done.get()
    print("done")


if __name__ == "__main__":
    main()
