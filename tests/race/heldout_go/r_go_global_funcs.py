"""Go: TestRaceIntRWGlobalFuncs (mop_test.go).

Two threads run module-level functions: one copies GLOBAL_X into GLOBAL_Y, the other assigns
GLOBAL_X. Read and write of the module global GLOBAL_X race.
"""

import queue
import threading

# RACE: GLOBAL_X

GLOBAL_X = 0
GLOBAL_Y = 0
GLOBAL_DONE: queue.Queue[int] = queue.Queue(maxsize=2)


def global_func1() -> None:
    global GLOBAL_Y
    GLOBAL_Y = GLOBAL_X
    GLOBAL_DONE.put(1)


def global_func2() -> None:
    global GLOBAL_X
    GLOBAL_X = 1
    GLOBAL_DONE.put(1)


def main() -> None:
    threading.Thread(target=global_func1).start()
    threading.Thread(target=global_func2).start()
    GLOBAL_DONE.get()
    GLOBAL_DONE.get()
    print("done")


if __name__ == "__main__":
    main()
