# expect: clean
import concurrent.futures


class Partial:
    def __init__(self):
        self.value = None


def job(p, n):
    p.value = n + 1


parts = [Partial() for _ in range(5)]
ex = concurrent.futures.ThreadPoolExecutor(max_workers=2)
fs = [ex.submit(job, p, i) for i, p in enumerate(parts)]
concurrent.futures.wait(fs)
print(sum(p.value for p in parts))
ex.shutdown()
