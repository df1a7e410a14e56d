"""Go: TestNoRaceProducerConsumerUnbuffered (chan_test.go).

A server thread takes a task (a closure plus a reply queue) and runs it; the caller waits for
the reply. The closure writes the caller's local `x` (a closure cell); the caller reads it
after the reply: task put -> get, run, reply put -> get: clean.
"""

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Task:
    fn: Callable[[], None]
    done: "queue.Queue[bool]"


def main() -> None:
    tasks: queue.Queue[Task] = queue.Queue(maxsize=1)

    def server() -> None:
        task = tasks.get()
        task.fn()
        task.done.put(True)

    threading.Thread(target=server).start()

    def doit(fn: Callable[[], None]) -> None:
        done: queue.Queue[bool] = queue.Queue(maxsize=1)
        tasks.put(Task(fn, done))
        done.get()

    x = 0

    def set_x() -> None:
        nonlocal x
        x = x + 1

    doit(set_x)
    x = x + 1
    print("x =", x)


if __name__ == "__main__":
    main()
