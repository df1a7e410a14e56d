"""Go: TestRaceMutex (mutex_test.go).

Both threads write MutexBox.x *before* taking the shared lock; the lock orders only what
follows the acquire, so the writes race.
"""

import queue
import threading

# RACE: MutexBox.x


class MutexBox:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    box = MutexBox()
    mu = threading.Lock()
    done: queue.Queue[bool] = queue.Queue(maxsize=2)

    def first() -> None:
        box.x = 1
        with mu:
            done.put(True)

    def second() -> None:
        box.x = 2
        with mu:
            pass
        done.put(True)

    threading.Thread(target=first).start()
    threading.Thread(target=second).start()
    done.get()
    done.get()
    print("done")


if __name__ == "__main__":
    main()
