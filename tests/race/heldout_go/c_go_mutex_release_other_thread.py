"""Go: TestNoRaceMutexSemaphore (mutex_test.go).

The main thread acquires a threading.Lock; the first worker writes HandoffBox.x and releases
that lock (a Lock, unlike an RLock, may be released by another thread); the second worker
acquires it and writes HandoffBox.x. release -> acquire orders the writes: clean.
"""

import threading


class HandoffBox:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    box = HandoffBox()
    mu = threading.Lock()
    mu.acquire()

    def first() -> None:
        box.x = 1
        mu.release()

    def second() -> None:
        mu.acquire()
        box.x = box.x + 1
        mu.release()

    threads = [threading.Thread(target=second), threading.Thread(target=first)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("x =", box.x)


if __name__ == "__main__":
    main()
