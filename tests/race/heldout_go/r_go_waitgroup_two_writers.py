"""Go: TestRaceWaitGroup2 (waitgroup_test.go).

A WaitGroup (a counter under a Condition) is used correctly, yet both workers write
WgBox.x before calling done(): the waiter is ordered after both, but the two writes are not
ordered with each other, so they race.
"""

import threading

# RACE: WgBox.x


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


class WgBox:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    box = WgBox()
    wg = WaitGroup()
    wg.add(2)

    def first() -> None:
        box.x = 1
        wg.done()

    def second() -> None:
        box.x = 2
        wg.done()

    threading.Thread(target=first).start()
    threading.Thread(target=second).start()
    wg.wait()
    print("waited")


if __name__ == "__main__":
    main()
