"""Threads run one after another with start()/join() chaining, each updating the same globals."""

import threading

counter = 0
names = {}


def step(i):
    global counter
    counter += 1
    names[i] = names.get(i - 1, 0) + counter


for i in range(4):
    t = threading.Thread(target=step, args=(i,))
    t.start()
    t.join()
counter += 1
print(counter, sorted(names.items()))
