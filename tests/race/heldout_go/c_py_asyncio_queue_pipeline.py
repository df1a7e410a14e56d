"""Idiom: an asyncio.Queue pipeline. The producer fills each Job and puts it; one of two
consumers gets it and does read / await / write on it. Only that consumer touches the job after
the hand-off, so the read-await-write is not a lost update: clean.
"""

import asyncio


class Job:
    def __init__(self, n: int) -> None:
        self.n = n
        self.count = 0
        self.payload = ""


async def producer(q: "asyncio.Queue[Job | None]", jobs: int, consumers: int) -> None:
    for n in range(jobs):
        job = Job(n)
        job.payload = f"job-{n}"
        job.count = n
        await q.put(job)
        await asyncio.sleep(0)
    for _ in range(consumers):
        await q.put(None)


async def consumer(q: "asyncio.Queue[Job | None]", done: list[Job]) -> None:
    while (job := await q.get()) is not None:
        current = job.count
        await asyncio.sleep(0.001)
        job.count = current + 100
        done.append(job)


async def main() -> None:
    q: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=2)
    done: list[Job] = []
    await asyncio.gather(producer(q, 10, 2), consumer(q, done), consumer(q, done))
    print(sorted((j.payload, j.count) for j in done))


if __name__ == "__main__":
    asyncio.run(main())
