"""Go: TestNoRaceChanAsyncCloseRecv3 (chan_test.go).

`close(c)` becomes a None sentinel and `for range c` a get loop until the sentinel. The
producer writes CloseBox.v before its puts; the consumer writes it after the last get: clean.
"""

import queue
import threading


class CloseBox:
    def __init__(self) -> None:
        self.v = 0


def main() -> None:
    box = CloseBox()
    channel: queue.Queue[int | None] = queue.Queue(maxsize=10)

    def producer() -> None:
        box.v = 1
        for i in range(3):
            channel.put(i)
        channel.put(None)

    threading.Thread(target=producer).start()
    total = 0
    while (item := channel.get()) is not None:
        total += item
    box.v = box.v + 1
    print("total =", total, "v =", box.v)


if __name__ == "__main__":
    main()
