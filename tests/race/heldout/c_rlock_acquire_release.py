"""RLock taken re-entrantly with explicit acquire/release around a read-modify-write."""

import threading


class Ledger:
    def __init__(self):
        self.lock = threading.RLock()
        self.balance = 0

    def add(self, x):
        self.lock.acquire()
        try:
            self.balance += x
            self._audit()
        finally:
            self.lock.release()

    def _audit(self):
        with self.lock:
            self.balance = self.balance + 0


led = Ledger()
ts = [threading.Thread(target=led.add, args=(i,)) for i in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("balance", led.balance)
