"""asyncio.Semaphore(1) guards a lost-update pattern; asyncio.Queue hands objects to a consumer."""

import asyncio


class Box:
    def __init__(self):
        self.v = 0


async def main():
    box = Box()
    sem = asyncio.Semaphore(1)

    async def bump():
        async with sem:
            v = box.v
            await asyncio.sleep(0)
            box.v = v + 1

    await asyncio.gather(*(bump() for _ in range(3)))

    q = asyncio.Queue()
    got = []

    async def producer():
        for i in range(3):
            b = Box()
            await asyncio.sleep(0)
            b.v = i
            await q.put(b)

    async def consumer():
        for _ in range(3):
            b = await q.get()
            await asyncio.sleep(0)
            b.v = b.v * 10
            got.append(b.v)
            q.task_done()

    await asyncio.gather(consumer(), producer())
    await q.join()
    print(box.v, got)


asyncio.run(main())
