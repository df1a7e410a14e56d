"""Go: TestNoRaceFin / TestRaceFin (finalizer_test.go), Python semantics.

In Go a finalizer runs on its own goroutine. In CPython a weakref.finalize callback runs in
the thread that drops the last reference, at that moment. The worker drops the object (the
callback writes FinBox.note in the worker), then hands over with a put; the main thread
updates FinBox.note after the get: clean.
"""

import queue
import threading
import weakref


class FinBox:
    def __init__(self) -> None:
        self.note = ""


class Resource:
    pass


def on_collect(box: FinBox) -> None:
    box.note = box.note + "+collected"


def main() -> None:
    box = FinBox()
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def worker() -> None:
        res = Resource()
        weakref.finalize(res, on_collect, box)
        box.note = "bar"
        del res  # the finalizer runs here, in this thread
        done.put(True)

    threading.Thread(target=worker).start()
    done.get()
    box.note = box.note + "+main"
    print(box.note)


if __name__ == "__main__":
    main()
