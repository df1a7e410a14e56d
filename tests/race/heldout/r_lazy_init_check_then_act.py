"""Lazy initialisation with an unguarded check-then-act on an instance attribute."""

import threading


class Registry:
    def __init__(self):
        self._cache = None

    def table(self):
        if self._cache is None:
            self._cache = {"a": 1}  # RACE: Registry._cache
        return self._cache


reg = Registry()
out = []
ts = [threading.Thread(target=lambda: out.append(len(reg.table()))) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("sizes", out)
