# expect: race Pool._conn
import threading


class Pool:
    def __init__(self):
        self._conn = None

    def conn(self):
        if self._conn is None:
            self._conn = object()
        return self._conn


pool = Pool()
ts = [threading.Thread(target=pool.conn) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
