"""Go: TestRaceAtomicAddInt64 (atomic_test.go).

Each thread writes its own flag, then increments a lock-guarded counter (Python's stand-in for
atomic.AddInt64); whoever sees 1 (the *first* to add) writes the other thread's flag. The other
thread wrote that flag before its own (later) increment, so the first thread's write is not
ordered with it: a race on Flags.x1 or Flags.x2, whichever thread wins.
"""

import queue
import threading

# RACE: Flags.x


class Flags:
    def __init__(self) -> None:
        self.x1 = 0
        self.x2 = 0


class AtomicCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def add(self, delta: int) -> int:
        with self._lock:
            self._value += delta
            return self._value


def main() -> None:
    flags = Flags()
    counter = AtomicCounter()
    done: queue.Queue[bool] = queue.Queue(maxsize=2)

    def first() -> None:
        flags.x1 = 1
        if counter.add(1) == 1:
            flags.x2 = 1
        done.put(True)

    def second() -> None:
        flags.x2 = 1
        if counter.add(1) == 1:
            flags.x1 = 1
        done.put(True)

    threading.Thread(target=first).start()
    threading.Thread(target=second).start()
    done.get()
    done.get()
    print("done")


if __name__ == "__main__":
    main()
