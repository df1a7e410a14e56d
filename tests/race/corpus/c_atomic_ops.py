# expect: clean
import collections
import threading

seen = []
index = {}
tags = set()
events = collections.deque()


def work(n):
    for i in range(20):
        seen.append(i)
        index[n] = i
        index.setdefault("shared", []).append(n)
        tags.add(i % 3)
        events.append(i)
        index.get("shared")
        if events:
            events.popleft()


ts = [threading.Thread(target=work, args=(n,)) for n in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(seen), sorted(tags), len(index["shared"]))
