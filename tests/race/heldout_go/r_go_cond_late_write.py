"""Go: TestRaceCond (sync_test.go).

The worker signals the condition, then later writes CondBox.x under the lock. The main thread
leaves the wait, releases the lock and writes CondBox.x outside it. Main's write follows its
release, so the worker's later acquire does not order it: the two writes race. (The worker
sleeps 100 ms first, as Go's test sleeps, so that main has left the wait by then; had the
worker re-taken the lock before main, main's write would be ordered after it in that run.)
"""

import queue
import threading
import time

# RACE: CondBox.x


class CondBox:
    def __init__(self) -> None:
        self.x = 0
        self.ready = False


def main() -> None:
    box = CondBox()
    cond = threading.Condition()
    done: queue.Queue[bool] = queue.Queue()

    def worker() -> None:
        time.sleep(0.01)  # let main enter the wait loop
        box.x = 1
        with cond:
            box.ready = True
            cond.notify()
        time.sleep(0.1)  # let main leave the wait loop (and write, unlocked)
        with cond:
            box.x = 3
        done.put(True)

    threading.Thread(target=worker).start()
    with cond:
        while not box.ready:
            cond.wait()
    box.x = 2
    done.get()
    print("finished")


if __name__ == "__main__":
    main()
