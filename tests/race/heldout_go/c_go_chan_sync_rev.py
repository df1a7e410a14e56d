"""Go: TestNoRaceChanSyncRev (chan_test.go).

Go's unbuffered send completes only after the receive. Here the sender puts and then waits in
`join()`, the receiver calls `task_done()` after `get()`: the main thread's write before the
get/task_done is ordered before the worker's write after join(): clean.
"""

import queue
import threading


class RendezvousBox:
    def __init__(self) -> None:
        self.v = 0


def main() -> None:
    box = RendezvousBox()
    channel: queue.Queue[int] = queue.Queue(maxsize=1)

    def sender() -> None:
        channel.put(0)
        channel.join()  # the "send" completes once the receiver has taken the item
        box.v = box.v + 1

    t = threading.Thread(target=sender)
    t.start()
    box.v = 10
    channel.get()
    channel.task_done()
    t.join()
    print("v =", box.v)


if __name__ == "__main__":
    main()
