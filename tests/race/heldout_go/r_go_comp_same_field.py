"""Go: TestRaceComp (comp_test.go).

Both threads write the same field of a nested object, outer.s2.y: a race on CompInner.y.
"""

import queue
import threading

# RACE: CompInner.y


class CompInner:
    def __init__(self) -> None:
        self.x = 0
        self.y = 0


class CompOuter:
    def __init__(self) -> None:
        self.s1 = CompInner()
        self.s2 = CompInner()


def main() -> None:
    outer = CompOuter()
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def worker() -> None:
        outer.s2.y = 1
        done.put(True)

    threading.Thread(target=worker).start()
    outer.s2.y = 2
    done.get()
    print("done")


if __name__ == "__main__":
    main()
