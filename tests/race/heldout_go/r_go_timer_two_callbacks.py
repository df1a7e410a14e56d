"""Go: TestRaceAfterFunc3 (sync_test.go).

Two timers fire 10 ms apart and both write TimerBox.x. Each timer thread is ordered after the
main thread's start, but nothing orders one timer after the other: the writes race, however
far apart in time they happen.
"""

import queue
import threading

# RACE: TimerBox.x


class TimerBox:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    box = TimerBox()
    fired: queue.Queue[bool] = queue.Queue(maxsize=2)

    def first() -> None:
        box.x = 1
        fired.put(True)

    def second() -> None:
        box.x = 2
        fired.put(True)

    threading.Timer(0.01, first).start()
    threading.Timer(0.02, second).start()
    fired.get()
    fired.get()
    print("both fired")


if __name__ == "__main__":
    main()
