# expect: race cache
import threading

cache = {}


def get(key):
    if key not in cache:
        cache[key] = key * 2
    return cache[key]


ts = [threading.Thread(target=get, args=(21,)) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(cache)
