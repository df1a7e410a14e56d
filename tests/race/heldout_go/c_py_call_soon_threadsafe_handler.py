"""Idiom: a worker thread builds objects and hands them to the event loop with
loop.call_soon_threadsafe(handler, obj).

Everything the worker did before call_soon_threadsafe is ordered before the handler runs on
the loop; the handler and the coroutine that later reads the objects are on the loop, after an
asyncio.Event: clean.
"""

import asyncio
import threading


class Job:
    def __init__(self, n: int) -> None:
        self.n = n
        self.result = 0
        self.trail: list[str] = []


async def main() -> None:
    loop = asyncio.get_running_loop()
    received: list[Job] = []
    all_in = asyncio.Event()
    count = 5

    def handle(job: Job) -> None:  # runs on the loop
        job.result += 1
        job.trail.append("loop")
        received.append(job)
        if len(received) == count:
            all_in.set()

    def produce() -> None:  # runs in a worker thread
        for i in range(count):
            job = Job(i)
            job.result = i * i
            job.trail.append("worker")
            loop.call_soon_threadsafe(handle, job)

    worker = threading.Thread(target=produce)
    worker.start()
    await all_in.wait()
    total = 0
    for job in received:
        job.result *= 2
        total += job.result
    print("total =", total, received[0].trail)
    await asyncio.to_thread(worker.join)


if __name__ == "__main__":
    asyncio.run(main())
