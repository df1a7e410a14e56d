"""Go: TestNoRaceCond (sync_test.go).

The worker writes Slot.x, then sets the predicate and notifies under the condition's lock.
The main thread waits for the predicate under the same lock and only then writes Slot.x.
notify -> wait under one lock orders the two writes: clean.
"""

import threading


class Slot:
    def __init__(self) -> None:
        self.x = 0
        self.ready = False


def main() -> None:
    slot = Slot()
    cond = threading.Condition()

    def worker() -> None:
        slot.x = 1
        with cond:
            slot.ready = True
            cond.notify()

    t = threading.Thread(target=worker)
    t.start()
    with cond:
        while not slot.ready:
            cond.wait()
    slot.x = 2
    t.join()
    print("x =", slot.x)


if __name__ == "__main__":
    main()
