"""Go: TestRaceMutex2 (mutex_test.go).

Each thread writes TwoLockBox.x under a lock, but not the same lock: the writes race.
"""

import queue
import threading

# RACE: TwoLockBox.x


class TwoLockBox:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    box = TwoLockBox()
    mu1 = threading.Lock()
    mu2 = threading.RLock()
    done: queue.Queue[bool] = queue.Queue(maxsize=2)

    def first() -> None:
        with mu1:
            box.x = 1
        done.put(True)

    def second() -> None:
        with mu2:
            box.x = 2
        done.put(True)

    threading.Thread(target=first).start()
    threading.Thread(target=second).start()
    done.get()
    done.get()
    print("done")


if __name__ == "__main__":
    main()
