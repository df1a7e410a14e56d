"""Go: TestNoRaceWaitGroupReuse (waitgroup_test.go).

Three rounds: three workers each `data[p] += 1` on their own slot, then done(); the main
thread waits and does `data[p] += 1` on every slot. The next round's workers are started after
main's updates. Every read-modify-write is ordered by wait() or start(): clean.
"""

import threading


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


def main() -> None:
    slots = 3
    data = [0] * slots
    wg = WaitGroup()

    def bump(p: int) -> None:
        data[p] += 1
        wg.done()

    for _ in range(3):
        wg.add(slots)
        for p in range(slots):
            threading.Thread(target=bump, args=(p,)).start()
        wg.wait()
        for p in range(slots):
            data[p] += 1
    print("data =", data)


if __name__ == "__main__":
    main()
