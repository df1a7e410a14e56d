# expect: race Accumulator.total
from concurrent.futures import ThreadPoolExecutor


class Accumulator:
    def __init__(self):
        self.total = 0

    def add(self, n):
        self.total += n


acc = Accumulator()
with ThreadPoolExecutor(max_workers=4) as ex:
    list(ex.map(acc.add, range(40)))
print(acc.total)
