"""Work items write objects without returning them; the with-block's shutdown orders main's reads."""

from concurrent.futures import ThreadPoolExecutor


class Tally:
    def __init__(self):
        self.count = 0


tallies = [Tally() for _ in range(4)]


def fill(t, n):
    for _ in range(n):
        t.count += 1


with ThreadPoolExecutor(max_workers=2) as ex:
    for i, t in enumerate(tallies):
        ex.submit(fill, t, i)
print([t.count for t in tallies])

total = [0]
ex2 = ThreadPoolExecutor(max_workers=2)
ex2.submit(fill, tallies[0], 5)
ex2.shutdown(wait=True)
print(tallies[0].count)
