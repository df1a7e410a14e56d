"""Go: TestNoRaceIntRWClosures (mop_test.go).

As r_go_closure_rw, but the main thread waits for the copier before starting the writer: the
cell `x` is read, then (ordered by put -> get and start) written: clean.
"""

import queue
import threading


def main() -> None:
    x = 0
    y = 0
    done: queue.Queue[int] = queue.Queue(maxsize=1)

    def copier() -> None:
        nonlocal y
        y = x
        done.put(1)

    def writer() -> None:
        nonlocal x
        x = 1
        done.put(1)

    threading.Thread(target=copier).start()
    done.get()
    threading.Thread(target=writer).start()
    done.get()
    print("x, y =", x, y)


if __name__ == "__main__":
    main()
