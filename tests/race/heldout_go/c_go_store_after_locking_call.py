"""Go: TestNoRaceAsFunc4 / TestNoRaceFuncUnlock (mop_test.go).

`box.x = locked_value(mu)`: the call takes the lock and returns, and only then is StoreBox.x
stored, so the store is inside the critical section; the worker writes StoreBox.x under the
same lock: clean.
"""

import queue
import threading


class StoreBox:
    def __init__(self) -> None:
        self.x = 0


def locked_value(lock: threading.Lock) -> int:
    lock.acquire()
    return 43


def main() -> None:
    box = StoreBox()
    mu = threading.Lock()
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def worker() -> None:
        with mu:
            box.x = 42
        done.put(True)

    threading.Thread(target=worker).start()
    box.x = locked_value(mu)
    mu.release()
    done.get()
    print("x is set:", box.x in (42, 43))


if __name__ == "__main__":
    main()
