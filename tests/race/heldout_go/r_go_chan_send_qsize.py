"""Go: TestRaceChanSendLen (chan_test.go).

The main thread polls qsize() until the worker's item shows up, then writes LenBox.v. Seeing a
queue's length is not a receive: nothing orders the worker's write before main's. (Go: len(c)
does not synchronise.)
"""

import queue
import threading
import time

# RACE: LenBox.v


class LenBox:
    def __init__(self) -> None:
        self.v = 0


def main() -> None:
    box = LenBox()
    channel: queue.Queue[int] = queue.Queue(maxsize=10)

    def worker() -> None:
        box.v = 1
        channel.put(1)

    t = threading.Thread(target=worker)
    t.start()
    while channel.qsize() == 0:
        time.sleep(0.001)
    box.v = 2
    t.join()
    print("done")


if __name__ == "__main__":
    main()
