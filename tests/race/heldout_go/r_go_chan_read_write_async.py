"""Go: TestRaceChanReadWriteAsync (chan_test.go).

The worker reads RwBox.x to send it on one queue; the main thread overwrites RwBox.x with a
value received from another, already filled, queue. The two queues carry no edge between
these threads: read and write race.
"""

import queue
import threading

# RACE: RwBox.x


class RwBox:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    box = RwBox()
    c1: queue.Queue[int] = queue.Queue(maxsize=10)
    c2: queue.Queue[int] = queue.Queue(maxsize=10)
    c2.put(10)
    done: queue.Queue[bool] = queue.Queue()

    def worker() -> None:
        c1.put(box.x)
        done.put(True)

    threading.Thread(target=worker).start()
    box.x = c2.get()
    done.get()
    print("done")


if __name__ == "__main__":
    main()
