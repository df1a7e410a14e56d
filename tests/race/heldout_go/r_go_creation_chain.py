"""Go: TestRaceGoroutineCreationStack (sync_test.go).

Thread f4 starts f3, which starts f2, which starts f1, which writes ChainBox.x. The main
thread writes ChainBox.x right after starting f4. Start edges only order what the creator did
*before* start(), so main's write races with f1's.
"""

import queue
import threading

# RACE: ChainBox.x


class ChainBox:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    box = ChainBox()
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def f1() -> None:
        box.x = 1
        done.put(True)

    def f2() -> None:
        threading.Thread(target=f1).start()

    def f3() -> None:
        threading.Thread(target=f2).start()

    def f4() -> None:
        threading.Thread(target=f3).start()

    threading.Thread(target=f4).start()
    box.x = 2
    done.get()
    print("chain done")


if __name__ == "__main__":
    main()
