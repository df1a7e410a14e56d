# expect: race hits
import threading

hits = 0


def worker():
    global hits
    for _ in range(50):
        hits += 1


ts = [threading.Thread(target=worker) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(hits > 0)
