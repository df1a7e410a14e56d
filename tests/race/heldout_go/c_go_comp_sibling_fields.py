"""Go: TestNoRaceComp (comp_test.go).

One thread writes outer.s2.x, the other outer.s2.y: different fields of one nested object,
and outer.s2 itself is only read. Different locations: clean.
"""

import queue
import threading


class SibInner:
    def __init__(self) -> None:
        self.x = 0
        self.y = 0


class SibOuter:
    def __init__(self) -> None:
        self.s1 = SibInner()
        self.s2 = SibInner()


def main() -> None:
    outer = SibOuter()
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def worker() -> None:
        outer.s2.x = 1
        done.put(True)

    threading.Thread(target=worker).start()
    outer.s2.y = 2
    done.get()
    print("x, y =", outer.s2.x, outer.s2.y)


if __name__ == "__main__":
    main()
