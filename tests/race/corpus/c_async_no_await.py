# expect: clean
import asyncio


class Stats:
    hits = 0


stats = Stats()


async def hit():
    for _ in range(10):
        stats.hits += 1
        await asyncio.sleep(0)


async def main():
    await asyncio.gather(*(hit() for _ in range(5)))
    print(stats.hits)


asyncio.run(main())
