"""ThreadPoolExecutor.map items all add into one shared total attribute."""

from concurrent.futures import ThreadPoolExecutor


class Acc:
    total = 0


acc = Acc()


def add(x):
    acc.total = acc.total + x  # RACE: Acc.total
    return x


with ThreadPoolExecutor(max_workers=2) as ex:
    results = list(ex.map(add, range(4)))
print(results, acc.total)
