# expect: race totals
import threading

totals = {"apples": 0}


def add():
    for _ in range(30):
        totals["apples"] += 1


ts = [threading.Thread(target=add) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
