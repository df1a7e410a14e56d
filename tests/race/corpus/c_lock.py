# expect: clean
import threading


class Counter:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()


def bump(c):
    for _ in range(100):
        with c.lock:
            c.count += 1


c = Counter()
ts = [threading.Thread(target=bump, args=(c,)) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(c.count)
