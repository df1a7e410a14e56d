# expect: clean
from concurrent.futures import ThreadPoolExecutor


class Out:
    def __init__(self):
        self.data = None


outs = [Out() for _ in range(4)]


def produce(o):
    o.data = [1, 2, 3]


ex = ThreadPoolExecutor(max_workers=2)
for o in outs:
    ex.submit(produce, o)
ex.shutdown(wait=True)
print(sum(len(o.data) for o in outs))
