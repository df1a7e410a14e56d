"""Each future fills its own Report object; main reads each one when as_completed yields it."""

from concurrent.futures import ThreadPoolExecutor, as_completed


class Report:
    def __init__(self, name):
        self.name = name
        self.size = None


def build(rep):
    rep.size = len(rep.name) * 10
    return rep


reps = [Report(n) for n in ("a", "bb", "ccc")]
ex = ThreadPoolExecutor(max_workers=2)
futs = {ex.submit(build, r): r for r in reps}
sizes = {}
for f in as_completed(futs):
    r = futs[f]
    sizes[r.name] = r.size
ex.shutdown()
print(sorted(sizes.items()))
