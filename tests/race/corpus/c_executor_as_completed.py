# expect: clean
from concurrent.futures import ThreadPoolExecutor, as_completed


class Cell:
    def __init__(self):
        self.v = 0


cells = [Cell() for _ in range(6)]


def compute(c, i):
    c.v = i * i


with ThreadPoolExecutor(max_workers=3) as ex:
    fs = [ex.submit(compute, c, i) for i, c in enumerate(cells)]
    for _f in as_completed(fs):
        pass
    print(sum(c.v for c in cells))
