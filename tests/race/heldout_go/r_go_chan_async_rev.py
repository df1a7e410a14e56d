"""Go: TestRaceChanAsyncRev (chan_test.go).

Buffered channel (Queue(maxsize=10)): the worker puts and *then* writes ChanBox.v; the main
thread writes ChanBox.v and then gets. put -> get orders only what preceded the put, so the
two writes race.
"""

import queue
import threading

# RACE: ChanBox.v


class ChanBox:
    def __init__(self) -> None:
        self.v = 0


def main() -> None:
    box = ChanBox()
    channel: queue.Queue[int] = queue.Queue(maxsize=10)

    def worker() -> None:
        channel.put(0)
        box.v = 1

    t = threading.Thread(target=worker)
    t.start()
    box.v = 2
    channel.get()
    t.join()
    print("done")


if __name__ == "__main__":
    main()
