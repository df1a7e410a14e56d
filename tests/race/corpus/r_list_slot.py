# expect: race slots
import threading

slots = [0, 0, 0]


def work(i):
    for _ in range(20):
        slots[i % 3] += 1


ts = [threading.Thread(target=work, args=(0,)), threading.Thread(target=work, args=(3,))]
for t in ts:
    t.start()
for t in ts:
    t.join()
