# expect: clean
import threading


class Pool:
    size = 0


pool = Pool()
sem = threading.Semaphore(1)


def use():
    for _ in range(10):
        sem.acquire()
        pool.size += 1
        sem.release()


ts = [threading.Thread(target=use) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(pool.size)
