"""Go: TestRaceComp3 / TestRaceCompPtr2 (comp_test.go).

The worker writes outer.s2.y, which reads ReplOuter.s2; the main thread replaces outer.s2 with
a new object. Read and write of ReplOuter.s2 race.
"""

import queue
import threading

# RACE: ReplOuter.s2


class ReplInner:
    def __init__(self) -> None:
        self.y = 0


class ReplOuter:
    def __init__(self) -> None:
        self.s2 = ReplInner()


def main() -> None:
    outer = ReplOuter()
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def worker() -> None:
        outer.s2.y = 1
        done.put(True)

    threading.Thread(target=worker).start()
    outer.s2 = ReplInner()
    done.get()
    print("done")


if __name__ == "__main__":
    main()
