"""Go: TestNoRaceAfterFunc3 (sync_test.go).

A threading.Timer callback writes TimerSlot.x and then puts to a queue; the main thread gets
from the queue before reading TimerSlot.x. put -> get orders them: clean.
"""

import queue
import threading


class TimerSlot:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    slot = TimerSlot()
    fired: queue.Queue[bool] = queue.Queue(maxsize=1)

    def callback() -> None:
        slot.x = 1
        fired.put(True)

    threading.Timer(0.01, callback).start()
    fired.get()
    print("x =", slot.x)


if __name__ == "__main__":
    main()
