# expect: clean
import asyncio


class Counter:
    n = 0


async def bump(c, sem):
    async with sem:
        v = c.n
        await asyncio.sleep(0)
        c.n = v + 1


async def main():
    c, sem = Counter(), asyncio.Semaphore(1)
    await asyncio.gather(*(bump(c, sem) for _ in range(4)))
    print(c.n)


asyncio.run(main())
