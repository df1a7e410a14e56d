"""Go: TestNoRaceChanReadWriteAsync (chan_test.go).

The worker reads RwSlot.x and sends it; the main thread stores the received value into
RwSlot.x. The read precedes the put, the write follows the get of that item: clean.
"""

import queue
import threading


class RwSlot:
    def __init__(self) -> None:
        self.x = 7


def main() -> None:
    slot = RwSlot()
    c1: queue.Queue[int] = queue.Queue(maxsize=10)
    done: queue.Queue[bool] = queue.Queue()

    def worker() -> None:
        c1.put(slot.x)
        done.put(True)

    threading.Thread(target=worker).start()
    slot.x = c1.get() + 1
    done.get()
    print("x =", slot.x)


if __name__ == "__main__":
    main()
