"""Go: TestNoRaceMutex (mutex_test.go).

Two threads update MutexCounter.x, each entirely inside the same threading.Lock: clean.
"""

import queue
import threading


class MutexCounter:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    counter = MutexCounter()
    mu = threading.Lock()
    done: queue.Queue[bool] = queue.Queue(maxsize=2)

    def first() -> None:
        with mu:
            counter.x += 1
        done.put(True)

    def second() -> None:
        mu.acquire()
        counter.x += 10
        mu.release()
        done.put(True)

    threading.Thread(target=first).start()
    threading.Thread(target=second).start()
    done.get()
    done.get()
    print("x =", counter.x)


if __name__ == "__main__":
    main()
