# expect: clean
from concurrent.futures import ThreadPoolExecutor


class Report:
    def __init__(self):
        self.rows = 0


def fill(report):
    report.rows = 10
    return report


reports = [Report() for _ in range(4)]
with ThreadPoolExecutor(max_workers=2) as ex:
    futures = [ex.submit(fill, r) for r in reports]
    print(sum(f.result().rows for f in futures))
    print(sum(r.rows for r in reports))
