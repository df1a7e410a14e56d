"""Go: TestRaceTLS (mop_test.go).

Thread A creates a Cell, sends it to B and keeps writing Cell.v after the send; B writes Cell.v
after receiving it and sends it back. The send orders only what A did before it, so A's write
after the send races with B's write.
"""

import queue
import threading

# RACE: Cell.v


class Cell:
    def __init__(self) -> None:
        self.v = 0


def main() -> None:
    to_b: queue.Queue[Cell] = queue.Queue(maxsize=1)
    to_a: queue.Queue[Cell] = queue.Queue(maxsize=1)
    done: queue.Queue[int] = queue.Queue(maxsize=2)

    def thread_a() -> None:
        cell = Cell()
        to_b.put(cell)
        cell.v = 1
        cell.v = to_a.get().v
        done.put(1)

    def thread_b() -> None:
        cell = to_b.get()
        cell.v = 2
        to_a.put(cell)
        done.put(1)

    threading.Thread(target=thread_a).start()
    threading.Thread(target=thread_b).start()
    done.get()
    done.get()
    print("done")


if __name__ == "__main__":
    main()
