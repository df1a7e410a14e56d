"""Consumers read a shared total, await queue.get(), then write it back: a lost update across an await."""

import asyncio


class Totals:
    def __init__(self):
        self.sum = 0


async def consumer(q, totals):
    for _ in range(2):
        before = totals.sum
        item = await q.get()
        totals.sum = before + item  # RACE: Totals.sum


async def main():
    q = asyncio.Queue()
    totals = Totals()
    tasks = [asyncio.create_task(consumer(q, totals)) for _ in range(2)]
    await asyncio.sleep(0)  # both consumers now wait in get(): each get() suspends
    for i in range(4):
        await q.put(i)
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    print("sum", totals.sum)


asyncio.run(main())
