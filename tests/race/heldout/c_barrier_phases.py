"""Three parties write their own cell, meet at a Barrier, then each reads every cell."""

import threading


class Cell:
    def __init__(self):
        self.value = 0


cells = [Cell() for _ in range(3)]
barrier = threading.Barrier(3)
sums = [0, 0, 0]


def party(i):
    cells[i].value = i + 1
    barrier.wait()
    sums[i] = sum(c.value for c in cells)


ts = [threading.Thread(target=party, args=(i,)) for i in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sums)
