"""Go: TestRaceForTest (mop_test.go).

The main loop tests LoopFlag.stop before each send; the receiver sets LoopFlag.stop after
each receive. With capacity 1 a receive is ordered before the *next* send completes, but the
receiver's write after it is not ordered before main's next test of the flag: a race.
"""

import queue
import threading

# RACE: LoopFlag.stop


class LoopFlag:
    def __init__(self) -> None:
        self.stop = False


def main() -> None:
    flag = LoopFlag()
    channel: queue.Queue[bool | None] = queue.Queue(maxsize=1)

    def receiver() -> None:
        while channel.get() is not None:
            flag.stop = True

    t = threading.Thread(target=receiver)
    t.start()
    sends = 0
    while not flag.stop:
        channel.put(True)
        sends += 1
    channel.put(None)
    t.join()
    print("sent at least once:", sends >= 1)


if __name__ == "__main__":
    main()
