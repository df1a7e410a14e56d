# expect: clean
import threading

registry = {}


def register(n):
    registry[n] = n * n


ts = [threading.Thread(target=register, args=(i,)) for i in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sum(v for v in registry.values()), [k for k in registry])
