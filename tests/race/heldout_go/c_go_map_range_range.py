"""Go: TestNoRaceMapRangeRange (map_test.go).

Two threads iterate the same (non-empty) dict and nobody writes it: reads only, clean.
"""

import queue
import threading


def main() -> None:
    table = {0: 0, 1: 10, 2: 20}
    done: queue.Queue[int] = queue.Queue(maxsize=1)

    def reader() -> None:
        total = 0
        for key in table:
            total += table[key]
        done.put(total)

    threading.Thread(target=reader).start()
    mine = 0
    for key in table:
        mine += table[key]
    print("totals =", mine, done.get())


if __name__ == "__main__":
    main()
