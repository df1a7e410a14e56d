# expect: clean
import asyncio


class Job:
    def __init__(self):
        self.state = "new"


async def worker(q, out):
    while True:
        job = await q.get()
        if job is None:
            return
        s = job.state
        await asyncio.sleep(0)
        job.state = s + "+done"
        await out.put(job)


async def main():
    q, out = asyncio.Queue(), asyncio.Queue()
    w = asyncio.create_task(worker(q, out))
    for _ in range(3):
        job = Job()
        job.state = "queued"
        await q.put(job)
    await q.put(None)
    await w
    while not out.empty():
        j = await out.get()
        s = j.state
        await asyncio.sleep(0)
        j.state = s + "!"
        print(j.state)


asyncio.run(main())
