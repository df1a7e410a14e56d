# expect: race Counter.count
import threading


class Counter:
    def __init__(self):
        self.count = 0


def bump(c):
    for _ in range(100):
        c.count += 1


c = Counter()
ts = [threading.Thread(target=bump, args=(c,)) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(c.count > 0)
