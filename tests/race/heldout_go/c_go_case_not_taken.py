"""Go: TestNoRaceCaseFallthrough (mop_test.go).

One thread copies CaseBox.x into CaseBox.y; the other writes CaseBox.x only in a branch that
is never taken (z is 1). Only accesses that happen count: clean.
"""

import queue
import threading


class CaseBox:
    def __init__(self) -> None:
        self.x = 0
        self.y = 0
        self.z = 0


def main() -> None:
    box = CaseBox()
    box.z = 1
    done: queue.Queue[int] = queue.Queue(maxsize=2)

    def copier() -> None:
        box.y = box.x
        done.put(1)

    def brancher() -> None:
        if box.z == 1:
            pass
        elif box.z == 2:
            box.x = 2
        done.put(1)

    threading.Thread(target=copier).start()
    threading.Thread(target=brancher).start()
    done.get()
    done.get()
    print("x, y =", box.x, box.y)


if __name__ == "__main__":
    main()
