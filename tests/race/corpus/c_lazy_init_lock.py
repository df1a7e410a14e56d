# expect: clean
import threading


class Pool:
    def __init__(self):
        self._conn = None
        self._lock = threading.Lock()

    def conn(self):
        with self._lock:
            if self._conn is None:
                self._conn = object()
            return self._conn


pool = Pool()
ts = [threading.Thread(target=pool.conn) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(pool.conn() is pool.conn())
