"""Go: TestNoRaceWaitGroupTransitive (waitgroup_test.go).

One worker writes Pair.x, another (later) writes Pair.y; both call done() on a WaitGroup built
from a Condition. The waiter reads both after wait(): each done() is ordered before the
wait's return, so: clean.
"""

import threading
import time


class WaitGroup:
    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._count = 0

    def add(self, n: int) -> None:
        with self._cv:
            self._count += n
            if self._count == 0:
                self._cv.notify_all()

    def done(self) -> None:
        self.add(-1)

    def wait(self) -> None:
        with self._cv:
            while self._count:
                self._cv.wait()


class Pair:
    def __init__(self) -> None:
        self.x = 0
        self.y = 0


def main() -> None:
    pair = Pair()
    wg = WaitGroup()
    wg.add(2)

    def first() -> None:
        pair.x = 42
        wg.done()

    def second() -> None:
        time.sleep(0.01)
        pair.y = 42
        wg.done()

    threading.Thread(target=first).start()
    threading.Thread(target=second).start()
    wg.wait()
    print("x, y =", pair.x, pair.y)


if __name__ == "__main__":
    main()
