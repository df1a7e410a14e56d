"""asyncio tasks do `x.n += 1` with no await inside the update (awaits only around it)."""

import asyncio


class Counter:
    n = 0


async def tick(c):
    for _ in range(3):
        await asyncio.sleep(0)
        c.n += 1
        c.n = c.n + 1


async def main():
    c = Counter()
    await asyncio.gather(*(tick(c) for _ in range(3)))
    print(c.n)


asyncio.run(main())
