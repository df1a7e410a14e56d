# expect: clean
import threading

slots = threading.BoundedSemaphore(1)
log = {"entries": 0}


def write():
    for _ in range(10):
        with slots:
            log["entries"] = log["entries"] + 1


ts = [threading.Thread(target=write) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(log)
