# expect: clean
"""Finalisers that run at interpreter shutdown touch instrumented attributes and containers:
nothing from the detector may show (no exception, no warning), the output stays the program's."""

import threading


class Resource:
    def __init__(self, name):
        self.name = name
        self.closed = False
        self.log = {}

    def __del__(self):
        self.closed = True
        self.log["closed"] = self.closed
        for _ in self.log:
            pass


KEEP = Resource("module global, finalised at shutdown")
cycle = Resource("cycle")
cycle.me = cycle  # collected by the final collection


def worker():
    with LOCK:
        KEEP.log["worker"] = 1


LOCK = threading.Lock()
t = threading.Thread(target=worker, daemon=True)
t.start()
t.join()
print("end")
