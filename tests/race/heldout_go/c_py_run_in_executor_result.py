"""Idiom: CPU or blocking work offloaded with loop.run_in_executor, the coroutine using the
object the work filled in.

The submitting coroutine's writes precede the submit; the work's writes precede the result
the coroutine awaits: clean, for several batches in flight at once.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor


class BatchStats:
    def __init__(self, label: str) -> None:
        self.label = label
        self.count = 0
        self.total = 0
        self.mean = 0.0


def crunch(stats: BatchStats, values: list[int]) -> BatchStats:
    stats.count = len(values)
    stats.total = sum(values)
    return stats


async def summarise(loop: asyncio.AbstractEventLoop, pool: ThreadPoolExecutor, n: int) -> str:
    stats = BatchStats(f"batch{n}")
    done = await loop.run_in_executor(pool, crunch, stats, list(range(n * 100)))
    done.mean = done.total / done.count
    return f"{done.label}: {done.count} {done.mean:.1f}"


async def main() -> None:
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=3) as pool:
        lines = await asyncio.gather(*(summarise(loop, pool, n) for n in range(1, 5)))
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
