# expect: clean
import threading

hits = 0
hits_lock = threading.Lock()


def worker():
    global hits
    for _ in range(50):
        with hits_lock:
            hits += 1


ts = [threading.Thread(target=worker) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(hits)
