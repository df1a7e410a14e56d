"""Go: TestRaceAsFunc3 (mop_test.go).

The main thread holds the lock while it starts the worker and writes ArgBox.x. The worker
calls `lock_with(box.x, mu)`: the argument ArgBox.x is read *before* the call takes the lock,
so the read is outside the critical section and races with the write. (Main takes the lock
first, as Go's test relies on: had the worker locked first, its read would be ordered before
main's write in that run.)
"""

import queue
import threading

# RACE: ArgBox.x


class ArgBox:
    def __init__(self) -> None:
        self.x = 0


def lock_with(_value: int, lock: threading.Lock) -> None:
    lock.acquire()


def main() -> None:
    box = ArgBox()
    mu = threading.Lock()
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def worker() -> None:
        lock_with(box.x, mu)
        mu.release()
        done.put(True)

    mu.acquire()
    threading.Thread(target=worker).start()
    box.x = 42
    mu.release()
    done.get()
    print("done")


if __name__ == "__main__":
    main()
