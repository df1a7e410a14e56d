"""Go: TestNoRaceBlockedSendSync (chan_test.go).

The queue is full; the worker builds an object, sets its field and blocks in put(). The main
thread drains the placeholder, then gets the object and reads its field. The worker's write
precedes its put, which precedes the get that returns the object: clean, however long the
sender was blocked.
"""

import queue
import threading
import time


class Message:
    def __init__(self) -> None:
        self.value = 0


def main() -> None:
    channel: queue.Queue[Message | None] = queue.Queue(maxsize=1)
    channel.put(None)

    def sender() -> None:
        msg = Message()
        msg.value = 42
        channel.put(msg)

    threading.Thread(target=sender).start()
    time.sleep(0.01)  # let the sender block
    channel.get()
    msg = channel.get()
    assert msg is not None
    msg.value += 1
    print("value =", msg.value)


if __name__ == "__main__":
    main()
