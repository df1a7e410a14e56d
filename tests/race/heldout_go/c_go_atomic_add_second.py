"""Go: TestNoRaceAtomicAddInt64 (atomic_test.go).

As r_go_atomic_add_first, but whoever sees 2 (the *second* to add) writes the other thread's
flag. The other thread wrote it before its increment, which is ordered before the second
increment by the counter's lock: clean.
"""

import queue
import threading


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
        if counter.add(1) == 2:
            flags.x2 += 1
        done.put(True)

    def second() -> None:
        flags.x2 = 1
        if counter.add(1) == 2:
            flags.x1 += 1
        done.put(True)

    threading.Thread(target=first).start()
    threading.Thread(target=second).start()
    done.get()
    done.get()
    print("sum =", flags.x1 + flags.x2)


if __name__ == "__main__":
    main()
