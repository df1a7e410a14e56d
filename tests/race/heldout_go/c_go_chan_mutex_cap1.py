"""Go: TestNoRaceChanMutex (chan_test.go).

A Queue(maxsize=1) used as a mutex: put to enter, get to leave. With capacity 1 the k-th get
is ordered before the (k+1)-th put completes, so the critical sections are ordered: clean.
"""

import queue
import threading


class GuardedData:
    def __init__(self) -> None:
        self.data = 0


def main() -> None:
    shared = GuardedData()
    mtx: queue.Queue[None] = queue.Queue(maxsize=1)
    done: queue.Queue[None] = queue.Queue(maxsize=1)

    def worker() -> None:
        mtx.put(None)
        shared.data = shared.data + 42
        mtx.get()
        done.put(None)

    threading.Thread(target=worker).start()
    mtx.put(None)
    shared.data = shared.data + 43
    mtx.get()
    done.get()
    print("data =", shared.data)


if __name__ == "__main__":
    main()
