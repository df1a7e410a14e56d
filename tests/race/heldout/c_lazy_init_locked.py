"""Lazy initialisation done right: the check and the assignment both happen under the lock."""

import threading


class Service:
    def __init__(self):
        self._lock = threading.Lock()
        self._conn = None

    def conn(self):
        with self._lock:
            if self._conn is None:
                self._conn = {"id": 1}
            return self._conn


svc = Service()
out = []
ts = [threading.Thread(target=lambda: out.append(svc.conn()["id"])) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(out)
