"""Go: TestRaceCaseCondition (mop_test.go).

One thread writes SwitchBox.x; the other evaluates `match box.x < 2` and, in the taken case,
writes it. Whatever the order, the match subject reads SwitchBox.x unordered with the first
thread's write: a race.
"""

import queue
import threading

# RACE: SwitchBox.x


class SwitchBox:
    def __init__(self) -> None:
        self.x = 0


def main() -> None:
    box = SwitchBox()
    done: queue.Queue[int] = queue.Queue(maxsize=2)

    def writer() -> None:
        box.x = 2
        done.put(1)

    def switcher() -> None:
        match box.x < 2:
            case True:
                box.x = 1
            case False:
                pass
        done.put(1)

    threading.Thread(target=writer).start()
    threading.Thread(target=switcher).start()
    done.get()
    done.get()
    print("done")


if __name__ == "__main__":
    main()
