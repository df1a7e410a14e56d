"""Go: TestRaceIntRWClosures (mop_test.go).

Two threads share the enclosing function's locals through closure cells: one copies `x` into
`y`, the other assigns `x`. Read and write of the cell `x` race.
"""

import queue
import threading

# RACE: r_go_closure_rw.py:25


def main() -> None:
    x = 0
    y = 0
    done: queue.Queue[int] = queue.Queue(maxsize=2)

    def copier() -> None:
        nonlocal y
        y = x
        done.put(1)

    def writer() -> None:
        nonlocal x
        x = 1  # <- race
        done.put(1)

    threading.Thread(target=copier).start()
    threading.Thread(target=writer).start()
    done.get()
    done.get()
    print("done", y in (0, 1))


if __name__ == "__main__":
    main()
